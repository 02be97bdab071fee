//! Scapy's `StrFixedLenField`: bytes whose length another field (or a constant) gives. Built, they are padded
//! with NUL bytes or cut to that length, as Scapy's `struct.pack("%is")`; `show()` prints them with trailing
//! NUL bytes stripped, `command()` prints them whole.

use crate::packet::value::py_bytes;
use crate::packet::{Codec, FieldValue, Layer};

pub struct FixedStr {
    /// The length, from the layer's other fields; `None` while the field giving it is automatic (computed from
    /// these bytes), when they are built as they are.
    pub len: fn(&Layer) -> Option<usize>,
}

impl Codec for FixedStr {
    fn encode(&self, v: &FieldValue, out: &mut Vec<u8>) {
        out.extend_from_slice(v.as_bytes().unwrap_or(&[]));
    }

    fn encode_in(&self, v: &FieldValue, layer: &Layer, out: &mut Vec<u8>) {
        let bytes = v.as_bytes().unwrap_or(&[]);
        match (self.len)(layer) {
            Some(n) => {
                out.extend_from_slice(&bytes[..n.min(bytes.len())]);
                out.resize(out.len() + n.saturating_sub(bytes.len()), 0);
            }
            None => out.extend_from_slice(bytes),
        }
    }

    /// Like Scapy's `s[:len]`, a short input gives fewer bytes rather than an error.
    fn decode(&self, data: &[u8], _start: usize, pos: usize, end: usize, layer: &Layer) -> Option<(FieldValue, usize)> {
        let rest = data.get(pos..end)?;
        let n = (self.len)(layer).unwrap_or(0).min(rest.len());
        Some((FieldValue::Bytes(rest[..n].to_vec()), n))
    }

    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        match v {
            FieldValue::Bytes(b) => Ok(FieldValue::Bytes(b)),
            FieldValue::Str(s) => Ok(FieldValue::Bytes(s.into_owned().into_bytes())),
            other => Err(format!("expected bytes, got {other}")),
        }
    }

    fn repr(&self, v: &FieldValue) -> String {
        match v.as_bytes() {
            Some(b) => py_bytes(&b[..b.iter().rposition(|&x| x != 0).map_or(0, |i| i + 1)]),
            None => v.to_string(),
        }
    }

    fn kind_name(&self) -> &'static str {
        "StrFixedLenField"
    }
}
