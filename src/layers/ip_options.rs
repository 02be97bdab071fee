//! IPv4 options (RFC 791 §3.1), the records of `IP.options`: Scapy's `IPOption_*` classes.

use super::well_known::{IP_OPTIONS, IP_OPTION_CLASSES};
use crate::packet::{Bound, Built, Dflt, Field, Kind, Layer, Len, Proto, Records};

/// `IP.options`: as many options as the header length leaves room for.
pub static OPTIONS: Records = Records {
    dispatch,
    bound: Bound::Bytes(Len::From(|ip| {
        (ip.get_int("ihl").unwrap_or(5) as usize * 4).saturating_sub(20)
    })),
};

/// Chooses the option's class from its type byte.
fn dispatch(data: &[u8]) -> &'static Proto {
    match data.first().map(|t| t & 0x1f) {
        Some(0) => &EOL,
        Some(1) => &NOP,
        _ => &GENERIC,
    }
}

/// Copy flag, class and number, the first byte of every option.
const fn header(option: u64, copy: u64) -> [Field; 3] {
    [
        Field::bits("copy_flag", 1, copy).doc("copy into fragments"),
        Field::bits("optclass", 2, 0).names(IP_OPTION_CLASSES),
        Field::bits("option", 5, option).names(IP_OPTIONS),
    ]
}

static EOL_FIELDS: [Field; 3] = header(0, 0);
static NOP_FIELDS: [Field; 3] = header(1, 0);

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

/// Any option without a class of its own: type, length, value kept as bytes.
pub static GENERIC: Proto = Proto {
    name: "IPOption",
    long_name: "IP Option",
    fields: &[
        Field::bits("copy_flag", 1, 0).doc("copy into fragments"),
        Field::bits("optclass", 2, 0).names(IP_OPTION_CLASSES),
        Field::bits("option", 5, 0).names(IP_OPTIONS),
        Field::u8("length", 0)
            .auto()
            .doc("option length including type and length; computed"),
        Field::new("value", Kind::Bytes(Len::From(value_len)), Dflt::Bytes(b"")),
    ],
    post_build: Some(length_post_build),
    ..Proto::BASE
};

fn value_len(l: &Layer) -> usize {
    (l.get_int("length").unwrap_or(2) as usize).saturating_sub(2)
}

/// Fills an automatic `length` (byte 1) with the option's built size.
pub(crate) fn length_post_build(b: &mut Built) {
    if b.is_auto("length") {
        b.put_u8(1, b.total_len().min(255) as u8);
    }
}
