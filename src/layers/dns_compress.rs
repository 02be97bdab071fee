//! Scapy's `dns_compress()` (scapy/layers/dns.py), `DNS.compress()`: the DNS message with its names compressed
//! (RFC 1035 4.1.4), byte for byte as Scapy compresses it.
//!
//! Scapy's algorithm, kept step for step so that the bytes are its own: the names (every `DNSStrField` of the
//! records, and the `rdata` of the record types whose data is a name) are taken in order — questions, answers,
//! authority, additional; each field in table order. For each name, its suffixes are tried from the whole name
//! down (`a.b.c.`, then `b.c.`, `c.`; never the root alone): a suffix seen first is remembered with where its
//! wire form first occurs in the message; a suffix seen before makes this name its remaining labels followed
//! by a pointer to that place, and the message is shortened accordingly before the next name is looked up.
//!
//! Where Scapy raises (a suffix's wire form not found in the message, or past the 16 KiB a pointer can reach),
//! the suffix is simply not a pointer target, and the name stays as it was.

use std::collections::HashMap;

use super::dns::{encode_name, normalize_name, DNS};
use crate::error::Error;
use crate::packet::{FieldValue, Kind, Layer, Packet};

/// The record sections, in the order Scapy compresses them.
const SECTIONS: [&str; 4] = ["qd", "an", "ns", "ar"];

/// The record types whose `rdata` Scapy compresses as a name (NS, MD, MF, CNAME, PTR, MX, DNAME, NSEC).
const NAME_RDATA_TYPES: [u64; 8] = [2, 3, 4, 5, 12, 15, 39, 47];

/// The largest offset a compression pointer holds (14 bits).
const MAX_POINTER: usize = 0x3fff;

/// A name's place: the section (a field of `DNS`), the record in it, and the record's field.
#[derive(Clone, Copy)]
struct Place {
    section: usize,
    record: usize,
    field: usize,
}

/// A suffix seen before: the pointer to where its wire form first occurs, and the offset just past that
/// start, from which later copies are looked for.
struct Target {
    pointer: [u8; 2],
    after: usize,
}

/// Scapy's `dns_compress(pkt)`: a copy of `p` whose first `DNS` layer has its names compressed. The layers
/// below are kept; the records' `rdlen` are computed again.
///
/// ```
/// use wirecraft::{layers::dns_compress::dns_compress, Layer, FieldValue};
/// let rr = |name: &str| Layer::named("DNSRR").and_then(|r| r.with("rrname", name)?.with("rdata", "198.18.0.1"));
/// let dns = Layer::named("DNS")?
///     .with("qd", Layer::named("DNSQR")?.with("qname", "a.example.")?)?
///     .with("an", vec![rr("a.example.")?, rr("b.example.")?])?;
/// let p = dns_compress(&dns.into())?;
/// let an = p.get("DNS", "an").unwrap();
/// let FieldValue::Layers(an) = an else { panic!() };
/// assert_eq!(an[0].get("rrname"), Some(FieldValue::Bytes(b"\xc0\x0c".to_vec())), "the question's name");
/// assert_eq!(an[1].get("rrname"), Some(FieldValue::Bytes(b"\x01b\xc0\x0e".to_vec())), "`b` and `example.`");
/// # Ok::<(), wirecraft::Error>(())
/// ```
pub fn dns_compress(p: &Packet) -> Result<Packet, Error> {
    let at = p.index_of(&DNS).ok_or_else(|| Error::NoLayer(DNS.name.into()))?;
    let dns = &p.layers()[at];
    // The message as built afresh, without a TCP length prefix: pointers count from the message's start.
    let mut message = Packet::new(p.layers()[at..].to_vec()).build();
    let mut targets: HashMap<&[u8], Target> = HashMap::new();
    let mut edits: Vec<(Place, Vec<u8>)> = Vec::new();
    let names = names(dns);
    for (place, name) in &names {
        for suffix in suffixes(name) {
            let wire = encoded(suffix);
            if let Some(target) = targets.get(suffix) {
                shorten(&mut message, target.after, &wire);
                // The labels before the suffix, then the pointer.
                let mut short = encoded(&name[..name.len() - suffix.len()]);
                short.pop();
                short.extend_from_slice(&target.pointer);
                edits.push((*place, short));
                break;
            }
            if let Some(index) = find(&message, &wire).filter(|&i| i <= MAX_POINTER) {
                let pointer = [0xc0 | (index >> 8) as u8, index as u8];
                targets.insert(
                    suffix,
                    Target {
                        pointer,
                        after: index + 1,
                    },
                );
            }
        }
    }
    let mut out = p.clone();
    let dns = &mut out.layers_mut()[at];
    for name in SECTIONS {
        let Some(section) = dns.field_index(name) else {
            continue;
        };
        let mut records = records(dns, section);
        let mut edited = false;
        for (place, short) in edits.iter().filter(|(place, _)| place.section == section) {
            let record = &mut records[place.record];
            let field = record.proto().fields[place.field].name;
            record.set(field, FieldValue::Bytes(short.clone()))?;
            if record.field_index("rdlen").is_some() {
                record.unset("rdlen")?;
            }
            edited = true;
        }
        if edited {
            dns.set(name, FieldValue::Layers(records))?;
        }
    }
    Ok(out)
}

/// The records of section field `section`.
fn records(dns: &Layer, section: usize) -> Vec<Layer> {
    match dns.value_at(section) {
        FieldValue::Layers(records) => records,
        _ => Vec::new(),
    }
}

/// Every name Scapy compresses, in its order, with its place.
fn names(dns: &Layer) -> Vec<(Place, Vec<u8>)> {
    let mut out = Vec::new();
    for section in SECTIONS.iter().filter_map(|s| dns.field_index(s)) {
        for (k, record) in records(dns, section).iter().enumerate() {
            for (i, field) in record.proto().fields.iter().enumerate() {
                if record.field_index(field.name) != Some(i) || !is_name(record, field.kind) {
                    continue;
                }
                // As Scapy holds it (`DNSStrField.h2i`): an `rdata` name typed without its final dot gets it.
                if let Some(name) = record.value_at(i).as_bytes().map(normalize_name) {
                    let place = Place {
                        section,
                        record: k,
                        field: i,
                    };
                    out.push((place, name));
                }
            }
        }
    }
    out
}

/// Whether a field of this kind in `record` holds a name Scapy compresses: a `DNSStrField`, or the `rdata` of
/// a record type whose data is a name.
fn is_name(record: &Layer, kind: Kind) -> bool {
    let Kind::Custom(codec) = kind else {
        return false;
    };
    match codec.kind_name() {
        "DNSStrField" => true,
        "MultipleTypeField" => record.get_int("type").is_some_and(|t| NAME_RDATA_TYPES.contains(&t)),
        _ => false,
    }
}

/// Scapy's `possible_shortens`: the name, then what follows each of its dots but the last; nothing for the root.
fn suffixes(name: &[u8]) -> Vec<&[u8]> {
    if name == b"." {
        return Vec::new();
    }
    let dots: Vec<usize> = (0..name.len()).filter(|&i| name[i] == b'.').collect();
    let shorter = dots.iter().take(dots.len().saturating_sub(1)).map(|&d| &name[d + 1..]);
    std::iter::once(name).chain(shorter).collect()
}

/// Scapy's `dns_encode(x, check_built=True)`.
fn encoded(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 2);
    encode_name(name, &mut out);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The message with the first copy of `wire` from `from` on made a 2-byte pointer, as the name using it will be.
fn shorten(message: &mut Vec<u8>, from: usize, wire: &[u8]) {
    if let Some(i) = message.get(from..).and_then(|rest| find(rest, wire)) {
        message.splice(from + i..from + i + wire.len(), [0, 0]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_are_scapys_possible_shortens() {
        let got: Vec<&[u8]> = suffixes(b"_raop._tcp.local.");
        assert_eq!(got, [&b"_raop._tcp.local."[..], b"_tcp.local.", b"local."]);
        assert!(suffixes(b".").is_empty());
        assert_eq!(suffixes(b"local."), [&b"local."[..]]);
    }

    /// Scapy counts over TCP from the length prefix, two bytes early, and its pointers miss: here they count
    /// from the message's start, as RFC 1035 and the dissector read them.
    #[test]
    fn over_tcp_pointers_count_from_the_message() -> Result<(), Error> {
        let rr = |name: &str| Layer::named("DNSRR").and_then(|r| r.with("rrname", name)?.with("rdata", "198.18.0.3"));
        let dns = Layer::named("DNS")?
            .with("qd", Layer::named("DNSQR")?.with("qname", "a.example.")?)?
            .with("an", vec![rr("a.example.")?, rr("b.example.")?])?;
        let p = Layer::named("IP")?
            .with("src", "198.18.0.1")?
            .with("dst", "198.18.0.2")?
            / Layer::named("TCP")?
            / dns;
        let back = Packet::dissect_as(&crate::layers::ip::IP, &dns_compress(&p)?.build());
        let Some(FieldValue::Layers(an)) = back.get("DNS", "an") else {
            panic!("no answers in {back:?}")
        };
        let names: Vec<_> = an.iter().map(|r| r.get("rrname")).collect();
        let want = [b"a.example.".to_vec(), b"b.example.".to_vec()].map(|n| Some(FieldValue::Bytes(n)));
        assert_eq!(names, want);
        assert!(back.build().len() < p.build().len(), "compressed");
        Ok(())
    }

    #[test]
    fn a_copy_is_shortened_after_the_first_occurrence_only() {
        let mut m = b"\x01a\x00x\x01a\x00".to_vec();
        shorten(&mut m, 1, b"\x01a\x00");
        assert_eq!(m, b"\x01a\x00x\x00\x00");
    }
}
