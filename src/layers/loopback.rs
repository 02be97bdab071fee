//! BSD loopback / NULL link type (LINKTYPE_NULL, 0), Scapy's `Loopback`: a 4-byte address family in the
//! capturing host's byte order.

use super::well_known::LOOPBACK_TYPES;
use crate::packet::{field::lookup, Codec, Dflt, Field, FieldValue, Kind, Layer, Proto};

pub static LOOPBACK: Proto = Proto {
    name: "Loopback",
    long_name: "Loopback",
    fields: &[Field::new("type", Kind::Custom(&FAMILY), Dflt::Int(2))
        .doc("address family: 2 IPv4; 10 IPv6 on Linux; 24, 28 or 30 IPv6 on the BSDs")],
    ..Proto::BASE
};

/// Scapy's `LoIntEnumField` on Linux: the four bytes are read big-endian and shifted right by 24, so only the
/// first byte counts (`02 00 00 00` is AF_INET, `00 00 00 02` is family 0), and the family is written as that
/// first byte followed by three zeros. This reads little-endian families below 256 right, as captured on
/// little-endian hosts, and ignores the rest.
pub struct Family;
static FAMILY: Family = Family;

impl Codec for Family {
    fn encode(&self, v: &FieldValue, out: &mut Vec<u8>) {
        out.extend_from_slice(&[v.as_int().unwrap_or(0) as u8, 0, 0, 0]);
    }

    fn decode(
        &self,
        data: &[u8],
        _start: usize,
        pos: usize,
        _end: usize,
        _layer: &Layer,
    ) -> Option<(FieldValue, usize)> {
        let b = data.get(pos..pos + 4)?;
        Some((FieldValue::Int(u64::from(b[0])), 4))
    }

    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        match v {
            FieldValue::Int(i) if i <= 0xff => Ok(FieldValue::Int(i)),
            FieldValue::Str(s) => LOOPBACK_TYPES
                .iter()
                .find(|(_, n)| *n == s)
                .map(|(k, _)| FieldValue::Int(*k))
                .ok_or_else(|| format!("'{s}' is not a known address family")),
            other => Err(format!("expected an address family below 256, got {other}")),
        }
    }

    fn repr(&self, v: &FieldValue) -> String {
        let i = v.as_int().unwrap_or(0);
        lookup(LOOPBACK_TYPES, i).map_or_else(|| i.to_string(), str::to_string)
    }

    fn kind_name(&self) -> &'static str {
        "LoIntEnumField"
    }

    fn names(&self) -> &'static [(u64, &'static str)] {
        LOOPBACK_TYPES
    }
}
