//! TCP (RFC 9293) with its options, Scapy's `TCP`, and `TCPerror`, the TCP header quoted inside an ICMP error.

use super::inet::{l4_checksum, ports_summary, same_ports};
use super::well_known::{TCP_OPTIONS, TCP_SERVICES};
use crate::packet::{
    int, layer_of, write_field, Built, Codec, Dflt, Field, FieldValue, Kind, Layer, MatchRules, Packet, Proto,
};

/// Indices of `dataofs`, read on the dissection hot path, and `chksum`, computed at every build (checked by a
/// test below).
const DATAOFS: usize = 4;
const CHKSUM: usize = 8;

const FIELDS: [Field; 11] = [
    Field::u16("sport", 20).ports(TCP_SERVICES).doc("source port"),
    Field::u16("dport", 80).ports(TCP_SERVICES).doc("destination port"),
    Field::u32("seq", 0).doc("sequence number"),
    Field::u32("ack", 0).doc("acknowledgment number"),
    Field::bits("dataofs", 4, 0)
        .auto()
        .doc("header length in 32-bit words; computed from the options"),
    Field::bits("reserved", 3, 0),
    Field::bits("flags", 9, 0x2)
        .flags(&["F", "S", "R", "P", "A", "U", "E", "C", "N"], "")
        .doc("FSRPAUECN, as letters (\"SA\") or a number"),
    Field::u16("window", 8192).doc("receive window"),
    Field::u16("chksum", 0)
        .hex()
        .auto()
        .doc("checksum over the IP pseudo-header; computed"),
    Field::u16("urgptr", 0).doc("urgent pointer"),
    Field::new("options", Kind::Custom(&OPTIONS), Dflt::Empty)
        .scapy_default("b''")
        .doc("list of (name, value): [(\"MSS\", 1460), (\"NOP\", None), (\"WScale\", 7)]"),
];

static TCP_FIELDS: [Field; 11] = FIELDS;

/// A quoted TCP header may stop after the sequence number (the 8 bytes RFC 792 guarantees).
static TCPERROR_FIELDS: [Field; 11] = {
    let mut f = FIELDS;
    f[2] = f[2].may_end();
    f
};

/// `TCP`.
pub static TCP: Proto = Proto {
    name: "TCP",
    long_name: "TCP",
    fields: &TCP_FIELDS,
    post_build: Some(post_build),
    summary: Some(summary),
    align: 4,
    hashret: Some(hashret),
    answers: Some(answers),
    ..Proto::BASE
};

/// `TCPerror`: the TCP header quoted by an ICMP error.
pub static TCPERROR: Proto = Proto {
    name: "TCPerror",
    long_name: "TCP in ICMP",
    fields: &TCPERROR_FIELDS,
    post_build: Some(post_build),
    align: 4,
    hashret: Some(hashret),
    // Scapy's `TCPerror.answers` (`check_TCPerror_seqack` off): the quoted ports are the request's (unless
    // `checkIPsrc` is off).
    answers: Some(|r, i, q, j, rules| layer_of(q, j, &[&TCP, &TCPERROR]).is_some() && same_ports(r, i, q, j, rules)),
    ..Proto::BASE
};

const SYN: u64 = 0x02;
const RST: u64 = 0x04;
const ACK: u64 = 0x10;

/// Scapy's `TCP.hashret`: source XOR destination port, the same in both directions; nothing when `checkIPsrc`
/// is off (the ports may have been rewritten).
fn hashret(p: &Packet, i: usize, out: &mut Vec<u8>, rules: MatchRules) -> Option<usize> {
    if rules.check_ip_src {
        out.extend(((int(p, i, "sport") ^ int(p, i, "dport")) as u16).to_ne_bytes());
    }
    Some(i + 1)
}

/// Scapy's `TCP.answers`: ports swapped (unless `checkIPsrc` is off); a SYN is answered only by a SYN-ACK; the reply's seq and ack are within
/// a few bytes of what the request implies; nothing answers a RST.
fn answers(r: &Packet, i: usize, q: &Packet, j: usize, rules: MatchRules) -> bool {
    if layer_of(q, j, &[&TCP, &TCPERROR]).is_none() {
        return false;
    }
    let (rf, qf) = (int(r, i, "flags"), int(q, j, "flags"));
    let has = |f: u64, bit: u64| f & bit != 0;
    if has(qf, RST) || (has(rf, SYN) && !(has(rf, ACK) && has(qf, SYN))) {
        return false;
    }
    let swapped = int(r, i, "sport") == int(q, j, "dport") && int(r, i, "dport") == int(q, j, "sport");
    if rules.check_ip_src && !swapped {
        return false;
    }
    let dist = |a: u64, b: u64| a.abs_diff(b);
    let bare_syn = has(qf, SYN) && !has(qf, ACK);
    if !bare_syn && dist(int(q, j, "ack"), int(r, i, "seq")) > 2 {
        return false;
    }
    if has(rf, RST) && !has(rf, ACK) {
        return true;
    }
    let payload = Packet::new(q.layers()[j + 1..].to_vec()).build().len() as u64;
    dist(int(q, j, "seq"), int(r, i, "ack")) <= 2 + payload
}

fn post_build(b: &mut Built) {
    if b.is_auto_at(DATAOFS) {
        b.put_int(DATAOFS, (b.header_len() / 4) as u64);
    }
    if b.is_auto_at(CHKSUM) {
        if let Some(ck) = l4_checksum(b, 6) {
            b.put_int(CHKSUM, ck.into());
        }
    }
}

fn summary(p: &Packet, i: usize, out: &mut String) {
    ports_summary("TCP", p, i, out);
    out.push(' ');
    write_field(out, p, i, "flags");
}

/// TCP options: a list of `(name, value)` pairs, Scapy's `TCPOptionsField`.
pub struct TcpOptions;
pub static OPTIONS: TcpOptions = TcpOptions;

/// The struct layout of a known option's value: how many big-endian integers of which width.
fn value_format(kind: u64) -> Option<&'static [usize]> {
    match kind {
        2 | 28 => Some(&[2]),
        3 => Some(&[1]),
        8 | 34 => Some(&[4, 4]),
        14 => Some(&[1, 2]),
        _ => None,
    }
}

fn option_kind(name: &str) -> Option<u64> {
    TCP_OPTIONS.iter().find(|(_, n)| *n == name).map(|(k, _)| *k)
}

fn option_name(kind: u64) -> Option<&'static str> {
    TCP_OPTIONS.iter().find(|(k, _)| *k == kind).map(|(_, n)| *n)
}

/// The options' bytes: what `dataofs` says beyond the fixed header, within the bytes there are.
fn options_size(layer: &Layer, pos: usize, end: usize) -> usize {
    let size = (layer.int_at(DATAOFS).unwrap_or(5) as usize).saturating_sub(5) * 4;
    size.min(end.saturating_sub(pos))
}

impl Codec for TcpOptions {
    fn encode(&self, v: &FieldValue, out: &mut Vec<u8>) {
        let FieldValue::List(opts) = v else { return };
        for opt in opts {
            let FieldValue::Tuple(pair) = opt else { continue };
            let (Some(name), val) = (pair.first(), pair.get(1).unwrap_or(&FieldValue::None)) else {
                continue;
            };
            let kind = match name {
                FieldValue::Str(s) => match option_kind(s) {
                    Some(k) => k,
                    None => continue,
                },
                FieldValue::Int(k) => *k,
                _ => continue,
            };
            if kind <= 1 {
                out.push(kind as u8);
                continue;
            }
            let body = option_value_bytes(kind, val);
            out.push(kind as u8);
            out.push((body.len() + 2).min(255) as u8);
            out.extend_from_slice(&body);
        }
    }

    fn measure(&self, _data: &[u8], _start: usize, pos: usize, end: usize, layer: &Layer) -> Option<usize> {
        Some(options_size(layer, pos, end))
    }

    fn decode(&self, data: &[u8], _start: usize, pos: usize, end: usize, layer: &Layer) -> Option<(FieldValue, usize)> {
        let size = options_size(layer, pos, end);
        let mut x = &data[pos..pos + size];
        let mut opts = Vec::new();
        while let Some(&kind) = x.first() {
            let kind = u64::from(kind);
            if kind == 0 {
                opts.push(pair(FieldValue::Str("EOL".into()), FieldValue::None));
                break;
            }
            if kind == 1 {
                opts.push(pair(FieldValue::Str("NOP".into()), FieldValue::None));
                x = &x[1..];
                continue;
            }
            let olen = usize::from(x.get(1).copied().unwrap_or(0)).max(2);
            let oval = &x[2.min(x.len())..olen.min(x.len())];
            let name = option_name(kind);
            let value = decode_value(kind, oval);
            opts.push(pair(
                name.map_or(FieldValue::Int(kind), |n| FieldValue::Str(n.into())),
                value,
            ));
            x = &x[olen.min(x.len())..];
        }
        Some((FieldValue::List(opts), size))
    }

    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        let FieldValue::List(items) = v else {
            return Err(format!("TCP options are a list of (name, value), got {v}"));
        };
        for item in &items {
            match item {
                FieldValue::Tuple(p) if p.get(1).is_some_and(has_fraction) => {
                    return Err(format!("a TCP option's value has no fraction, got {item}"))
                }
                FieldValue::Tuple(p) if !p.is_empty() && p.len() <= 2 => match &p[0] {
                    // A name Scapy does not know is kept, and skipped when built (see `skipped`).
                    FieldValue::Str(_) | FieldValue::Int(_) => {}
                    other => return Err(format!("a TCP option name is text or a number, got {other}")),
                },
                other => return Err(format!("a TCP option is a (name, value) pair, got {other}")),
            }
        }
        Ok(FieldValue::List(items))
    }

    /// Scapy's warning for each option name it does not know: kept in the value, skipped in the bytes.
    fn skipped(&self, v: &FieldValue) -> Vec<String> {
        let FieldValue::List(opts) = v else { return Vec::new() };
        opts.iter()
            .filter_map(|opt| match opt {
                FieldValue::Tuple(p) => match p.first() {
                    Some(FieldValue::Str(name)) if option_kind(name).is_none() => {
                        Some(format!("Option [{name}] unknown. Skipped."))
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    fn kind_name(&self) -> &'static str {
        "TCPOptionsField"
    }
}

/// Whether an option's value is, or holds, a float, which no option packs.
fn has_fraction(v: &FieldValue) -> bool {
    match v {
        FieldValue::Float(_) => true,
        FieldValue::Tuple(xs) | FieldValue::List(xs) => xs.iter().any(has_fraction),
        _ => false,
    }
}

fn pair(a: FieldValue, b: FieldValue) -> FieldValue {
    FieldValue::Tuple(vec![a, b])
}

/// An option's value as bytes: integers packed per the option's layout, SAck as 32-bit edges, bytes as is.
fn option_value_bytes(kind: u64, v: &FieldValue) -> Vec<u8> {
    let ints: Vec<u64> = match v {
        FieldValue::Int(i) => vec![*i],
        FieldValue::Tuple(xs) | FieldValue::List(xs) => xs.iter().filter_map(FieldValue::as_int).collect(),
        FieldValue::None => vec![],
        other => return other.as_bytes().map(<[u8]>::to_vec).unwrap_or_default(),
    };
    let widths: Vec<usize> = match (kind, value_format(kind)) {
        (5, _) => vec![4; ints.len()],
        (_, Some(w)) => w.to_vec(),
        (_, None) => vec![],
    };
    let mut out = Vec::new();
    for (w, i) in widths.iter().zip(ints.iter().chain(std::iter::repeat(&0))) {
        out.extend_from_slice(&i.to_be_bytes()[8 - w..]);
    }
    out
}

/// Scapy's rule: a known option whose bytes fit its layout becomes integers (one integer unwrapped), anything
/// else stays bytes.
fn decode_value(kind: u64, oval: &[u8]) -> FieldValue {
    let widths: Vec<usize> = match (kind, value_format(kind)) {
        (5, _) => vec![4; oval.len() / 4],
        (_, Some(w)) => w.to_vec(),
        _ => return FieldValue::Bytes(oval.to_vec()),
    };
    if widths.iter().sum::<usize>() != oval.len() {
        return FieldValue::Bytes(oval.to_vec());
    }
    let mut at = 0;
    let mut ints: Vec<FieldValue> = widths
        .iter()
        .map(|w| {
            let v = oval[at..at + w].iter().fold(0u64, |a, b| (a << 8) | u64::from(*b));
            at += w;
            FieldValue::Int(v)
        })
        .collect();
    if ints.len() == 1 {
        ints.remove(0)
    } else {
        FieldValue::Tuple(ints)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_path_index_names_dataofs() {
        assert_eq!((FIELDS[DATAOFS].name, FIELDS[CHKSUM].name), ("dataofs", "chksum"));
    }
}
