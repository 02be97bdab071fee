//! Scapy's `Packet.json()` (scapy/packet.py `_command(json=True)`): a packet's fields as JSON text, for grepping
//! and display, with Scapy's exact text.
//!
//! Each layer is an object of every field of its table in order, with the value it reads (set, dissected,
//! implied by stacking, or the default; automatic fields unset are `null`); numbers as numbers (enum and
//! flags fields too), addresses as text, bytes as text decoded from UTF-8 with `\xNN` for what does not
//! decode, records as objects of their fields, other lists as the `repr` of each item. An empty list is left
//! out when the field's default is empty too. The payload is the layer's `"payload"` member, as Scapy splices
//! it in. Text is written as Python's `json.dumps` writes it (`, ` and `: `, non-ASCII as `\uXXXX`).

use super::field::{Dflt, Field};
use super::value::{fmt_ip6, fmt_mac, FieldValue, Generator};
use super::{Layer, Packet};

/// The JSON text of the packet from layer `start` up.
pub(crate) fn json(p: &Packet, start: usize) -> String {
    let Some(layer) = p.layers().get(start) else {
        return String::new();
    };
    let mut dump = object(layer, |f| p.value(start, f));
    let payload = json(p, start + 1);
    if !payload.is_empty() {
        // Scapy's splice: the layer's object without its closing brace, then the payload member.
        dump.pop();
        dump.push_str(", \"payload\": ");
        dump.push_str(&payload);
        dump.push('}');
    }
    dump
}

/// One layer's fields as a JSON object, each field's value read by `value` (from its index).
fn object(layer: &Layer, value: impl Fn(usize) -> FieldValue) -> String {
    let fields = layer.proto().fields;
    let mut members = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        // A name with alternatives (a field whose kind depends on the others) is one member, read from the
        // alternative that applies, as Scapy's one `MultipleTypeField` is.
        if fields[..i].iter().any(|f| f.name == field.name) {
            continue;
        }
        let at = layer.field_index(field.name).unwrap_or(i);
        let v = value(at);
        let empty =
            matches!(&v, FieldValue::List(l) if l.is_empty()) || matches!(&v, FieldValue::Layers(l) if l.is_empty());
        if empty && default_is_falsy(&fields[at]) {
            continue;
        }
        members.push(format!("{}: {}", string(field.name), value_json(&v)));
    }
    format!("{{{}}}", members.join(", "))
}

/// Whether the field's default is false in Python (`not fld.default`): Scapy then leaves an empty list out.
fn default_is_falsy(f: &Field) -> bool {
    match f.default {
        Dflt::Auto | Dflt::None | Dflt::Empty | Dflt::Int(0) => true,
        Dflt::Bytes(b) => b.is_empty(),
        Dflt::Int(_) | Dflt::Mac(_) | Dflt::Ip4(_) | Dflt::Ip6(_) | Dflt::Dyn(_) => false,
    }
}

/// A field's value as JSON.
fn value_json(v: &FieldValue) -> String {
    match v {
        FieldValue::None => "null".into(),
        FieldValue::Int(i) => i.to_string(),
        // Python's float repr, as json.dumps writes it (STP's times: 2.5, 15.0).
        FieldValue::Float(_) => v.to_string(),
        FieldValue::Bytes(b) => string(&decode_backslashreplace(b)),
        FieldValue::Str(s) => string(s),
        FieldValue::Mac(m) => string(&fmt_mac(m)),
        FieldValue::Ip4(a) => string(&a.to_string()),
        FieldValue::Ip6(a) => string(&fmt_ip6(*a)),
        FieldValue::Layers(records) => array(records.iter().map(|r| object(r, |f| r.value_at(f)))),
        // Scapy writes each item of a list field as its repr.
        FieldValue::List(items) => array(items.iter().map(|x| string(&x.to_string()))),
        FieldValue::Tuple(items) => array(items.iter().map(value_json)),
        FieldValue::Gen(g) => match &**g {
            Generator::Range(a, b) => format!("[{a}, {b}]"),
            Generator::Choice(items) => array(items.iter().map(value_json)),
            other => string(&other.to_string()),
        },
    }
}

fn array(items: impl Iterator<Item = String>) -> String {
    format!("[{}]", items.collect::<Vec<_>>().join(", "))
}

/// Python's `bytes.decode("utf-8", errors="backslashreplace")`: each byte that does not decode is `\xNN`.
fn decode_backslashreplace(mut b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    loop {
        match std::str::from_utf8(b) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (good, rest) = b.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                let bad = e.error_len().unwrap_or(rest.len());
                for c in &rest[..bad] {
                    out.push_str(&format!("\\x{c:02x}"));
                }
                b = &rest[bad..];
            }
        }
    }
}

/// A JSON string as Python's `json.dumps` writes it (`ensure_ascii`): every character outside printable ASCII
/// escaped, lower-case hex, astral characters as surrogate pairs.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_written_as_python_json_dumps_writes_it() {
        assert_eq!(
            string("a\"b\\c\n\u{0}\u{7f}é𝄞"),
            r#""a\"b\\c\n\u0000\u007f\u00e9\ud834\udd1e""#
        );
    }

    #[test]
    fn bytes_that_do_not_decode_are_backslash_escapes() {
        assert_eq!(decode_backslashreplace(b"\x00\xffhi\xe9\"\\"), "\u{0}\\xffhi\\xe9\"\\");
        assert_eq!(decode_backslashreplace("é".as_bytes()), "é");
        assert_eq!(decode_backslashreplace(b"a\xe2\x82"), "a\\xe2\\x82");
    }
}
