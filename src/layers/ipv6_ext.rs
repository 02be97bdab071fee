//! IPv6 extension headers (RFC 8200 §4): Scapy's `IPv6ExtHdrHopByHop`, `IPv6ExtHdrDestOpt`,
//! `IPv6ExtHdrRouting` (type 0 address list) and `IPv6ExtHdrFragment`.

use crate::packet::addr_list::AddrList;

use super::ipv6::{next_header, nh};
use super::ipv6_options::{write_options, AUTOPAD, OPTIONS};
use super::well_known::IPV6_NH;
use crate::packet::{Built, Dflt, Field, Kind, Len, PayloadGuess, Proto, RAW};

const fn next(default: u64) -> Field {
    Field::u8("nh", default)
        .names(IPV6_NH)
        .doc("next header; set from the layer above")
}

/// What follows an extension header: the next-header table (Scapy's `_IPv6GuessPayload`).
const GUESS: PayloadGuess = |l, p| Some(next_header(nh(l), p));

/// The field table of both options headers.
static OPTIONS_HEADER: &[Field] = &[
    next(59),
    Field::u8("len", 0)
        .auto()
        .scapy_class("FieldLenField")
        .doc("length in 8-byte units, not counting the first 8; computed"),
    Field::new("autopad", Kind::Custom(&AUTOPAD), Dflt::Int(1))
        .doc("pad the options with Pad1/PadN to their alignment and the header to 8 bytes (not on the wire)"),
    Field::new("options", Kind::Records(&OPTIONS), Dflt::Empty)
        .encode_with(write_options)
        .scapy_class("_OptionsField")
        .doc("options: [RouterAlert(), PadN(optdata=b'...'), Jumbo(jumboplen=...), HAO(hoa=...)]"),
];

pub static HOP_BY_HOP: Proto = Proto {
    name: "IPv6ExtHdrHopByHop",
    long_name: "IPv6 Extension Header - Hop-by-Hop Options Header",
    fields: OPTIONS_HEADER,
    post_build: Some(options_post_build),
    guess_payload: Some(GUESS),
    ..Proto::BASE
};

pub static DEST_OPT: Proto = Proto {
    name: "IPv6ExtHdrDestOpt",
    long_name: "IPv6 Extension Header - Destination Options Header",
    fields: OPTIONS_HEADER,
    post_build: Some(options_post_build),
    guess_payload: Some(GUESS),
    ..Proto::BASE
};

fn options_post_build(b: &mut Built) {
    if let Some(f) = b.auto_field("len") {
        b.put_int(f, b.header_len().div_ceil(8).saturating_sub(1) as u64);
    }
}

pub static ROUTING: Proto = Proto {
    name: "IPv6ExtHdrRouting",
    long_name: "IPv6 Option Header Routing",
    fields: &[
        next(59),
        Field::u8("len", 0)
            .auto()
            .scapy_class("FieldLenField")
            .doc("length in 8-byte units, not counting the first 8; computed"),
        Field::u8("type", 0).doc("routing type"),
        Field::u8("segleft", 0)
            .auto()
            .doc("segments left; the number of addresses when not set"),
        Field::bits("reserved", 32, 0),
        Field::new("addresses", Kind::Custom(&ADDRESSES), Dflt::Empty).doc("addresses to visit: ['fd00::3', ...]"),
    ],
    post_build: Some(routing_post_build),
    guess_payload: Some(GUESS),
    ..Proto::BASE
};

fn routing_post_build(b: &mut Built) {
    let reserved = b.layer().field_index("reserved");
    let addr_bytes = reserved.and_then(|f| b.len_after(f)).unwrap_or(0);
    if let Some(f) = b.auto_field("len") {
        b.put_int(f, (addr_bytes / 8) as u64);
    }
    if let Some(f) = b.auto_field("segleft") {
        b.put_int(f, (addr_bytes / 16) as u64);
    }
}

pub static FRAGMENT: Proto = Proto {
    name: "IPv6ExtHdrFragment",
    long_name: "IPv6 Extension Header - Fragmentation header",
    fields: &[
        next(59),
        Field::bits("res1", 8, 0),
        Field::bits("offset", 13, 0).doc("fragment offset in 8-byte units"),
        Field::bits("res2", 2, 0),
        Field::bits("m", 1, 0).doc("more fragments"),
        Field::new("id", Kind::U32, Dflt::None).doc("identification; sent as 0 when not set"),
    ],
    // A fragment other than the first is not decoded.
    guess_payload: Some(|l, p| match l.get_int("offset") {
        Some(o) if o > 0 => Some(&RAW),
        _ => GUESS(l, p),
    }),
    ..Proto::BASE
};

/// The routing header's addresses: `8 * len` bytes of them when dissecting, whole addresses only.
static ADDRESSES: AddrList = AddrList {
    v6: true,
    len: Len::From(|l| 8 * l.get_int("len").unwrap_or(0) as usize),
    partial_fails: false,
};

#[cfg(test)]
mod tests {
    use crate::{FieldValue, Layer};

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    fn ipv6() -> Layer {
        Layer::named("IPv6")
            .unwrap()
            .with("src", "fd00::1")
            .unwrap()
            .with("dst", "fd00::2")
            .unwrap()
    }

    fn udp() -> Layer {
        Layer::named("UDP")
            .unwrap()
            .with("sport", 1)
            .unwrap()
            .with("dport", 2)
            .unwrap()
    }

    /// The pseudo-header takes the home address as source, and the last address of a routing header only while
    /// segments are left (bytes from Scapy 2.8.0).
    #[test]
    fn pseudo_header_follows_hao_and_routing() {
        let hao = Layer::named("HAO").unwrap().with("hoa", "fd00::9").unwrap();
        let dest = Layer::named("IPv6ExtHdrDestOpt")
            .unwrap()
            .with("options", FieldValue::Layers(vec![hao]))
            .unwrap();
        assert_eq!(
            hex(&(ipv6() / dest / udp()).build()),
            "6000000000203c40fd000000000000000000000000000001fd000000000000000000000000000002\
             110201020000c910fd00000000000000000000000000000900010002000805cf"
        );
        let rt = Layer::named("IPv6ExtHdrRouting")
            .unwrap()
            .with("addresses", FieldValue::List(vec!["fd00::3".into()]))
            .unwrap()
            .with("segleft", 0)
            .unwrap();
        assert_eq!(
            hex(&(ipv6() / rt / udp()).build()),
            "6000000000202b40fd000000000000000000000000000001fd000000000000000000000000000002\
             1102000000000000fd00000000000000000000000000000300010002000805d7"
        );
    }
}
