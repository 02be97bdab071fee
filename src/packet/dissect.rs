//! Dissection: bytes to layers, driven by the same field tables and bindings that build. It never panics, never
//! loops and never reads out of bounds: a layer that does not parse becomes `Raw`, bytes past a length become
//! `Padding`.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use super::field::{Bound, Kind};
use super::layout::FrameRef;
use super::value::{mask, Value};
use super::{Layer, Packet, Proto};
use crate::layers;

/// Link-layer types (pcap's LINKTYPE_* numbers) that frames arrive with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkType {
    /// 1: Ethernet.
    Ethernet,
    /// 101 (and 12, 14, and 228/229 that Scapy writes for IP/IPv6): raw IPv4 or IPv6, chosen by the version
    /// nibble.
    RawIp,
    /// 113: Linux cooked capture v1, as `-i any` captured before libpcap 1.10.
    LinuxSll,
    /// 276: Linux cooked capture v2.
    LinuxSll2,
    /// 0: BSD loopback / NULL, the address family in host byte order.
    Null,
    /// Any other link type: the frame is kept as `Raw`.
    Other(u32),
}

impl LinkType {
    /// The link type of a pcap LINKTYPE_ / DLT_ number.
    pub fn from_dlt(n: u32) -> LinkType {
        match n {
            1 => LinkType::Ethernet,
            12 | 14 | 101 | 228 | 229 => LinkType::RawIp,
            113 => LinkType::LinuxSll,
            276 => LinkType::LinuxSll2,
            0 => LinkType::Null,
            n => LinkType::Other(n),
        }
    }

    /// The pcap LINKTYPE_ number.
    pub fn dlt(self) -> u32 {
        match self {
            LinkType::Ethernet => 1,
            LinkType::RawIp => 101,
            LinkType::LinuxSll => 113,
            LinkType::LinuxSll2 => 276,
            LinkType::Null => 0,
            LinkType::Other(n) => n,
        }
    }

    /// The protocol a frame of this link type starts with.
    pub fn proto(self) -> &'static Proto {
        match self {
            LinkType::Ethernet => &layers::ether::ETHER,
            LinkType::RawIp => &layers::ip::IP_OR_IPV6,
            LinkType::LinuxSll => &layers::sll::SLL,
            LinkType::LinuxSll2 => &layers::sll::SLL2,
            LinkType::Null => &layers::loopback::LOOPBACK,
            LinkType::Other(_) => &layers::raw::RAW,
        }
    }
}

/// Dissects `data` as `first` and whatever its bindings say follows.
pub(crate) fn dissect(data: &[u8], first: &'static Proto) -> Packet {
    let frame: Arc<[u8]> = Arc::from(data);
    Packet {
        wire: Some(Arc::clone(&frame)),
        layers: dissect_frame(&frame, first),
    }
}

/// The layers alone, not kept as the packet's bytes: see [`Packet::dissect_fields`].
pub(crate) fn dissect_fields(data: &[u8], first: &'static Proto) -> Packet {
    Packet {
        layers: dissect_frame(&Arc::from(data), first),
        wire: None,
    }
}

fn dissect_frame(frame: &Arc<[u8]>, first: &'static Proto) -> Vec<Layer> {
    let mut layers = Vec::with_capacity(5);
    dissect_into(frame, first, None, &mut layers);
    layers
}

/// Dissects `data` as `proto` and its payloads, appending the layers. Iterative, so a deep chain of headers
/// cannot exhaust the stack; every step consumes bytes or stops, so it always ends.
fn dissect_into(frame: &Arc<[u8]>, proto: &'static Proto, under: Option<&'static Proto>, out: &mut Vec<Layer>) {
    let data: &[u8] = frame;
    let mut proto = proto;
    let mut under = under;
    let (mut start, mut end) = (0usize, data.len());
    let mut paddings: Vec<(usize, usize)> = Vec::new();
    loop {
        proto = resolve(proto, &data[start..end]);
        if proto == &layers::raw::RAW || proto == &layers::padding::PADDING {
            out.push(load_layer(proto, frame, start, end));
            break;
        }
        let mut layer = Layer::unfilled(proto);
        let Some(hdr_len) = decode_fields(&data[start..end], 0, &mut layer, under, Some((frame, start))) else {
            out.push(load_layer(&layers::raw::RAW, frame, start, end));
            break;
        };
        let hdr_end = start + hdr_len;
        let avail = end - hdr_end;
        let pay_end = hdr_end + proto.payload_len.map_or(avail, |f| f(&layer, avail).min(avail));
        if pay_end < end {
            paddings.push((pay_end, end));
        }
        let next = if pay_end > hdr_end {
            Some(guess_payload(&layer, &data[hdr_end..pay_end]))
        } else {
            None
        };
        out.push(layer);
        match next {
            Some(n) => {
                under = Some(proto);
                proto = n;
                start = hdr_end;
                end = pay_end;
            }
            None => break,
        }
    }
    for (pad_start, pad_end) in paddings.into_iter().rev() {
        out.push(load_layer(&layers::padding::PADDING, frame, pad_start, pad_end));
    }
}

/// Follows dispatch hooks to the concrete protocol (a bounded number of times).
fn resolve(mut proto: &'static Proto, data: &[u8]) -> &'static Proto {
    for _ in 0..4 {
        match proto.dispatch {
            Some(d) => {
                let next = d(data);
                if next == proto {
                    break;
                }
                proto = next;
            }
            None => break,
        }
    }
    proto
}

/// The payload's protocol: the layer's own guess, else the first binding whose field values match, else `Raw`.
fn guess_payload(layer: &Layer, payload: &[u8]) -> &'static Proto {
    if let Some(g) = layer.proto.guess_payload {
        if let Some(p) = g(layer, payload) {
            return p;
        }
    }
    layers::guess(layer).unwrap_or(&layers::raw::RAW)
}

/// A `Raw` or `Padding` layer of `frame[start..end]`, read from the frame when asked.
fn load_layer(proto: &'static Proto, frame: &Arc<[u8]>, start: usize, end: usize) -> Layer {
    let mut l = Layer::unfilled(proto);
    l.frame = Some(FrameRef::new(frame, start, end, proto.layout()));
    l.wire = 1;
    l
}

/// A `Raw` record holding `data`, where no frame is at hand.
fn raw_record(data: &[u8]) -> Layer {
    let mut l = Layer::unfilled(&layers::raw::RAW);
    l.values.push(Value::Bytes(data.to_vec()));
    l.wire = 1;
    l
}

/// Decodes the fields of `layer` from `data[start..]`; returns the header length, or `None` when the data
/// ends inside a fixed-size field or a field's own decoder rejects it. With `frame` (the frame `data` is part
/// of, and where in it `data` starts), the protocol's fixed leading fields are left in the frame, to be read
/// when asked (see [`super::Layout`]).
pub(crate) fn decode_fields(
    data: &[u8],
    start: usize,
    layer: &mut Layer,
    under: Option<&'static Proto>,
    frame: Option<(&Arc<[u8]>, usize)>,
) -> Option<usize> {
    // Values are pushed in table order, so the fields decoded so far are what conditions and lengths see.
    let fields = layer.proto.fields;
    layer.values.clear();
    (layer.user, layer.wire) = (0, 0);
    layer.frame = None;
    let layout = layer.proto.layout();
    let mut held = fields.len();
    let mut bitpos = start * 8;
    let mut i = 0;
    while i < fields.len() {
        if i == layout.first() && layout.count() > 0 && bitpos % 8 == 0 {
            if let Some((frame, at)) = frame {
                let (run, avail) = (bitpos / 8, data.len().saturating_sub(bitpos / 8));
                if avail >= layout.fixed_bytes() {
                    layer.frame = Some(FrameRef::new(frame, at + run, at + data.len(), layout));
                    layer.wire |= mask(layout.count() as u8) << i;
                    bitpos += layout.used_bytes(avail) * 8;
                    held -= layout.count();
                    i += layout.count();
                    continue;
                }
            }
        }
        let field = &fields[i];
        i += 1;
        if layer.values.capacity() == 0 {
            layer.values.reserve_exact(held);
        }
        if field.when.is_some_and(|c| !c(layer, under)) {
            layer.values.push(Value::None);
            continue;
        }
        let v = if let Kind::Bits(w) = field.kind {
            let v = read_bits(data, bitpos, w)?;
            bitpos += w as usize;
            Value::Int(v)
        } else {
            let pos = bitpos.div_ceil(8);
            let (v, used) = decode_one(data, pos, layer, field.kind, frame)?;
            bitpos = (pos + used) * 8;
            v
        };
        layer.values.push(v);
        layer.wire |= 1 << (i - 1);
        if field.may_end && bitpos / 8 >= data.len() {
            break;
        }
    }
    // `resize_with` is an out-of-line call even when nothing is missing, as after most headers.
    if layer.values.len() < held {
        layer.values.resize_with(held, || Value::None);
    }
    Some(bitpos.div_ceil(8) - start)
}

#[inline]
pub(crate) fn read_bits(data: &[u8], bitpos: usize, w: u8) -> Option<u64> {
    // Common case: an 8-byte window holds the field; one load and two shifts.
    let byte = bitpos / 8;
    if let Some(window) = data.get(byte..byte + 8) {
        let skip = (bitpos % 8) as u32;
        if skip + u32::from(w) <= 64 && w > 0 {
            let word = u64::from_be_bytes(window.try_into().ok()?);
            return Some((word << skip) >> (64 - u32::from(w)));
        }
    }
    let last = (bitpos + w as usize).div_ceil(8);
    let bytes = data.get(bitpos / 8..last)?;
    let shift = last * 8 - (bitpos + w as usize);
    // Bit fields are narrow: most fit in a `u64` window, the rare wide one at an odd offset needs 128 bits.
    if bytes.len() <= 8 {
        let acc = bytes.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b));
        return Some((acc >> shift) & mask(w));
    }
    let acc = bytes.iter().fold(0u128, |a, b| (a << 8) | u128::from(*b));
    Some(((acc >> shift) as u64) & mask(w))
}

fn be(data: &[u8], pos: usize, n: usize) -> Option<u64> {
    Some(
        data.get(pos..pos + n)?
            .iter()
            .fold(0u64, |a, b| (a << 8) | u64::from(*b)),
    )
}

/// Decodes one field of `kind` at `data[pos..]`; `frame` as for [`decode_fields`], for the records of a list.
pub(crate) fn decode_one(
    data: &[u8],
    pos: usize,
    layer: &Layer,
    kind: Kind,
    frame: Option<(&Arc<[u8]>, usize)>,
) -> Option<(Value, usize)> {
    Some(match kind {
        Kind::Bits(w) => (Value::Int(read_bits(data, pos * 8, w)?), usize::from(w) / 8),
        Kind::U8 => (Value::Int(be(data, pos, 1)?), 1),
        Kind::U16 => (Value::Int(be(data, pos, 2)?), 2),
        Kind::U32 => (Value::Int(be(data, pos, 4)?), 4),
        Kind::U64 => (Value::Int(be(data, pos, 8)?), 8),
        Kind::LeU32 => {
            let b: [u8; 4] = data.get(pos..pos + 4)?.try_into().ok()?;
            (Value::Int(u64::from(u32::from_le_bytes(b))), 4)
        }
        Kind::Mac => {
            let b: [u8; 6] = data.get(pos..pos + 6)?.try_into().ok()?;
            (Value::Mac(b), 6)
        }
        Kind::Ip4 => {
            let b: [u8; 4] = data.get(pos..pos + 4)?.try_into().ok()?;
            (Value::Ip4(Ipv4Addr::from(b)), 4)
        }
        Kind::Ip6 => {
            let b: [u8; 16] = data.get(pos..pos + 16)?.try_into().ok()?;
            (Value::Ip6(Ipv6Addr::from(b)), 16)
        }
        Kind::Bytes(len) => {
            let avail = data.len().saturating_sub(pos);
            let n = len.resolve(layer, avail).min(avail);
            (Value::Bytes(data.get(pos..pos + n)?.to_vec()), n)
        }
        Kind::Custom(c) => c.decode(data, pos, data.len(), layer)?,
        Kind::Records(spec) => {
            let avail = data.len().saturating_sub(pos);
            // A counted list is allocated once: every record takes at least a byte, so the bytes left bound it.
            let (limit, count, capacity) = match spec.bound {
                Bound::Bytes(len) => (pos + len.resolve(layer, avail).min(avail), usize::MAX, 0),
                Bound::Count(f) => {
                    let n = f(layer);
                    (data.len(), n, n.min(avail))
                }
            };
            if count == 0 || pos >= limit {
                return Some((Value::Layers(Vec::new()), 0));
            }
            let base = layer
                .proto
                .message_start
                .map_or(0, |f| f(layer))
                .min(pos)
                .min(data.len());
            let msg = &data[base..];
            let mut records = Vec::with_capacity(capacity);
            let mut p = pos;
            // As Scapy's PacketListField: the list ends when the bytes do, even short of the count, and a record
            // that does not parse ends it as a `Raw` record holding the rest.
            while p < limit && records.len() < count {
                let proto = resolve((spec.dispatch)(&data[p..limit]), &data[p..limit]);
                let mut rec = Layer::unfilled(proto);
                let msg_frame = frame.map(|(f, at)| (f, at + base));
                match decode_record(msg, p - base, limit - base, &mut rec, msg_frame) {
                    Some(used) => {
                        records.push(rec);
                        p += used;
                    }
                    None => {
                        records.push(raw_record(&data[p..limit]));
                        p = limit;
                    }
                }
            }
            (Value::Layers(records), p - pos)
        }
    })
}

/// Decodes one record of a packet-list field. Records whose fields refer to the enclosing message (DNS names)
/// see the whole message; the others see only their own bytes. A record must use at least one byte.
fn decode_record(
    data: &[u8],
    pos: usize,
    limit: usize,
    rec: &mut Layer,
    frame: Option<(&Arc<[u8]>, usize)>,
) -> Option<usize> {
    let used = if rec.proto.message_base {
        decode_fields(&data[..limit], pos, rec, None, frame)?
    } else {
        decode_fields(&data[pos..limit], 0, rec, None, frame.map(|(f, at)| (f, at + pos)))?
    };
    for name in rec.proto.unset_in_list {
        if let Some(i) = rec.proto.field_index(name) {
            rec.forget_wire(i);
        }
    }
    (used > 0).then_some(used)
}
