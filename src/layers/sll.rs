//! Linux cooked captures, as libpcap records frames captured on the `any` device: SLL (LINKTYPE_LINUX_SLL,
//! 113) and SLL2 (LINKTYPE_LINUX_SLL2, 276). Scapy's `CookedLinux` and `CookedLinuxV2`.

use super::fixed_str::FixedStr;
use super::well_known::{ETHER_TYPES, SLL_PKTTYPES};
use crate::packet::{Dflt, Field, Kind, Proto};

/// The link-layer address, always 8 bytes, zero-padded.
static SRC: FixedStr = FixedStr { len: |_| Some(8) };

pub static SLL: Proto = Proto {
    name: "CookedLinux",
    long_name: "cooked linux",
    fields: &[
        Field::u16("pkttype", 0)
            .names(SLL_PKTTYPES)
            .doc("to us, broadcast, multicast, to others, outgoing"),
        Field::u16("lladdrtype", 512).hex().doc("ARPHRD_ type of the device"),
        Field::u16("lladdrlen", 0).doc("length of the link-layer address"),
        Field::new("src", Kind::Custom(&SRC), Dflt::Bytes(b"")).doc("link-layer address, zero-padded"),
        Field::u16("proto", 0x800)
            .hex_names(ETHER_TYPES)
            .doc("EtherType of the payload"),
    ],
    ..Proto::BASE
};

pub static SLL2: Proto = Proto {
    name: "CookedLinuxV2",
    long_name: "cooked linux v2",
    fields: &[
        Field::u16("proto", 0x800)
            .hex_names(ETHER_TYPES)
            .doc("EtherType of the payload"),
        Field::u16("reserved", 0),
        Field::u32("ifindex", 0).doc("index of the capturing interface"),
        Field::u16("lladdrtype", 512).hex().doc("ARPHRD_ type of the device"),
        Field::u8("pkttype", 0)
            .names(SLL_PKTTYPES)
            .doc("to us, broadcast, multicast, to others, outgoing"),
        Field::u8("lladdrlen", 0).doc("length of the link-layer address"),
        Field::new("src", Kind::Custom(&SRC), Dflt::Bytes(b"")).doc("link-layer address, zero-padded"),
    ],
    ..Proto::BASE
};
