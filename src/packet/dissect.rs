//! Dissection: bytes to layers, driven by the same field tables and bindings that build. It never panics, never
//! loops and never reads out of bounds: a layer that does not parse becomes `Raw`, bytes past a length become
//! `Padding`.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::field::{Bound, Kind};
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
    Packet {
        wire: Some(data.to_vec()),
        ..dissect_fields(data, first)
    }
}

/// The layers alone, without a copy of the bytes: see [`Packet::dissect_fields`].
pub(crate) fn dissect_fields(data: &[u8], first: &'static Proto) -> Packet {
    let mut layers = Vec::with_capacity(5);
    dissect_into(data, first, None, &mut layers);
    Packet { layers, wire: None }
}

/// Dissects `data` as `proto` and its payloads, appending the layers. Iterative, so a deep chain of headers
/// cannot exhaust the stack; every step consumes bytes or stops, so it always ends.
fn dissect_into(data: &[u8], proto: &'static Proto, under: Option<&'static Proto>, out: &mut Vec<Layer>) {
    let mut proto = proto;
    let mut under = under;
    let (mut start, mut end) = (0usize, data.len());
    let mut paddings: Vec<&[u8]> = Vec::new();
    loop {
        proto = resolve(proto, &data[start..end]);
        if proto == &layers::raw::RAW || proto == &layers::padding::PADDING {
            out.push(load_layer(proto, &data[start..end]));
            break;
        }
        let mut layer = Layer::unfilled(proto);
        let Some(hdr_len) = decode_fields(&data[start..end], 0, &mut layer, under) else {
            out.push(load_layer(&layers::raw::RAW, &data[start..end]));
            break;
        };
        let hdr_end = start + hdr_len;
        let avail = end - hdr_end;
        let pay_end = hdr_end + proto.payload_len.map_or(avail, |f| f(&layer, avail).min(avail));
        if pay_end < end {
            paddings.push(&data[pay_end..end]);
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
    for pad in paddings.into_iter().rev() {
        out.push(load_layer(&layers::padding::PADDING, pad));
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

fn load_layer(proto: &'static Proto, data: &[u8]) -> Layer {
    let mut l = Layer::unfilled(proto);
    l.values.push(Value::Bytes(data.to_vec()));
    l.wire = 1;
    l
}

/// Decodes the fields of `layer` from `data[start..]`; returns the header length, or `None` when the data
/// ends inside a fixed-size field or a field's own decoder rejects it.
pub(crate) fn decode_fields(
    data: &[u8],
    start: usize,
    layer: &mut Layer,
    under: Option<&'static Proto>,
) -> Option<usize> {
    // Values are pushed in table order, so the fields decoded so far are what conditions and lengths see.
    let fields = layer.proto.fields;
    layer.values.clear();
    (layer.user, layer.wire) = (0, 0);
    let mut bitpos = start * 8;
    for (i, field) in fields.iter().enumerate() {
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
            let (v, used) = decode_one(data, pos, layer, field.kind)?;
            bitpos = (pos + used) * 8;
            v
        };
        layer.values.push(v);
        layer.wire |= 1 << i;
        if field.may_end && bitpos / 8 >= data.len() {
            break;
        }
    }
    // `resize_with` is an out-of-line call even when nothing is missing, as after most headers.
    if layer.values.len() < fields.len() {
        layer.values.resize_with(fields.len(), || Value::None);
    }
    Some(bitpos.div_ceil(8) - start)
}

fn read_bits(data: &[u8], bitpos: usize, w: u8) -> Option<u64> {
    let last = (bitpos + w as usize).div_ceil(8);
    let bytes = data.get(bitpos / 8..last)?;
    let mut acc: u128 = 0;
    for b in bytes {
        acc = (acc << 8) | u128::from(*b);
    }
    let shift = last * 8 - (bitpos + w as usize);
    Some(((acc >> shift) as u64) & mask(w))
}

fn be(data: &[u8], pos: usize, n: usize) -> Option<u64> {
    Some(
        data.get(pos..pos + n)?
            .iter()
            .fold(0u64, |a, b| (a << 8) | u64::from(*b)),
    )
}

fn decode_one(data: &[u8], pos: usize, layer: &Layer, kind: Kind) -> Option<(Value, usize)> {
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
                match decode_record(msg, p - base, limit - base, &mut rec) {
                    Some(used) => {
                        records.push(rec);
                        p += used;
                    }
                    None => {
                        records.push(load_layer(&layers::raw::RAW, &data[p..limit]));
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
fn decode_record(data: &[u8], pos: usize, limit: usize, rec: &mut Layer) -> Option<usize> {
    let used = if rec.proto.message_base {
        decode_fields(&data[..limit], pos, rec, None)?
    } else {
        decode_fields(&data[pos..limit], 0, rec, None)?
    };
    for name in rec.proto.unset_in_list {
        if let Some(i) = rec.proto.field_index(name) {
            rec.clear(i);
        }
    }
    (used > 0).then_some(used)
}
