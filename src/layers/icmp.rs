//! ICMP for IPv4 (RFC 792), Scapy's `ICMP`, and `ICMPerror`, an ICMP header quoted inside an ICMP error.
//! Errors (dest-unreach, source-quench, redirect, time-exceeded, parameter-problem) quote the offending
//! datagram, dissected as `IPerror` and the transport's error layer.

use super::ip::IPERROR;
use super::well_known::{ICMP_CODES, ICMP_TYPES};
use crate::packet::{
    inet_checksum, int, layer_of, sprintf, Built, Codec, Dflt, Field, FieldValue, Kind, Layer, Len, MatchRules, Packet,
    Proto,
};

/// Types that carry an identifier and sequence number.
const ID_SEQ_TYPES: [u64; 10] = [0, 8, 13, 14, 15, 16, 17, 18, 37, 38];
/// Types that quote the offending datagram.
const ERROR_TYPES: [u64; 5] = [3, 4, 5, 11, 12];

/// Request and reply types, as Scapy pairs them.
const REQUEST_REPLY: [(u64, u64); 7] = [(8, 0), (13, 14), (15, 16), (17, 18), (33, 34), (35, 36), (37, 38)];

/// True for the types that quote the offending datagram.
pub(crate) fn is_error(t: u64) -> bool {
    ERROR_TYPES.contains(&t)
}

fn of_type(l: &Layer, types: &[u64]) -> bool {
    types.contains(&l.get_int("type").unwrap_or(8))
}

fn codes(t: u64) -> &'static [(u64, &'static str)] {
    ICMP_CODES.iter().find(|(k, _)| *k == t).map_or(&[], |(_, c)| c)
}

/// Index of the checksum, computed at every build (checked by a test below).
const CHKSUM: usize = 2;

static FIELDS: &[Field] = &[
    Field::u8("type", 8)
        .names(ICMP_TYPES)
        .doc("message type: echo-request, dest-unreach, ..."),
    Field::u8("code", 0)
        .names_by("type", codes)
        .scapy_class("MultiEnumField")
        .doc("code, named per type"),
    Field::u16("chksum", 0).hex().auto().doc("checksum; computed"),
    Field::u16("id", 0)
        .hex()
        .when(|l, _| of_type(l, &ID_SEQ_TYPES))
        .doc("identifier (echo, timestamp, ...)"),
    Field::u16("seq", 0)
        .hex()
        .when(|l, _| of_type(l, &ID_SEQ_TYPES))
        .doc("sequence number"),
    Field::new("ts_ori", Kind::U32, Dflt::Dyn(super::icmp_timestamp::now))
        .fmt(super::icmp_timestamp::time_of_day)
        .scapy_class("ICMPTimeStampField")
        .when(|l, _| of_type(l, &[13, 14]))
        .doc("originate timestamp, ms since midnight UTC"),
    Field::new("ts_rx", Kind::U32, Dflt::Dyn(super::icmp_timestamp::now))
        .fmt(super::icmp_timestamp::time_of_day)
        .scapy_class("ICMPTimeStampField")
        .when(|l, _| of_type(l, &[13, 14]))
        .doc("receive timestamp"),
    Field::new("ts_tx", Kind::U32, Dflt::Dyn(super::icmp_timestamp::now))
        .fmt(super::icmp_timestamp::time_of_day)
        .scapy_class("ICMPTimeStampField")
        .when(|l, _| of_type(l, &[13, 14]))
        .doc("transmit timestamp"),
    Field::ip4("gw", [0, 0, 0, 0])
        .when(|l, _| of_type(l, &[5]))
        .doc("gateway (redirect)"),
    Field::u8("ptr", 0)
        .when(|l, _| of_type(l, &[12]))
        .doc("pointer to the problem (parameter-problem)"),
    Field::u8("reserved", 0).when(|l, _| of_type(l, &[3, 11])),
    Field::u8("length", 0)
        .when(|l, _| of_type(l, &[3, 11, 12]))
        .doc("RFC 4884 length of the quoted datagram"),
    Field::ip4("addr_mask", [0, 0, 0, 0])
        .when(|l, _| of_type(l, &[17, 18]))
        .doc("address mask"),
    Field::u16("nexthopmtu", 0)
        .when(|l, _| of_type(l, &[3]))
        .doc("next-hop MTU (fragmentation needed)"),
    Field::u16("unused", 0).when(|l, _| of_type(l, &[11, 12])),
    Field::u32("unused", 0).when(|l, _| !of_type(l, &[0, 3, 5, 8, 11, 12, 13, 14, 15, 16, 17, 18])),
    Field::new("unused", Kind::Bytes(Len::Fixed(0)), Dflt::Bytes(b""))
        .when(|l, _| of_type(l, &[0, 3, 5, 8, 13, 14, 15, 16, 17, 18])),
    Field::new("extpad", Kind::Bytes(Len::Fixed(0)), Dflt::Bytes(b""))
        .scapy_class("_ICMPExtensionPadField")
        .when(|l, _| of_type(l, &[3, 11, 12])),
    Field::new("ext", Kind::Custom(&EXTENSION), Dflt::None)
        .scapy_class("_ICMPExtensionField")
        .when(|l, _| of_type(l, &[3, 11, 12]))
        .doc("RFC 4884 extension structure; not supported, always None"),
];

/// RFC 4884 extension objects. Scapy looks for them only in messages of 144 bytes or more; they are neither
/// built nor dissected here, so the field always shows `None`.
struct Extension;
static EXTENSION: Extension = Extension;

impl Codec for Extension {
    fn encode(&self, _v: &FieldValue, _out: &mut Vec<u8>) {}

    fn decode(
        &self,
        _data: &[u8],
        _start: usize,
        _pos: usize,
        _end: usize,
        _layer: &Layer,
    ) -> Option<(FieldValue, usize)> {
        Some((FieldValue::None, 0))
    }

    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        match v {
            FieldValue::None => Ok(FieldValue::None),
            other => Err(format!("ICMP extensions are not supported, got {other}")),
        }
    }

    fn kind_name(&self) -> &'static str {
        "TrailerField"
    }
}

/// `ICMP`.
pub static ICMP: Proto = Proto {
    name: "ICMP",
    long_name: "ICMP",
    fields: FIELDS,
    post_build: Some(post_build),
    summary: Some(summary),
    guess_payload: Some(guess_payload),
    hashret: Some(hashret),
    answers: Some(|r, i, q, j, _| {
        layer_of(q, j, &[&ICMP, &ICMPERROR]).is_some()
            && REQUEST_REPLY.contains(&(int(q, j, "type"), int(r, i, "type")))
            && same_id_seq(r, i, q, j)
    }),
    ..Proto::BASE
};

/// `ICMPerror`: an ICMP header quoted by an ICMP error.
pub static ICMPERROR: Proto = Proto {
    name: "ICMPerror",
    long_name: "ICMP in ICMP",
    fields: FIELDS,
    post_build: Some(post_build),
    guess_payload: Some(guess_payload),
    hashret: Some(hashret),
    answers: Some(error_answers),
    ..Proto::BASE
};

/// Scapy's `ICMP.hashret`: identifier and sequence number for the types that have them.
fn hashret(p: &Packet, i: usize, out: &mut Vec<u8>, _: MatchRules) -> Option<usize> {
    if ID_SEQ_TYPES.contains(&int(p, i, "type")) {
        out.extend((int(p, i, "id") as u16).to_ne_bytes());
        out.extend((int(p, i, "seq") as u16).to_ne_bytes());
    }
    Some(i + 1)
}

fn same_id_seq(r: &Packet, i: usize, q: &Packet, j: usize) -> bool {
    int(r, i, "id") == int(q, j, "id") && int(r, i, "seq") == int(q, j, "seq")
}

/// Scapy's `ICMPerror.answers`: the quoted ICMP header is the request's. (Scapy tests the *code* against the
/// echo-like types before comparing id and seq; kept as is for identical matching.)
fn error_answers(r: &Packet, i: usize, q: &Packet, j: usize, _: MatchRules) -> bool {
    if layer_of(q, j, &[&ICMP, &ICMPERROR]).is_none()
        || int(r, i, "type") != int(q, j, "type")
        || int(r, i, "code") != int(q, j, "code")
    {
        return false;
    }
    ![0, 8, 13, 14, 17, 18].contains(&int(r, i, "code")) || same_id_seq(r, i, q, j)
}

fn post_build(b: &mut Built) {
    if b.is_auto_at(CHKSUM) {
        let ck = inet_checksum(&[b.bytes()]);
        b.put_int(CHKSUM, ck.into());
    }
}

fn guess_payload(l: &Layer, _payload: &[u8]) -> Option<&'static Proto> {
    of_type(l, &ERROR_TYPES).then_some(&IPERROR)
}

fn summary(p: &Packet, i: usize, out: &mut String) {
    let template = match i.checked_sub(1).map(|u| p.layers()[u].name()) {
        Some("IP") => "ICMP %IP.src% > %IP.dst% %type% %code%",
        _ => "ICMP %type% %code%",
    };
    sprintf(out, p, i, template);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_path_index_names_chksum() {
        assert_eq!(FIELDS[CHKSUM].name, "chksum");
    }
}
