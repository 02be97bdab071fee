//! Field values: what a field holds, and the generators that turn a packet into a packet set.

use std::borrow::Cow;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::Layer;

/// A field's value. Integers of every width are `Int`; addresses have their own variants so that they print
/// and parse as addresses; packet-list fields (DNS records, IP options) hold `Layers`.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    Int(u64),
    /// A number of seconds with a fraction, as typed or as read (Scapy's `BCDFloatField`, STP's timers).
    Float(f64),
    Bytes(Vec<u8>),
    /// Text as the user typed it: coerced by the field kind when set (an address, a flag string, an enum name).
    /// Borrowed for names the engine itself produces (TCP option names), so dissection allocates nothing for them.
    Str(Cow<'static, str>),
    Mac([u8; 6]),
    Ip4(Ipv4Addr),
    Ip6(Ipv6Addr),
    List(Vec<FieldValue>),
    /// An ordered pair or record, as in TCP options `("MSS", 1460)`.
    Tuple(Vec<FieldValue>),
    /// The records of a packet-list field, each a one-layer packet.
    Layers(Vec<Layer>),
    None,
    /// A set or random value: a field holding one makes the packet a set, or random at each build.
    Gen(Box<Generator>),
}

/// Values that stand for many: packet sets (ranges, lists, networks) and random values drawn at build time.
#[derive(Clone, Debug, PartialEq)]
pub enum Generator {
    /// Inclusive range, Scapy's `(a, b)` tuple.
    Range(u64, u64),
    /// Each of these values in turn; an element may itself be a range or a network.
    Choice(Vec<FieldValue>),
    /// Every address from the first to the last, inclusive: Scapy's `(a, b)` tuple of addresses.
    Addresses(IpRange),
    /// Every address of an IPv4 network, network and broadcast addresses included, as Scapy's `Net`.
    Net4(Ipv4Addr, u8),
    /// Every address of an IPv6 network.
    Net6(Ipv6Addr, u8),
    /// A fresh random value at each build.
    Rand(RandKind),
}

/// Scapy's volatile random values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RandKind {
    Byte,
    Short,
    Int,
    Long,
    /// A random number of `width` bits, for bit fields.
    Bits(u8),
    Ip,
    Ip6,
    Mac,
    /// Random bytes, of a random length up to the given maximum.
    Bytes(usize),
}

/// The ends of an address range, both of one family.
#[derive(Clone, Debug, PartialEq)]
pub enum IpRange {
    V4(Ipv4Addr, Ipv4Addr),
    V6(Ipv6Addr, Ipv6Addr),
}

impl IpRange {
    /// The ends as numbers.
    fn bounds(&self) -> (u128, u128) {
        match self {
            IpRange::V4(a, b) => (u32::from(*a).into(), u32::from(*b).into()),
            IpRange::V6(a, b) => (u128::from(*a), u128::from(*b)),
        }
    }
}

impl Generator {
    /// How many values this generator stands for; random values count as one. Saturates at `u128::MAX`.
    pub fn count(&self) -> u128 {
        match self {
            Generator::Range(a, b) => {
                if b >= a {
                    (*b - *a) as u128 + 1
                } else {
                    0
                }
            }
            Generator::Choice(items) => items
                .iter()
                .map(|v| match v {
                    FieldValue::Gen(g) => g.count(),
                    _ => 1,
                })
                .fold(0u128, |a, b| a.saturating_add(b)),
            Generator::Addresses(r) => {
                let (a, b) = r.bounds();
                match b.checked_sub(a) {
                    Some(n) => n.saturating_add(1),
                    None => 0,
                }
            }
            Generator::Net4(_, p) => 1u128 << (32 - (*p).min(32)),
            Generator::Net6(_, p) => {
                let bits = 128 - u32::from((*p).min(128));
                if bits >= 128 {
                    u128::MAX
                } else {
                    1u128 << bits
                }
            }
            Generator::Rand(_) => 1,
        }
    }

    /// The `i`-th value (0-based), for `i < count()`. Random generators draw a value.
    pub fn nth(&self, i: u128) -> FieldValue {
        match self {
            Generator::Range(a, _) => FieldValue::Int(a.wrapping_add(i as u64)),
            Generator::Choice(items) => {
                let mut i = i;
                for v in items {
                    match v {
                        FieldValue::Gen(g) => {
                            let n = g.count();
                            if i < n {
                                return g.nth(i);
                            }
                            i -= n;
                        }
                        other => {
                            if i == 0 {
                                return other.clone();
                            }
                            i -= 1;
                        }
                    }
                }
                FieldValue::None
            }
            Generator::Addresses(IpRange::V4(a, _)) => {
                FieldValue::Ip4(Ipv4Addr::from(u32::from(*a).wrapping_add(i as u32)))
            }
            Generator::Addresses(IpRange::V6(a, _)) => FieldValue::Ip6(Ipv6Addr::from(u128::from(*a).wrapping_add(i))),
            Generator::Net4(a, p) => {
                let mask = if *p == 0 { 0 } else { u32::MAX << (32 - (*p).min(32)) };
                FieldValue::Ip4(Ipv4Addr::from((u32::from(*a) & mask).wrapping_add(i as u32)))
            }
            Generator::Net6(a, p) => {
                let p = (*p).min(128);
                let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
                FieldValue::Ip6(Ipv6Addr::from((u128::from(*a) & mask).wrapping_add(i)))
            }
            Generator::Rand(k) => k.draw(),
        }
    }
}

impl RandKind {
    /// Draws one value.
    pub fn draw(self) -> FieldValue {
        match self {
            RandKind::Byte => FieldValue::Int(fastrand::u8(..) as u64),
            RandKind::Short => FieldValue::Int(fastrand::u16(..) as u64),
            RandKind::Int => FieldValue::Int(fastrand::u32(..) as u64),
            RandKind::Long => FieldValue::Int(fastrand::u64(..)),
            RandKind::Bits(w) => FieldValue::Int(fastrand::u64(..) & mask(w)),
            RandKind::Ip => FieldValue::Ip4(Ipv4Addr::from(fastrand::u32(..))),
            RandKind::Ip6 => FieldValue::Ip6(Ipv6Addr::from(fastrand::u128(..))),
            RandKind::Mac => {
                let mut m = [0u8; 6];
                m.iter_mut().for_each(|b| *b = fastrand::u8(..));
                FieldValue::Mac(m)
            }
            RandKind::Bytes(max) => {
                let n = fastrand::usize(..=max);
                FieldValue::Bytes((0..n).map(|_| fastrand::u8(..)).collect())
            }
        }
    }

    /// Scapy's name for this kind of random value.
    pub fn name(self) -> &'static str {
        match self {
            RandKind::Byte => "RandByte",
            RandKind::Short => "RandShort",
            RandKind::Int => "RandInt",
            RandKind::Long => "RandLong",
            RandKind::Bits(_) => "RandNum",
            RandKind::Ip => "RandIP",
            RandKind::Ip6 => "RandIP6",
            RandKind::Mac => "RandMAC",
            RandKind::Bytes(_) => "RandBin",
        }
    }
}

/// Appends an IPv4 address in dotted decimal: what `Ipv4Addr`'s `Display` writes, without the formatting
/// machinery, for listings and field reads over whole captures.
pub fn push_ip4(out: &mut String, a: Ipv4Addr) {
    let mut digits = itoa::Buffer::new();
    for (k, octet) in a.octets().into_iter().enumerate() {
        if k > 0 {
            out.push('.');
        }
        out.push_str(digits.format(octet));
    }
}

/// All-ones mask of `width` bits.
pub(crate) fn mask(width: u8) -> u64 {
    if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    }
}

impl FieldValue {
    /// A set or random value built from a generator.
    pub fn gen(g: Generator) -> FieldValue {
        FieldValue::Gen(Box::new(g))
    }

    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<u64> {
        match self {
            FieldValue::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// Bytes of a bytes or text value.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            FieldValue::Bytes(b) => Some(b),
            FieldValue::Str(s) => Some(s.as_bytes()),
            _ => None,
        }
    }

    /// True when this value (or one nested inside a list) is a set or random generator.
    pub fn is_gen(&self) -> bool {
        matches!(self, FieldValue::Gen(_))
    }
}

impl From<u64> for FieldValue {
    fn from(v: u64) -> Self {
        FieldValue::Int(v)
    }
}
impl From<u32> for FieldValue {
    fn from(v: u32) -> Self {
        FieldValue::Int(v as u64)
    }
}
impl From<u16> for FieldValue {
    fn from(v: u16) -> Self {
        FieldValue::Int(v as u64)
    }
}
impl From<u8> for FieldValue {
    fn from(v: u8) -> Self {
        FieldValue::Int(v as u64)
    }
}
impl From<i32> for FieldValue {
    fn from(v: i32) -> Self {
        FieldValue::Int(v as u64)
    }
}
impl From<&str> for FieldValue {
    fn from(v: &str) -> Self {
        FieldValue::Str(Cow::Owned(v.to_string()))
    }
}
impl From<String> for FieldValue {
    fn from(v: String) -> Self {
        FieldValue::Str(Cow::Owned(v))
    }
}
impl From<&[u8]> for FieldValue {
    fn from(v: &[u8]) -> Self {
        FieldValue::Bytes(v.to_vec())
    }
}
impl<const N: usize> From<&[u8; N]> for FieldValue {
    fn from(v: &[u8; N]) -> Self {
        FieldValue::Bytes(v.to_vec())
    }
}
impl From<Vec<u8>> for FieldValue {
    fn from(v: Vec<u8>) -> Self {
        FieldValue::Bytes(v)
    }
}
impl From<Ipv4Addr> for FieldValue {
    fn from(v: Ipv4Addr) -> Self {
        FieldValue::Ip4(v)
    }
}
impl From<Ipv6Addr> for FieldValue {
    fn from(v: Ipv6Addr) -> Self {
        FieldValue::Ip6(v)
    }
}
impl From<(u64, u64)> for FieldValue {
    /// A 2-tuple is an inclusive range, as in Scapy: `dport=(20, 22)`.
    fn from((a, b): (u64, u64)) -> Self {
        FieldValue::gen(Generator::Range(a, b))
    }
}
impl From<Vec<Layer>> for FieldValue {
    fn from(v: Vec<Layer>) -> Self {
        FieldValue::Layers(v)
    }
}
impl From<Layer> for FieldValue {
    fn from(v: Layer) -> Self {
        FieldValue::Layers(vec![v])
    }
}

/// Python-style rendering of bytes: `b'ab\x00'`, as Scapy prints them.
pub fn py_bytes(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut s = String::with_capacity(b.len() + 3);
    s.push('b');
    s.push(quote);
    for &c in b {
        match c {
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            c if c as char == quote => {
                s.push('\\');
                s.push(quote)
            }
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push(quote);
    s
}

/// Python-style rendering of a text string: `'abc'`.
pub fn py_str(t: &str) -> String {
    let quote = if t.contains('\'') && !t.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut s = String::with_capacity(t.len() + 2);
    s.push(quote);
    for c in t.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            c if c == quote => {
                s.push('\\');
                s.push(c)
            }
            c => s.push(c),
        }
    }
    s.push(quote);
    s
}

/// Formats an IPv6 address as `inet_ntop` (and so Scapy) does, without the formatting machinery: summaries
/// print millions. An IPv4-mapped address keeps the standard library's form (`::ffff:1.2.3.4`); an
/// IPv4-compatible one, zero but for its last 32 bits (and more than `::1`'s 16), is `::1.2.3.4` as glibc
/// writes it, where the standard library writes `::102:304`.
pub fn fmt_ip6(a: Ipv6Addr) -> String {
    if a.to_ipv4_mapped().is_some() {
        return a.to_string();
    }
    let g = a.segments();
    if g[..6] == [0; 6] && g[6] != 0 {
        let [.., w, x, y, z] = a.octets();
        return format!("::{w}.{x}.{y}.{z}");
    }
    // The longest run of two or more zero groups (the first of equals) becomes `::`.
    let (mut best, mut run) = ((0, 0), (0, 0));
    for (i, &x) in g.iter().enumerate() {
        if x == 0 {
            run = if run.1 == 0 { (i, 1) } else { (run.0, run.1 + 1) };
            if run.1 > best.1 {
                best = run;
            }
        } else {
            run = (0, 0);
        }
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(39);
    let mut i = 0;
    while i < 8 {
        if best.1 >= 2 && i == best.0 {
            s.push_str("::");
            i += best.1;
            continue;
        }
        if i > 0 && !s.ends_with(':') {
            s.push(':');
        }
        let x = g[i];
        let mut started = false;
        for shift in [12, 8, 4, 0] {
            let d = (x >> shift) & 0xf;
            if d != 0 || started || shift == 0 {
                s.push(HEX[d as usize] as char);
                started = true;
            }
        }
        i += 1;
    }
    s
}

/// Formats a MAC address as Scapy does: lower-case, colon-separated.
pub fn fmt_mac(m: &[u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

impl fmt::Display for FieldValue {
    /// Python-like rendering, as a value prints inside lists and tuples in Scapy's output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Int(i) => write!(f, "{i}"),
            // Rust's shortest round-trip form is Python's repr for the values a field holds.
            FieldValue::Float(x) => write!(f, "{x:?}"),
            FieldValue::Bytes(b) => f.write_str(&py_bytes(b)),
            FieldValue::Str(s) => f.write_str(&py_str(s)),
            FieldValue::Mac(m) => f.write_str(&py_str(&fmt_mac(m))),
            FieldValue::Ip4(a) => f.write_str(&py_str(&a.to_string())),
            FieldValue::Ip6(a) => f.write_str(&py_str(&fmt_ip6(*a))),
            FieldValue::List(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            FieldValue::Tuple(items) => {
                f.write_str("(")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                if items.len() == 1 {
                    f.write_str(",")?;
                }
                f.write_str(")")
            }
            FieldValue::Layers(ls) => {
                f.write_str("[")?;
                for (i, l) in ls.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", l.repr())?;
                }
                f.write_str("]")
            }
            FieldValue::None => f.write_str("None"),
            FieldValue::Gen(g) => write!(f, "{g}"),
        }
    }
}

impl fmt::Display for Generator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Generator::Range(a, b) => write!(f, "({a}, {b})"),
            Generator::Choice(items) => write!(f, "{}", FieldValue::List(items.clone())),
            // Scapy's repr of such a value.
            Generator::Addresses(IpRange::V4(a, b)) => write!(f, "Net(\"{a}\", \"{b}\")"),
            Generator::Addresses(IpRange::V6(a, b)) => write!(f, "Net6(\"{}\", \"{}\")", fmt_ip6(*a), fmt_ip6(*b)),
            Generator::Net4(a, p) => write!(f, "Net(\"{a}/{p}\")"),
            Generator::Net6(a, p) => write!(f, "Net6(\"{a}/{p}\")"),
            Generator::Rand(k) => write!(f, "<{}>", k.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_text_matches_the_standard_form() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            // Groups are zero half the time, so every shape of zero run turns up.
            let g: [u16; 8] = std::array::from_fn(|_| if next() % 2 == 0 { 0 } else { next() as u16 });
            let a = Ipv6Addr::from(g);
            let compatible = g[..6] == [0; 6] && g[6] != 0;
            if a.to_ipv4_mapped().is_none() && !compatible {
                assert_eq!(fmt_ip6(a), a.to_string(), "{g:?}");
            }
        }
        for t in [
            "::",
            "::1",
            "fd00::1",
            "fe80::1:0:0:1",
            "1:0:0:2::3",
            "2001:db8::ff00:42:8329",
        ] {
            let a: Ipv6Addr = t.parse().unwrap();
            assert_eq!(fmt_ip6(a), t);
        }
        // IPv4-compatible and -mapped addresses, as glibc's inet_ntop and Scapy print them.
        for (t, shown) in [
            ("::1.2.3.4", "::1.2.3.4"),
            ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
            ("::0.0.1.2", "::102"),
        ] {
            assert_eq!(fmt_ip6(t.parse().unwrap()), shown);
        }
    }
}
