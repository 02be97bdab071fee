//! IPv6 (RFC 8200), Scapy's `IPv6`.

use super::well_known::IPV6_NH;
use crate::packet::{field_repr, Built, Field, Packet, Proto};

/// `IPv6`.
pub static IPV6: Proto = Proto {
    name: "IPv6",
    long_name: "IPv6",
    fields: &[
        Field::bits("version", 4, 6).doc("6"),
        Field::bits("tc", 8, 0).doc("traffic class"),
        Field::bits("fl", 20, 0).doc("flow label"),
        Field::u16("plen", 0).auto().doc("payload length; computed"),
        Field::u8("nh", 59)
            .names(IPV6_NH)
            .doc("next header; set from the layer above"),
        Field::u8("hlim", 64).doc("hop limit"),
        Field::ip6("src", 1).doc("source address"),
        Field::ip6("dst", 1).doc("destination address"),
    ],
    post_build: Some(post_build),
    summary: Some(summary),
    payload_len: Some(|l, avail| (l.get_int("plen").unwrap_or(0) as usize).min(avail)),
    ..Proto::BASE
};

fn post_build(b: &mut Built) {
    if b.is_auto("plen") {
        b.put_u16(4, b.payload_len().min(0xffff) as u16);
    }
}

fn summary(p: &Packet, i: usize) -> String {
    let f = |n| field_repr(p, i, n);
    format!("{} > {} ({})", f("src"), f("dst"), f("nh"))
}
