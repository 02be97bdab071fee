//! IPv4 options (RFC 791 §3.1), the records of `IP.options`: Scapy's `IPOption_*` classes.

use crate::packet::addr_list::AddrList;

use super::fixed_str::FixedStr;
use super::well_known::{IP_OPTIONS, IP_OPTION_CLASSES};
use crate::packet::{Bound, Built, Dflt, Field, Kind, Len, Proto, Records};

/// `IP.options`: as many bytes as the header length leaves room for. With `ihl` < 5 the length is negative and
/// Scapy slices with it, leaving that many bytes off the end.
pub static OPTIONS: Records = Records {
    dispatch,
    bound: Bound::Bytes(Len::Slice(|ip| ip.int_at(super::ip::IHL).unwrap_or(5) as i64 * 4 - 20)),
};

/// Chooses the option's class from its number (the low 5 bits of the type byte).
fn dispatch(data: &[u8]) -> &'static Proto {
    match data.first().map(|t| t & 0x1f) {
        Some(0) => &EOL,
        Some(1) => &NOP,
        Some(2) => &SECURITY,
        Some(3) => &LSRR,
        Some(4) => &TIMESTAMP,
        Some(7) => &RR,
        Some(8) => &STREAM_ID,
        Some(9) => &SSRR,
        Some(11) => &MTU_PROBE,
        Some(12) => &MTU_REPLY,
        Some(18) => &TRACEROUTE,
        Some(19) => &ADDRESS_EXTENSION,
        Some(20) => &ROUTER_ALERT,
        Some(21) => &SDBM,
        _ => &GENERIC,
    }
}

/// Copy flag, class and number, the first byte of every option, with the class's defaults.
const fn header(copy: u64, class: u64, option: u64) -> [Field; 3] {
    [
        Field::bits("copy_flag", 1, copy).doc("copy into fragments"),
        Field::bits("optclass", 2, class).names(IP_OPTION_CLASSES),
        Field::bits("option", 5, option).names(IP_OPTIONS),
    ]
}

/// The header, a length byte that stays as given (the fixed-size options), then `rest`; `M` is `4 + N`.
const fn fixed<const N: usize, const M: usize>(copy: u64, option: u64, length: u64, rest: [Field; N]) -> [Field; M] {
    assert!(M == 4 + N);
    let h = header(copy, 0, option);
    let mut out = [Field::u8("length", length); M];
    out[0] = h[0];
    out[1] = h[1];
    out[2] = h[2];
    let mut i = 0;
    while i < N {
        out[4 + i] = rest[i];
        i += 1;
    }
    out
}

/// The header, an automatic length, then `rest`; `M` is `4 + N`.
const fn sized<const N: usize, const M: usize>(copy: u64, class: u64, option: u64, rest: [Field; N]) -> [Field; M] {
    let mut out: [Field; M] = fixed(copy, option, 0, rest);
    out[1] = header(copy, class, option)[1];
    out[3] = out[3]
        .auto()
        .scapy_class("FieldLenField")
        .doc("option length including type and length; computed");
    out
}

const fn option(name: &'static str, long_name: &'static str, fields: &'static [Field]) -> Proto {
    Proto {
        name,
        long_name,
        fields,
        post_build: Some(length_post_build),
        ..Proto::BASE
    }
}

static EOL_FIELDS: [Field; 3] = header(0, 0, 0);
static NOP_FIELDS: [Field; 3] = header(0, 0, 1);

pub static EOL: Proto = Proto {
    name: "IPOption_EOL",
    long_name: "IP Option End of Options List",
    fields: &EOL_FIELDS,
    ..Proto::BASE
};
pub static NOP: Proto = Proto {
    name: "IPOption_NOP",
    long_name: "IP Option No Operation",
    fields: &NOP_FIELDS,
    ..Proto::BASE
};

/// Any option without a class of its own: type, length, value kept as bytes. Bytes given to `IPOption(...)`
/// are dissected as their option's class, as Scapy's `dispatch_hook` does.
pub static GENERIC: Proto = Proto {
    dispatch: Some(dispatch),
    ..option("IPOption", "IP Option", &GENERIC_FIELDS)
};
static GENERIC_FIELDS: [Field; 5] = sized(
    0,
    0,
    0,
    [Field::new(
        "value",
        Kind::Bytes(Len::Slice(|l| l.get_int("length").unwrap_or(2) as i64 - 2)),
        Dflt::Bytes(b""),
    )],
);

static TCC: FixedStr = FixedStr { len: |_| Some(3) };
pub static SECURITY: Proto = option("IPOption_Security", "IP Option Security", &SECURITY_FIELDS);
static SECURITY_FIELDS: [Field; 8] = fixed(
    1,
    2,
    11,
    [
        Field::u16("security", 0),
        Field::u16("compartment", 0),
        Field::u16("handling_restrictions", 0),
        Field::new("transmission_control_code", Kind::Custom(&TCC), Dflt::Bytes(b"xxx")),
    ],
);

/// Record Route and the two source routes share a layout: pointer, then the route.
const fn route(copy: u64, option: u64) -> [Field; 6] {
    sized(
        copy,
        0,
        option,
        [
            Field::u8("pointer", 4).doc("offset of the next address slot, from 1; 4 is the first"),
            Field::new("routers", Kind::Custom(&ROUTERS), Dflt::Empty).doc("addresses: ['198.18.0.3', ...]"),
        ],
    )
}
/// Route addresses fill the option after type, length and pointer (Python's slicing when `length` < 3).
static ROUTERS: AddrList = AddrList {
    v6: false,
    len: Len::Slice(|l| l.get_int("length").unwrap_or(0) as i64 - 3),
    partial_fails: true,
};
static RR_FIELDS: [Field; 6] = route(0, 7);
static LSRR_FIELDS: [Field; 6] = route(1, 3);
static SSRR_FIELDS: [Field; 6] = route(1, 9);
pub static RR: Proto = option("IPOption_RR", "IP Option Record Route", &RR_FIELDS);
pub static LSRR: Proto = option("IPOption_LSRR", "IP Option Loose Source and Record Route", &LSRR_FIELDS);
pub static SSRR: Proto = option(
    "IPOption_SSRR",
    "IP Option Strict Source and Record Route",
    &SSRR_FIELDS,
);

pub static STREAM_ID: Proto = option("IPOption_Stream_Id", "IP Option Stream ID", &STREAM_ID_FIELDS);
static STREAM_ID_FIELDS: [Field; 5] = fixed(1, 8, 4, [Field::u16("security", 0)]);

static MTU_PROBE_FIELDS: [Field; 5] = fixed(0, 11, 4, [Field::u16("mtu", 0)]);
static MTU_REPLY_FIELDS: [Field; 5] = fixed(0, 12, 4, [Field::u16("mtu", 0)]);
pub static MTU_PROBE: Proto = option("IPOption_MTU_Probe", "IP Option MTU Probe", &MTU_PROBE_FIELDS);
pub static MTU_REPLY: Proto = option("IPOption_MTU_Reply", "IP Option MTU Reply", &MTU_REPLY_FIELDS);

pub static TRACEROUTE: Proto = option("IPOption_Traceroute", "IP Option Traceroute", &TRACEROUTE_FIELDS);
static TRACEROUTE_FIELDS: [Field; 8] = fixed(
    0,
    18,
    12,
    [
        Field::u16("id", 0),
        Field::u16("outbound_hops", 0),
        Field::u16("return_hops", 0),
        Field::ip4("originator_ip", [0; 4]),
    ],
);

pub static ADDRESS_EXTENSION: Proto = option(
    "IPOption_Address_Extension",
    "IP Option Address Extension",
    &ADDRESS_EXTENSION_FIELDS,
);
static ADDRESS_EXTENSION_FIELDS: [Field; 6] = fixed(
    1,
    19,
    10,
    [Field::ip4("src_ext", [0; 4]), Field::ip4("dst_ext", [0; 4])],
);

static ALERTS: &[(u64, &str)] = &[(0, "router_shall_examine_packet")];
pub static ROUTER_ALERT: Proto = option("IPOption_Router_Alert", "IP Option Router Alert", &ROUTER_ALERT_FIELDS);
static ROUTER_ALERT_FIELDS: [Field; 5] = fixed(1, 20, 4, [Field::u16("alert", 0).names(ALERTS)]);

static SDBM_ADDRESSES: AddrList = AddrList {
    v6: false,
    len: Len::Slice(|l| l.get_int("length").unwrap_or(0) as i64 - 2),
    partial_fails: true,
};
pub static SDBM: Proto = option(
    "IPOption_SDBM",
    "IP Option Selective Directed Broadcast Mode",
    &SDBM_FIELDS,
);
static SDBM_FIELDS: [Field; 5] = sized(
    1,
    0,
    21,
    [Field::new("addresses", Kind::Custom(&SDBM_ADDRESSES), Dflt::Empty)],
);

static TS_FLAGS: &[(u64, &str)] = &[
    (0, "timestamp_only"),
    (1, "timestamp_and_ip_addr"),
    (3, "prespecified_ip_addr"),
];
/// One timestamp, with the address it came from unless `flg` is 0.
pub static TIMESTAMP: Proto = option("IPOption_Timestamp", "IP Option Timestamp", &TIMESTAMP_FIELDS);
static TIMESTAMP_FIELDS: [Field; 9] = {
    let mut fields = sized(
        0,
        2,
        4,
        [
            Field::u8("pointer", 9),
            Field::bits("oflw", 4, 0).doc("hops that could not record"),
            Field::bits("flg", 4, 1).names(TS_FLAGS),
            Field::ip4("internet_address", [0; 4]).when(|l, _| l.get_int("flg") != Some(0)),
            Field::u32("timestamp", 0),
        ],
    );
    // Scapy computes this length without naming what it measures: a plain `ByteField`.
    fields[3] = fields[3].scapy_class("ByteField");
    fields
};

/// Fills an automatic `length` with the option's built size.
pub(crate) fn length_post_build(b: &mut Built) {
    if let Some(f) = b.auto_field("length") {
        b.put_int(f, b.total_len() as u64);
    }
}

#[cfg(test)]
mod tests {
    use crate::packet::{FieldValue, Packet};

    /// An IP header with `ihl` 6 and these 4 option bytes.
    fn ip_with_options(opts: [u8; 4]) -> Packet {
        let mut b = vec![0x46, 0, 0, 24, 0, 1, 0, 0, 64, 1, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2];
        b.extend_from_slice(&opts);
        Packet::dissect_as(&crate::layers::ip::IP, &b)
    }

    fn option_names(p: &Packet) -> Vec<&'static str> {
        match p.layers()[0].get("options") {
            Some(FieldValue::Layers(o)) => o.iter().map(|l| l.name()).collect(),
            _ => vec![],
        }
    }

    #[test]
    fn short_lengths_slice_from_the_end_like_python() {
        // length 2: routers take `s[:-1]` of the one byte left, nothing; that byte is an EOL.
        assert_eq!(
            option_names(&ip_with_options([7, 2, 4, 0])),
            ["IPOption_RR", "IPOption_EOL"]
        );
        // length 0: the value takes `s[:-2]`, nothing; the next two bytes are another option.
        assert_eq!(
            option_names(&ip_with_options([0x1e, 0, 0xaa, 0xbb])),
            ["IPOption", "IPOption"]
        );
    }

    #[test]
    fn truncated_route_is_raw() {
        let p = ip_with_options([7, 11, 4, 198]);
        assert_eq!(option_names(&p), ["Raw"]);
    }
}
