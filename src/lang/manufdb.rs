//! Scapy's `conf.manufdb`: the MAC vendor data ([`crate::net::oui`]) as Scapy's `ManufDA` answers for it —
//! `_get_manuf(mac)` (the organisation), `_get_short_manuf(mac)` (Wireshark's short name), `lookup(mac)`
//! (both) and `_resolve_MAC(mac)` (the short name in place of the prefix); an address with no vendor comes
//! back as given, as in Scapy.

use std::fmt;
use std::rc::Rc;

use super::args::{req, Args};
use super::error::LangError;
use super::rows::{method, MethodDef};
use super::session::Session;
use super::value::{HostValue, Value};
use crate::net::oui::{vendors, Vendor};

/// The system's vendor data, read on first use.
#[derive(Debug)]
pub struct ManufDb;

/// `</usr/share/wireshark/manuf - 52417 elements>`, as Scapy shows its `ManufDA`.
impl fmt::Display for ManufDb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let db = vendors();
        let source = db.source().map_or("no data".into(), |p| p.display().to_string());
        write!(f, "<{source} - {} elements>", db.len())
    }
}

impl HostValue for ManufDb {
    fn type_name(&self) -> &'static str {
        "ManufDA"
    }

    fn methods(&self) -> &'static [MethodDef] {
        METHODS
    }
}

/// The mac argument as text, and its vendor.
fn looked_up(a: &Args) -> Result<(String, Option<&'static Vendor>), LangError> {
    let mac = a
        .text("mac")?
        .ok_or_else(|| LangError::type_err("mac is an address as text, such as '00:1b:21:01:02:03'"))?;
    let octets: Vec<u8> = mac
        .split([':', '-'])
        .filter_map(|o| u8::from_str_radix(o, 16).ok())
        .collect();
    let vendor = <[u8; 6]>::try_from(octets).ok().and_then(|m| vendors().lookup(&m));
    Ok((mac, vendor))
}

fn name(a: &Args, pick: fn(&Vendor) -> &str) -> Result<Value, LangError> {
    let (mac, vendor) = looked_up(a)?;
    Ok(Value::str(vendor.map_or(mac.as_str(), pick)))
}

static METHODS: &[MethodDef] = &[
    method!(
        "_get_manuf",
        [req("mac")],
        "The vendor's registered name for a MAC address, or the address when none is known.",
        |_s: &mut Session, _r, a| name(a, |v| &v.name)
    ),
    method!(
        "_get_short_manuf",
        [req("mac")],
        "The vendor's short name (Wireshark's) for a MAC address, or the address when none is known.",
        |_s: &mut Session, _r, a| name(a, |v| &v.short)
    ),
    method!(
        "lookup",
        [req("mac")],
        "(short name, registered name) of a MAC address's vendor, or (mac, mac) when none is known.",
        |_s: &mut Session, _r, a| {
            let (mac, vendor) = looked_up(a)?;
            let (short, long) = vendor.map_or((mac.as_str(), mac.as_str()), |v| (&v.short, &v.name));
            Ok(Value::Tuple(Rc::from([Value::str(short), Value::str(long)])))
        }
    ),
    method!(
        "_resolve_MAC",
        [req("mac")],
        "The MAC address with its vendor's short name in place of the prefix (IntelCor:01:02:03).",
        |_s: &mut Session, _r, a| {
            let (mac, vendor) = looked_up(a)?;
            Ok(Value::str(&match vendor {
                Some(v) => std::iter::once(v.short.as_str())
                    .chain(mac.split([':', '-']).skip(3))
                    .collect::<Vec<_>>()
                    .join(":"),
                None => mac,
            }))
        }
    ),
];
