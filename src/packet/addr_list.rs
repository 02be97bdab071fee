//! A list of IP addresses laid back to back: Scapy's `FieldListField(IPField)` (IPv4 route options) and
//! `IP6ListField` (the IPv6 routing header).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::field::{Codec, Len};
use super::{FieldValue, Layer};

/// A list of IPv4 or IPv6 addresses.
pub struct AddrList {
    /// IPv6 addresses rather than IPv4.
    pub v6: bool,
    /// How many bytes the list takes when dissecting.
    pub len: Len,
    /// Whether a trailing partial address fails the field (IPv4 options, which then show as `Raw`) or is left
    /// to what follows (the IPv6 routing header).
    pub partial_fails: bool,
}

impl AddrList {
    fn width(&self) -> usize {
        if self.v6 {
            16
        } else {
            4
        }
    }

    fn parse(&self, v: FieldValue) -> Result<FieldValue, String> {
        let family = if self.v6 { "IPv6" } else { "IPv4" };
        match (v, self.v6) {
            (a @ FieldValue::Ip4(_), false) | (a @ FieldValue::Ip6(_), true) => Ok(a),
            (FieldValue::Str(s), false) => s
                .parse()
                .map(FieldValue::Ip4)
                .map_err(|_| format!("'{s}' is not an {family} address")),
            (FieldValue::Str(s), true) => s
                .parse()
                .map(FieldValue::Ip6)
                .map_err(|_| format!("'{s}' is not an {family} address")),
            (other, _) => Err(format!("expected an {family} address, got {other}")),
        }
    }
}

impl Codec for AddrList {
    fn encode(&self, v: &FieldValue, out: &mut Vec<u8>) {
        let FieldValue::List(addrs) = v else { return };
        for a in addrs {
            match a {
                FieldValue::Ip4(a) if !self.v6 => out.extend_from_slice(&a.octets()),
                FieldValue::Ip6(a) if self.v6 => out.extend_from_slice(&a.octets()),
                _ => {}
            }
        }
    }

    fn decode(&self, data: &[u8], _start: usize, pos: usize, end: usize, layer: &Layer) -> Option<(FieldValue, usize)> {
        let avail = end.saturating_sub(pos);
        let n = self.len.resolve(layer, avail).min(avail);
        let bytes = data.get(pos..pos + n)?;
        let width = self.width();
        if self.partial_fails && n % width != 0 {
            return None;
        }
        let addrs: Vec<FieldValue> = bytes
            .chunks_exact(width)
            .map(|c| match <[u8; 16]>::try_from(c) {
                Ok(b) => FieldValue::Ip6(Ipv6Addr::from(b)),
                Err(_) => FieldValue::Ip4(Ipv4Addr::new(c[0], c[1], c[2], c[3])),
            })
            .collect();
        let used = addrs.len() * width;
        Some((FieldValue::List(addrs), used))
    }

    /// A list of addresses as text or addresses; a single address is a list of one.
    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        let items = match v {
            FieldValue::List(items) => items,
            one => vec![one],
        };
        items
            .into_iter()
            .map(|a| self.parse(a))
            .collect::<Result<_, _>>()
            .map(FieldValue::List)
    }

    /// `[198.18.0.3, 198.18.0.4]` for IPv4; Scapy's `IP6ListField` pads the brackets: `[ fd00::3, fd00::4 ]`.
    fn repr(&self, v: &FieldValue) -> String {
        let FieldValue::List(addrs) = v else {
            return v.to_string();
        };
        let parts: Vec<String> = addrs
            .iter()
            .map(|a| match a {
                FieldValue::Ip4(a) => a.to_string(),
                FieldValue::Ip6(a) => super::value::fmt_ip6(*a),
                other => other.to_string(),
            })
            .collect();
        if self.v6 {
            format!("[ {} ]", parts.join(", "))
        } else {
            format!("[{}]", parts.join(", "))
        }
    }

    fn kind_name(&self) -> &'static str {
        if self.v6 {
            "IP6ListField"
        } else {
            "FieldListField"
        }
    }

    fn list_default(&self) -> bool {
        true
    }
}
