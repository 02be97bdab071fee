//! Ethernet II (IEEE 802.3 framing with an EtherType), Scapy's `Ether`.

use std::net::IpAddr;

use super::well_known::ETHER_TYPES;
use crate::packet::{answers_at, int, layer_of, Dflt, Field, FieldValue, Kind, Packet, Proto};

/// Index of `dst`, filled at every build of an `Ether` or `Dot3` header (checked by a test below).
const DST: usize = 0;

/// `Ether`: destination, source, EtherType. The type follows the layer above when not set.
pub static ETHER: Proto = Proto {
    name: "Ether",
    long_name: "Ethernet",
    fields: &[
        Field::new("dst", Kind::Mac, Dflt::None)
            .scapy_class("DestMACField")
            .doc("destination MAC; broadcast when not set and not resolvable"),
        Field::mac("src", [0; 6])
            .scapy_class("SourceMACField")
            .scapy_default("None")
            .doc("source MAC"),
        Field::u16("type", 0x9000)
            .hex_names(ETHER_TYPES)
            .doc("EtherType of the payload; set from the layer above"),
    ],
    post_build: Some(post_build),
    summary: Some(summary),
    hashret: Some(|p, i, out, _| {
        out.extend((int(p, i, "type") as u16).to_ne_bytes());
        Some(i + 1)
    }),
    answers: Some(|r, i, q, j, rules| {
        layer_of(q, j, &[&ETHER]).is_some()
            && int(r, i, "type") == int(q, j, "type")
            && answers_at(r, i + 1, q, j + 1, rules)
    }),
    dispatch: Some(dispatch),
    ..Proto::BASE
};

/// A type up to 1500 is an 802.3 length: the frame is `Dot3` (Scapy's `Ether.dispatch_hook`).
fn dispatch(data: &[u8]) -> &'static Proto {
    match data.get(12..14) {
        Some(t) if u16::from_be_bytes([t[0], t[1]]) <= 1500 => &super::dot3::DOT3,
        _ => &ETHER,
    }
}

/// An unset destination is the multicast MAC of a multicast IP or IPv6 destination above (RFC 1112, RFC 2464),
/// and broadcast otherwise, as Scapy fills it when it cannot resolve one.
pub(crate) fn post_build(b: &mut crate::packet::Built) {
    if b.is_auto_at(DST) {
        // The first network layer decides, as Scapy resolves the packet's own destination, with what the
        // layers above it imply (UDP to 5353 is mDNS's group).
        let network = b.above().iter().position(|l| matches!(l.name(), "IP" | "IPv6"));
        let dst = network.and_then(|k| b.value_above(k + 1, "dst"));
        let mac = dst.as_ref().and_then(destination_mac).unwrap_or([0xff; 6]);
        b.put_bytes(DST, &mac);
    }
}

/// The MAC a multicast IP or IPv6 destination maps to; `None` for any other address.
fn destination_mac(dst: &FieldValue) -> Option<[u8; 6]> {
    let ip = match *dst {
        FieldValue::Ip4(a) => IpAddr::V4(a),
        FieldValue::Ip6(a) => IpAddr::V6(a),
        _ => return None,
    };
    ip.is_multicast().then(|| multicast_mac(ip))
}

/// The MAC a multicast group's frames go to (RFC 1112 for IPv4, RFC 2464 for IPv6).
pub fn multicast_mac(ip: IpAddr) -> [u8; 6] {
    match ip {
        IpAddr::V4(a) => {
            let [_, x, y, z] = a.octets();
            [0x01, 0x00, 0x5e, x & 0x7f, y, z]
        }
        IpAddr::V6(a) => {
            let [.., w, x, y, z] = a.octets();
            [0x33, 0x33, w, x, y, z]
        }
    }
}

fn summary(p: &Packet, i: usize, out: &mut String) {
    crate::packet::sprintf(out, p, i, "%src% > %dst% (%type%)");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_path_index_names_dst_in_ether_and_dot3() {
        assert_eq!(ETHER.fields[DST].name, "dst");
        assert_eq!(super::super::dot3::DOT3.fields[DST].name, "dst");
    }
}
