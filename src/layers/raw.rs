//! `Raw`: bytes no protocol claimed, and the payload given as bytes or text on the right of `/`.

use crate::packet::{Dflt, Field, Kind, Layer, Len, Proto, Value};

pub static RAW: Proto = Proto {
    name: "Raw",
    long_name: "Raw",
    fields: &[Field::new("load", Kind::Bytes(Len::Rest), Dflt::Bytes(b"")).doc("the bytes")],
    ..Proto::BASE
};

/// A `Raw` layer holding these bytes.
pub fn raw(load: &[u8]) -> Layer {
    let mut l = Layer::new(&RAW);
    // A bytes value always fits a bytes field.
    let _ = l.set("load", Value::Bytes(load.to_vec()));
    l
}
