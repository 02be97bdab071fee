//! BSD loopback / NULL link type (LINKTYPE_NULL, 0): a 4-byte address family in the capturing host's byte
//! order, little-endian here as in Scapy's `Loopback` on Linux.

use super::well_known::LOOPBACK_TYPES;
use crate::packet::{Dflt, Field, Kind, Proto};

pub static LOOPBACK: Proto = Proto {
    name: "Loopback",
    long_name: "Loopback",
    fields: &[Field::new("type", Kind::LeU32, Dflt::Int(2))
        .names(LOOPBACK_TYPES)
        .doc("address family: 2 IPv4; 24, 28 or 30 IPv6")],
    ..Proto::BASE
};
