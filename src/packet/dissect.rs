//! Dissection: bytes to layers, driven by the same field tables and bindings that build. It never panics, never
//! loops and never reads out of bounds: a layer that does not parse becomes `Raw`, bytes past a length become
//! `Padding`.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;
use std::sync::Arc;

use super::field::{Bound, Kind, Records};
use super::layout::FrameRef;
use super::registry::{installed, Registry};
use super::value::{mask, FieldValue};
use super::{Layer, Packet, Proto, PADDING, RAW};

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
    /// No link layer: a packet made from a protocol above it (`DNS()`, `TCP()`) and kept in a list, dissected
    /// back as that protocol. pcap has no number for it: a file gets Ethernet's, as Scapy writes it.
    Proto(&'static Proto),
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
            LinkType::Proto(_) => 1,
        }
    }

    /// The protocol a frame of this link type starts with.
    pub fn proto(self) -> &'static Proto {
        installed().first_protocol(self)
    }
}

/// Dissects `data` as `first` and whatever its bindings say follows.
pub(crate) fn dissect(reg: &Registry, data: &[u8], first: &'static Proto) -> Packet {
    let frame: Arc<[u8]> = Arc::from(data);
    let layers = dissect_frame(reg, &frame, 0..frame.len(), first);
    Packet {
        layers,
        wire: Some(frame),
    }
}

/// The layers alone, not kept as the packet's bytes: see [`Packet::dissect_fields`].
pub(crate) fn dissect_fields(reg: &Registry, data: &[u8], first: &'static Proto) -> Packet {
    dissect_fields_in(reg, &Arc::from(data), 0..data.len(), first)
}

/// [`dissect_fields`] of `frames[range]`, sharing `frames` (a batch of frames read from a file) rather than
/// copying the frame.
pub(crate) fn dissect_fields_in(
    reg: &Registry,
    frames: &Arc<[u8]>,
    range: Range<usize>,
    first: &'static Proto,
) -> Packet {
    Packet {
        layers: dissect_frame(reg, frames, range, first),
        wire: None,
    }
}

fn dissect_frame(reg: &Registry, frame: &Arc<[u8]>, range: Range<usize>, first: &'static Proto) -> Vec<Layer> {
    let mut layers = Vec::with_capacity(5);
    // Layers address their frame with 32-bit offsets (see `FrameRef`).
    let lazy = u32::try_from(frame.len()).is_ok();
    dissect_into(reg, frame, range, first, lazy, &mut layers);
    layers
}

/// Dissects `frame` as `proto` and its payloads, appending the layers: `lazy`ly (see [`super::Layout`]), or
/// decoding every field, which the tests compare it with. Iterative, so a deep chain of headers cannot
/// exhaust the stack; every step consumes bytes or stops, so it always ends.
fn dissect_into(
    reg: &Registry,
    frame: &Arc<[u8]>,
    range: Range<usize>,
    proto: &'static Proto,
    lazy: bool,
    out: &mut Vec<Layer>,
) {
    let data: &[u8] = frame;
    let mut proto = proto;
    let mut under = None;
    let layer_of = |proto, start, end| match lazy {
        true => load_layer(proto, frame, start, end),
        false => raw_record_as(proto, &data[start..end]),
    };
    let (mut start, mut end) = (range.start, range.end.min(data.len()));
    let mut paddings: Vec<(usize, usize)> = Vec::new();
    loop {
        proto = resolve(proto, &data[start..end]);
        if proto.is_payload() {
            out.push(layer_of(proto, start, end));
            break;
        }
        let mut layer = Layer::unfilled(proto);
        let at = lazy.then_some((frame, start));
        let Some(hdr_len) = decode_fields(&data[start..end], 0, &mut layer, under, at, Depth::Lazy) else {
            out.push(layer_of(&RAW, start, end));
            break;
        };
        // Fields never take more than the bytes they get; the bound keeps a faulty codec from panicking here.
        let hdr_end = (start + hdr_len).min(end);
        let avail = end - hdr_end;
        let pay_end = hdr_end
            + proto
                .payload_len
                .map_or(avail, |f| f(&layer, &data[hdr_end..end]).min(avail));
        if pay_end < end {
            paddings.push((pay_end, end));
        }
        let next = if pay_end > hdr_end {
            Some(guess_payload(reg, &layer, &data[hdr_end..pay_end]))
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
        out.push(layer_of(&PADDING, pad_start, pad_end));
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
fn guess_payload(reg: &Registry, layer: &Layer, payload: &[u8]) -> &'static Proto {
    if let Some(g) = layer.proto.guess_payload {
        if let Some(p) = g(layer, payload) {
            return p;
        }
    }
    reg.guess(layer).unwrap_or(&RAW)
}

/// A `Raw` or `Padding` layer of `frame[start..end]`, read from the frame when asked.
fn load_layer(proto: &'static Proto, frame: &Arc<[u8]>, start: usize, end: usize) -> Layer {
    let mut l = Layer::unfilled(proto);
    l.frame = Some(FrameRef::new(frame, (start, start, start, end), proto.layout(), None));
    l.wire = 1;
    l
}

/// A `Raw` record holding `data`, where no frame is at hand.
fn raw_record(data: &[u8]) -> Layer {
    raw_record_as(&RAW, data)
}

/// A `Raw` or `Padding` layer holding `data`.
fn raw_record_as(proto: &'static Proto, data: &[u8]) -> Layer {
    let mut l = Layer::unfilled(proto);
    l.values.push(FieldValue::Bytes(data.to_vec()));
    l.wire = 1;
    l
}

/// Decodes the fields of `layer` from `data[start..]`; returns the header length, or `None` when the data
/// ends inside a fixed-size field or a field's own decoder rejects it.
///
/// With `frame` (the frame `data` is part of, and where in it `data` starts), the layer is dissected lazily
/// (see [`super::Layout`]): its run of fixed fields stays in the frame, and `depth` says what becomes of the
/// rest.
pub(crate) fn decode_fields(
    data: &[u8],
    start: usize,
    layer: &mut Layer,
    under: Option<&'static Proto>,
    frame: Option<(&Arc<[u8]>, usize)>,
    depth: Depth,
) -> Option<usize> {
    // Values are held in table order, so the fields decoded so far are what conditions and lengths see.
    let fields = layer.proto.fields;
    layer.values.clear();
    (layer.user, layer.wire) = (0, 0);
    layer.frame = None;
    let layout = layer.proto.layout();
    let room = match frame {
        Some(_) => layout.deferred() - layout.count(),
        None => fields.len(),
    };
    let mut bitpos = start * 8;
    let mut i = 0;
    // Fields read from the frame are not held: a held field's index in `values` is `i - skipped`.
    let mut skipped = 0;
    let mut measuring = depth == Depth::SizeOnly;
    while i < fields.len() {
        if depth == Depth::Until(i) {
            break;
        }
        if i == layout.first() && layout.count() > 0 && bitpos % 8 == 0 {
            if let Some((frame, at)) = frame {
                let (run, avail) = (bitpos / 8, data.len().saturating_sub(bitpos / 8));
                if avail >= layout.fixed_bytes() {
                    let place = (at, at + start, at + run, at + data.len());
                    layer.frame = Some(FrameRef::new(frame, place, layout, under));
                    layer.wire |= mask(layout.count() as u8) << i;
                    bitpos += layout.used_bytes(avail) * 8;
                    skipped = layout.count();
                    i += layout.count();
                    measuring |= i == layout.deferred();
                    continue;
                }
            }
        }
        let field = &fields[i];
        i += 1;
        if field.when.is_some_and(|c| !c(layer, under)) {
            continue;
        }
        if let Kind::Bits(w) = field.kind {
            let v = read_bits(data, bitpos, w)?;
            bitpos += w as usize;
            if !measuring {
                hold(layer, i - 1 - skipped, FieldValue::Int(v), room);
            }
        } else {
            let pos = bitpos.div_ceil(8);
            let used = if measuring {
                measure_one(data, start, pos, layer, field.kind, frame)?
            } else {
                let (v, used) = decode_one(data, start, pos, layer, field.kind, frame)?;
                hold(layer, i - 1 - skipped, v, room);
                used
            };
            bitpos = (pos + used) * 8;
        }
        layer.wire |= 1 << (i - 1);
        if field.may_end && bitpos / 8 >= data.len() {
            break;
        }
    }
    // A layer holding all its values holds one per field.
    if layer.frame.is_none() && depth != Depth::SizeOnly && layer.values.len() < fields.len() {
        layer.values.resize_with(fields.len(), || FieldValue::None);
    }
    Some(bitpos.div_ceil(8) - start)
}

/// What [`decode_fields`] makes of the fields after a run it leaves in the frame.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Depth {
    /// Deferred fields are measured, to be decoded when first read: dissection.
    Lazy,
    /// Nothing is kept, every field is measured: a record of a deferred list, measured to find its end.
    /// Needs the frame, whose run the measuring reads lengths and counts from.
    SizeOnly,
    /// As `Lazy`, stopping before field `n`: the length returned is where that field starts.
    Until(usize),
}

/// Holds `v` as the layer's held value `h`, the ones before it unset; `room` is how many it will hold.
fn hold(layer: &mut Layer, h: usize, v: FieldValue, room: usize) {
    if layer.values.capacity() == 0 {
        layer.values.reserve_exact(room);
    }
    // `resize_with` is an out-of-line call even when nothing is missing, as for most fields.
    if layer.values.len() < h {
        layer.values.resize_with(h, || FieldValue::None);
    }
    layer.values.push(v);
}

/// The bytes a field of `kind` takes at `data[pos..]`, exactly as [`decode_one`] would use them (or reject
/// them), without building its value.
fn measure_one(
    data: &[u8],
    start: usize,
    pos: usize,
    layer: &Layer,
    kind: Kind,
    frame: Option<(&Arc<[u8]>, usize)>,
) -> Option<usize> {
    match kind {
        Kind::Bytes(len) => {
            let avail = data.len().saturating_sub(pos);
            let n = len.resolve(layer, avail).min(avail);
            data.get(pos..pos + n).map(|_| n)
        }
        Kind::Custom(c) => c.measure(data, start, pos, data.len(), layer),
        Kind::Records(spec) => records(data, pos, layer, spec, frame, true, usize::MAX).map(|(_, used)| used),
        _ => decode_one(data, start, pos, layer, kind, frame).map(|(_, used)| used),
    }
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
    read_bits_near_end(data, bitpos, w)
}

/// [`read_bits`] within 8 bytes of the data's end, or for a wide field at an odd offset: kept out of line, so
/// that the common case needs no saved registers.
#[cold]
#[inline(never)]
fn read_bits_near_end(data: &[u8], bitpos: usize, w: u8) -> Option<u64> {
    let last = (bitpos + w as usize).div_ceil(8);
    let bytes = data.get(bitpos / 8..last)?;
    let shift = last * 8 - (bitpos + w as usize);
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

/// Decodes one field of `kind` at `data[pos..]` of a layer that starts at `data[start..]` (see
/// [`Codec::decode`](super::Codec::decode)); `frame` as for [`decode_fields`], for the records of a list.
pub(crate) fn decode_one(
    data: &[u8],
    start: usize,
    pos: usize,
    layer: &Layer,
    kind: Kind,
    frame: Option<(&Arc<[u8]>, usize)>,
) -> Option<(FieldValue, usize)> {
    Some(match kind {
        Kind::Bits(w) => (FieldValue::Int(read_bits(data, pos * 8, w)?), usize::from(w) / 8),
        Kind::U8 => (FieldValue::Int(be(data, pos, 1)?), 1),
        Kind::U16 => (FieldValue::Int(be(data, pos, 2)?), 2),
        Kind::U32 => (FieldValue::Int(be(data, pos, 4)?), 4),
        Kind::U64 => (FieldValue::Int(be(data, pos, 8)?), 8),
        Kind::LeU32 => {
            let b: [u8; 4] = data.get(pos..pos + 4)?.try_into().ok()?;
            (FieldValue::Int(u64::from(u32::from_le_bytes(b))), 4)
        }
        Kind::Mac => {
            let b: [u8; 6] = data.get(pos..pos + 6)?.try_into().ok()?;
            (FieldValue::Mac(b), 6)
        }
        Kind::Ip4 => {
            let b: [u8; 4] = data.get(pos..pos + 4)?.try_into().ok()?;
            (FieldValue::Ip4(Ipv4Addr::from(b)), 4)
        }
        Kind::Ip6 => {
            let b: [u8; 16] = data.get(pos..pos + 16)?.try_into().ok()?;
            (FieldValue::Ip6(Ipv6Addr::from(b)), 16)
        }
        Kind::Bytes(len) => {
            let avail = data.len().saturating_sub(pos);
            let n = len.resolve(layer, avail).min(avail);
            (FieldValue::Bytes(data.get(pos..pos + n)?.to_vec()), n)
        }
        Kind::Custom(c) => c.decode(data, start, pos, data.len(), layer)?,
        Kind::Records(spec) => {
            let (records, used) = records(data, pos, layer, spec, frame, false, usize::MAX)?;
            (FieldValue::Layers(records), used)
        }
    })
}

/// The records of a packet-list field at `data[pos..]` (at most `max` of them), and the bytes they take.
/// `measure_only` keeps none (and needs `frame`): the bytes taken are all it finds out.
pub(crate) fn records(
    data: &[u8],
    pos: usize,
    layer: &Layer,
    spec: &Records,
    frame: Option<(&Arc<[u8]>, usize)>,
    measure_only: bool,
    max: usize,
) -> Option<(Vec<Layer>, usize)> {
    let avail = data.len().saturating_sub(pos);
    // No bytes, no records, whatever the bound says (the common case of empty DNS sections).
    if avail == 0 {
        return Some((Vec::new(), 0));
    }
    // A counted list is allocated once: every record takes at least a byte, so the bytes left bound it.
    let (limit, count, capacity) = match spec.bound {
        Bound::Bytes(len) => (pos + len.resolve(layer, avail).min(avail), usize::MAX, 0),
        Bound::Count(f) => {
            let n = f(layer);
            (data.len(), n, n.min(avail))
        }
    };
    if count == 0 || pos >= limit {
        return Some((Vec::new(), 0));
    }
    let base = layer
        .proto
        .message_start
        .map_or(0, |f| f(layer))
        .min(pos)
        .min(data.len());
    let msg = &data[base..];
    let msg_frame = frame.map(|(f, at)| (f, at + base));
    let count = count.min(max);
    let mut records = Vec::with_capacity(if measure_only { 0 } else { capacity.min(max) });
    let (mut p, mut n) = (pos, 0);
    // As Scapy's PacketListField: the list ends when the bytes do, even short of the count, and a record
    // that does not parse ends it as a `Raw` record holding the rest.
    while p < limit && n < count {
        let proto = resolve((spec.dispatch)(&data[p..limit]), &data[p..limit]);
        let mut rec = Layer::unfilled(proto);
        n += 1;
        let depth = if measure_only { Depth::SizeOnly } else { Depth::Lazy };
        match decode_record(msg, p - base, limit - base, &mut rec, msg_frame, depth) {
            Some(used) => {
                if !measure_only {
                    records.push(rec);
                }
                p += used;
            }
            None => {
                if !measure_only {
                    records.push(raw_record(&data[p..limit]));
                }
                p = limit;
            }
        }
    }
    Some((records, p - pos))
}

/// Decodes one record of a packet-list field. Records whose fields refer to the enclosing message (DNS names)
/// see the whole message; the others see only their own bytes. A record must use at least one byte.
fn decode_record(
    data: &[u8],
    pos: usize,
    limit: usize,
    rec: &mut Layer,
    frame: Option<(&Arc<[u8]>, usize)>,
    depth: Depth,
) -> Option<usize> {
    let used = if rec.proto.message_base {
        decode_fields(&data[..limit], pos, rec, None, frame, depth)?
    } else {
        let frame = frame.map(|(f, at)| (f, at + pos));
        decode_fields(&data[pos..limit], 0, rec, None, frame, depth)?
    };
    for name in rec.proto.unset_in_list {
        if let Some(i) = rec.proto.field_index(name) {
            rec.forget_wire(i);
        }
    }
    (used > 0).then_some(used)
}

#[cfg(test)]
pub(crate) mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Lazy dissection finds the same layers, fields and origins as decoding every field.
    fn same_as_eager(data: &[u8], link: LinkType) -> Result<(), TestCaseError> {
        let frame: Arc<[u8]> = Arc::from(data);
        let lazy = dissect_frame(installed(), &frame, 0..data.len(), link.proto());
        let mut eager = Vec::new();
        dissect_into(installed(), &frame, 0..data.len(), link.proto(), false, &mut eager);
        prop_assert_eq!(lazy, eager, "{:02x?}", data);
        Ok(())
    }

    /// Bytes from hex digits, for the engine's unit tests.
    pub(crate) fn unhex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    /// The frames of the golden dissection vectors (`tests/data/vectors/dissect.jsonl`), with their link
    /// types and ids.
    fn golden_frames() -> Vec<(String, LinkType, Vec<u8>)> {
        let text = include_str!("../../tests/data/vectors/dissect.jsonl");
        text.lines()
            .map(|line| {
                let field = |name: &str| {
                    let at = line.find(&format!("\"{name}\": ")).expect(name) + name.len() + 4;
                    line[at..]
                        .split([',', '}'])
                        .next()
                        .unwrap()
                        .trim_matches('"')
                        .to_string()
                };
                let link = LinkType::from_dlt(field("linktype").parse().unwrap());
                (field("id"), link, unhex(&field("hex")))
            })
            .collect()
    }

    #[test]
    fn lazy_dissection_of_every_golden_vector_is_exact() {
        for (_, link, data) in golden_frames() {
            same_as_eager(&data, link).unwrap();
        }
    }

    /// A list's first record read alone equals the first of the list decoded whole, on every layer with
    /// lists of every golden vector (DNS sections, IP and IPv6 options).
    #[test]
    fn first_record_read_alone_is_the_lists_first() {
        let mut checked = 0;
        for (id, link, data) in golden_frames() {
            let lazy = Packet::dissect(&data, link);
            let eager = Packet::dissect(&data, link);
            for (l, e) in lazy.layers().iter().zip(eager.layers()) {
                for (f, spec) in l.proto().fields.iter().enumerate() {
                    if let Kind::Records(_) = spec.kind {
                        // `first_record` before anything else is read; the list decoded whole on the copy.
                        let expected = match &*e.value_ref(f) {
                            FieldValue::Layers(records) => records.first().cloned(),
                            _ => None,
                        };
                        assert_eq!(l.first_record(f), expected, "{id}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 100, "{checked} lists checked");
    }

    /// Headers that lead the dissector into the lazily read protocols (DNS over UDP and TCP, TCP and IP
    /// options, IPv6 extension headers), lengths at their largest so the noise after them is all payload.
    fn frames() -> impl Strategy<Value = (Vec<u8>, LinkType)> {
        let eth = "02000000000202000000000108004";
        let prefixes: Vec<(String, LinkType)> = vec![
            (
                format!("{eth}5000ffff000100004011000001010101020202020035003500ffff0000"),
                LinkType::Ethernet,
            ),
            (
                format!("{eth}5000ffff00010000400600000101010102020202003500350000000000000000f0020000000000"),
                LinkType::Ethernet,
            ),
            (
                format!("{eth}5000ffff000100004006000001010101020202020400005000000000000000000f00000000000000"),
                LinkType::Ethernet,
            ),
            (
                format!("{eth}f00ffff0001000040060000010101010202020207"),
                LinkType::Ethernet,
            ),
            (
                "60000000ffff1140fd000000000000000000000000000001fd00000000000000000000000000000214e914e9ffff0000"
                    .into(),
                LinkType::RawIp,
            ),
            (
                "60000000ffff0040fd000000000000000000000000000001fd000000000000000000000000000002".into(),
                LinkType::RawIp,
            ),
            (
                "60000000ffff3a40fd000000000000000000000000000001fd000000000000000000000000000002".into(),
                LinkType::RawIp,
            ),
            ("45000fff00010000400100000101010102020202".into(), LinkType::RawIp),
        ];
        (
            proptest::sample::select(prefixes),
            proptest::collection::vec(any::<u8>(), 0..160),
        )
            .prop_map(|((p, link), tail)| {
                let mut f = unhex(&p);
                f.extend(tail);
                (f, link)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn lazy_dissection_of_noise_is_exact((data, link) in frames()) {
            same_as_eager(&data, link)?;
        }
    }
}
