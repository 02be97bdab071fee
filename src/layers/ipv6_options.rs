//! IPv6 Hop-by-Hop and Destination options (RFC 8200 §4.2), the records of those headers' `options`:
//! Scapy's `Pad1`, `PadN`, `RouterAlert`, `RplOption`, `Jumbo`, `HAO` and `HBHOptUnknown`.

use super::well_known::IPV6_HBH_OPT_TYPES;
use crate::packet::field::{lookup, parse_int};
use crate::packet::{Bound, Built, Codec, Dflt, Field, FieldValue, Kind, Layer, Len, Packet, Proto, Records};

/// `options` of `IPv6ExtHdrHopByHop` and `IPv6ExtHdrDestOpt`: the header's 8-byte units, less `nh` and `len`.
pub static OPTIONS: Records = Records {
    dispatch: option_class,
    bound: Bound::Bytes(Len::From(|l| {
        (8 * (l.get_int("len").unwrap_or(0) as usize + 1)).saturating_sub(2)
    })),
};

/// Chooses the option's class from its type byte.
fn option_class(data: &[u8]) -> &'static Proto {
    match data.first() {
        Some(0x00) => &PAD1,
        Some(0x01) => &PADN,
        Some(0x05) => &ROUTER_ALERT,
        Some(0x63) => &RPL,
        Some(0xc2) => &JUMBO,
        Some(0xc9) => &HAO,
        _ => &UNKNOWN,
    }
}

/// The option type, shown with what a node that does not know the option must do (its top three bits), as
/// Scapy's `_OTypeField` does: `Router Alert [00: skip, 0: Don't change en-route]`.
pub struct OptionType;
static OTYPE: OptionType = OptionType;

impl Codec for OptionType {
    fn encode(&self, v: &FieldValue, out: &mut Vec<u8>) {
        out.push(v.as_int().unwrap_or(0) as u8);
    }

    fn decode(
        &self,
        data: &[u8],
        _start: usize,
        pos: usize,
        _end: usize,
        _layer: &Layer,
    ) -> Option<(FieldValue, usize)> {
        Some((FieldValue::Int(u64::from(*data.get(pos)?)), 1))
    }

    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        let n = match &v {
            FieldValue::Int(i) => Some(*i),
            FieldValue::Str(s) => {
                parse_int(s).or_else(|| IPV6_HBH_OPT_TYPES.iter().find(|(_, n)| n == s).map(|(k, _)| *k))
            }
            _ => None,
        };
        match n {
            Some(i) if i <= 0xff => Ok(FieldValue::Int(i)),
            _ => Err(format!("an IPv6 option type is a number 0-255 or a name, got {v}")),
        }
    }

    fn repr(&self, v: &FieldValue) -> String {
        let Some(t) = v.as_int() else { return v.to_string() };
        let name = lookup(IPV6_HBH_OPT_TYPES, t).map_or_else(|| t.to_string(), str::to_string);
        let action = match t & 0xc0 {
            0x00 => "00: skip",
            0x40 => "01: discard",
            0x80 => "10: discard+ICMP",
            _ => "11: discard+ICMP not mcast",
        };
        let change = if t & 0x20 == 0 {
            "0: Don't change en-route"
        } else {
            "1: May change en-route"
        };
        format!("{name} [{action}, {change}]")
    }

    fn kind_name(&self) -> &'static str {
        "_OTypeField"
    }

    fn names(&self) -> &'static [(u64, &'static str)] {
        IPV6_HBH_OPT_TYPES
    }
}

const fn otype(default: u64) -> Field {
    Field::new("otype", Kind::Custom(&OTYPE), Dflt::Int(default)).doc("option type")
}

/// Type, length and data: `PadN` and any option without a class of its own.
static TLV_FIELDS: [Field; 3] = [
    otype(0x01),
    Field::u8("optlen", 0)
        .auto()
        .scapy_class("FieldLenField")
        .doc("length of optdata; computed"),
    Field::new(
        "optdata",
        Kind::Bytes(Len::From(|l| l.get_int("optlen").unwrap_or(0) as usize)),
        Dflt::Bytes(b""),
    ),
];

fn optlen_post_build(b: &mut Built) {
    if let Some(f) = b.auto_field("optlen") {
        b.put_rest_len(f);
    }
}

pub static PAD1: Proto = Proto {
    name: "Pad1",
    long_name: "Pad1",
    fields: &[otype(0x00)],
    ..Proto::BASE
};

pub static PADN: Proto = Proto {
    name: "PadN",
    long_name: "PadN",
    fields: &TLV_FIELDS,
    post_build: Some(optlen_post_build),
    ..Proto::BASE
};

/// An option without a class of its own; bytes given to `HBHOptUnknown(...)` are dissected as their option's
/// class, as Scapy's `dispatch_hook` does.
pub static UNKNOWN: Proto = Proto {
    dispatch: Some(option_class),
    name: "HBHOptUnknown",
    long_name: "Scapy6 Unknown Option",
    fields: &TLV_FIELDS,
    post_build: Some(optlen_post_build),
    ..Proto::BASE
};

/// Router Alert values (RFC 2711), as Scapy names them.
static ROUTER_ALERT_VALUES: &[(u64, &str)] = &[
    (0, "Datagram contains a MLD message"),
    (1, "Datagram contains RSVP message"),
    (2, "Datagram contains an Active Network message"),
    (68, "NSIS NATFW NSLP"),
    (69, "MPLS OAM"),
    (65535, "Reserved"),
];

pub static ROUTER_ALERT: Proto = Proto {
    name: "RouterAlert",
    long_name: "Router Alert",
    fields: &[
        otype(0x05),
        Field::u8("optlen", 2),
        Field::new("value", Kind::U16, Dflt::None)
            .names(ROUTER_ALERT_VALUES)
            .doc("what the datagram contains; sent as 0 when not set"),
    ],
    ..Proto::BASE
};

pub static RPL: Proto = Proto {
    name: "RplOption",
    long_name: "RPL Option",
    fields: &[
        otype(0x63),
        Field::u8("optlen", 4),
        Field::bits("Down", 1, 0),
        Field::bits("RankError", 1, 0),
        Field::bits("ForwardError", 1, 0),
        Field::bits("unused", 5, 0),
        Field::u8("RplInstanceId", 0).hex(),
        Field::u16("SenderRank", 0).hex(),
    ],
    ..Proto::BASE
};

pub static JUMBO: Proto = Proto {
    name: "Jumbo",
    long_name: "Jumbo Payload",
    fields: &[
        otype(0xc2),
        Field::u8("optlen", 4),
        Field::new("jumboplen", Kind::U32, Dflt::None).doc("jumbogram payload length; sent as 0 when not set"),
    ],
    ..Proto::BASE
};

pub static HAO: Proto = Proto {
    name: "HAO",
    long_name: "Home Address Option",
    fields: &[
        otype(0xc9),
        Field::u8("optlen", 16),
        Field::ip6("hoa", 0).doc("home address"),
    ],
    ..Proto::BASE
};

/// The option's alignment requirement `xn+y` (RFC 8200 §4.2) as `(x, y)`.
fn alignment(p: &'static Proto) -> Option<(usize, usize)> {
    if p == &ROUTER_ALERT || p == &RPL {
        Some((2, 0))
    } else if p == &JUMBO {
        Some((4, 2))
    } else if p == &HAO {
        Some((8, 6))
    } else {
        None
    }
}

/// Appends `n` bytes of padding: `Pad1` for one byte, else `PadN`.
fn pad(out: &mut Vec<u8>, n: usize) {
    match n {
        0 => {}
        1 => out.push(0),
        n => {
            out.extend_from_slice(&[1, (n - 2) as u8]);
            out.resize(out.len() + n - 2, 0);
        }
    }
}

/// Writes the options. While `autopad` is on (the default), each option is preceded by the padding its
/// alignment needs and the header is padded to a multiple of 8 bytes, as Scapy's `_OptionsField` does.
pub(crate) fn write_options(l: &Layer, v: &FieldValue, out: &mut Vec<u8>) {
    let FieldValue::Layers(opts) = v else { return };
    let autopad = l.get_int("autopad").unwrap_or(1) != 0;
    // Options start after `nh` and `len`.
    let start = out.len().saturating_sub(2);
    for o in opts {
        if autopad {
            if let Some((x, y)) = alignment(o.proto()) {
                let cur = out.len() - start;
                pad(out, (x - (cur + x - y) % x) % x);
            }
        }
        out.extend_from_slice(&Packet::from(o.clone()).build());
    }
    if autopad {
        pad(out, (8 - (out.len() - start) % 8) % 8);
    }
}

/// Scapy's `_PhantomAutoPadField`: says whether the options are padded; never on the wire, always on when
/// dissected.
pub struct AutoPad;
pub static AUTOPAD: AutoPad = AutoPad;

impl Codec for AutoPad {
    fn encode(&self, _v: &FieldValue, _out: &mut Vec<u8>) {}

    fn decode(
        &self,
        _data: &[u8],
        _start: usize,
        _pos: usize,
        _end: usize,
        _layer: &Layer,
    ) -> Option<(FieldValue, usize)> {
        Some((FieldValue::Int(1), 0))
    }

    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        match v {
            FieldValue::Int(i) => Ok(FieldValue::Int(i)),
            other => Err(format!("autopad is 0 or 1, got {other}")),
        }
    }

    fn repr(&self, v: &FieldValue) -> String {
        if v.as_int().unwrap_or(0) != 0 { "On" } else { "Off" }.to_string()
    }

    fn kind_name(&self) -> &'static str {
        "_PhantomAutoPadField"
    }
}

#[cfg(test)]
mod tests {
    use crate::{FieldValue, Layer, Packet};

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    fn header(name: &str, options: Vec<Layer>) -> Packet {
        Packet::from(
            Layer::named(name)
                .unwrap()
                .with("options", FieldValue::Layers(options))
                .unwrap(),
        )
    }

    /// Options with alignment requirements get Pad1/PadN before them (bytes from Scapy 2.8.0).
    #[test]
    fn autopad_aligns_each_option() {
        let hao = Layer::named("HAO").unwrap().with("hoa", "fd00::9").unwrap();
        assert_eq!(
            hex(&header("IPv6ExtHdrHopByHop", vec![hao]).build()),
            "3b0201020000c910fd000000000000000000000000000009"
        );
        let ra = Layer::named("RouterAlert").unwrap().with("value", 1).unwrap();
        let jumbo = Layer::named("Jumbo").unwrap().with("jumboplen", 70000).unwrap();
        assert_eq!(
            hex(&header("IPv6ExtHdrDestOpt", vec![ra, jumbo]).build()),
            "3b0105020001c2040001117001020000"
        );
    }
}
