//! Building: lay every header out from its field table, then let each protocol fill its automatic fields
//! (lengths, checksums, counts) from the top layer down, as Scapy's `post_build` does.

use super::field::{Dflt, Field, Kind};
use super::value::{mask, Value};
use super::Layer;

/// A frame being built, as the `post_build` hook of layer `index` sees it.
pub struct Built<'a> {
    /// The layers being built: a packet's, or a record's alone.
    layers: &'a [Layer],
    index: usize,
    /// Header start of each layer; `starts[n]` is the end of the frame (padding excluded).
    starts: Vec<usize>,
    buf: Vec<u8>,
}

impl<'a> Built<'a> {
    /// The layer being finished.
    pub fn layer(&self) -> &'a Layer {
        &self.layers[self.index]
    }

    /// The layer below, if any.
    pub fn under(&self) -> Option<&'a Layer> {
        self.below(1)
    }

    /// The layer `depth` below this one (0 = this layer).
    pub fn below(&self, depth: usize) -> Option<&'a Layer> {
        self.index.checked_sub(depth).map(|i| &self.layers[i])
    }

    /// The layer above, if any.
    pub fn upper(&self) -> Option<&'a Layer> {
        self.layers.get(self.index + 1)
    }

    /// Value of a field of the layer `depth` below this one (0 = this layer), overloads applied.
    pub fn value_below(&self, depth: usize, name: &str) -> Option<Value> {
        let f = self.below(depth)?.field_index(name)?;
        self.value_below_at(depth, f)
    }

    /// [`Built::value_below`] by field index, for hooks that run at every build.
    pub fn value_below_at(&self, depth: usize, f: usize) -> Option<Value> {
        let i = self.index.checked_sub(depth)?;
        Some(super::stacked_value(self.layers, i, f))
    }

    /// True when field `name` of this layer is to be computed: the user did not set it.
    pub fn is_auto(&self, name: &str) -> bool {
        self.layer().field_index(name).is_some_and(|i| self.is_auto_at(i))
    }

    /// [`Built::is_auto`] by field index, for hooks that run at every build.
    pub fn is_auto_at(&self, i: usize) -> bool {
        self.layer().user_value(i).is_none()
    }

    /// Length of this layer's own header.
    pub fn header_len(&self) -> usize {
        self.starts[self.index + 1] - self.starts[self.index]
    }

    /// This layer's header and payload, to the end of the frame (padding excluded).
    pub fn bytes(&self) -> &[u8] {
        &self.buf[self.starts[self.index]..]
    }

    /// Length of this layer's header plus payload.
    pub fn total_len(&self) -> usize {
        self.buf.len() - self.starts[self.index]
    }

    /// Length of everything above this layer's header.
    pub fn payload_len(&self) -> usize {
        self.buf.len() - self.starts[self.index + 1]
    }

    /// Writes a big-endian u16 at `off` bytes from this layer's start.
    pub fn put_u16(&mut self, off: usize, v: u16) {
        let at = self.starts[self.index] + off;
        if let Some(dst) = self.buf.get_mut(at..at + 2) {
            dst.copy_from_slice(&v.to_be_bytes());
        }
    }

    /// Writes a byte at `off` bytes from this layer's start.
    pub fn put_u8(&mut self, off: usize, v: u8) {
        let at = self.starts[self.index] + off;
        if let Some(b) = self.buf.get_mut(at) {
            *b = v;
        }
    }

    /// Reads a byte at `off` bytes from this layer's start.
    pub fn get_u8(&self, off: usize) -> u8 {
        self.buf.get(self.starts[self.index] + off).copied().unwrap_or(0)
    }
}

/// Builds the frame's bytes from a stack of layers. Sets and random values must already be resolved.
pub(crate) fn build(layers: &[Layer]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(128);
    build_into(layers, &mut buf);
    buf
}

/// [`build`], appending to `buf`: the layers' automatic fields see only their own bytes.
fn build_into(layers: &[Layer], buf: &mut Vec<u8>) {
    let mut starts = Vec::with_capacity(layers.len() + 1);
    let mut padding = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        starts.push(buf.len());
        if layer.proto == &crate::layers::padding::PADDING {
            if let Some(Value::Bytes(b)) = layer.get("load") {
                padding.extend_from_slice(&b);
            }
            continue;
        }
        write_header(layers, i, buf);
    }
    starts.push(buf.len());
    let mut built = Built {
        layers,
        index: 0,
        starts,
        buf: std::mem::take(buf),
    };
    for i in (0..layers.len()).rev() {
        if let Some(hook) = layers[i].proto.post_build {
            built.index = i;
            hook(&mut built);
        }
    }
    *buf = built.buf;
    buf.extend_from_slice(&padding);
}

/// Builds one record of a packet-list field (a DNS question, an IP option) on its own, at the end of `out`.
pub(crate) fn build_record(layer: &Layer, out: &mut Vec<u8>) {
    build_into(std::slice::from_ref(layer), out);
}

/// Stands for an automatic field that is yet to be computed.
static AUTO: Value = Value::None;

/// Appends layer `i`'s header: every present field in table order, bit fields packed.
fn write_header(layers: &[Layer], i: usize, buf: &mut Vec<u8>) {
    let layer = &layers[i];
    let start = buf.len();
    let under = i.checked_sub(1).map(|u| layers[u].proto);
    let over = layers
        .get(i + 1)
        .and_then(|u| crate::layers::overload(layer.proto, u.proto));
    let mut bits = BitWriter::default();
    for (f, field) in layer.proto.fields.iter().enumerate() {
        if field.when.is_some_and(|c| !c(layer, under)) {
            continue;
        }
        let owned;
        let read;
        let v = if let Some(v) = layer.user_value(f) {
            v
        } else if layer.wire & (1 << f) != 0 {
            if field.is_auto() {
                &AUTO
            } else {
                read = layer.value_ref(f);
                &*read
            }
        } else {
            // Integers, the common case, go straight to the wire without building a value.
            let implied = over
                .and_then(|o| o.iter().find(|(n, _)| *n == field.name))
                .map(|(_, x)| *x);
            let int = match (implied, field.default) {
                (Some(x), _) | (None, Dflt::Int(x)) => Some(x),
                (None, Dflt::Auto) => Some(0),
                _ => None,
            };
            match (int, field.int_width(), field.encode_with) {
                (Some(x), Some(_), None) => {
                    put_int(field.kind, x, &mut bits, buf);
                    continue;
                }
                (Some(x), ..) => owned = Value::Int(x),
                (None, ..) => owned = field.default_value(layer),
            }
            &owned
        };
        match (field.kind, field.encode_with) {
            (_, Some(write)) => write(layer, v, buf),
            (Kind::Bits(_), None) => put_int(field.kind, v.as_int().unwrap_or(0), &mut bits, buf),
            (_, None) => encode(field, v, buf),
        }
    }
    let align = layer.proto.align.max(1);
    buf.resize(start + (buf.len() - start).div_ceil(align) * align, 0);
}

/// Packs consecutive bit fields, most significant first, into whole bytes.
#[derive(Default)]
struct BitWriter {
    acc: u64,
    nbits: u32,
}

/// Appends an integer field: bit fields through the packer, the others big- or little-endian by kind.
fn put_int(kind: Kind, x: u64, bits: &mut BitWriter, buf: &mut Vec<u8>) {
    match kind {
        Kind::Bits(w) => {
            bits.acc = (bits.acc << w) | (x & mask(w));
            bits.nbits += u32::from(w);
            if bits.nbits % 8 == 0 {
                for k in (0..bits.nbits / 8).rev() {
                    buf.push((bits.acc >> (8 * k)) as u8);
                }
                *bits = BitWriter::default();
            }
        }
        Kind::U8 => buf.push(x as u8),
        Kind::U16 => buf.extend_from_slice(&(x as u16).to_be_bytes()),
        Kind::U32 => buf.extend_from_slice(&(x as u32).to_be_bytes()),
        Kind::U64 => buf.extend_from_slice(&x.to_be_bytes()),
        Kind::LeU32 => buf.extend_from_slice(&(x as u32).to_le_bytes()),
        _ => {}
    }
}

/// Appends one non-bit field's wire form (fields whose form depends on their siblings use `Field::encode_with`).
pub(crate) fn encode(field: &Field, v: &Value, out: &mut Vec<u8>) {
    let v = match v {
        Value::Gen(g) => &g.nth(0),
        v => v,
    };
    match field.kind {
        Kind::Bits(_) | Kind::U8 | Kind::U16 | Kind::U32 | Kind::U64 | Kind::LeU32 => {
            put_int(field.kind, v.as_int().unwrap_or(0), &mut BitWriter::default(), out)
        }
        Kind::Mac => match v {
            Value::Mac(m) => out.extend_from_slice(m),
            Value::Bytes(b) => out.extend_from_slice(b),
            _ => out.extend_from_slice(&[0; 6]),
        },
        Kind::Ip4 => match v {
            Value::Ip4(a) => out.extend_from_slice(&a.octets()),
            Value::Bytes(b) => out.extend_from_slice(b),
            _ => out.extend_from_slice(&[0; 4]),
        },
        Kind::Ip6 => match v {
            Value::Ip6(a) => out.extend_from_slice(&a.octets()),
            _ => out.extend_from_slice(&[0; 16]),
        },
        Kind::Bytes(_) => out.extend_from_slice(v.as_bytes().unwrap_or(&[])),
        Kind::Custom(c) => c.encode(v, out),
        Kind::Records(_) => {
            if let Value::Layers(records) = v {
                for r in records {
                    build_record(r, out);
                }
            }
        }
    }
}

/// The Internet checksum (RFC 1071) of the given parts, laid end to end; odd-length parts are only allowed last.
pub fn inet_checksum(parts: &[&[u8]]) -> u16 {
    let sum = parts
        .iter()
        .fold(etherparse::checksum::Sum16BitWords::new(), |s, p| s.add_slice(p));
    u16::from_be(sum.ones_complement())
}
