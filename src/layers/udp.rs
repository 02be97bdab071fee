//! UDP (RFC 768), Scapy's `UDP`, and `UDPerror`, the UDP header quoted inside an ICMP error.

use super::inet::{l4_checksum, ports_summary, same_ports};
use super::well_known::UDP_SERVICES;
use crate::packet::{answers_at, int, layer_of, Built, Field, Layer, Packet, Proto};

/// Indices of `len`, read on the dissection hot path, and `chksum`, computed at every build (checked by a test
/// below).
const LEN: usize = 2;
const CHKSUM: usize = 3;

static FIELDS: &[Field] = &[
    Field::u16("sport", 53).ports(UDP_SERVICES).doc("source port"),
    Field::u16("dport", 53).ports(UDP_SERVICES).doc("destination port"),
    Field::u16("len", 0).auto().doc("header plus payload length; computed"),
    Field::u16("chksum", 0)
        .hex()
        .auto()
        .doc("checksum over the IP pseudo-header; computed, 0 sent as 0xffff"),
];

/// `UDP`.
pub static UDP: Proto = Proto {
    name: "UDP",
    long_name: "UDP",
    fields: FIELDS,
    post_build: Some(post_build),
    summary: Some(summary),
    payload_len: Some(payload_len),
    // Scapy's `UDP.answers`: the reply goes back to the request's source port (unless `checkIPsrc` is off); then
    // the payloads decide.
    answers: Some(|r, i, q, j, rules| {
        layer_of(q, j, &[&UDP, &UDPERROR]).is_some()
            && (!rules.check_ip_src || int(r, i, "dport") == int(q, j, "sport"))
            && answers_at(r, i + 1, q, j + 1, rules)
    }),
    ..Proto::BASE
};

/// `UDPerror`: the UDP header quoted by an ICMP error.
pub static UDPERROR: Proto = Proto {
    name: "UDPerror",
    long_name: "UDP in ICMP",
    fields: FIELDS,
    post_build: Some(post_build),
    payload_len: Some(payload_len),
    // Scapy's `UDPerror.answers`: the quoted ports are the request's (unless `checkIPsrc` is off).
    answers: Some(|r, i, q, j, rules| layer_of(q, j, &[&UDP, &UDPERROR]).is_some() && same_ports(r, i, q, j, rules)),
    ..Proto::BASE
};

fn post_build(b: &mut Built) {
    if b.is_auto_at(LEN) {
        b.put_int(LEN, b.total_len() as u64);
    }
    if b.is_auto_at(CHKSUM) {
        if let Some(ck) = l4_checksum(b, 17) {
            // RFC 768: a computed zero is sent as all ones (zero means "no checksum").
            b.put_int(CHKSUM, if ck == 0 { 0xffff } else { ck.into() });
        }
    }
}

/// Bytes past `len` are padding. A `len` below the header size trims that many bytes off the end, exactly as
/// Scapy's `s[:len - 8]` does with a negative index.
fn payload_len(l: &Layer, payload: &[u8]) -> usize {
    let n = l.int_at(LEN).unwrap_or(0) as i64 - 8;
    if n >= 0 {
        n as usize
    } else {
        payload.len().saturating_sub(n.unsigned_abs() as usize)
    }
}

fn summary(p: &Packet, i: usize, out: &mut String) {
    ports_summary("UDP", p, i, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_path_index_names_len() {
        assert_eq!((FIELDS[LEN].name, FIELDS[CHKSUM].name), ("len", "chksum"));
    }
}
