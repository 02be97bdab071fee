//! Rendering as Scapy does: `show()`, `summary()`, `hexdump()`, `command()`, `repr()` and `ls()`.

use std::cell::Cell;
use std::fmt::Write;

use super::field::{lookup, Dflt, Field, Kind, Show};
use super::value::{FieldValue, Generator};
use super::{Layer, Packet, Proto, Slot};

/// Scapy's `show()`: a `###[ Name ]###` header per layer, fields padded to 10 columns, each deeper layer
/// indented 3 more spaces, packet-list fields as nested blocks prefixed with `|`.
pub(crate) fn show(p: &Packet) -> String {
    let mut s = String::new();
    let mut lvl = String::new();
    for i in 0..p.layers.len() {
        show_layer(&mut s, p, i, &lvl, "");
        lvl.push_str("   ");
    }
    s
}

fn show_layer(s: &mut String, p: &Packet, i: usize, lvl: &str, label: &str) {
    let layer = &p.layers[i];
    let under = i.checked_sub(1).map(|u| p.layers[u].proto);
    let _ = writeln!(s, "{label}###[ {} ]###", layer.proto.long_name);
    for (f, field) in layer.proto.fields.iter().enumerate() {
        if field.when.is_some_and(|c| !c(layer, under)) {
            continue;
        }
        let pad = " ".repeat(10usize.saturating_sub(field.name.len()));
        let v = p.value(i, f);
        if let FieldValue::Layers(records) = &v {
            let _ = writeln!(s, "{label}{lvl}  \\{}{pad}\\", field.name);
            let inner = format!("{label}{lvl}   |");
            for r in records {
                show_layer(s, &Packet::new(vec![r.clone()]), 0, "", &inner);
            }
            continue;
        }
        let repr = field.repr(&v, layer);
        let indent = " ".repeat(label.len() + lvl.len() + field.name.len() + 4);
        let _ = writeln!(
            s,
            "{label}{lvl}  {}{pad}= {}",
            field.name,
            repr.replace('\n', &format!("\n{indent}"))
        );
    }
}

/// Scapy's `summary()` of the packet from layer `start` up (`p[TCP].summary()`): the names of the layers joined
/// by ` / `, the topmost layer that has a summary of its own speaking for itself and everything below it (the
/// layers under `start` still feed it, as Scapy's underlayer does).
pub(crate) fn summary(p: &Packet, start: usize) -> String {
    let mut out = String::with_capacity(96);
    write_summary(&mut out, p, start);
    out
}

/// [`summary`] appended to `out`.
fn write_summary(out: &mut String, p: &Packet, start: usize) {
    let layers = &p.layers[start..];
    let own = layers.iter().rposition(|l| l.proto.summary.is_some());
    for (k, layer) in layers.iter().enumerate() {
        if k > 0 {
            out.push_str(" / ");
        }
        match (own, layer.proto.summary) {
            (Some(at), Some(hook)) if at == k => hook(p, start + k, out),
            _ => out.push_str(layer.proto.name),
        }
    }
}

thread_local! {
    /// Set while a numeric summary is rendered. A flag rather than a parameter, so that every protocol's
    /// summary hook keeps its signature and gets numeric output for free through [`field_repr`].
    static NUMERIC: Cell<bool> = const { Cell::new(false) };
}

/// `summary()` with port numbers instead of service names (tcpdump's `-nn`): `TCP 198.18.0.1:20 > …:80 S`,
/// appended to `out`.
pub(crate) fn write_summary_numeric(out: &mut String, p: &Packet) {
    /// Clears the flag on every exit path, a panicking summary hook included.
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            NUMERIC.with(|n| n.set(false));
        }
    }
    NUMERIC.with(|n| n.set(true));
    let _reset = Reset;
    write_summary(out, p, 0);
}

/// Scapy's `sprintf`, as summaries use it: appends `template` with each `%field%` replaced by that field of
/// layer `i` and each `%Layer.field%` by the field of the nearest layer of that name at or under `i` (`??`
/// when there is none), rendered as [`write_field`] does.
///
/// ```
/// use wirecraft::{packet::sprintf, Layer};
/// let p = Layer::named("IP")?.with("dst", "198.18.0.2")? / Layer::named("ICMP")?;
/// let mut s = String::from("ICMP ");
/// sprintf(&mut s, &p, 1, "to %IP.dst% %type%, %Ether.src%, 100%");
/// assert_eq!(s, "ICMP to 198.18.0.2 echo-request, ??, 100%");
/// # Ok::<(), wirecraft::Error>(())
/// ```
pub fn sprintf(out: &mut String, p: &Packet, i: usize, template: &str) {
    let mut rest = template;
    while let Some((text, spec, after)) = rest.split_once('%').and_then(|(text, r)| {
        let (spec, after) = r.split_once('%')?;
        Some((text, spec, after))
    }) {
        out.push_str(text);
        match spec.split_once('.') {
            Some((name, field)) => match (0..=i).rev().find(|&u| p.layers[u].proto.name == name) {
                Some(u) => write_field(out, p, u, field),
                None => out.push_str("??"),
            },
            None => write_field(out, p, i, spec),
        }
        rest = after;
    }
    out.push_str(rest);
}

/// A field of layer `i` rendered as Scapy's `sprintf("%Layer.field%")` does (ports as numbers while a numeric
/// summary is rendered).
pub fn field_repr(p: &Packet, i: usize, name: &str) -> String {
    let mut s = String::new();
    write_field(&mut s, p, i, name);
    s
}

/// [`field_repr`] appended to `out`: summaries call it for every packet of a capture, so the common kinds
/// (numbers, names, IPv4 addresses) are written without building an intermediate string.
pub fn write_field(out: &mut String, p: &Packet, i: usize, name: &str) {
    let layer = &p.layers[i];
    let Some(f) = layer.field_index(name) else {
        out.push_str("??");
        return;
    };
    let field = &layer.proto.fields[f];
    // An integer read from the wire, as most fields of a dissected packet's summary: no value is built.
    let wire_int = match field.int_width() {
        Some(_) if layer.is_from_wire(f) => layer.int_at(f),
        _ => None,
    };
    let value = match wire_int {
        Some(n) => FieldValue::Int(n),
        None => p.value(i, f),
    };
    match (value, field.show) {
        (FieldValue::Int(n), _) if field.port && NUMERIC.with(Cell::get) => out.push_str(itoa::Buffer::new().format(n)),
        (FieldValue::Int(n), Show::Dec) => out.push_str(itoa::Buffer::new().format(n)),
        (FieldValue::Int(n), Show::Enum(table)) => match lookup(table, n) {
            Some(name) => out.push_str(name),
            None => out.push_str(itoa::Buffer::new().format(n)),
        },
        (FieldValue::Int(n), Show::Flags(names, sep)) => super::field::write_flags(out, n, names, sep),
        (FieldValue::Ip6(a), _) => out.push_str(&super::value::fmt_ip6(a)),
        (FieldValue::Ip4(a), _) => super::value::push_ip4(out, a),
        (v, _) => out.push_str(&field.repr(&v, layer)),
    }
}

/// Scapy's `hexdump()`: `%04x` offsets, 16 upper-case bytes, then ASCII with `.` for non-printables.
pub fn hexdump(data: &[u8]) -> String {
    let mut s = String::with_capacity(data.len() * 4 + 16);
    for (row, chunk) in data.chunks(16).enumerate() {
        if row > 0 {
            s.push('\n');
        }
        let _ = write!(s, "{:04x}  ", row * 16);
        for j in 0..16 {
            match chunk.get(j) {
                Some(b) => {
                    let _ = write!(s, "{b:02X} ");
                }
                None => s.push_str("   "),
            }
        }
        s.push(' ');
        s.extend(chunk.iter().map(|&b| printable(b)));
    }
    s
}

/// Scapy's `hexstr`: the bytes as hex on one line, then two spaces and their text; or only one of the two.
pub fn hexstr(data: &[u8], only_text: bool, only_hex: bool) -> String {
    let hex = || data.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(" ");
    let text = || data.iter().map(|&b| printable(b)).collect::<String>();
    match (only_text, only_hex) {
        (true, _) => text(),
        (false, true) => hex(),
        (false, false) => format!("{}  {}", hex(), text()),
    }
}

/// Scapy's `chexdump`: the bytes as a C array's items, `0x45, 0x00, …`.
pub fn chexdump(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:#04x}")).collect::<Vec<_>>().join(", ")
}

/// How a byte shows in a dump's text column.
fn printable(b: u8) -> char {
    if (32..127).contains(&b) {
        b as char
    } else {
        '.'
    }
}

/// Scapy's `repr()`: `<Ether  dst=… type=IPv4 |<IP  … |>>`, listing fields set explicitly, dissected or
/// implied by stacking.
pub(crate) fn repr(p: &Packet) -> String {
    let mut s = String::new();
    for i in 0..p.layers.len() {
        let over: Vec<(usize, FieldValue)> = (0..p.layers[i].proto.fields.len())
            .filter_map(|f| p.overload(i, f).map(|v| (f, v)))
            .collect();
        let lr = layer_repr(&p.layers[i], Some(&over));
        s.push_str(&lr[..lr.len() - 1]);
    }
    s.push_str(&">".repeat(p.layers.len()));
    s
}

/// One layer's `repr`, closed: `<TCP  dport=http |>`. `over` lists values implied by the layer above.
pub(crate) fn layer_repr(l: &Layer, over: Option<&[(usize, FieldValue)]>) -> String {
    let mut s = format!("<{} ", l.proto.name);
    for (f, field) in l.proto.fields.iter().enumerate() {
        if field.when.is_some_and(|c| !c(l, None)) {
            continue;
        }
        let v = match l.slot(f) {
            Slot::User(v) => v.clone(),
            Slot::Wire(v) => v.into_owned(),
            Slot::Unset => match over.and_then(|o| o.iter().find(|(i, _)| *i == f)) {
                Some((_, v)) => v.clone(),
                None if field.list_default() => field.default_value(l),
                None => continue,
            },
        };
        if matches!(&v, FieldValue::List(x) if x.is_empty()) || matches!(&v, FieldValue::Layers(x) if x.is_empty()) {
            continue;
        }
        let _ = write!(s, " {}={}", field.name, field.repr(&v, l));
    }
    s.push_str(" |>");
    s
}

/// Scapy's `command()`: `Ether(dst='…')/IP(ttl=3)/TCP()`, with the fields set explicitly or dissected.
pub(crate) fn command(p: &Packet) -> String {
    p.layers.iter().map(layer_command).collect::<Vec<_>>().join("/")
}

fn layer_command(l: &Layer) -> String {
    let mut args = Vec::new();
    // Packet-list fields are in Scapy's `p.fields` from the start, so they come first.
    let fields = l.proto.fields.iter().enumerate();
    let (lists, others): (Vec<_>, Vec<_>) = fields.partition(|(_, field)| field.list_default());
    for (f, field) in lists.into_iter().chain(others) {
        let v = match l.slot(f) {
            Slot::User(v) => v.clone(),
            Slot::Wire(v) => v.into_owned(),
            Slot::Unset if field.list_default() => field.default_value(l),
            Slot::Unset => continue,
        };
        let text = match &v {
            FieldValue::Layers(rs) if rs.is_empty() && matches!(field.default, Dflt::Empty) => continue,
            FieldValue::List(xs) if xs.is_empty() && matches!(field.default, Dflt::Empty) => continue,
            FieldValue::Layers(rs) => format!("[{}]", rs.iter().map(layer_command).collect::<Vec<_>>().join(",")),
            FieldValue::List(xs) => format!(
                "[{}]",
                xs.iter().map(FieldValue::to_string).collect::<Vec<_>>().join(",")
            ),
            FieldValue::Mac(_) | FieldValue::Ip4(_) | FieldValue::Ip6(_) => format!("'{}'", field.repr(&v, l)),
            // The call that makes the value again, where its repr is `<RandByte>`.
            FieldValue::Gen(g) => match **g {
                Generator::Rand(k) => format!("{}()", k.name()),
                _ => g.to_string(),
            },
            v => v.to_string(),
        };
        args.push(format!("{}={text}", field.name));
    }
    format!("{}({})", l.proto.name, args.join(", "))
}

/// Scapy's `ls(Proto)`: `name : Class (extras) = (default)` per field, the default as Python's `repr` of
/// Scapy's `repr` of it.
pub(crate) fn ls(proto: &'static Proto) -> String {
    ls_with(proto, None, false, |_| None)
}

/// [`ls`] with a column of current values before the defaults, as Scapy's `ls(pkt)`: `value(f)` is field `f`'s
/// value as Python's `repr` writes it (`None` leaves the column out), and `layer` the packet's layer, whose
/// values name the table a field depends on (`None`: the class's defaults). A run of fields of one name is one
/// of Scapy's `MultipleTypeField`s, and one line. `verbose` is Scapy's `ls(…, verbose=True)`: each field's
/// line is followed by the names its values take, indented ([`ls_long`]).
pub fn ls_with(
    proto: &'static Proto,
    layer: Option<&Layer>,
    verbose: bool,
    value: impl Fn(usize) -> Option<String>,
) -> String {
    let mut s = String::new();
    let fields = proto.fields;
    // The value of the field called `name`: the layer's, else its default.
    let number = |name: &str| {
        let f = fields.iter().position(|x| x.name == name)?;
        match layer {
            Some(l) => l.int_at(f),
            None => match fields[f].default {
                Dflt::Int(v) => Some(v),
                _ => None,
            },
        }
    };
    let mut f = 0;
    while f < fields.len() {
        let run = fields[f..].iter().take_while(|x| x.name == fields[f].name).count();
        let (class, extras, last, long) = match &fields[f..f + run] {
            [one] => (
                ls_class(one),
                ls_extras(one, &number),
                one,
                verbose.then(|| ls_long(one, &number)),
            ),
            alternatives => {
                let names: Vec<&str> = alternatives.iter().map(ls_class).collect();
                (
                    "MultipleTypeField",
                    format!("({})", names.join(", ")),
                    &alternatives[run - 1],
                    None,
                )
            }
        };
        // A class given with its own extras (`MultipleTypeField (IPField, …)`, a codec's alternatives) keeps them.
        let info = match class.split_once(' ') {
            Some((class, own)) => format!("{class} {own}{extras}"),
            None => format!("{class} {extras}"),
        };
        let dflt = super::value::py_str(&ls_default(last));
        let name = fields[f].name;
        let _ = match value(f) {
            Some(v) => writeln!(s, "{name:<10} : {info:<35} = {v:<15} ({dflt})"),
            None => writeln!(s, "{name:<10} : {info:<35} = ({dflt})"),
        };
        for line in long.into_iter().flatten() {
            let _ = writeln!(s, "{:<15}{line}", "");
        }
        f += run;
    }
    s
}

/// What Scapy's verbose `ls()` lists under a field: an enum's names with their numbers (`IPv4: 2048`, by
/// number, for tables under 50 names), the table a `MultiEnumField` takes for the value it depends on, or a
/// flags field's names. Scapy's `BitEnumField` is no `EnumField`, so it lists nothing.
fn ls_long(field: &Field, number: &dyn Fn(&str) -> Option<u64>) -> Vec<String> {
    let table = match field.show {
        Show::Flags(names, _) => return vec![names.join(", ")],
        Show::Enum(table) | Show::HexEnum(table) if field.kind_name() != "BitEnumField" => table,
        Show::EnumBy(other, table_for) => number(other).map_or(&[][..], table_for),
        _ => match field.kind {
            Kind::Custom(codec) => codec.names(),
            _ => return Vec::new(),
        },
    };
    // Scapy's `i2s` is a dict: one name per number, the last given.
    let mut names = std::collections::BTreeMap::new();
    for (n, name) in table {
        names.insert(*n, *name);
    }
    if names.len() >= 50 {
        return Vec::new();
    }
    names.into_iter().map(|(n, name)| format!("{name}: {n}")).collect()
}

/// The field's Scapy class: Scapy's `MayEnd` wrapper shows instead of the class it wraps.
fn ls_class(field: &Field) -> &'static str {
    if field.may_end {
        "MayEnd"
    } else {
        field.kind_name()
    }
}

/// What `ls()` prints after the class: `(Cond)` for a `ConditionalField`, `(Depends on 8)` for a number named
/// by another field's value, the width of a plain bit field (Scapy's `BitField` and its subclasses only).
fn ls_extras(field: &Field, number: &dyn Fn(&str) -> Option<u64>) -> String {
    let mut attrs = Vec::new();
    if field.when.is_some() {
        attrs.push("Cond".to_string());
    }
    if let (Show::EnumBy(other, _), "MultiEnumField") = (field.show, field.kind_name()) {
        if let Some(v) = number(other) {
            attrs.push(format!("Depends on {v}"));
        }
    }
    let mut extras = if attrs.is_empty() {
        String::new()
    } else {
        format!("({})", attrs.join(", "))
    };
    if let (Kind::Bits(w), Show::Dec | Show::Hex, None) = (field.kind, field.show, field.scapy_class) {
        let _ = write!(extras, " ({w} bit{})", if w == 1 { "" } else { "s" });
    }
    extras
}

/// Scapy's default of the field as Python's `repr` writes it: addresses are strings, flags a `Flag` value.
fn ls_default(field: &Field) -> String {
    if let Some(repr) = field.scapy_default {
        return repr.to_string();
    }
    match (field.default, field.show) {
        (Dflt::Auto | Dflt::None | Dflt::Dyn(_), _) => "None".to_string(),
        (Dflt::Empty, _) => "[]".to_string(),
        (Dflt::Int(i), Show::Flags(names, sep)) => {
            format!("<Flag {i} ({})>", super::field::flags_repr(i, names, sep))
        }
        (Dflt::Int(i), _) => i.to_string(),
        (Dflt::Mac(m), _) => super::value::py_str(&super::value::fmt_mac(&m)),
        (Dflt::Ip4(a), _) => super::value::py_str(&std::net::Ipv4Addr::from(a).to_string()),
        (Dflt::Ip6(a), _) => super::value::py_str(&super::value::fmt_ip6(std::net::Ipv6Addr::from(a))),
        (Dflt::Bytes(b), _) => super::value::py_bytes(b),
    }
}
