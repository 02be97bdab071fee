//! ARP (RFC 826), Scapy's `ARP`. The addresses are MACs and IPv4 (or IPv6) addresses when the types and lengths
//! say so, and plain bytes of `hwlen`/`plen` bytes otherwise (Scapy's `MultipleTypeField`).

use super::fixed_str::FixedStr;
use super::well_known::{ARP_HWTYPES, ARP_OPS, ETHER_TYPES};
use crate::packet::{
    addr, int, layer_of, sprintf, Built, Dflt, Field, FieldValue, Kind, Layer, MatchRules, Packet, Proto,
};

/// The hardware addresses are MACs for Ethernet with a 6-byte (or automatic) length.
fn hw_is_mac(l: &Layer) -> bool {
    l.get_int("hwtype") == Some(1) && matches!(l.get_int("hwlen"), None | Some(6))
}

fn proto_is(l: &Layer, ptype: u64, plen: u64) -> bool {
    l.get_int("ptype") == Some(ptype) && l.get_int("plen").is_none_or(|n| n == plen)
}

fn proto_is_raw(l: &Layer) -> bool {
    !proto_is(l, 0x0800, 4) && !proto_is(l, 0x86dd, 16)
}

static HW_BYTES: FixedStr = FixedStr {
    len: |l| l.get_int("hwlen").map(|n| n as usize),
};
static PROTO_BYTES: FixedStr = FixedStr {
    len: |l| l.get_int("plen").map(|n| n as usize),
};

/// A hardware address: a MAC, or bytes. `mac_class` is Scapy's class of the MAC (the sender's is filled when
/// built), for `ls()`.
const fn hw(name: &'static str, mac_class: &'static str, doc: &'static str) -> [Field; 2] {
    [
        Field::mac(name, [0; 6])
            .scapy_class(mac_class)
            .when(|l, _| hw_is_mac(l))
            .doc(doc),
        Field::new(name, Kind::Custom(&HW_BYTES), Dflt::Bytes(b""))
            .scapy_default("None")
            .when(|l, _| !hw_is_mac(l))
            .doc(doc),
    ]
}

/// A protocol address: IPv4, IPv6, or bytes. `classes` are Scapy's classes of the two addresses, for `ls()`.
const fn proto_addr(name: &'static str, classes: [&'static str; 2], doc: &'static str) -> [Field; 3] {
    [
        Field::ip4(name, [0; 4])
            .scapy_class(classes[0])
            .when(|l, _| proto_is(l, 0x0800, 4))
            .doc(doc),
        Field::ip6(name, 0)
            .scapy_class(classes[1])
            .when(|l, _| proto_is(l, 0x86dd, 16))
            .doc(doc),
        Field::new(name, Kind::Custom(&PROTO_BYTES), Dflt::Bytes(b""))
            .scapy_default("None")
            .when(|l, _| proto_is_raw(l))
            .doc(doc),
    ]
}

const HWSRC: [Field; 2] = hw("hwsrc", "SourceMACField", "sender hardware address");
const PSRC: [Field; 3] = proto_addr("psrc", ["SourceIPField", "SourceIP6Field"], "sender protocol address");
const HWDST: [Field; 2] = hw("hwdst", "MACField", "target hardware address");
const PDST: [Field; 3] = proto_addr("pdst", ["IPField", "IP6Field"], "target protocol address");

/// `ARP`.
pub static ARP: Proto = Proto {
    name: "ARP",
    long_name: "ARP",
    fields: &[
        Field::u16("hwtype", 1).hex_names(ARP_HWTYPES).doc("hardware type"),
        Field::u16("ptype", 0x0800)
            .hex_names(ETHER_TYPES)
            .doc("protocol type (an EtherType)"),
        Field::u8("hwlen", 0)
            .auto()
            .scapy_class("FieldLenField")
            .doc("hardware address length; computed from hwsrc"),
        Field::u8("plen", 0)
            .auto()
            .scapy_class("FieldLenField")
            .doc("protocol address length; computed from psrc"),
        Field::u16("op", 1).names(ARP_OPS).doc("who-has, is-at, ..."),
        HWSRC[0],
        HWSRC[1],
        PSRC[0],
        PSRC[1],
        PSRC[2],
        HWDST[0],
        HWDST[1],
        PDST[0],
        PDST[1],
        PDST[2],
    ],
    post_build: Some(post_build),
    summary: Some(summary),
    // Nothing follows ARP: whatever is left is padding.
    payload_len: Some(|_, _| 0),
    hashret: Some(hashret),
    answers: Some(answers),
    ..Proto::BASE
};

/// Size of an address value as built.
fn addr_len(v: Option<FieldValue>) -> usize {
    match v {
        Some(FieldValue::Mac(_)) => 6,
        Some(FieldValue::Ip4(_)) => 4,
        Some(FieldValue::Ip6(_)) => 16,
        Some(v) => v.as_bytes().map_or(0, <[u8]>::len),
        None => 0,
    }
}

fn post_build(b: &mut Built) {
    if let Some(f) = b.auto_field("hwlen") {
        b.put_int(f, addr_len(b.layer().get("hwsrc")) as u64);
    }
    if let Some(f) = b.auto_field("plen") {
        b.put_int(f, addr_len(b.layer().get("psrc")) as u64);
    }
}

fn summary(p: &Packet, i: usize, out: &mut String) {
    let template = match p.layers()[i].get_int("op") {
        Some(1) => "ARP who has %pdst% says %psrc%",
        Some(2) => "ARP is at %hwsrc% says %psrc%",
        _ => "ARP %op% %psrc% > %pdst%",
    };
    sprintf(out, p, i, template);
}

/// Scapy's `ARP.hashret`: hardware and protocol types, and which request/reply pair the operation belongs to.
fn hashret(p: &Packet, i: usize, out: &mut Vec<u8>, _: MatchRules) -> Option<usize> {
    out.extend((int(p, i, "hwtype") as u16).to_be_bytes());
    out.extend((int(p, i, "ptype") as u16).to_be_bytes());
    out.extend((int(p, i, "op").div_ceil(2) as u16).to_be_bytes());
    Some(i + 1)
}

/// Scapy's `ARP.answers`: the next operation (is-at after who-has) from the address asked about. Compared on
/// the shorter of the two addresses, as Scapy does, to catch answers that leak other bytes.
fn answers(r: &Packet, i: usize, q: &Packet, j: usize, _: MatchRules) -> bool {
    if layer_of(q, j, &[&ARP]).is_none() || int(r, i, "op") != int(q, j, "op") + 1 {
        return false;
    }
    let (psrc, pdst) = (addr(r, i, "psrc"), addr(q, j, "pdst"));
    let n = psrc.len().min(pdst.len());
    psrc[..n] == pdst[..n]
}

#[cfg(test)]
mod tests {
    use crate::packet::{FieldValue, Layer, Packet};

    #[test]
    fn odd_hardware_length_is_bytes_both_ways() {
        let arp = Layer::named("ARP")
            .and_then(|l| l.with("hwtype", 6))
            .and_then(|l| l.with("hwsrc", FieldValue::Bytes(vec![1, 2, 3, 4, 5, 6, 7, 8])))
            .and_then(|l| l.with("hwdst", FieldValue::Bytes(vec![0; 8])))
            .unwrap();
        let bytes = Packet::from(arp).build();
        assert_eq!(bytes.len(), 8 + 2 * 8 + 2 * 4);
        assert_eq!(bytes[4], 8, "hwlen follows hwsrc");
        let back = Packet::dissect_as(&super::ARP, &bytes);
        assert_eq!(
            back.get("ARP", "hwsrc"),
            Some(FieldValue::Bytes(vec![1, 2, 3, 4, 5, 6, 7, 8]))
        );
        assert_eq!(back.get("ARP", "psrc"), Some(FieldValue::Ip4([0, 0, 0, 0].into())));
    }
}
