//! IPv4 (RFC 791), Scapy's `IP`, and `IPerror`, the IP header quoted inside an ICMP error.

use std::net::Ipv4Addr;

use super::icmp::{self, ICMP};
use super::ip_options::OPTIONS;
use super::ipv6::{IPERROR6, IPV6};
use super::well_known::IP_PROTOS;
use crate::packet::{
    addr, answers_at, inet_checksum, int, layer_of, push_xor, sprintf, Built, Field, FieldValue, Kind, Layer,
    MatchRules, Packet, Proto,
};

/// Indices of the fields the dissection hot path reads (checked by a test below).
pub(super) const IHL: usize = 1;
const LEN: usize = 3;
/// Index of the checksum, computed at every build (checked by the same test).
const CHKSUM: usize = 9;
/// Indices of the addresses, read by every transport checksum (checked by the same test).
pub(super) const SRC: usize = 10;
pub(super) const DST: usize = 11;
pub(super) const OPTIONS_FIELD: usize = 12;

/// The field table, shared by `IP` and `IPerror`.
static FIELDS: &[Field] = &[
    Field::bits("version", 4, 4).doc("4"),
    Field::bits("ihl", 4, 0)
        .auto()
        .doc("header length in 32-bit words; computed from the options"),
    Field::u8("tos", 0).hex().doc("type of service / DSCP and ECN"),
    Field::u16("len", 0).auto().doc("total length; computed"),
    Field::u16("id", 1).doc("identification"),
    Field::bits("flags", 3, 0)
        .flags(&["MF", "DF", "evil"], "+")
        .doc("MF, DF, evil (the reserved bit)"),
    Field::bits("frag", 13, 0).doc("fragment offset in 8-byte units"),
    Field::u8("ttl", 64).doc("time to live"),
    Field::u8("proto", 0)
        .names(IP_PROTOS)
        .doc("protocol of the payload; set from the layer above"),
    Field::u16("chksum", 0).hex().auto().doc("header checksum; computed"),
    Field::new("src", Kind::Ip4, crate::packet::Dflt::Dyn(default_src)).doc("source address"),
    Field::ip4("dst", [127, 0, 0, 1])
        .scapy_class("DestIPField")
        .scapy_default("None")
        .doc("destination address"),
    Field::new("options", Kind::Records(&OPTIONS), crate::packet::Dflt::Empty)
        .doc("IP options (IPOption_NOP(), IPOption_RR(routers=[...]), ...)"),
];

/// `IP`.
pub static IP: Proto = Proto {
    name: "IP",
    long_name: "IP",
    fields: FIELDS,
    post_build: Some(post_build),
    summary: Some(summary),
    payload_len: Some(payload_len),
    align: 4,
    hashret: Some(hashret),
    answers: Some(answers),
    ..Proto::BASE
};

/// `IPerror`: the IP header an ICMP error quotes. Same fields; its summary is just its name, as in Scapy.
pub static IPERROR: Proto = Proto {
    name: "IPerror",
    long_name: "IP in ICMP",
    fields: FIELDS,
    post_build: Some(post_build),
    payload_len: Some(payload_len),
    align: 4,
    hashret: Some(hashret),
    answers: Some(error_answers),
    ..Proto::BASE
};

/// Raw-IP link types carry IPv4 or IPv6: the version nibble decides (Scapy's `IPv46`).
pub static IP_OR_IPV6: Proto = Proto {
    name: "IPv46",
    long_name: "IPv4 or IPv6",
    dispatch: Some(|data| match data.first().map(|b| b >> 4) {
        Some(6) => &super::ipv6::IPV6,
        _ => &IP,
    }),
    ..Proto::BASE
};

/// The route's source for the destination once `net::use_routes_for_source` is on; otherwise loopback for a
/// loopback destination and unspecified for the rest (what Scapy picks when no route matches).
fn default_src(l: &Layer) -> FieldValue {
    match l.get("dst") {
        Some(FieldValue::Ip4(d)) => super::inet::default_source(d.into()),
        _ => FieldValue::Ip4(Ipv4Addr::UNSPECIFIED),
    }
}

/// mDNS answers come from the responder's address to the group, so only the protocol is hashed.
const MDNS: [u8; 4] = [224, 0, 0, 251];

/// True when layer `i` is an ICMP error, whose quoted datagram is what the answer is matched on.
fn icmp_error_at(p: &Packet, i: usize) -> bool {
    layer_of(p, i, &[&ICMP]).is_some() && icmp::is_error(int(p, i, "type"))
}

/// Scapy's `IP.hashret`: ICMP errors hash as the datagram they quote; with `checkIPinIP` off a tunnel header
/// hashes as what it carries; otherwise source XOR destination (when `checkIPsrc` and `checkIPaddr` are both
/// on, and not to mDNS's group), then the protocol.
fn hashret(p: &Packet, i: usize, out: &mut Vec<u8>, rules: MatchRules) -> Option<usize> {
    let proto = int(p, i, "proto");
    if proto == 1 && icmp_error_at(p, i + 1) {
        return Some(i + 2);
    }
    if !rules.check_ip_in_ip && is_tunnel(proto) {
        return Some(i + 1);
    }
    let dst = addr(p, i, "dst");
    if dst != MDNS && rules.check_ip_src && rules.check_ip_addr {
        push_xor(out, &addr(p, i, "src"), &dst);
    }
    out.push(proto as u8);
    Some(i + 1)
}

/// IP-in-IP (4) and IPv6-in-IP (41): what `checkIPinIP` off looks through. Also IPv6's next headers.
pub(crate) fn is_tunnel(proto: u64) -> bool {
    proto == 4 || proto == 41
}

/// Scapy's `IP.answers`: the reply comes back from where the request went (unless `checkIPaddr` is off), or is
/// an ICMP error quoting it. With `checkIPinIP` off, tunnel headers on either side are looked through.
fn answers(r: &Packet, i: usize, q: &Packet, j: usize, rules: MatchRules) -> bool {
    if !rules.check_ip_in_ip {
        if is_tunnel(int(r, i, "proto")) {
            return answers_at(r, i + 1, q, j, rules);
        }
        if tunnel_at(q, j) {
            return answers(r, i, q, j + 1, rules);
        }
    }
    if layer_of(q, j, &[&IP, &IPERROR]).is_none() {
        return false;
    }
    if rules.check_ip_addr {
        let (rdst, qdst) = (addr(r, i, "dst"), addr(q, j, "dst"));
        if rdst == MDNS && qdst == MDNS {
            return answers_at(r, i + 1, q, j + 1, rules);
        }
        if rdst != addr(q, j, "src") {
            return false;
        }
    }
    if int(r, i, "proto") == 1 && icmp_error_at(r, i + 1) {
        return answers_at(r, i + 2, q, j, rules);
    }
    (!rules.check_ip_addr || addr(r, i, "src") == addr(q, j, "dst"))
        && int(r, i, "proto") == int(q, j, "proto")
        && answers_at(r, i + 1, q, j + 1, rules)
}

/// True when layer `j` is an IPv4 or IPv6 header (or a quoted one) carrying a tunnelled IPv4 or IPv6 packet.
pub(crate) fn tunnel_at(p: &Packet, j: usize) -> bool {
    let carried = if layer_of(p, j, &[&IP, &IPERROR]).is_some() {
        int(p, j, "proto")
    } else if layer_of(p, j, &[&IPV6, &IPERROR6]).is_some() {
        int(p, j, "nh")
    } else {
        return false;
    };
    is_tunnel(carried)
}

/// Scapy's `IPerror.answers`: the quoted header is the request's (same destination and protocol, and the same
/// source unless `checkIPsrc` is off: a NAT may have rewritten it).
fn error_answers(r: &Packet, i: usize, q: &Packet, j: usize, rules: MatchRules) -> bool {
    layer_of(q, j, &[&IP, &IPERROR]).is_some()
        && (!rules.check_ip_src || addr(r, i, "src") == addr(q, j, "src"))
        && addr(r, i, "dst") == addr(q, j, "dst")
        && int(r, i, "proto") == int(q, j, "proto")
        && answers_at(r, i + 1, q, j + 1, rules)
}

fn post_build(b: &mut Built) {
    if b.is_auto_at(IHL) {
        b.put_int(IHL, (b.header_len() / 4) as u64);
    }
    if b.is_auto_at(LEN) {
        b.put_int(LEN, b.total_len() as u64);
    }
    if b.is_auto_at(CHKSUM) {
        let ck = inet_checksum(&[&b.bytes()[..b.header_len()]]);
        b.put_int(CHKSUM, ck.into());
    }
}

/// Bytes past the total length are padding (Scapy's `extract_padding`); a length shorter than the header
/// leaves everything to the payload.
fn payload_len(l: &Layer, payload: &[u8]) -> usize {
    let len = l.int_at(LEN).unwrap_or(0) as i64;
    let ihl = l.int_at(IHL).unwrap_or(0) as i64;
    let n = len - ihl * 4;
    if n < 0 {
        payload.len()
    } else {
        n as usize
    }
}

fn summary(p: &Packet, i: usize, out: &mut String) {
    sprintf(out, p, i, "%src% > %dst% %proto%");
    if p.layers()[i].get_int("frag").unwrap_or(0) != 0 {
        sprintf(out, p, i, " frag:%frag%");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_path_indices_name_the_right_fields() {
        assert_eq!(
            (FIELDS[IHL].name, FIELDS[LEN].name, FIELDS[CHKSUM].name),
            ("ihl", "len", "chksum")
        );
        assert_eq!(
            (FIELDS[SRC].name, FIELDS[DST].name, FIELDS[OPTIONS_FIELD].name),
            ("src", "dst", "options")
        );
    }
}
