//! ICMPv6 (RFC 4443): one class per message type, as in Scapy — echo, the four errors (which quote the
//! offending packet as `IPerror6`) and `ICMPv6Unknown`. Neighbor Discovery is in `icmpv6_nd`.

use super::icmpv6_nd as nd;
use super::inet::l4_checksum;
use super::ipv6::IPERROR6;
use super::ipv6_ext::{DEST_OPT, FRAGMENT, HOP_BY_HOP, ROUTING};
use super::well_known::{ICMPV6_CODES, ICMPV6_TYPES};
use crate::packet::{
    int, layer_of, sprintf, Answers, Built, Codec, Dflt, Field, FieldValue, Kind, Layer, Len, MatchRules, Packet,
    Proto, RAW,
};

/// ICMPv6 as a next header: chooses the message class from the type byte (Scapy's guess for `nh` 58).
pub static ICMPV6: Proto = Proto {
    name: "ICMPv6",
    long_name: "ICMPv6",
    dispatch: Some(message_class),
    ..Proto::BASE
};

/// The class of a message, or `Raw` when the type is unknown or the message shorter than its fixed part.
/// Types Scapy knows but wirecraft does not implement yet (MLD, node information, mobile IPv6, RPL) are
/// `ICMPv6Unknown`.
pub(crate) fn message_class(p: &[u8]) -> &'static Proto {
    let Some(&t) = p.first() else { return &RAW };
    let (class, min_len): (&'static Proto, usize) = match t {
        1 => (&DEST_UNREACH, 8),
        2 => (&PACKET_TOO_BIG, 8),
        3 => (&TIME_EXCEEDED, 8),
        4 => (&PARAM_PROBLEM, 8),
        128 => (&ECHO_REQUEST, 8),
        129 => (&ECHO_REPLY, 8),
        133 => (&nd::RS, 8),
        134 => (&nd::RA, 16),
        135 => (&nd::NS, 24),
        136 => (&nd::NA, 24),
        137 => (&nd::REDIRECT, 40),
        130..=132 => (&UNKNOWN, 24),
        139 | 140 => (&UNKNOWN, 3),
        141..=147 | 151 => (&UNKNOWN, 8),
        152 | 153 | 155 => (&UNKNOWN, 4),
        _ => return &RAW,
    };
    if p.len() >= min_len {
        class
    } else {
        &RAW
    }
}

fn codes(t: u64) -> &'static [(u64, &'static str)] {
    ICMPV6_CODES.iter().find(|(k, _)| *k == t).map_or(&[], |(_, c)| c)
}

/// Index of the checksum in every message's [`header`], computed at every build (checked by a test below).
const CKSUM: usize = 2;

/// Type, code, checksum: the start of every ICMPv6 message.
pub(crate) const fn header(kind: u64, named_codes: bool) -> [Field; 3] {
    let code = Field::u8("code", 0);
    [
        Field::u8("type", kind).names(ICMPV6_TYPES).doc("message type"),
        if named_codes {
            code.names_by("type", codes)
        } else {
            code
        },
        Field::u16("cksum", 0)
            .hex()
            .auto()
            .doc("checksum over the IPv6 pseudo-header; computed"),
    ]
}

/// Fills the checksum over the IPv6 pseudo-header (next header 58); left at zero with no IPv6 layer below.
pub(crate) fn post_build(b: &mut Built) {
    if b.is_auto_at(CKSUM) {
        if let Some(ck) = l4_checksum(b, 58) {
            b.put_int(CKSUM, ck.into());
        }
    }
}

/// The long name followed by some fields, as Scapy's `sprintf("%name% ...")` summaries.
pub(crate) fn named(out: &mut String, p: &Packet, i: usize, template: &str) {
    out.push_str(p.layers()[i].proto().long_name);
    out.push(' ');
    sprintf(out, p, i, template);
}

/// Every message class: what follows an IPv6 header whose next header is 58.
pub(crate) static MESSAGES: [&Proto; 12] = [
    &DEST_UNREACH,
    &PACKET_TOO_BIG,
    &TIME_EXCEEDED,
    &PARAM_PROBLEM,
    &ECHO_REQUEST,
    &ECHO_REPLY,
    &UNKNOWN,
    &nd::RS,
    &nd::RA,
    &nd::NS,
    &nd::NA,
    &nd::REDIRECT,
];

/// The type of layer `i` when it is an ICMPv6 message.
pub(crate) fn message_type(p: &Packet, i: usize) -> Option<u64> {
    layer_of(p, i, &MESSAGES).map(|_| int(p, i, "type"))
}

/// Scapy's `_ICMPv6.answers`: a message answers only as the quote inside an error (under `IPerror6` or an
/// extension header), where type and code must be the request's.
pub(crate) const QUOTED_ANSWERS: Answers = |r, i, q, j, _| {
    let under = i.checked_sub(1).map(|u| r.layers()[u].proto());
    under.is_some_and(|u| [&IPERROR6, &HOP_BY_HOP, &DEST_OPT, &ROUTING, &FRAGMENT].contains(&u))
        && message_type(q, j).is_some_and(|t| t == int(r, i, "type"))
        && int(r, i, "code") == int(q, j, "code")
};

/// Scapy's echo `hashret`: identifier and sequence number.
fn echo_hashret(p: &Packet, i: usize, out: &mut Vec<u8>, _: MatchRules) -> Option<usize> {
    out.extend((int(p, i, "id") as u16).to_ne_bytes());
    out.extend((int(p, i, "seq") as u16).to_ne_bytes());
    Some(i + 1)
}

/// Errors quote the offending packet.
const QUOTE: crate::packet::PayloadGuess = |_, _| Some(&IPERROR6);

/// `length`, `unused` and the RFC 4884 extension of Destination Unreachable and Time Exceeded.
const fn quoting_error(kind: u64) -> [Field; 7] {
    let [t, c, ck] = header(kind, true);
    [
        t,
        c,
        ck,
        Field::u8("length", 0).doc("RFC 4884 length of the quoted packet"),
        Field::bits("unused", 24, 0).hex().scapy_class("X3BytesField"),
        Field::new("extpad", Kind::Bytes(Len::Fixed(0)), Dflt::Bytes(b"")).scapy_class("_ICMPExtensionPadField"),
        Field::new("ext", Kind::Custom(&NOT_DECODED), Dflt::None)
            .scapy_class("_ICMPExtensionField")
            .doc("RFC 4884 extension; not decoded yet"),
    ]
}

static DEST_UNREACH_FIELDS: [Field; 7] = quoting_error(1);
static TIME_EXCEEDED_FIELDS: [Field; 7] = quoting_error(3);

pub static DEST_UNREACH: Proto = Proto {
    name: "ICMPv6DestUnreach",
    long_name: "ICMPv6 Destination Unreachable",
    fields: &DEST_UNREACH_FIELDS,
    post_build: Some(post_build),
    guess_payload: Some(QUOTE),
    answers: Some(QUOTED_ANSWERS),
    ..Proto::BASE
};

pub static TIME_EXCEEDED: Proto = Proto {
    name: "ICMPv6TimeExceeded",
    long_name: "ICMPv6 Time Exceeded",
    fields: &TIME_EXCEEDED_FIELDS,
    post_build: Some(post_build),
    guess_payload: Some(QUOTE),
    answers: Some(QUOTED_ANSWERS),
    ..Proto::BASE
};

static PACKET_TOO_BIG_FIELDS: [Field; 4] = {
    let [t, c, ck] = header(2, false);
    [t, c, ck, Field::u32("mtu", 1280).doc("MTU of the next hop")]
};

pub static PACKET_TOO_BIG: Proto = Proto {
    name: "ICMPv6PacketTooBig",
    long_name: "ICMPv6 Packet Too Big",
    fields: &PACKET_TOO_BIG_FIELDS,
    post_build: Some(post_build),
    guess_payload: Some(QUOTE),
    answers: Some(QUOTED_ANSWERS),
    ..Proto::BASE
};

static PARAM_PROBLEM_FIELDS: [Field; 4] = {
    let [t, c, ck] = header(4, true);
    [
        t,
        c,
        ck,
        Field::u32("ptr", 6).doc("offset of the problem in the quoted packet"),
    ]
};

pub static PARAM_PROBLEM: Proto = Proto {
    name: "ICMPv6ParamProblem",
    long_name: "ICMPv6 Parameter Problem",
    fields: &PARAM_PROBLEM_FIELDS,
    post_build: Some(post_build),
    guess_payload: Some(QUOTE),
    answers: Some(QUOTED_ANSWERS),
    ..Proto::BASE
};

const fn echo(kind: u64) -> [Field; 6] {
    let [t, c, ck] = header(kind, false);
    [
        t,
        c,
        ck,
        Field::u16("id", 0).hex().doc("identifier"),
        Field::u16("seq", 0).hex().doc("sequence number"),
        Field::new("data", Kind::Bytes(Len::Rest), Dflt::Bytes(b"")).doc("echoed data"),
    ]
}

static ECHO_REQUEST_FIELDS: [Field; 6] = echo(128);
static ECHO_REPLY_FIELDS: [Field; 6] = echo(129);

pub static ECHO_REQUEST: Proto = Proto {
    name: "ICMPv6EchoRequest",
    long_name: "ICMPv6 Echo Request",
    fields: &ECHO_REQUEST_FIELDS,
    post_build: Some(post_build),
    summary: Some(echo_summary),
    hashret: Some(echo_hashret),
    answers: Some(QUOTED_ANSWERS),
    ..Proto::BASE
};

pub static ECHO_REPLY: Proto = Proto {
    name: "ICMPv6EchoReply",
    long_name: "ICMPv6 Echo Reply",
    fields: &ECHO_REPLY_FIELDS,
    post_build: Some(post_build),
    summary: Some(echo_summary),
    hashret: Some(echo_hashret),
    // Scapy's `ICMPv6EchoReply.answers`: same identifier, sequence number and data.
    answers: Some(|r, i, q, j, _| {
        layer_of(q, j, &[&ECHO_REQUEST, &ECHO_REPLY]).is_some()
            && ["id", "seq", "data"]
                .iter()
                .all(|n| r.layers()[i].get(n) == q.layers()[j].get(n))
    }),
    ..Proto::BASE
};

fn echo_summary(p: &Packet, i: usize, out: &mut String) {
    named(out, p, i, "(id: %id% seq: %seq%)");
}

static UNKNOWN_FIELDS: [Field; 4] = {
    let [t, c, ck] = header(1, false);
    [
        t,
        c,
        ck,
        Field::new("msgbody", Kind::Bytes(Len::Rest), Dflt::Bytes(b"")).doc("the rest of the message"),
    ]
};

/// `ICMPv6Unknown`: any message as type, code, checksum and body.
pub static UNKNOWN: Proto = Proto {
    name: "ICMPv6Unknown",
    long_name: "Scapy6 ICMPv6 fallback class",
    fields: &UNKNOWN_FIELDS,
    post_build: Some(post_build),
    answers: Some(QUOTED_ANSWERS),
    ..Proto::BASE
};

/// A field not decoded yet: nothing on the wire, shown as `None`.
pub struct NotDecoded;
static NOT_DECODED: NotDecoded = NotDecoded;

impl Codec for NotDecoded {
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

    fn kind_name(&self) -> &'static str {
        "PacketField"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every class whose checksum `post_build` fills: the messages, Neighbor Discovery's among them.
    #[test]
    fn hot_path_index_names_cksum_in_every_message() {
        for p in MESSAGES {
            assert_eq!(p.fields[CKSUM].name, "cksum", "{}", p.name);
        }
    }
}
