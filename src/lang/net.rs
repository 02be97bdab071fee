//! Scapy's `Net` and `Net6`: a network (`Net("198.18.0.0/30")`) or a range of addresses (`Net("198.18.0.1",
//! "198.18.0.3")`) as a value. It iterates its addresses as text, has a `len`, answers `in` for an address, a
//! network or an address as a number, prints as Scapy's repr, and is a field value: `IP(dst=Net(...))` is
//! the same packet set as `IP(dst="198.18.0.0/30")`. The addresses are the engine's generators.

use std::fmt;

use super::args::{opt, req, Args, Const};
use super::error::LangError;
use super::rows::{builtin, Builtin};
use super::session::Session;
use super::value::{HostValue, Value};
use crate::packet::field::{parse_ip4_or_net, parse_ip6_or_net};
use crate::packet::value::{fmt_ip6, IpRange};
use crate::packet::{FieldValue, Generator};

/// A `Net` or `Net6`: the engine's set of addresses.
#[derive(Debug)]
pub struct NetValue {
    addresses: Generator,
    v6: bool,
}

impl NetValue {
    /// `Net(net)` or `Net(start, stop)` (and the same for `Net6`): an address is its own `/32` (`/128`).
    fn parse(net: &str, stop: Option<&str>, v6: bool) -> Result<NetValue, LangError> {
        let parse = |s: &str| {
            let parsed = if v6 { parse_ip6_or_net(s) } else { parse_ip4_or_net(s) };
            parsed.map_err(LangError::value_err)
        };
        let addresses = match (parse(net)?, stop.map(parse).transpose()?) {
            (FieldValue::Ip4(a), None) => Generator::Net4(a, 32),
            (FieldValue::Ip6(a), None) => Generator::Net6(a, 128),
            (FieldValue::Gen(g), None) => *g,
            (FieldValue::Ip4(a), Some(FieldValue::Ip4(b))) => Generator::Addresses(IpRange::V4(a, b)),
            (FieldValue::Ip6(a), Some(FieldValue::Ip6(b))) => Generator::Addresses(IpRange::V6(a, b)),
            _ => {
                return Err(LangError::value_err(format!(
                    "{}(start, stop) takes two addresses, not networks",
                    if v6 { "Net6" } else { "Net" }
                )))
            }
        };
        Ok(NetValue { addresses, v6 })
    }

    /// The address at `i` as a number.
    fn number(&self, i: u128) -> u128 {
        match self.addresses.nth(i) {
            FieldValue::Ip4(a) => u32::from(a).into(),
            FieldValue::Ip6(a) => u128::from(a),
            _ => 0,
        }
    }

    /// The first and last addresses, as numbers.
    fn bounds(&self) -> (u128, u128) {
        let n = self.addresses.count();
        (self.number(0), self.number(n.saturating_sub(1)))
    }

    /// The address at `i` as text, as Scapy iterates it.
    fn text(&self, i: u128) -> String {
        match self.addresses.nth(i) {
            FieldValue::Ip4(a) => a.to_string(),
            FieldValue::Ip6(a) => fmt_ip6(a),
            _ => String::new(),
        }
    }
}

/// Scapy's `str(net)`: its first address.
impl fmt::Display for NetValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(0))
    }
}

impl HostValue for NetValue {
    fn type_name(&self) -> &'static str {
        if self.v6 {
            "Net6"
        } else {
            "Net"
        }
    }

    /// `Net("198.18.0.0/30")`, `Net("198.18.0.1", "198.18.0.3")`: the engine's text for its generator.
    fn repr(&self) -> String {
        self.addresses.to_string()
    }

    fn size(&self) -> Option<usize> {
        usize::try_from(self.addresses.count()).ok()
    }

    /// Equal to a network of the same family with the same first and last addresses, as Scapy's.
    fn equals(&self, other: &dyn HostValue) -> bool {
        other
            .as_any()
            .downcast_ref::<NetValue>()
            .is_some_and(|o| o.v6 == self.v6 && o.bounds() == self.bounds())
    }

    fn iterable(&self) -> bool {
        true
    }

    fn next_item(&self, _: &Session, position: usize) -> Option<Value> {
        let i = position as u128;
        (i < self.addresses.count()).then(|| Value::str(&self.text(i)))
    }

    /// An address (or a network, all of it) as text, another `Net`, or an address as a number. Text that is
    /// no address of the family is not in it (Scapy raises there, as it parses the text as a host name).
    fn contains(&self, item: &Value) -> Option<bool> {
        let (lo, hi) = self.bounds();
        let (a, b) = match item {
            Value::Str(s) => match NetValue::parse(s, None, self.v6) {
                Ok(n) => n.bounds(),
                Err(_) => return Some(false),
            },
            Value::Host(h) => {
                let other = (**h).as_any().downcast_ref::<NetValue>()?;
                if other.v6 != self.v6 {
                    return Some(false);
                }
                other.bounds()
            }
            v => {
                let i = u128::try_from(v.as_int()?).ok()?;
                (i, i)
            }
        };
        Some(lo <= a && b <= hi)
    }

    fn field_value(&self) -> Option<FieldValue> {
        Some(FieldValue::gen(self.addresses.clone()))
    }
}

pub(crate) static BUILTINS: &[Builtin] = &[
    builtin!(
        "Net",
        [req("net"), opt("stop", Const::None)],
        "An IPv4 network, Net(\"198.18.0.0/30\"), or the addresses from net to stop: iterable, a field value.",
        |_, a| net(a, false)
    ),
    builtin!(
        "Net6",
        [req("net"), opt("stop", Const::None)],
        "An IPv6 network, Net6(\"fd00::/126\"), or the addresses from net to stop: iterable, a field value.",
        |_, a| net(a, true)
    ),
];

fn net(a: &Args, v6: bool) -> Result<Value, LangError> {
    let stop = match a.get("stop") {
        Value::None => None,
        v => Some(address_text(v)?),
    };
    NetValue::parse(address_text(a.get("net"))?, stop, v6).map(Value::host)
}

fn address_text(v: &Value) -> Result<&str, LangError> {
    match v {
        Value::Str(s) => Ok(s),
        other => Err(LangError::type_err(format!(
            "a network or an address is text (\"198.18.0.0/30\"), not a {}",
            other.type_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    #[test]
    fn a_network_spans_its_masked_addresses() {
        let n = NetValue::parse("198.18.0.1/30", None, false).unwrap();
        let first = u128::from(u32::from(Ipv4Addr::new(198, 18, 0, 0)));
        assert_eq!(n.bounds(), (first, first + 3));
        let r = NetValue::parse("fd00::1", Some("fd00::3"), true).unwrap();
        let one = u128::from(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1));
        assert_eq!(r.bounds(), (one, one + 2));
    }
}
