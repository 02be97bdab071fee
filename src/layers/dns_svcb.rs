//! Service binding records (RFC 9460): Scapy's `DNSRRSVCB` and `DNSRRHTTPS`, with their `SvcParam` key-value
//! parameters.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::dns::NAME_KIND;
use super::dns_records::{decode_texts, encode_texts, name_len, record, RR_BASE};
use crate::packet::field::lookup;
use crate::packet::value::{fmt_ip6, py_str};
use crate::packet::{Bound, Built, Codec, Dflt, Field, FieldValue, Kind, Layer, Len, Proto, Records};

/// `DNSRRSVCB`: where and how a service is reached.
pub static DNSRRSVCB: Proto = Proto {
    name: "DNSRRSVCB",
    long_name: "DNS SVCB Resource Record",
    fields: &svcb_fields(64),
    ..RR_BASE
};

/// `DNSRRHTTPS`: `DNSRRSVCB` for HTTPS origins.
pub static DNSRRHTTPS: Proto = Proto {
    name: "DNSRRHTTPS",
    long_name: "DNS HTTPS Resource Record",
    fields: &svcb_fields(65),
    ..RR_BASE
};

const fn svcb_fields(rtype: u64) -> [Field; 9] {
    record!(rtype;
        Field::u16("svc_priority", 0).doc("0: alias mode"),
        Field::new("target_name", NAME_KIND, Dflt::Bytes(b".")),
        Field::new("svc_params", Kind::Records(&SVC_PARAMS), Dflt::Empty).doc("SvcParam(key=..., value=...)"),
    )
}

/// The parameters are the rest of the record data, after the priority and the target name, which RFC 9460
/// forbids compressing.
static SVC_PARAMS: Records = Records {
    dispatch: |_| &SVC_PARAM,
    bound: Bound::Bytes(Len::From(|l| {
        (l.get_int("rdlen").unwrap_or(0) as usize).saturating_sub(2 + name_len(l, "target_name"))
    })),
};

/// `SvcParam`, one key and its value.
pub static SVC_PARAM: Proto = Proto {
    name: "SvcParam",
    long_name: "SvcParam",
    fields: &[
        Field::u16("key", 0).names(SVC_PARAM_KEYS),
        Field::u16("len", 0).auto().scapy_class("FieldLenField").doc("length of the value; computed"),
        Field::new("value", Kind::Custom(&SVC_VALUE), Dflt::Dyn(value_default))
            .scapy_class(
                "MultipleTypeField (FieldListField, DNSTextField, ShortField, FieldListField, FieldListField, StrLenField)",
            )
            .scapy_default("b''")
            .doc("mandatory: key numbers, alpn: strings, port: a number, ipv4hint/ipv6hint: addresses, else bytes"),
    ],
    post_build: Some(len_post_build),
    payload_len: Some(super::dns_records::no_payload),
    ..Proto::BASE
};

/// Scapy's `svc_param_keys` (IANA, RFC 9460).
static SVC_PARAM_KEYS: &[(u64, &str)] = &[
    (0, "mandatory"),
    (1, "alpn"),
    (2, "no-default-alpn"),
    (3, "port"),
    (4, "ipv4hint"),
    (5, "ech"),
    (6, "ipv6hint"),
    (7, "dohpath"),
    (8, "ohttp"),
];

/// Fills an automatic `len` with the value's length.
fn len_post_build(b: &mut Built) {
    if let Some(f) = b.auto_field("len") {
        b.put_rest_len(f);
    }
}

/// The value Scapy gives each key by default: a list for the list kinds, 0 for the port, else bytes.
fn value_default(l: &Layer) -> FieldValue {
    match l.get_int("key").unwrap_or(0) {
        0 | 1 | 2 | 4 | 6 => FieldValue::List(Vec::new()),
        3 => FieldValue::Int(0),
        _ => FieldValue::Bytes(Vec::new()),
    }
}

/// `SvcParam.value`, Scapy's `MultipleTypeField` by key. As `DNSRR.rdata`, the value keeps the shape it was
/// given, so setting it before `key` works: it is written and shown by that shape, and read by the key.
struct SvcValue;
static SVC_VALUE: SvcValue = SvcValue;

impl Codec for SvcValue {
    fn encode(&self, v: &FieldValue, out: &mut Vec<u8>) {
        match v {
            FieldValue::Int(port) => out.extend_from_slice(&(*port as u16).to_be_bytes()),
            FieldValue::List(items) => match items.first() {
                Some(FieldValue::Int(_)) => {
                    for key in items {
                        out.extend_from_slice(&(key.as_int().unwrap_or(0) as u16).to_be_bytes());
                    }
                }
                Some(FieldValue::Ip4(_) | FieldValue::Ip6(_)) => {
                    for a in items {
                        match a {
                            FieldValue::Ip4(a) => out.extend_from_slice(&a.octets()),
                            FieldValue::Ip6(a) => out.extend_from_slice(&a.octets()),
                            _ => {}
                        }
                    }
                }
                _ => encode_texts(v, out),
            },
            v => out.extend_from_slice(v.as_bytes().unwrap_or(&[])),
        }
    }

    /// By the key: the port reads 2 bytes whatever `len` says, as Scapy's `ShortField`; the lists read their
    /// `len` bytes, and fail on a piece too short for an element.
    fn decode(&self, data: &[u8], _start: usize, pos: usize, end: usize, layer: &Layer) -> Option<(FieldValue, usize)> {
        let len = (layer.get_int("len").unwrap_or(0) as usize).min(end.saturating_sub(pos));
        let value = data.get(pos..pos + len)?;
        Some(match layer.get_int("key").unwrap_or(0) {
            0 => (
                list_of(value, 2, |b| {
                    FieldValue::Int(u64::from(u16::from_be_bytes([b[0], b[1]])))
                })?,
                len,
            ),
            1 | 2 => (decode_texts(value), len),
            3 => {
                let b = data.get(pos..pos + 2)?;
                (FieldValue::Int(u64::from(u16::from_be_bytes([b[0], b[1]]))), 2)
            }
            4 => (
                list_of(value, 4, |b| FieldValue::Ip4(Ipv4Addr::new(b[0], b[1], b[2], b[3])))?,
                len,
            ),
            6 => {
                let ip6 = |b: &[u8]| FieldValue::Ip6(Ipv6Addr::from(<[u8; 16]>::try_from(b).unwrap_or([0; 16])));
                (list_of(value, 16, ip6)?, len)
            }
            _ => (FieldValue::Bytes(value.to_vec()), len),
        })
    }

    /// Texts that are addresses become addresses, and key names key numbers (as Scapy's fields convert them
    /// for `ipv4hint`, `ipv6hint` and `mandatory`); other texts stay texts.
    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        match v {
            FieldValue::Int(_) | FieldValue::Bytes(_) => Ok(v),
            FieldValue::Str(s) => Ok(FieldValue::Bytes(s.into_owned().into_bytes())),
            FieldValue::List(items) => items
                .into_iter()
                .map(|item| match item {
                    FieldValue::Str(s) => Ok(if let Ok(a) = s.parse::<Ipv4Addr>() {
                        FieldValue::Ip4(a)
                    } else if let Ok(a) = s.parse::<Ipv6Addr>() {
                        FieldValue::Ip6(a)
                    } else if let Some(&(key, _)) = SVC_PARAM_KEYS.iter().find(|(_, name)| *name == s) {
                        FieldValue::Int(key)
                    } else {
                        FieldValue::Str(s)
                    }),
                    FieldValue::Int(_) | FieldValue::Bytes(_) | FieldValue::Ip4(_) | FieldValue::Ip6(_) => Ok(item),
                    other => Err(format!("expected key numbers, strings or addresses, got {other}")),
                })
                .collect::<Result<_, _>>()
                .map(FieldValue::List),
            other => Err(format!("expected a number, bytes or a list, got {other}")),
        }
    }

    /// Scapy's: key numbers by name and addresses bare, in brackets; strings as a Python list.
    fn repr(&self, v: &FieldValue) -> String {
        let FieldValue::List(items) = v else {
            return v.to_string();
        };
        let bare: Vec<String> = items
            .iter()
            .map(|item| match item {
                FieldValue::Int(k) => lookup(SVC_PARAM_KEYS, *k).map_or_else(|| k.to_string(), str::to_string),
                FieldValue::Ip4(a) => a.to_string(),
                FieldValue::Ip6(a) => fmt_ip6(*a),
                FieldValue::Str(s) => py_str(s),
                other => other.to_string(),
            })
            .collect();
        format!("[{}]", bare.join(", "))
    }

    fn kind_name(&self) -> &'static str {
        "MultipleTypeField"
    }
}

/// The `size`-byte elements of `value`; `None` when the last is cut short.
fn list_of(value: &[u8], size: usize, element: impl Fn(&[u8]) -> FieldValue) -> Option<FieldValue> {
    if value.len() % size != 0 {
        return None;
    }
    Some(FieldValue::List(value.chunks(size).map(element).collect()))
}
