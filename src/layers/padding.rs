//! `Padding`: bytes past the length a header declares (Ethernet trailers). Always built at the frame's end and
//! never counted in any length or checksum.

use crate::packet::{Dflt, Field, Kind, Len, Proto};

pub static PADDING: Proto = Proto {
    name: "Padding",
    long_name: "Padding",
    fields: &[Field::new("load", Kind::Bytes(Len::Rest), Dflt::Bytes(b"")).doc("the trailing bytes")],
    ..Proto::BASE
};
