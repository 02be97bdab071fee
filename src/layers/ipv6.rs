//! IPv6 (RFC 8200), Scapy's `IPv6`, and `IPerror6`, the IPv6 header quoted inside an ICMPv6 error.

use std::net::Ipv6Addr;

use super::well_known::IPV6_NH;
use super::{icmpv6, ipv6_ext, raw, tcp, udp};
use crate::packet::{field_repr, Built, Dflt, Field, Kind, Layer, Packet, Proto, Value};

/// The field table, shared by `IPv6` and `IPerror6`.
static FIELDS: &[Field] = &[
    Field::bits("version", 4, 6).doc("6"),
    Field::bits("tc", 8, 0).doc("traffic class"),
    Field::bits("fl", 20, 0).doc("flow label"),
    Field::u16("plen", 0).auto().doc("payload length; computed"),
    Field::u8("nh", 59)
        .names(IPV6_NH)
        .doc("next header; set from the layer above"),
    Field::u8("hlim", 64).doc("hop limit"),
    Field::new("src", Kind::Ip6, Dflt::Dyn(default_src)).doc("source address"),
    Field::ip6("dst", 1).doc("destination address"),
];

/// `IPv6`.
pub static IPV6: Proto = Proto {
    name: "IPv6",
    long_name: "IPv6",
    fields: FIELDS,
    post_build: Some(post_build),
    summary: Some(summary),
    payload_len: Some(payload_len),
    ..Proto::BASE
};

/// `IPerror6`: the IPv6 header an ICMPv6 error quotes. Same fields; its summary is just its name.
pub static IPERROR6: Proto = Proto {
    name: "IPerror6",
    long_name: "IPv6 in ICMPv6",
    fields: FIELDS,
    post_build: Some(post_build),
    payload_len: Some(payload_len),
    guess_payload: Some(|l, p| {
        Some(match nh(l) {
            6 => &tcp::TCPERROR,
            17 => &udp::UDPERROR,
            n => next_header(n, p),
        })
    }),
    ..Proto::BASE
};

/// Without a routing table, the source is the loopback address for a loopback destination and `::` otherwise
/// (what Scapy picks when no route matches).
fn default_src(l: &Layer) -> Value {
    match l.get("dst") {
        Some(Value::Ip6(d)) if d.is_loopback() => Value::Ip6(Ipv6Addr::LOCALHOST),
        _ => Value::Ip6(Ipv6Addr::UNSPECIFIED),
    }
}

pub(crate) fn nh(l: &Layer) -> u64 {
    l.get_int("nh").unwrap_or(59)
}

/// The protocol a next-header value announces, as Scapy guesses it when no binding matches: ICMPv6 messages
/// by their type, extension headers, TCP, UDP and IPv4; anything else stays `Raw`.
pub(crate) fn next_header(nh: u64, payload: &[u8]) -> &'static Proto {
    match nh {
        0 => &ipv6_ext::HOP_BY_HOP,
        4 => &super::ip::IP,
        6 => &tcp::TCP,
        17 => &udp::UDP,
        43 => &ipv6_ext::ROUTING,
        44 => &ipv6_ext::FRAGMENT,
        58 => icmpv6::message_class(payload),
        60 => &ipv6_ext::DEST_OPT,
        _ => &raw::RAW,
    }
}

fn post_build(b: &mut Built) {
    if b.is_auto("plen") {
        b.put_u16(4, b.payload_len().min(0xffff) as u16);
    }
}

/// The payload is `plen` bytes; the rest is padding. (Scapy's jumbogram case, `plen` 0 with a Jumbo option,
/// needs the payload bytes and is not handled: such a payload is empty.)
fn payload_len(l: &Layer, _avail: usize) -> usize {
    l.get_int("plen").unwrap_or(0) as usize
}

fn summary(p: &Packet, i: usize) -> String {
    let f = |n| field_repr(p, i, n);
    let l = &p.layers()[i];
    let nh = l.field_index("nh").and_then(|n| p.value(i, n).as_int()).unwrap_or(59);
    format!("{} > {} ({nh})", f("src"), f("dst"))
}
