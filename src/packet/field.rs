//! Field tables: each protocol declares its fields once, as data, and everything else — building, dissecting,
//! showing, setting by name — is driven from that table.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::value::{fmt_mac, mask, FieldValue, Generator, IpRange};
use super::{Layer, Proto};
use crate::error::closest;

/// How a field sits on the wire.
#[derive(Clone, Copy)]
pub enum Kind {
    /// `n` bits, most significant first; consecutive bit fields pack into whole bytes.
    Bits(u8),
    U8,
    U16,
    U32,
    U64,
    /// Little-endian 32 bits (the BSD loopback header, in host order on Linux).
    LeU32,
    Mac,
    Ip4,
    Ip6,
    /// Raw bytes; `Len` says how many when dissecting.
    Bytes(Len),
    /// A field with its own wire format, defined next to its protocol (TCP options, DNS names, …).
    Custom(&'static dyn Codec),
    /// A list of records, each a one-layer packet of a record protocol (DNS questions, IP options).
    Records(&'static Records),
}

/// How many bytes a variable field takes when dissecting.
#[derive(Clone, Copy)]
pub enum Len {
    Fixed(usize),
    /// Everything left in the layer.
    Rest,
    /// Computed from the fields decoded so far.
    From(fn(&Layer) -> usize),
    /// Python's `s[:n]`, `n` computed from the fields decoded so far: a negative `n` leaves that many bytes off
    /// the end (Scapy's `length_from` lambdas that go negative on malformed input).
    Slice(fn(&Layer) -> i64),
}

impl Len {
    /// How many bytes, out of `avail`, the field takes, given the fields decoded before it.
    pub fn resolve(self, layer: &Layer, avail: usize) -> usize {
        match self {
            Len::Fixed(n) => n,
            Len::Rest => avail,
            Len::From(f) => f(layer),
            Len::Slice(f) => {
                let n = f(layer);
                if n >= 0 {
                    n as usize
                } else {
                    avail.saturating_sub(n.unsigned_abs() as usize)
                }
            }
        }
    }
}

/// A packet-list field: how to find each record's protocol and where the list ends.
pub struct Records {
    /// Chooses a record's protocol from the bytes at its start.
    pub dispatch: fn(&[u8]) -> &'static Proto,
    /// Where the list ends: a byte length or a record count, computed from the fields decoded so far.
    pub bound: Bound,
}

/// The end of a record list.
#[derive(Clone, Copy)]
pub enum Bound {
    Bytes(Len),
    Count(fn(&Layer) -> usize),
}

/// A field with its own wire format.
pub trait Codec: Sync {
    /// Appends the value's wire form. Values were checked by `coerce` when set, so encoding cannot fail.
    fn encode(&self, v: &FieldValue, out: &mut Vec<u8>);

    /// [`Codec::encode`] for a wire form that depends on the layer's other fields (a fixed-length string pads
    /// or cuts to its length).
    fn encode_in(&self, v: &FieldValue, _layer: &Layer, out: &mut Vec<u8>) {
        self.encode(v, out)
    }
    /// Decodes from `data[pos..]`; returns the value and the bytes used, or `None` when the data is malformed.
    /// `data` starts where the enclosing message starts (DNS compression pointers are relative to it), and
    /// `start` is where the layer being decoded starts in it: a record's codec finds its record's data from
    /// there, whether the fields before it were kept or only measured.
    fn decode(&self, data: &[u8], start: usize, pos: usize, end: usize, layer: &Layer) -> Option<(FieldValue, usize)>;
    /// The bytes `decode` would use (or `None` where it would fail), for lazy dissection; codecs whose values
    /// cost allocations say it without building them.
    fn measure(&self, data: &[u8], start: usize, pos: usize, end: usize, layer: &Layer) -> Option<usize> {
        self.decode(data, start, pos, end, layer).map(|(_, used)| used)
    }
    /// Converts what the user typed into this field's value, or says why it cannot. A fraction is a value only
    /// of a codec that says so.
    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        match v {
            FieldValue::Float(x) => Err(format!("expected no fraction, got {x:?}")),
            v => Ok(v),
        }
    }
    /// [`Codec::coerce`] for a field whose kind depends on the layer's other fields as set so far (Scapy's
    /// `any2i(pkt, value)`: a TXT record's `rdata` of `"x"` is the list `["x"]`).
    fn coerce_in(&self, v: FieldValue, _layer: &Layer) -> Result<FieldValue, String> {
        self.coerce(v)
    }
    /// Scapy's warnings for a value it keeps but partly skips when building (a TCP option it does not know),
    /// in Scapy's words; none for most values.
    fn skipped(&self, _v: &FieldValue) -> Vec<String> {
        Vec::new()
    }
    /// Scapy's `i2repr`: the value as `show()` prints it.
    fn repr(&self, v: &FieldValue) -> String {
        v.to_string()
    }
    /// The kind's name, for `ls()`.
    fn kind_name(&self) -> &'static str;
    /// The names of its values, for the verbose `ls()`: an enum codec's table (Scapy's `i2s`).
    fn names(&self) -> &'static [(u64, &'static str)] {
        &[]
    }
    /// True when Scapy's default for this field is a list: such fields come first in `command()`.
    fn list_default(&self) -> bool {
        false
    }
}

/// A field's default value.
#[derive(Clone, Copy)]
pub enum Dflt {
    /// Computed at build time (lengths, checksums, counts): shows as `None` until built.
    Auto,
    Int(u64),
    Mac([u8; 6]),
    Ip4([u8; 4]),
    Ip6(u128),
    Bytes(&'static [u8]),
    /// An empty list (options, records).
    Empty,
    None,
    /// Computed from the layer's other fields when shown or built (IP's source from its destination).
    Dyn(fn(&Layer) -> FieldValue),
}

/// How a field's value is shown.
#[derive(Clone, Copy)]
pub enum Show {
    Dec,
    Hex,
    /// A number with names: prints the name when known, accepts a name when set.
    Enum(&'static [(u64, &'static str)]),
    /// Like `Enum`, but an unnamed number prints in hex (Scapy's `XShortEnumField`).
    HexEnum(&'static [(u64, &'static str)]),
    /// Flags with one letter (or name) per bit, lowest bit first; `sep` joins names when printing.
    Flags(&'static [&'static str], &'static str),
    /// A number rendered by a function (timestamps shown as times of day or dates).
    Fmt(fn(u64) -> String),
    /// Like `Enum`, but the table depends on another field (ICMP codes depend on the type).
    EnumBy(&'static str, fn(u64) -> &'static [(u64, &'static str)]),
}

/// One row of a protocol's field table.
#[derive(Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub default: Dflt,
    pub show: Show,
    /// Present only when this holds (Scapy's `ConditionalField`); sees the fields before it and the layer below.
    pub when: Option<fn(&Layer, Option<&'static Proto>) -> bool>,
    /// Dissection may stop after this field when no bytes are left (Scapy's `MayEnd`).
    pub may_end: bool,
    /// Writes the field when its wire form depends on the layer's other fields (IPv6 options are padded only
    /// while `autopad` is on); `None` writes the kind's encoding.
    pub encode_with: Option<fn(&Layer, &FieldValue, &mut Vec<u8>)>,
    /// The value is a port number whose names are services; numeric rendering (tcpdump's `-nn`) prints the
    /// number instead of the name.
    pub port: bool,
    /// Scapy's class for this field where the kind alone does not say it (`DestIPField`, `FieldLenField`), for
    /// `ls()`.
    pub scapy_class: Option<&'static str>,
    /// Scapy's default as Python's `repr` writes it, where it differs from the value wirecraft starts from (an
    /// address Scapy fills when built shows `None`), for `ls()`.
    pub scapy_default: Option<&'static str>,
    pub doc: &'static str,
}

impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl Field {
    pub const fn new(name: &'static str, kind: Kind, default: Dflt) -> Field {
        Field {
            name,
            kind,
            default,
            show: Show::Dec,
            when: None,
            may_end: false,
            encode_with: None,
            port: false,
            scapy_class: None,
            scapy_default: None,
            doc: "",
        }
    }
    pub const fn bits(name: &'static str, width: u8, default: u64) -> Field {
        Field::new(name, Kind::Bits(width), Dflt::Int(default))
    }
    pub const fn u8(name: &'static str, default: u64) -> Field {
        Field::new(name, Kind::U8, Dflt::Int(default))
    }
    pub const fn u16(name: &'static str, default: u64) -> Field {
        Field::new(name, Kind::U16, Dflt::Int(default))
    }
    pub const fn u32(name: &'static str, default: u64) -> Field {
        Field::new(name, Kind::U32, Dflt::Int(default))
    }
    pub const fn mac(name: &'static str, default: [u8; 6]) -> Field {
        Field::new(name, Kind::Mac, Dflt::Mac(default))
    }
    pub const fn ip4(name: &'static str, default: [u8; 4]) -> Field {
        Field::new(name, Kind::Ip4, Dflt::Ip4(default))
    }
    pub const fn ip6(name: &'static str, default: u128) -> Field {
        Field::new(name, Kind::Ip6, Dflt::Ip6(default))
    }
    /// An automatic field: computed at build unless the user sets it.
    pub const fn auto(self) -> Field {
        Field {
            default: Dflt::Auto,
            ..self
        }
    }
    pub const fn hex(self) -> Field {
        Field {
            show: Show::Hex,
            ..self
        }
    }
    pub const fn names(self, table: &'static [(u64, &'static str)]) -> Field {
        Field {
            show: Show::Enum(table),
            ..self
        }
    }
    /// A port number named by a service table (`http`); printed as a number in numeric summaries.
    pub const fn ports(self, table: &'static [(u64, &'static str)]) -> Field {
        Field {
            port: true,
            ..self.names(table)
        }
    }
    pub const fn hex_names(self, table: &'static [(u64, &'static str)]) -> Field {
        Field {
            show: Show::HexEnum(table),
            ..self
        }
    }
    pub const fn fmt(self, f: fn(u64) -> String) -> Field {
        Field {
            show: Show::Fmt(f),
            ..self
        }
    }
    pub const fn flags(self, names: &'static [&'static str], sep: &'static str) -> Field {
        Field {
            show: Show::Flags(names, sep),
            ..self
        }
    }
    pub const fn names_by(self, other: &'static str, table: fn(u64) -> &'static [(u64, &'static str)]) -> Field {
        Field {
            show: Show::EnumBy(other, table),
            ..self
        }
    }
    pub const fn when(self, cond: fn(&Layer, Option<&'static Proto>) -> bool) -> Field {
        Field {
            when: Some(cond),
            ..self
        }
    }
    pub const fn may_end(self) -> Field {
        Field { may_end: true, ..self }
    }
    pub const fn encode_with(self, f: fn(&Layer, &FieldValue, &mut Vec<u8>)) -> Field {
        Field {
            encode_with: Some(f),
            ..self
        }
    }
    pub const fn doc(self, doc: &'static str) -> Field {
        Field { doc, ..self }
    }
    /// Scapy's class name for the field, as `ls()` prints it, where [`Field::kind_name`] would not find it.
    pub const fn scapy_class(self, name: &'static str) -> Field {
        Field {
            scapy_class: Some(name),
            ..self
        }
    }
    /// Scapy's default as `repr` writes it, as `ls()` prints it, where it is not the field's own default.
    pub const fn scapy_default(self, repr: &'static str) -> Field {
        Field {
            scapy_default: Some(repr),
            ..self
        }
    }

    /// Width in bits of an integer field, `None` for the others.
    pub fn int_width(&self) -> Option<u8> {
        match self.kind {
            Kind::Bits(w) => Some(w),
            Kind::U8 => Some(8),
            Kind::U16 => Some(16),
            Kind::U32 | Kind::LeU32 => Some(32),
            Kind::U64 => Some(64),
            _ => None,
        }
    }

    /// True when the field is called `name`. Summaries look fields up by name for every packet of a capture:
    /// the first byte settles most mismatches without a call to compare the whole names.
    #[inline]
    pub fn is_named(&self, name: &str) -> bool {
        self.name.len() == name.len() && self.name.as_bytes().first() == name.as_bytes().first() && self.name == name
    }

    /// Width in bits when every packet has the field at the same size: integers, addresses, fixed bytes.
    pub fn fixed_bits(&self) -> Option<u32> {
        match self.kind {
            Kind::Mac => Some(48),
            Kind::Ip4 => Some(32),
            Kind::Ip6 => Some(128),
            Kind::Bytes(Len::Fixed(n)) => u32::try_from(n * 8).ok(),
            _ => self.int_width().map(u32::from),
        }
    }

    /// A stacking overload (see [`Overload`](crate::layers::Overload)) as an integer: the low 64 bits, for every
    /// field but an IP address one (`None`), which takes the low 32 bits (IPv4) or all 128 (IPv6) as the
    /// address. The one place that decides; build's integer path uses it so that no value is made (or dropped)
    /// per field.
    #[inline]
    pub fn overload_int(&self, bits: u128) -> Option<u64> {
        (!matches!(self.kind, Kind::Ip4 | Kind::Ip6)).then_some(bits as u64)
    }

    /// A stacking overload as a value: an integer (see [`Field::overload_int`]) or an address.
    pub fn overload_value(&self, bits: u128) -> FieldValue {
        match (self.overload_int(bits), self.kind) {
            (Some(x), _) => FieldValue::Int(x),
            (None, Kind::Ip4) => FieldValue::Ip4(Ipv4Addr::from(bits as u32)),
            (None, _) => FieldValue::Ip6(Ipv6Addr::from(bits)),
        }
    }

    /// The default as a value (`None` for auto fields); `layer` feeds computed defaults.
    /// Scapy puts list fields (their default is a list: records, TCP options) into `p.fields` when the packet
    /// is created: they show in `repr()`, `command()` and `p.fields` even when never set (`DNS(qd=[DNSQR()])`).
    pub fn list_default(&self) -> bool {
        match self.kind {
            Kind::Records(_) => true,
            Kind::Custom(c) => c.list_default(),
            _ => false,
        }
    }

    pub fn default_value(&self, layer: &Layer) -> FieldValue {
        match self.default {
            Dflt::Dyn(f) => f(layer),
            Dflt::Auto | Dflt::None => FieldValue::None,
            Dflt::Int(i) => FieldValue::Int(i),
            Dflt::Mac(m) => FieldValue::Mac(m),
            Dflt::Ip4(a) => FieldValue::Ip4(Ipv4Addr::from(a)),
            Dflt::Ip6(a) => FieldValue::Ip6(Ipv6Addr::from(a)),
            Dflt::Bytes(b) => FieldValue::Bytes(b.to_vec()),
            Dflt::Empty => match self.kind {
                Kind::Records(_) => FieldValue::Layers(Vec::new()),
                _ => FieldValue::List(Vec::new()),
            },
        }
    }

    pub fn is_auto(&self) -> bool {
        matches!(self.default, Dflt::Auto)
    }

    /// True for a field a user sets freely, whose value a dissection of the built bytes reads back: always
    /// present, neither automatic nor computed from other fields, and not the size or count of other fields
    /// (set by hand, those ask for bytes that dissect otherwise: Scapy's non-automatic `FieldLenField`s,
    /// `length`, `saltlength`, known by their names).
    pub fn reads_back(&self) -> bool {
        let sizes_others = ["len", "length", "count"].iter().any(|s| self.name.ends_with(s));
        self.when.is_none() && !self.is_auto() && !matches!(self.default, Dflt::Dyn(_)) && !sizes_others
    }

    /// The kind's name as `ls()` prints it (Scapy's field class names).
    pub fn kind_name(&self) -> &'static str {
        if let Some(name) = self.scapy_class {
            return name;
        }
        match (self.kind, self.show) {
            (Kind::Custom(c), _) => c.kind_name(),
            (Kind::Records(_), _) => "PacketListField",
            (Kind::Bits(_), Show::Flags(..)) => "FlagsField",
            (Kind::Bits(_), Show::Enum(_)) => "BitEnumField",
            (Kind::Bits(_), Show::EnumBy(..)) => "MultiEnumField",
            (Kind::Bits(_), Show::Hex) => "XBitField",
            (Kind::Bits(_), _) => "BitField",
            (Kind::U8, Show::Enum(_) | Show::EnumBy(..)) => "ByteEnumField",
            (Kind::U8, Show::Flags(..)) => "FlagsField",
            (Kind::U8, Show::Hex) => "XByteField",
            (Kind::U8, _) => "ByteField",
            (Kind::U16, Show::Enum(_)) => "ShortEnumField",
            (Kind::U16, Show::HexEnum(_)) => "XShortEnumField",
            (Kind::U16, Show::Flags(..)) => "FlagsField",
            (Kind::U16, Show::Hex) => "XShortField",
            (Kind::U16, _) => "ShortField",
            (Kind::U32, Show::Enum(_)) => "IntEnumField",
            (Kind::U32, Show::Hex) => "XIntField",
            (Kind::U32, _) => "IntField",
            (Kind::U64, _) => "LongField",
            (Kind::LeU32, _) => "LEIntEnumField",
            (Kind::Mac, _) => "MACField",
            (Kind::Ip4, _) if matches!(self.default, Dflt::Dyn(_)) => "SourceIPField",
            (Kind::Ip4, _) => "IPField",
            (Kind::Ip6, _) => "IP6Field",
            (Kind::Bytes(Len::Fixed(_)), _) => "StrFixedLenField",
            (Kind::Bytes(Len::From(_) | Len::Slice(_)), _) => "StrLenField",
            (Kind::Bytes(Len::Rest), _) => "StrField",
        }
    }

    /// Converts what the user gave into a value of this field's kind: parses addresses, flag strings, enum
    /// names and networks; turns 2-tuples of integers and lists into packet sets, except that a list of flag
    /// names is one flags value. The error says what was expected.
    ///
    /// As in Scapy (`SetGen` over a field that is not a list field), only the field's whole value, or an
    /// element of a list that is, stands for many: a field whose value is itself a list or a record (TCP
    /// options, DNS records) takes its tuples as they are, so `("Timestamp", (123, 456))` is a pair.
    pub fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        match v {
            FieldValue::Gen(g) => Ok(FieldValue::Gen(Box::new(self.coerce_gen(*g)?))),
            FieldValue::None => Ok(FieldValue::None),
            FieldValue::List(items) if matches!(self.show, Show::Flags(..)) => self.flags_from_list(&items),
            FieldValue::List(items) if self.takes_sets() => {
                let items = items
                    .into_iter()
                    .map(|i| self.coerce(i))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(FieldValue::gen(Generator::Choice(items)))
            }
            FieldValue::Tuple(t) if self.takes_sets() => match t.as_slice() {
                [FieldValue::Int(a), FieldValue::Int(b)] => {
                    Ok(FieldValue::gen(self.coerce_gen(Generator::Range(*a, *b))?))
                }
                // Scapy's `IP(dst=("198.18.0.1", "198.18.0.9"))`: every address from the first to the last.
                [a, b] if matches!(self.kind, Kind::Ip4 | Kind::Ip6) => {
                    let ends = (self.coerce_one(a.clone())?, self.coerce_one(b.clone())?);
                    let range = match ends {
                        (FieldValue::Ip4(a), FieldValue::Ip4(b)) => IpRange::V4(a, b),
                        (FieldValue::Ip6(a), FieldValue::Ip6(b)) => IpRange::V6(a, b),
                        _ => {
                            return Err(format!(
                                "an address range takes two addresses, got {}",
                                FieldValue::Tuple(t)
                            ))
                        }
                    };
                    Ok(FieldValue::gen(Generator::Addresses(range)))
                }
                _ => self.coerce_one(FieldValue::Tuple(t)),
            },
            v => self.coerce_one(v),
        }
    }

    /// [`Field::coerce`] in `layer`, whose fields set so far may decide the value's kind ([`Codec::coerce_in`]).
    pub fn coerce_in(&self, v: FieldValue, layer: &Layer) -> Result<FieldValue, String> {
        match (self.kind, v) {
            (Kind::Custom(c), v) if !matches!(v, FieldValue::Gen(_) | FieldValue::None) => c.coerce_in(v, layer),
            (_, v) => self.coerce(v),
        }
    }

    /// Whether a list or a 2-tuple given as this field's value stands for many values: not for a field whose
    /// value is a list or a record of its own (Scapy's `islist`), which takes them as its value.
    fn takes_sets(&self) -> bool {
        !matches!(self.kind, Kind::Custom(_) | Kind::Records(_))
    }

    /// Scapy's `FlagValue` from a list: the flags named (`["S", "A"]`, or `["DF", "MF"]`) ORed into one value.
    fn flags_from_list(&self, items: &[FieldValue]) -> Result<FieldValue, String> {
        let Show::Flags(names, _) = self.show else {
            return Err(format!("{} is not a flags field", self.name));
        };
        let mut v = 0;
        for item in items {
            let FieldValue::Str(s) = item else {
                return Err(format!(
                    "a list of flags names them ({}), got {item}",
                    names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
                ));
            };
            v |= self.int_from_name(s)?;
        }
        self.coerce_one(FieldValue::Int(v))
    }

    /// What building `v` will skip, with Scapy's warning for each ([`Codec::skipped`]).
    pub fn skipped(&self, v: &FieldValue) -> Vec<String> {
        match self.kind {
            Kind::Custom(c) => c.skipped(v),
            _ => Vec::new(),
        }
    }

    fn coerce_gen(&self, g: Generator) -> Result<Generator, String> {
        Ok(match g {
            Generator::Choice(items) => {
                Generator::Choice(items.into_iter().map(|i| self.coerce(i)).collect::<Result<_, _>>()?)
            }
            Generator::Range(a, b) => {
                if self.int_width().is_none() {
                    return Err(format!("a range ({a}, {b}) needs an integer field"));
                }
                Generator::Range(a, b)
            }
            g => g,
        })
    }

    fn coerce_one(&self, v: FieldValue) -> Result<FieldValue, String> {
        match self.kind {
            Kind::Custom(c) => c.coerce(v),
            Kind::Records(_) => match v {
                FieldValue::Layers(l) => Ok(FieldValue::Layers(l)),
                FieldValue::List(l) if l.is_empty() => Ok(FieldValue::Layers(Vec::new())),
                other => Err(format!("expected a list of records, got {other}")),
            },
            Kind::Mac => match v {
                FieldValue::Mac(m) => Ok(FieldValue::Mac(m)),
                FieldValue::Str(s) => parse_mac(&s)
                    .map(FieldValue::Mac)
                    .ok_or_else(|| format!("'{s}' is not a MAC address")),
                FieldValue::Bytes(b) if b.len() == 6 => Ok(FieldValue::Mac(b.try_into().unwrap_or([0; 6]))),
                // ARP with an odd hardware length carries its addresses as bytes.
                FieldValue::Bytes(b) => Ok(FieldValue::Bytes(b)),
                other => Err(format!("expected a MAC address, got {other}")),
            },
            Kind::Ip4 => match v {
                FieldValue::Ip4(a) => Ok(FieldValue::Ip4(a)),
                FieldValue::Str(s) => parse_ip4_or_net(&s),
                FieldValue::Int(i) if i <= u32::MAX as u64 => Ok(FieldValue::Ip4(Ipv4Addr::from(i as u32))),
                FieldValue::Bytes(b) => Ok(FieldValue::Bytes(b)),
                other => Err(format!("expected an IPv4 address, got {other}")),
            },
            Kind::Ip6 => match v {
                FieldValue::Ip6(a) => Ok(FieldValue::Ip6(a)),
                FieldValue::Str(s) => parse_ip6_or_net(&s),
                other => Err(format!("expected an IPv6 address, got {other}")),
            },
            Kind::Bytes(_) => match v {
                FieldValue::Bytes(b) => Ok(FieldValue::Bytes(b)),
                FieldValue::Str(s) => Ok(FieldValue::Bytes(s.into_owned().into_bytes())),
                FieldValue::Int(i) => Ok(FieldValue::Bytes(i.to_string().into_bytes())),
                other => Err(format!("expected bytes, got {other}")),
            },
            Kind::Bits(_) | Kind::U8 | Kind::U16 | Kind::U32 | Kind::U64 | Kind::LeU32 => {
                let width = self.int_width().unwrap_or(64);
                let i = match v {
                    FieldValue::Int(i) => i,
                    FieldValue::Str(s) => self.int_from_name(&s)?,
                    other => return Err(format!("expected an integer, got {other}")),
                };
                if i > mask(width) {
                    return Err(format!("{i} does not fit in {width} bits"));
                }
                Ok(FieldValue::Int(i))
            }
        }
    }

    /// The error for a name none of the field's tables holds: the nearest name when one is close (`"htp"` for
    /// `http`), else `otherwise`.
    fn unknown_name(&self, s: &str, names: &[&str], otherwise: String) -> String {
        match closest(s, names) {
            Some((_, near)) => format!("'{s}' is not a known value of {}; did you mean '{near}'?", self.name),
            None => format!("'{s}' is not a known value of {}; {otherwise}", self.name),
        }
    }

    /// Parses a flag string (`"SA"`, `"DF+MF"`) or an enum name (`"echo-request"`), or a number in text.
    fn int_from_name(&self, s: &str) -> Result<u64, String> {
        if let Some(n) = parse_int(s) {
            return Ok(n);
        }
        match self.show {
            Show::Enum(table) | Show::HexEnum(table) => {
                table.iter().find(|(_, n)| *n == s).map(|(v, _)| *v).ok_or_else(|| {
                    let names: Vec<&str> = table.iter().map(|(_, n)| *n).collect();
                    self.unknown_name(s, &names, format!("known: {}", names[..names.len().min(12)].join(", ")))
                })
            }
            // Fields may be set before the one the table depends on, so every table of a byte-sized key is
            // searched, lowest key first (ICMP codes: names are unique across types).
            Show::EnumBy(_, table) => (0..=255)
                .find_map(|k| table(k).iter().find(|(_, n)| *n == s).map(|(v, _)| *v))
                .ok_or_else(|| {
                    let names: Vec<&str> = (0..=255).flat_map(|k| table(k).iter().map(|(_, n)| *n)).collect();
                    self.unknown_name(s, &names, "give it as a number".into())
                }),
            Show::Flags(names, _) => {
                parse_flags(s, names).ok_or_else(|| format!("'{s}' is not made of the flags {}", names.join(" ")))
            }
            _ => Err(format!("'{s}' is not a number")),
        }
    }

    /// Scapy's `i2repr`: the value as `show()` prints it. `layer` gives the sibling fields `EnumBy` needs.
    pub fn repr(&self, v: &FieldValue, layer: &Layer) -> String {
        match (v, self.kind) {
            (FieldValue::None, _) => "None".into(),
            (FieldValue::Gen(g), _) => match (&**g, self.show) {
                // Scapy's `EnumField.i2repr` maps over a list: a Python list of the names, as strings.
                (Generator::Choice(items), Show::Enum(_) | Show::HexEnum(_) | Show::EnumBy(..))
                    if items.iter().all(|i| i.as_int().is_some()) =>
                {
                    let names: Vec<String> = items
                        .iter()
                        .map(|i| super::value::py_str(&self.int_repr(i.as_int().unwrap_or(0), layer)))
                        .collect();
                    format!("[{}]", names.join(", "))
                }
                _ => g.to_string(),
            },
            (v, Kind::Custom(c)) => c.repr(v),
            (FieldValue::Int(i), _) => self.int_repr(*i, layer),
            (FieldValue::Mac(m), _) => fmt_mac(m),
            (FieldValue::Ip4(a), _) => a.to_string(),
            (FieldValue::Ip6(a), _) => super::value::fmt_ip6(*a),
            // Scapy's StrFixedLenField shows its bytes without the trailing zeros.
            (FieldValue::Bytes(b), Kind::Bytes(Len::Fixed(_))) => {
                let end = b.iter().rposition(|&x| x != 0).map_or(0, |i| i + 1);
                super::value::py_bytes(&b[..end])
            }
            (v, _) => v.to_string(),
        }
    }

    fn int_repr(&self, i: u64, layer: &Layer) -> String {
        match self.show {
            Show::Dec => itoa::Buffer::new().format(i).to_string(),
            Show::Hex => format!("{i:#x}"),
            Show::Enum(table) => match lookup(table, i) {
                Some(name) => name.to_string(),
                None => itoa::Buffer::new().format(i).to_string(),
            },
            Show::HexEnum(table) => lookup(table, i)
                .map(str::to_string)
                .unwrap_or_else(|| format!("{i:#x}")),
            Show::EnumBy(other, table) => {
                let key = layer.get_int(other).unwrap_or(0);
                lookup(table(key), i)
                    .map(str::to_string)
                    .unwrap_or_else(|| i.to_string())
            }
            Show::Flags(names, sep) => flags_repr(i, names, sep),
            Show::Fmt(f) => f(i),
        }
    }
}

/// Looks a number up in a name table.
pub fn lookup(table: &'static [(u64, &'static str)], v: u64) -> Option<&'static str> {
    // Tables are sorted by number (a test in `layers` checks every one).
    table.binary_search_by_key(&v, |(k, _)| *k).ok().map(|i| table[i].1)
}

/// Scapy's flag rendering: names of the set bits, lowest first, joined by `sep`; unnamed set bits by number.
pub fn flags_repr(i: u64, names: &[&str], sep: &str) -> String {
    let mut s = String::new();
    write_flags(&mut s, i, names, sep);
    s
}

/// [`flags_repr`] appended to `out`.
pub fn write_flags(s: &mut String, i: u64, names: &[&str], sep: &str) {
    let start = s.len();
    let mut rest = i;
    while rest != 0 {
        let bit = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        if s.len() > start {
            s.push_str(sep);
        }
        match names.get(bit) {
            Some(n) if !n.is_empty() => s.push_str(n),
            _ => {
                s.push_str("bit ");
                s.push_str(itoa::Buffer::new().format(bit));
            }
        }
    }
}

/// Parses a flag string: single letters (`"SA"`) when every name is one letter, else names joined by `+`, `|`
/// or spaces (`"DF+MF"`).
fn parse_flags(s: &str, names: &[&str]) -> Option<u64> {
    let single = names.iter().all(|n| n.len() <= 1);
    let mut v = 0u64;
    if single {
        for c in s.chars() {
            let bit = names.iter().position(|n| n.len() == 1 && n.starts_with(c))?;
            v |= 1 << bit;
        }
    } else {
        for part in s.split(['+', '|', ' ']).filter(|p| !p.is_empty()) {
            let bit = names.iter().position(|n| *n == part)?;
            v |= 1 << bit;
        }
    }
    Some(v)
}

/// Parses decimal, `0x` hex, `0o` octal and `0b` binary integers.
pub fn parse_int(s: &str) -> Option<u64> {
    let t = s.trim().replace('_', "");
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if let Some(o) = t.strip_prefix("0o") {
        u64::from_str_radix(o, 8).ok()
    } else if let Some(b) = t.strip_prefix("0b") {
        u64::from_str_radix(b, 2).ok()
    } else {
        t.parse().ok()
    }
}

/// Parses `aa:bb:cc:dd:ee:ff` (also with `-`).
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut m = [0u8; 6];
    let mut parts = s.split([':', '-']);
    for b in m.iter_mut() {
        *b = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(m)
}

/// An IPv4 address (or a host name /etc/hosts knows), or a network `a.b.c.d/len` as a set of addresses.
pub fn parse_ip4_or_net(s: &str) -> Result<FieldValue, String> {
    if let Some((a, p)) = s.split_once('/') {
        let addr: Ipv4Addr = a.parse().map_err(|_| format!("'{a}' is not an IPv4 address"))?;
        let prefix: u8 = p
            .parse()
            .ok()
            .filter(|p| *p <= 32)
            .ok_or_else(|| format!("'/{p}' is not an IPv4 prefix length"))?;
        return Ok(FieldValue::gen(Generator::Net4(addr, prefix)));
    }
    // The hosts file is read only for what is not an address.
    match s.parse().ok().or_else(|| match super::hosts::lookup(s, false) {
        Some(std::net::IpAddr::V4(a)) => Some(a),
        _ => None,
    }) {
        Some(a) => Ok(FieldValue::Ip4(a)),
        None => Err(not_an_address(s, "IPv4")),
    }
}

/// Why `s` is neither an address nor a known host: a mistyped address (`198.18.0.300`) says just that.
fn not_an_address(s: &str, family: &str) -> String {
    let looks_like_a_name = !s.contains(':') && s.chars().any(|c| c.is_ascii_alphabetic());
    match looks_like_a_name {
        true => format!("'{s}' is not an {family} address, nor a host name /etc/hosts knows"),
        false => format!("'{s}' is not an {family} address"),
    }
}

/// An IPv6 address (or a host name /etc/hosts knows), or a network `addr/len` as a set of addresses.
pub fn parse_ip6_or_net(s: &str) -> Result<FieldValue, String> {
    if let Some((a, p)) = s.split_once('/') {
        let addr: Ipv6Addr = a.parse().map_err(|_| format!("'{a}' is not an IPv6 address"))?;
        let prefix: u8 = p
            .parse()
            .ok()
            .filter(|p| *p <= 128)
            .ok_or_else(|| format!("'/{p}' is not an IPv6 prefix length"))?;
        return Ok(FieldValue::gen(Generator::Net6(addr, prefix)));
    }
    match s.parse().ok().or_else(|| match super::hosts::lookup(s, true) {
        Some(std::net::IpAddr::V6(a)) => Some(a),
        _ => None,
    }) {
        Some(a) => Ok(FieldValue::Ip6(a)),
        None => Err(not_an_address(s, "IPv6")),
    }
}

#[cfg(test)]
mod tests {
    use crate::packet::{FieldValue, Generator, Layer};

    fn pair(a: FieldValue, b: FieldValue) -> FieldValue {
        FieldValue::Tuple(vec![a, b])
    }

    #[test]
    fn a_tuple_or_list_is_a_set_only_as_a_plain_fields_whole_value() {
        let mut tcp = Layer::named("TCP").unwrap();
        tcp.set("dport", pair(20u64.into(), 25u64.into())).unwrap();
        assert_eq!(tcp.get("dport"), Some(FieldValue::gen(Generator::Range(20, 25))));
        tcp.set(
            "sport",
            FieldValue::List(vec![pair(1u64.into(), 2u64.into()), 80u64.into()]),
        )
        .unwrap();
        assert_eq!(
            tcp.get("sport"),
            Some(FieldValue::gen(Generator::Choice(vec![
                FieldValue::gen(Generator::Range(1, 2)),
                FieldValue::Int(80)
            ])))
        );
        let ts = pair("Timestamp".into(), pair(123u64.into(), 456u64.into()));
        tcp.set("options", FieldValue::List(vec![ts.clone()])).unwrap();
        assert_eq!(tcp.get("options"), Some(FieldValue::List(vec![ts])));
    }

    #[test]
    fn a_list_of_flag_names_is_one_flags_value() {
        let mut tcp = Layer::named("TCP").unwrap();
        tcp.set("flags", FieldValue::List(vec!["S".into(), "A".into()]))
            .unwrap();
        assert_eq!(tcp.get_int("flags"), Some(0x12));
        tcp.set("flags", FieldValue::List(vec![])).unwrap();
        assert_eq!(tcp.get_int("flags"), Some(0));
        let mut ip = Layer::named("IP").unwrap();
        ip.set("flags", FieldValue::List(vec!["DF".into(), "MF".into()]))
            .unwrap();
        assert_eq!(ip.get_int("flags"), Some(3));
        let err = tcp.set("flags", FieldValue::List(vec![2u64.into()])).unwrap_err();
        assert!(err.to_string().contains("a list of flags names them"), "{err}");
        assert!(tcp.set("flags", FieldValue::List(vec!["SX".into()])).is_err());
    }
}
