//! ICMPv6 Neighbor Discovery (RFC 4861): router and neighbor solicitations and advertisements, redirects, and
//! their options. As in Scapy, the options are layers stacked after the message, each choosing the class of
//! the next one from its type byte.

use super::icmpv6::{header, named, post_build, QUOTED_ANSWERS};
use super::ipv6::IPV6;
use crate::packet::{
    addr, layer_of, Built, Codec, Dflt, Field, FieldValue, Kind, Layer, Len, MatchRules, Packet, PayloadGuess, Proto,
    RAW,
};

/// What follows a message or an option: the next option, by its type; a lone byte is `Raw`.
const NEXT_OPTION: PayloadGuess = |_, p| {
    Some(match p {
        [t, _, ..] => option_class(*t),
        _ => &RAW,
    })
};

/// Options Scapy has classes for but wirecraft does not implement yet are `ICMPv6NDOptUnknown`.
fn option_class(t: u8) -> &'static Proto {
    match t {
        1 => &SRC_LL_ADDR,
        2 => &DST_LL_ADDR,
        3 => &PREFIX_INFO,
        4 => &REDIRECTED_HDR,
        5 => &MTU,
        _ => &OPT_UNKNOWN,
    }
}

/// A message with its type-specific fields after type, code and checksum.
macro_rules! message {
    ($kind:expr; $($field:expr),* $(,)?) => {{
        let [t, c, ck] = header($kind, false);
        [t, c, ck, $($field),*]
    }};
}

static RS_FIELDS: [Field; 4] = message!(133; Field::u32("res", 0));

pub static RS: Proto = Proto {
    name: "ICMPv6ND_RS",
    long_name: "ICMPv6 Neighbor Discovery - Router Solicitation",
    fields: &RS_FIELDS,
    post_build: Some(post_build),
    guess_payload: Some(NEXT_OPTION),
    answers: Some(QUOTED_ANSWERS),
    ..Proto::BASE
};

/// Router preference (RFC 4191), as Scapy names it.
static PREFERENCES: &[(u64, &str)] = &[(0, "Medium (default)"), (1, "High"), (2, "Reserved"), (3, "Low")];

static RA_FIELDS: [Field; 13] = message!(134;
    Field::u8("chlim", 0).doc("hop limit for hosts to use"),
    Field::bits("M", 1, 0).doc("managed address configuration"),
    Field::bits("O", 1, 0).doc("other configuration"),
    Field::bits("H", 1, 0).doc("home agent"),
    Field::bits("prf", 2, 1).names(PREFERENCES).doc("router preference"),
    Field::bits("P", 1, 0).doc("proxy"),
    Field::bits("res", 2, 0),
    Field::u16("routerlifetime", 1800).doc("seconds"),
    Field::u32("reachabletime", 0).doc("milliseconds"),
    Field::u32("retranstimer", 0).doc("milliseconds"),
);

pub static RA: Proto = Proto {
    name: "ICMPv6ND_RA",
    long_name: "ICMPv6 Neighbor Discovery - Router Advertisement",
    fields: &RA_FIELDS,
    post_build: Some(post_build),
    summary: Some(|p, i, out| {
        let template = "Lifetime %routerlifetime% Hop Limit %chlim% Preference %prf% Managed %M% Other %O% Home %H%";
        named(out, p, i, template)
    }),
    guess_payload: Some(NEXT_OPTION),
    answers: Some(|_, _, q, j, _| layer_of(q, j, &[&RS]).is_some()),
    ..Proto::BASE
};

static NS_FIELDS: [Field; 5] = message!(135;
    Field::u32("res", 0),
    Field::ip6("tgt", 0).doc("target address"),
);

pub static NS: Proto = Proto {
    name: "ICMPv6ND_NS",
    long_name: "ICMPv6 Neighbor Discovery - Neighbor Solicitation",
    fields: &NS_FIELDS,
    post_build: Some(post_build),
    summary: Some(target_summary),
    guess_payload: Some(NEXT_OPTION),
    answers: Some(QUOTED_ANSWERS),
    hashret: Some(target_hashret),
    ..Proto::BASE
};

static NA_FIELDS: [Field; 8] = message!(136;
    Field::bits("R", 1, 1).doc("router"),
    Field::bits("S", 1, 0).doc("solicited"),
    Field::bits("O", 1, 1).doc("override"),
    Field::bits("res", 29, 0).hex(),
    Field::ip6("tgt", 0).doc("target address"),
);

pub static NA: Proto = Proto {
    name: "ICMPv6ND_NA",
    long_name: "ICMPv6 Neighbor Discovery - Neighbor Advertisement",
    fields: &NA_FIELDS,
    post_build: Some(post_build),
    summary: Some(target_summary),
    guess_payload: Some(NEXT_OPTION),
    hashret: Some(target_hashret),
    // Scapy's `ICMPv6ND_NA.answers`: an advertisement for the solicited target.
    answers: Some(|r, i, q, j, _| layer_of(q, j, &[&NS]).is_some() && addr(r, i, "tgt") == addr(q, j, "tgt")),
    ..Proto::BASE
};

/// Scapy's `hashret` for solicitations and advertisements: the target address, as text (`b"ffff::1111"`).
fn target_hashret(p: &Packet, i: usize, out: &mut Vec<u8>, _: MatchRules) -> Option<usize> {
    if let Some(FieldValue::Ip6(tgt)) = p.layers()[i].get("tgt") {
        out.extend_from_slice(crate::packet::value::fmt_ip6(tgt).as_bytes());
    }
    Some(i + 1)
}

fn target_summary(p: &Packet, i: usize, out: &mut String) {
    named(out, p, i, "(tgt: %tgt%)");
}

static REDIRECT_FIELDS: [Field; 6] = message!(137;
    Field::u32("res", 0).hex(),
    Field::ip6("tgt", 0).doc("better first hop"),
    Field::ip6("dst", 0).doc("destination being redirected"),
);

pub static REDIRECT: Proto = Proto {
    name: "ICMPv6ND_Redirect",
    long_name: "ICMPv6 Neighbor Discovery - Redirect",
    fields: &REDIRECT_FIELDS,
    post_build: Some(post_build),
    guess_payload: Some(NEXT_OPTION),
    answers: Some(QUOTED_ANSWERS),
    ..Proto::BASE
};

const fn link_layer_address(kind: u64) -> [Field; 3] {
    [
        Field::u8("type", kind),
        Field::u8("len", 1).doc("length in 8-byte units"),
        Field::mac("lladdr", [0; 6])
            .scapy_class("SourceMACField")
            .scapy_default("None")
            .doc("link-layer address"),
    ]
}

static SRC_LL_FIELDS: [Field; 3] = link_layer_address(1);
static DST_LL_FIELDS: [Field; 3] = link_layer_address(2);

fn lladdr_summary(p: &Packet, i: usize, out: &mut String) {
    named(out, p, i, "%lladdr%");
}

pub static SRC_LL_ADDR: Proto = Proto {
    name: "ICMPv6NDOptSrcLLAddr",
    long_name: "ICMPv6 Neighbor Discovery Option - Source Link-Layer Address",
    fields: &SRC_LL_FIELDS,
    summary: Some(lladdr_summary),
    guess_payload: Some(NEXT_OPTION),
    ..Proto::BASE
};

pub static DST_LL_ADDR: Proto = Proto {
    name: "ICMPv6NDOptDstLLAddr",
    long_name: "ICMPv6 Neighbor Discovery Option - Destination Link-Layer Address",
    fields: &DST_LL_FIELDS,
    summary: Some(lladdr_summary),
    guess_payload: Some(NEXT_OPTION),
    ..Proto::BASE
};

pub static PREFIX_INFO: Proto = Proto {
    name: "ICMPv6NDOptPrefixInfo",
    long_name: "ICMPv6 Neighbor Discovery Option - Prefix Information",
    fields: &[
        Field::u8("type", 3),
        Field::u8("len", 4).doc("length in 8-byte units"),
        Field::u8("prefixlen", 64),
        Field::bits("L", 1, 1).doc("on-link"),
        Field::bits("A", 1, 1).doc("autonomous address configuration"),
        Field::bits("R", 1, 0).doc("router address"),
        Field::bits("res1", 5, 0),
        Field::u32("validlifetime", 0xffff_ffff).hex().doc("seconds"),
        Field::u32("preferredlifetime", 0xffff_ffff).hex().doc("seconds"),
        Field::u32("res2", 0).hex(),
        Field::ip6("prefix", 0),
    ],
    summary: Some(|p, i, out| {
        named(
            out,
            p,
            i,
            "%prefix%/%prefixlen% On-link %L% Autonomous Address %A% Router Address %R%",
        )
    }),
    guess_payload: Some(NEXT_OPTION),
    ..Proto::BASE
};

pub static REDIRECTED_HDR: Proto = Proto {
    name: "ICMPv6NDOptRedirectedHdr",
    long_name: "ICMPv6 Neighbor Discovery Option - Redirected Header",
    fields: &[
        Field::u8("type", 4),
        Field::u8("len", 0)
            .auto()
            .scapy_class("FieldLenField")
            .doc("length in 8-byte units; computed"),
        Field::new("res", Kind::Bytes(Len::Fixed(6)), Dflt::Bytes(&[0; 6])).may_end(),
        Field::new("pkt", Kind::Custom(&QUOTED_PACKET), Dflt::Bytes(b""))
            .doc("the redirected packet, cut to a multiple of 8 bytes"),
    ],
    post_build: Some(len_post_build),
    guess_payload: Some(NEXT_OPTION),
    ..Proto::BASE
};

pub static MTU: Proto = Proto {
    name: "ICMPv6NDOptMTU",
    long_name: "ICMPv6 Neighbor Discovery Option - MTU",
    fields: &[
        Field::u8("type", 5),
        Field::u8("len", 1).doc("length in 8-byte units"),
        Field::u16("res", 0).hex(),
        Field::u32("mtu", 1280),
    ],
    summary: Some(|p, i, out| named(out, p, i, "%mtu%")),
    guess_payload: Some(NEXT_OPTION),
    ..Proto::BASE
};

/// `ICMPv6NDOptUnknown`: any option as type, length and data.
pub static OPT_UNKNOWN: Proto = Proto {
    name: "ICMPv6NDOptUnknown",
    long_name: "ICMPv6 Neighbor Discovery Option - Scapy Unimplemented",
    fields: &[
        Field::u8("type", 0),
        Field::u8("len", 0)
            .auto()
            .scapy_class("FieldLenField")
            .doc("length in 8-byte units; computed"),
        Field::new("data", Kind::Custom(&OPTION_DATA), Dflt::Bytes(b""))
            .doc("option data, padded with zeros to the 8-byte unit"),
    ],
    post_build: Some(len_post_build),
    guess_payload: Some(NEXT_OPTION),
    ..Proto::BASE
};

/// An automatic `len` is the option's size in 8-byte units.
fn len_post_build(b: &mut Built) {
    if let Some(f) = b.auto_field("len") {
        b.put_int(f, (b.header_len() / 8) as u64);
    }
}

/// Option data of `8 * len - 2` bytes (at least one unit, so that a zero length cannot stall dissection),
/// zero-padded to the unit when built: Scapy's `ICMPv6NDOptDataField`.
pub struct OptionData;
static OPTION_DATA: OptionData = OptionData;

impl Codec for OptionData {
    fn encode(&self, v: &FieldValue, out: &mut Vec<u8>) {
        let b = v.as_bytes().unwrap_or(&[]);
        out.extend_from_slice(b);
        out.resize(out.len() + (8 - (b.len() + 2) % 8) % 8, 0);
    }

    fn decode(&self, data: &[u8], _start: usize, pos: usize, end: usize, layer: &Layer) -> Option<(FieldValue, usize)> {
        let units = layer.get_int("len").unwrap_or(0).max(1) as usize;
        let n = (8 * units - 2).min(end.saturating_sub(pos));
        Some((FieldValue::Bytes(data.get(pos..pos + n)?.to_vec()), n))
    }

    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        bytes(v)
    }

    fn kind_name(&self) -> &'static str {
        "ICMPv6NDOptDataField"
    }
}

/// The redirected packet: given as bytes or layers, sent cut to a multiple of 8 bytes, dissected as IPv6
/// (Scapy's `TruncPktLenField`).
pub struct QuotedPacket;
static QUOTED_PACKET: QuotedPacket = QuotedPacket;

impl Codec for QuotedPacket {
    fn encode(&self, v: &FieldValue, out: &mut Vec<u8>) {
        let b = match v {
            FieldValue::Layers(l) => Packet::new(l.clone()).build(),
            v => v.as_bytes().unwrap_or(&[]).to_vec(),
        };
        out.extend_from_slice(&b[..b.len() - b.len() % 8]);
    }

    fn decode(&self, data: &[u8], _start: usize, pos: usize, end: usize, layer: &Layer) -> Option<(FieldValue, usize)> {
        let n = (8 * layer.get_int("len").unwrap_or(0) as usize)
            .saturating_sub(8)
            .min(end.saturating_sub(pos));
        if n == 0 {
            return Some((FieldValue::None, 0));
        }
        let quoted = Packet::dissect_as(&IPV6, data.get(pos..pos + n)?);
        Some((FieldValue::Layers(quoted.layers().to_vec()), n))
    }

    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        match v {
            FieldValue::Layers(l) => Ok(FieldValue::Layers(l)),
            v => bytes(v),
        }
    }

    fn kind_name(&self) -> &'static str {
        "TruncPktLenField"
    }
}

fn bytes(v: FieldValue) -> Result<FieldValue, String> {
    match v {
        FieldValue::Bytes(b) => Ok(FieldValue::Bytes(b)),
        FieldValue::Str(s) => Ok(FieldValue::Bytes(s.into_owned().into_bytes())),
        other => Err(format!("expected bytes, got {other}")),
    }
}

#[cfg(test)]
mod tests {
    use crate::packet::dissect_tests::unhex;
    use crate::{LinkType, Packet};

    /// An unknown option claiming zero length still takes one 8-byte unit, so dissection moves on.
    #[test]
    fn unknown_option_of_length_zero_takes_one_unit() {
        let frame = unhex(concat!(
            "02000000000202000000000186dd6000000000203a40fd000000000000000000000000000001fd000000000000000000000000000002",
            "8700000000000000fd000000000000000000000000000002fe00aabbccddeeff",
        ));
        let p = Packet::dissect(&frame, LinkType::Ethernet);
        let names: Vec<&str> = p.layers().iter().map(|l| l.name()).collect();
        assert_eq!(names, ["Ether", "IPv6", "ICMPv6ND_NS", "ICMPv6NDOptUnknown"]);
        assert_eq!(p.layers()[3].get_int("len"), Some(0));
    }
}
