//! The engine's two payload kinds: `Raw`, bytes no protocol claimed (and the payload given as bytes or text on
//! the right of `/`), and `Padding`, bytes past the length a header declares (Ethernet trailers). Dissection
//! ends at either; building writes padding at the frame's end, outside every length and checksum.

use super::{Dflt, Field, FieldValue, Kind, Layer, Len, Proto};

pub static RAW: Proto = Proto {
    name: "Raw",
    long_name: "Raw",
    fields: &[Field::new("load", Kind::Bytes(Len::Rest), Dflt::Bytes(b"")).doc("the bytes")],
    ..Proto::BASE
};

pub static PADDING: Proto = Proto {
    name: "Padding",
    long_name: "Padding",
    fields: &[Field::new("load", Kind::Bytes(Len::Rest), Dflt::Bytes(b"")).doc("the trailing bytes")],
    ..Proto::BASE
};

/// A `Raw` layer holding these bytes.
pub fn raw(load: &[u8]) -> Layer {
    let mut l = Layer::new(&RAW);
    // A bytes value always fits a bytes field.
    let _ = l.set("load", FieldValue::Bytes(load.to_vec()));
    l
}

impl Proto {
    /// `Raw` or `Padding`: a payload kind, where dissection stops.
    pub fn is_payload(&self) -> bool {
        self == &RAW || self == &PADDING
    }
}
