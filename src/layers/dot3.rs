//! IEEE 802.3 framing with a length instead of an EtherType, Scapy's `Dot3`, the 802.2 LLC header that
//! follows it, Scapy's `LLC`, and the spanning tree BPDU LLC carries, Scapy's `STP`.

use super::ether::ETHER;
use crate::packet::{sprintf, Built, Codec, Dflt, Field, FieldValue, Kind, Layer, Packet, Proto};

/// `Dot3`: destination, source, length of the payload.
pub static DOT3: Proto = Proto {
    name: "Dot3",
    long_name: "802.3",
    fields: &[
        Field::new("dst", Kind::Mac, Dflt::None)
            .scapy_class("DestMACField")
            .doc("destination MAC; broadcast when not set"),
        Field::mac("src", [0; 6])
            .scapy_class("SourceMACField")
            .scapy_default("None")
            .doc("source MAC"),
        Field::u16("len", 0)
            .auto()
            .scapy_class("LenField")
            .doc("payload length; computed"),
    ],
    post_build: Some(post_build),
    summary: Some(summary),
    payload_len: Some(|l, payload| l.get_int("len").map_or(payload.len(), |n| n as usize)),
    dispatch: Some(dispatch),
    ..Proto::BASE
};

/// A frame whose type/length field exceeds 1500 is Ethernet II after all (Scapy's `Dot3.dispatch_hook`).
fn dispatch(data: &[u8]) -> &'static Proto {
    match data.get(12..14) {
        Some(t) if u16::from_be_bytes([t[0], t[1]]) > 1500 => &ETHER,
        _ => &DOT3,
    }
}

fn post_build(b: &mut Built) {
    super::ether::post_build(b);
    if let Some(f) = b.auto_field("len") {
        b.put_int(f, b.payload_len() as u64);
    }
}

fn summary(p: &Packet, i: usize, out: &mut String) {
    sprintf(out, p, i, "802.3 %src% > %dst%");
}

/// `LLC`: IEEE 802.2 logical link control.
pub static LLC: Proto = Proto {
    name: "LLC",
    long_name: "LLC",
    fields: &[
        Field::u8("dsap", 0).hex().doc("destination service access point"),
        Field::u8("ssap", 0).hex().doc("source service access point"),
        Field::u8("ctrl", 0).doc("control"),
    ],
    ..Proto::BASE
};

/// `STP`: an 802.1D configuration BPDU. The four times are seconds, sent in 1/256 seconds.
pub static STP: Proto = Proto {
    name: "STP",
    long_name: "Spanning Tree Protocol",
    fields: &[
        Field::u16("proto", 0),
        Field::u8("version", 0),
        Field::u8("bpdutype", 0),
        Field::u8("bpduflags", 0),
        Field::u16("rootid", 0).doc("root bridge priority"),
        Field::mac("rootmac", [0; 6]),
        Field::u32("pathcost", 0),
        Field::u16("bridgeid", 0).doc("bridge priority"),
        Field::mac("bridgemac", [0; 6]),
        Field::u16("portid", 0),
        Field::new("age", Kind::Custom(&SECONDS_256), Dflt::Int(1)).doc("message age, seconds"),
        Field::new("maxage", Kind::Custom(&SECONDS_256), Dflt::Int(20)).doc("seconds"),
        Field::new("hellotime", Kind::Custom(&SECONDS_256), Dflt::Int(2)).doc("seconds"),
        Field::new("fwddelay", Kind::Custom(&SECONDS_256), Dflt::Int(15)).doc("seconds"),
    ],
    ..Proto::BASE
};

/// Scapy's `BCDFloatField`: a 16-bit count of 1/256 seconds, held in seconds as Python holds them: a whole
/// number as typed stays an integer (`hellotime=2` shows `2`), a fraction is a float (`2.5`), and what is read
/// from the wire is a float (`2.0`). Built as `int(256 * seconds)`.
pub struct Seconds256;
static SECONDS_256: Seconds256 = Seconds256;

/// The wire count of 1/256 seconds, saturating at the field's width (a random value is not checked when set).
fn units(v: &FieldValue) -> u16 {
    match v {
        FieldValue::Float(x) => (x * 256.0) as u16,
        v => v
            .as_int()
            .map_or(0, |n| u16::try_from(n.saturating_mul(256)).unwrap_or(u16::MAX)),
    }
}

impl Codec for Seconds256 {
    fn encode(&self, v: &FieldValue, out: &mut Vec<u8>) {
        out.extend_from_slice(&units(v).to_be_bytes());
    }

    fn decode(
        &self,
        data: &[u8],
        _start: usize,
        pos: usize,
        _end: usize,
        _layer: &Layer,
    ) -> Option<(FieldValue, usize)> {
        let b = data.get(pos..pos + 2)?;
        Some((
            FieldValue::Float(f64::from(u16::from_be_bytes([b[0], b[1]])) / 256.0),
            2,
        ))
    }

    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        match v {
            FieldValue::Int(n) if n < 256 => Ok(v),
            FieldValue::Float(x) if (0.0..256.0).contains(&x) => Ok(v),
            other => Err(format!("expected seconds from 0 to below 256, got {other}")),
        }
    }

    fn kind_name(&self) -> &'static str {
        "BCDFloatField"
    }
}

#[cfg(test)]
mod tests {
    use crate::packet::{LinkType, Packet};

    #[test]
    fn length_counts_the_payload_and_trailer_is_padding() {
        let p = Packet::from(crate::packet::Layer::new(&super::DOT3)) / crate::packet::Layer::new(&super::LLC);
        let bytes = p.build();
        assert_eq!(&bytes[12..14], &[0, 3]);
        let mut frame = bytes.clone();
        frame.extend_from_slice(&[0; 4]);
        let back = Packet::dissect(&frame, LinkType::Ethernet);
        let names: Vec<&str> = back.layers().iter().map(|l| l.name()).collect();
        assert_eq!(names, ["Dot3", "LLC", "Padding"]);
    }
}
