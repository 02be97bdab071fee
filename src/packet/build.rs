//! Building: lay every header out from its field table, then let each protocol fill its automatic fields
//! (lengths, checksums, counts) from the top layer down, as Scapy's `post_build` does.

use std::borrow::Cow;

use super::field::{Dflt, Field, Kind};
use super::layout::Layout;
use super::registry::{installed, Overload, Registry};
use super::value::{mask, FieldValue};
use super::{Layer, PADDING};

/// A frame being built, as the `post_build` hook of layer `index` sees it.
pub struct Built<'a> {
    /// The bindings the build follows.
    registry: &'a Registry,
    /// The layers being built: a packet's, or a record's alone.
    layers: &'a [Layer],
    index: usize,
    /// Header start of each layer, and where in its header its run of fixed fields was written, in bits;
    /// `starts[n]` is the end of the frame (padding excluded).
    starts: Vec<(usize, usize)>,
    buf: Vec<u8>,
    /// Where a field's place past a variable one is measured, by writing the fields before it again.
    scratch: Vec<u8>,
    /// The fields of the finished layer its hook is to compute (see [`Built::is_auto_at`]), by index.
    to_compute: u64,
    /// The finished layer's layout and header bytes, looked up once per hook (see [`Built::finishing`]).
    layout: Option<&'static Layout>,
    header: std::ops::Range<usize>,
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

    /// The layers above this one, lowest first.
    pub fn above(&self) -> &'a [Layer] {
        self.layers.get(self.index + 1..).unwrap_or_default()
    }

    /// The value of a field of the layer `depth` below this one (0 = this layer), overloads applied.
    pub fn value_below(&self, depth: usize, name: &str) -> Option<FieldValue> {
        let f = self.below(depth)?.field_index(name)?;
        self.value_below_at(depth, f)
    }

    /// The value of field `name` of the layer `height` above this one, what the layers above it imply applied
    /// (an mDNS destination).
    pub fn value_above(&self, height: usize, name: &str) -> Option<FieldValue> {
        let i = self.index + height;
        let f = self.layers.get(i)?.field_index(name)?;
        Some(super::stacked_value(self.registry, self.layers, i, f))
    }

    /// [`Built::value_below`] by field index, for hooks that run at every build.
    pub fn value_below_at(&self, depth: usize, f: usize) -> Option<FieldValue> {
        let i = self.index.checked_sub(depth)?;
        Some(super::stacked_value(self.registry, self.layers, i, f))
    }

    /// Index of field `name` of this layer when it is to be computed (see [`Built::is_auto_at`]), for
    /// [`Built::put_int`].
    pub fn auto_field(&self, name: &str) -> Option<usize> {
        self.layer().field_index(name).filter(|&i| self.is_auto_at(i))
    }

    /// True when field `i` of this layer is to be computed: the user did not set it, and it was not read from
    /// the wire unless it is an automatic field (a length or checksum, recomputed after an edit). A dissected
    /// value of any other field stays as it came (Ether's destination, a fixed option length). By index, for
    /// hooks that run at every build.
    pub fn is_auto_at(&self, i: usize) -> bool {
        i < Layer::MAX_FIELDS && self.to_compute & (1 << i) != 0
    }

    /// Length of this layer's own header.
    pub fn header_len(&self) -> usize {
        self.starts[self.index + 1].0 - self.starts[self.index].0
    }

    /// This layer's header and payload, to the end of the frame (padding excluded).
    pub fn bytes(&self) -> &[u8] {
        &self.buf[self.starts[self.index].0..]
    }

    /// Length of this layer's header plus payload.
    pub fn total_len(&self) -> usize {
        self.buf.len() - self.starts[self.index].0
    }

    /// Length of everything above this layer's header.
    pub fn payload_len(&self) -> usize {
        self.buf.len() - self.starts[self.index + 1].0
    }

    /// Writes `v` into field `f` of this layer's header, saturating at the field's width: only the field's
    /// bits change, so a bit field sharing a byte (IP's `ihl`) keeps its neighbours. Where the field lies comes
    /// from the field table, not from the caller; an absent field (its condition false) is not written. A
    /// field with its own wire form (DNS's TCP length prefix) gets `v`, saturated at the bits it takes, as its
    /// codec writes an integer, where that is exactly its size. Always inlined into the hooks: a TCP/IP build
    /// calls it five times.
    #[inline(always)]
    pub fn put_int(&mut self, f: usize, v: u64) {
        match self.run_int(f) {
            Some((bit, w)) => put_bits_at(self.header_mut(), bit, w, v.min(mask(w))),
            None => self.put_int_placed(f, v),
        }
    }

    /// The hot path of [`Built::put_int`], the one the fields IP, TCP, UDP and DNS fill at every build take:
    /// where integer field `f` lies when it is in the run (at its [`Layout`] offset from the run's start), and
    /// its width.
    #[inline(always)]
    fn run_int(&mut self, f: usize) -> Option<(usize, u8)> {
        let layout = self.layout?;
        let k = f.checked_sub(layout.first())?;
        let w = layout.int_width(k)?;
        Some((self.run_start() + layout.bit_offset(k), w))
    }

    /// Where the finished layer's run of fixed fields starts in its header, in bits, as the build wrote it.
    #[inline(always)]
    fn run_start(&self) -> usize {
        self.starts[self.index].1
    }

    /// [`Built::put_int`] for the other fields, placed by [`Built::place`]: out of line, being rarer.
    #[inline(never)]
    fn put_int_placed(&mut self, f: usize, v: u64) {
        let Some(field) = self.layer().proto.fields.get(f) else {
            return;
        };
        let kind = field.kind;
        match (field.int_width(), self.place(f)) {
            (Some(w), Some(place)) => {
                let x = v.min(mask(w));
                let x = match kind {
                    // Little-endian on the wire: the big-endian writing of the swapped bytes.
                    Kind::LeU32 => u64::from((x as u32).swap_bytes()),
                    _ => x,
                };
                put_bits_at(self.header_mut(), place.start, w, x);
            }
            (None, Some(place)) => {
                let mut wire = Vec::new();
                encode(
                    field,
                    &FieldValue::Int(v.min(mask(place.len().min(64) as u8))),
                    self.layer(),
                    &mut wire,
                );
                self.write_at(place, &wire);
            }
            (_, None) => {}
        }
    }

    /// Writes `wire` as field `f` of this layer's header, where the field takes exactly those bytes in the
    /// built header; otherwise (absent, of another size, not on a byte boundary) writes nothing.
    pub fn put_bytes(&mut self, f: usize, wire: &[u8]) {
        if let Some(place) = self.place(f) {
            self.write_at(place, wire);
        }
    }

    /// Writes `wire` over the header bits `place`, when it covers exactly those whole bytes.
    fn write_at(&mut self, place: std::ops::Range<usize>, wire: &[u8]) {
        let fits = place.start % 8 == 0 && place.len() == wire.len() * 8;
        if let (true, Some(dst)) = (fits, self.header_mut().get_mut(place.start / 8..place.end / 8)) {
            dst.copy_from_slice(wire);
        }
    }

    /// Writes into field `f` how many bytes of this layer's header follow it: the length field that counts the
    /// rest of its header (an option's data, a record's data, a DNS message over TCP).
    pub fn put_rest_len(&mut self, f: usize) {
        if let Some(rest) = self.len_after(f) {
            self.put_int(f, rest as u64);
        }
    }

    /// How many bytes of this layer's header follow field `f`; `None` when it is absent.
    pub fn len_after(&mut self, f: usize) -> Option<usize> {
        let end = self.place(f)?.end.div_ceil(8);
        Some(self.header_len().saturating_sub(end))
    }

    /// Makes layer `i` the one being finished, for its hook.
    fn finishing(&mut self, i: usize) {
        self.index = i;
        let (layer, layout) = (&self.layers[i], self.layers[i].proto.layout());
        self.to_compute = !layer.user & (layout.automatic() | !layer.wire);
        self.layout = Some(layout);
        self.header = self.starts[i].0..self.starts[i + 1].0;
    }

    /// This layer's header bytes, which the hook may rewrite.
    #[inline(always)]
    fn header_mut(&mut self) -> &mut [u8] {
        self.buf.get_mut(self.header.clone()).unwrap_or_default()
    }

    /// The bits field `f` takes in this layer's built header, or `None` when it is absent (its condition
    /// false). A field of the protocol's run of fixed fields is at its [`Layout`] offset from the run's start;
    /// any other is measured by writing the fields before it again, as the build wrote them.
    #[inline]
    fn place(&mut self, f: usize) -> Option<std::ops::Range<usize>> {
        let layer = self.layer();
        let field = layer.proto.fields.get(f)?;
        let layout = self.layout?;
        let first = layout.first();
        if f >= first && f < first + layout.count() {
            let start = self.run_start() + layout.bit_offset(f - first);
            return Some(start..start + field.fixed_bits()? as usize);
        }
        let under = self.under().map(Layer::proto);
        if !field.when.is_none_or(|c| c(layer, under)) {
            return None;
        }
        Some(self.bits_before(f)..self.bits_before(f + 1))
    }

    /// How many bits the fields before field `f` take in this layer's built header.
    #[inline]
    fn bits_before(&mut self, f: usize) -> usize {
        match f {
            0 => 0,
            _ => self.measure_before(f),
        }
    }

    /// [`Built::bits_before`] past the header's start: writes the present fields before `f` again, aside, one
    /// by one. `write_header` copies a run from its image only where each field takes its fixed size, so the
    /// sizes are the same.
    #[inline(never)]
    fn measure_before(&mut self, f: usize) -> usize {
        let (layers, i) = (self.layers, self.index);
        let layer = &layers[i];
        let under = i.checked_sub(1).map(|u| layers[u].proto);
        let over = overload_above(self.registry, layers, i);
        let mut bits = BitWriter::default();
        self.scratch.clear();
        for (g, field) in layer.proto.fields.iter().enumerate().take(f) {
            if field.when.is_none_or(|c| c(layer, under)) {
                write_field(layer, g, over, &mut bits, &mut self.scratch);
            }
        }
        self.scratch.len() * 8 + bits.nbits as usize
    }
}

/// Builds the frame's bytes from a stack of layers. Sets and random values must already be resolved.
pub(crate) fn build(registry: &Registry, layers: &[Layer]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(128);
    build_into(registry, layers, &mut buf);
    buf
}

/// [`build`], appending to `buf`: the layers' automatic fields see only their own bytes.
fn build_into(registry: &Registry, layers: &[Layer], buf: &mut Vec<u8>) {
    let mut starts = Vec::with_capacity(layers.len() + 1);
    let mut padding = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        let start = buf.len();
        if layer.proto == &PADDING {
            starts.push((start, 0));
            if let Some(FieldValue::Bytes(b)) = layer.get("load") {
                padding.extend_from_slice(&b);
            }
            continue;
        }
        let run = write_header(registry, layers, i, buf);
        starts.push((start, run));
    }
    starts.push((buf.len(), 0));
    let mut built = Built {
        registry,
        layers,
        index: 0,
        starts,
        buf: std::mem::take(buf),
        scratch: Vec::new(),
        to_compute: 0,
        layout: None,
        header: 0..0,
    };
    for i in (0..layers.len()).rev() {
        if let Some(hook) = layers[i].proto.post_build {
            built.finishing(i);
            hook(&mut built);
        }
    }
    *buf = built.buf;
    buf.extend_from_slice(&padding);
}

/// Builds one record of a packet-list field (a DNS question, an IP option) on its own, at the end of `out`.
pub(crate) fn build_record(layer: &Layer, out: &mut Vec<u8>) {
    // A lone record has no layer above it, so no binding applies: any registry builds it the same.
    build_into(installed(), std::slice::from_ref(layer), out);
}

/// Stands for an automatic field that is yet to be computed.
static AUTO: FieldValue = FieldValue::None;

/// Appends layer `i`'s header: every present field in table order, bit fields packed. The protocol's run of
/// fixed fields is copied from its default image and patched where the layer differs (see [`write_run`]).
///
/// Returns where the run starts in the header, in bits, for the hooks that fill its fields.
fn write_header(registry: &Registry, layers: &[Layer], i: usize, buf: &mut Vec<u8>) -> usize {
    let layer = &layers[i];
    let start = buf.len();
    let under = i.checked_sub(1).map(|u| layers[u].proto);
    let over = overload_above(registry, layers, i);
    let layout = layer.proto.layout();
    let fields = layer.proto.fields;
    let mut bits = BitWriter::default();
    let mut f = 0;
    let mut run = 0;
    while f < fields.len() {
        if f == layout.first() {
            run = (buf.len() - start) * 8 + bits.nbits as usize;
            if bits.nbits == 0 && write_run(layer, layout, over, buf) {
                f += layout.count();
                continue;
            }
        }
        let field = &fields[f];
        if field.when.is_none_or(|c| c(layer, under)) {
            write_field(layer, f, over, &mut bits, buf);
        }
        f += 1;
    }
    let align = layer.proto.align.max(1);
    buf.resize(start + (buf.len() - start).div_ceil(align) * align, 0);
    run
}

/// What the layer above implies for a layer: the stacking overloads (an IP `proto`, an Ether `type`) and the
/// address defaults it binds (mDNS's destination).
#[derive(Clone, Copy)]
struct Implied {
    stacking: Option<&'static [Overload]>,
    addresses: Option<&'static [Overload]>,
}

impl Implied {
    /// A layer with nothing above it.
    const NOTHING: Implied = Implied {
        stacking: None,
        addresses: None,
    };

    /// The fields either names.
    fn names(self) -> impl Iterator<Item = &'static Overload> {
        self.stacking.into_iter().chain(self.addresses).flatten()
    }
}

/// What layer `i` builds from the layer above it.
#[inline]
fn overload_above(registry: &Registry, layers: &[Layer], i: usize) -> Implied {
    let lower = layers[i].proto;
    match layers.get(i + 1) {
        Some(upper) => Implied {
            stacking: registry.overload(lower, upper.proto),
            addresses: registry.addresses(lower, upper),
        },
        None => Implied::NOTHING,
    }
}

/// What a field builds from: an integer (the common case, written without building a value) or a value.
enum Out<'a> {
    Int(u64),
    Val(Cow<'a, FieldValue>),
}

/// Field `f` as it builds: set by the user, read from the wire (automatic ones computed afresh), implied by
/// the layer above (`over`), or its default. Always inlined: called for nearly every field of every build, and
/// once the overloads grew to 128 bits the compiler kept it out of line (callgrind: +1.6% instructions per
/// build, saving and restoring registers; inlined, a DNS frame's build takes 6,667 instead of 7,023).
#[inline(always)]
fn field_out<'a>(layer: &'a Layer, f: usize, over: Implied) -> Out<'a> {
    let field = &layer.proto.fields[f];
    if let Some(v) = layer.user_value(f) {
        return Out::Val(Cow::Borrowed(v));
    }
    if layer.wire & (1 << f) != 0 {
        return match field.is_auto() {
            true => Out::Val(Cow::Borrowed(&AUTO)),
            false => Out::Val(layer.value_ref(f)),
        };
    }
    let find = |o: &'static [Overload]| o.iter().find(|(n, _)| field.is_named(n));
    let implied = over.stacking.and_then(find).or_else(|| over.addresses.and_then(find));
    if let (None, Some(v)) = (implied, layer.own_default(f)) {
        return Out::Val(Cow::Borrowed(v));
    }
    let int = match (implied, field.default) {
        (Some(&(_, bits)), _) => match field.overload_int(bits) {
            Some(x) => Some(x),
            None => return Out::Val(Cow::Owned(field.overload_value(bits))),
        },
        (None, Dflt::Int(x)) => Some(x),
        (None, Dflt::Auto) => Some(0),
        _ => None,
    };
    match (int, field.int_width(), field.encode_with) {
        (Some(x), Some(_), None) => Out::Int(x),
        (Some(x), ..) => Out::Val(Cow::Owned(FieldValue::Int(x))),
        // Only a computed default can read an implied address: the test spares a call per field.
        (None, ..) => Out::Val(Cow::Owned(match field.default {
            Dflt::Dyn(_) => [over.stacking, over.addresses]
                .into_iter()
                .flatten()
                .find_map(|o| super::addressed_default(layer, f, o))
                .unwrap_or_else(|| field.default_value(layer)),
            _ => field.default_value(layer),
        })),
    }
}

/// Appends field `f` of `layer`.
fn write_field(layer: &Layer, f: usize, over: Implied, bits: &mut BitWriter, buf: &mut Vec<u8>) {
    let field = &layer.proto.fields[f];
    match field_out(layer, f, over) {
        Out::Int(x) => put_int(field.kind, x, bits, buf),
        Out::Val(v) => match (field.kind, field.encode_with) {
            (_, Some(write)) => write(layer, &v, buf),
            (Kind::Bits(_), None) => put_int(field.kind, v.as_int().unwrap_or(0), bits, buf),
            (_, None) => encode(field, &v, layer, buf),
        },
    }
}

/// Appends the layer's run of fixed fields (see [`Layout`]) as its protocol's default image, then writes the
/// fields that differ from their defaults into it: those set, read from the wire, implied by the layer above
/// or with a computed default. Most fields of a built header are defaults, so this saves writing each in
/// turn. Returns false, having appended nothing, where the protocol has no image or a value's wire form is
/// not the field's fixed size (a field set to bytes of another length): the caller then writes each field.
fn write_run(layer: &Layer, layout: &Layout, over: Implied, buf: &mut Vec<u8>) -> bool {
    let Some(image) = layout.image() else {
        return false;
    };
    let (first, count) = (layout.first(), layout.count());
    let fields = &layer.proto.fields[first..first + count];
    let mut differ = (layer.user | layer.wire | layer.own_default_mask() | layout.computed_defaults()) >> first;
    for (name, _) in over.names() {
        if let Some(k) = fields.iter().position(|f| f.is_named(name)) {
            differ |= 1 << k;
        }
    }
    differ &= mask(count as u8);
    let at = buf.len();
    buf.extend_from_slice(image);
    while differ != 0 {
        let k = differ.trailing_zeros() as usize;
        differ &= differ - 1;
        if !patch_field(layer, first + k, over, &mut buf[at..], layout.bit_offset(k)) {
            buf.truncate(at);
            return false;
        }
    }
    true
}

/// Writes field `f` over its place in a run's image, `bit` bits from the run's start; false when its wire
/// form is not the field's fixed size.
fn patch_field(layer: &Layer, f: usize, over: Implied, run: &mut [u8], bit: usize) -> bool {
    let field = &layer.proto.fields[f];
    let out = field_out(layer, f, over);
    let int = match &out {
        Out::Int(x) => Some(*x),
        Out::Val(v) => match (&**v, field.kind) {
            (FieldValue::Int(x), _) => Some(*x),
            (v, Kind::Bits(_)) => Some(v.as_int().unwrap_or(0)),
            _ => None,
        },
    };
    // Addresses, the other fields commonly set, go in without an intermediate buffer.
    let mut octets = [0u8; 16];
    let address = match (&out, field.kind) {
        (Out::Val(v), kind) => match (&**v, kind) {
            (FieldValue::Mac(m), Kind::Mac) => Some(fill(&mut octets, m)),
            (FieldValue::Ip4(a), Kind::Ip4) => Some(fill(&mut octets, &a.octets())),
            (FieldValue::Ip6(a), Kind::Ip6) => Some(fill(&mut octets, &a.octets())),
            _ => None,
        },
        _ => None,
    };
    match (int, field.kind, field.int_width(), address) {
        (Some(x), kind, Some(w), _) if !matches!(kind, Kind::LeU32) => {
            put_bits_at(run, bit, w, x);
            true
        }
        (_, _, _, Some(bytes)) => match run.get_mut(bit / 8..bit / 8 + bytes.len()) {
            Some(dst) if bit % 8 == 0 => {
                dst.copy_from_slice(bytes);
                true
            }
            _ => false,
        },
        _ => {
            let mut wire = Vec::new();
            match out {
                Out::Int(x) => put_int(field.kind, x, &mut BitWriter::default(), &mut wire),
                Out::Val(v) => encode(field, &v, layer, &mut wire),
            }
            let fits = bit % 8 == 0 && field.fixed_bits() == Some(wire.len() as u32 * 8);
            if let (true, Some(dst)) = (fits, run.get_mut(bit / 8..bit / 8 + wire.len())) {
                dst.copy_from_slice(&wire);
            }
            fits
        }
    }
}

/// Copies `bytes` to the front of `room`, returning that part.
fn fill<'a>(room: &'a mut [u8; 16], bytes: &[u8]) -> &'a [u8] {
    let n = bytes.len().min(room.len());
    room[..n].copy_from_slice(&bytes[..n]);
    &room[..n]
}

/// Overwrites `w` bits at bit `bit` of `bytes` with `x`, most significant first. Always inlined: building
/// patches its runs with it and [`Built::put_int`] fills fields with it, at every build.
#[inline(always)]
fn put_bits_at(bytes: &mut [u8], bit: usize, w: u8, x: u64) {
    let (at, lead) = (bit / 8, bit % 8);
    // Whole bytes, as most integer fields are, and bit fields within a byte (IP's `ihl`): no loop.
    match (lead, w) {
        (0, 8) => put_be(bytes, at, [x as u8]),
        (0, 16) => put_be(bytes, at, (x as u16).to_be_bytes()),
        (0, 32) => put_be(bytes, at, (x as u32).to_be_bytes()),
        (0, 64) => put_be(bytes, at, x.to_be_bytes()),
        _ if lead + usize::from(w) <= 8 => {
            if let Some(b) = bytes.get_mut(at) {
                let shift = 8 - lead - usize::from(w);
                let m = (mask(w) as u8) << shift;
                *b = (*b & !m) | (((x & mask(w)) as u8) << shift);
            }
        }
        _ => put_bits_spanning(bytes, bit, w, x),
    }
}

/// Copies `be` to `bytes[at..]`, when it fits.
#[inline(always)]
fn put_be<const N: usize>(bytes: &mut [u8], at: usize, be: [u8; N]) {
    if let Some(dst) = bytes.get_mut(at..at + N) {
        dst.copy_from_slice(&be);
    }
}

/// [`put_bits_at`] for a field across byte boundaries or of an odd width: out of line, so that the common
/// cases stay small.
#[inline(never)]
fn put_bits_spanning(bytes: &mut [u8], bit: usize, w: u8, x: u64) {
    let last = (bit + usize::from(w)).div_ceil(8);
    let Some(window) = bytes.get_mut(bit / 8..last) else {
        return;
    };
    let shift = last * 8 - (bit + usize::from(w));
    // Two bytes, as the flags of IP and TCP: without a loop.
    if let [hi, lo] = window {
        let m = (mask(w) << shift) as u16;
        let acc = (u16::from_be_bytes([*hi, *lo]) & !m) | (((x & mask(w)) << shift) as u16);
        [*hi, *lo] = acc.to_be_bytes();
        return;
    }
    // At most 8 bytes, as every field but a 64-bit one off a byte boundary: in one word.
    if window.len() <= 8 {
        let m = mask(w) << shift;
        let acc = window.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b));
        let mut acc = (acc & !m) | ((x & mask(w)) << shift);
        for b in window.iter_mut().rev() {
            *b = acc as u8;
            acc >>= 8;
        }
        return;
    }
    let m = u128::from(mask(w)) << shift;
    let acc = window.iter().fold(0u128, |a, b| (a << 8) | u128::from(*b));
    let acc = (acc & !m) | (u128::from(x & mask(w)) << shift);
    for (i, b) in window.iter_mut().rev().enumerate() {
        *b = (acc >> (8 * i)) as u8;
    }
}

/// The bytes of a run of fixed fields as a layer with nothing set builds them (fields with a computed
/// default as zeros), or `None` when the run cannot be laid out ahead (a field with its own writer).
pub(crate) fn run_image(proto: &'static super::Proto, first: usize, count: usize) -> Option<Box<[u8]>> {
    let layer = Layer::new(proto);
    let run = &proto.fields[first..first + count];
    if run.iter().any(|f| f.encode_with.is_some()) {
        return None;
    }
    let (mut bits, mut buf) = (BitWriter::default(), Vec::new());
    for (k, field) in run.iter().enumerate() {
        match (field.default, field.int_width()) {
            // Computed for each layer (IP's source address follows the routes): patched at every build.
            (Dflt::Dyn(_), Some(_)) => put_int(field.kind, 0, &mut bits, &mut buf),
            (Dflt::Dyn(_), None) => buf.resize(buf.len() + field.fixed_bits().unwrap_or(0) as usize / 8, 0),
            _ => write_field(&layer, first + k, Implied::NOTHING, &mut bits, &mut buf),
        }
    }
    (bits.nbits == 0).then(|| buf.into_boxed_slice())
}

/// Packs consecutive bit fields, most significant first, into whole bytes.
#[derive(Default)]
struct BitWriter {
    acc: u64,
    nbits: u32,
}

/// Appends an integer field: bit fields through the packer, the others big- or little-endian by kind.
#[inline]
fn put_int(kind: Kind, x: u64, bits: &mut BitWriter, buf: &mut Vec<u8>) {
    match kind {
        Kind::Bits(w) => {
            bits.acc = (bits.acc << w) | (x & mask(w));
            bits.nbits += u32::from(w);
            if bits.nbits % 8 == 0 {
                let n = ((bits.nbits / 8) as usize).min(8);
                buf.extend_from_slice(&bits.acc.to_be_bytes()[8 - n..]);
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
pub(crate) fn encode(field: &Field, v: &FieldValue, layer: &Layer, out: &mut Vec<u8>) {
    let v = match v {
        FieldValue::Gen(g) => &g.nth(0),
        v => v,
    };
    match field.kind {
        Kind::Bits(_) | Kind::U8 | Kind::U16 | Kind::U32 | Kind::U64 | Kind::LeU32 => {
            put_int(field.kind, v.as_int().unwrap_or(0), &mut BitWriter::default(), out)
        }
        Kind::Mac => match v {
            FieldValue::Mac(m) => out.extend_from_slice(m),
            FieldValue::Bytes(b) => out.extend_from_slice(b),
            _ => out.extend_from_slice(&[0; 6]),
        },
        Kind::Ip4 => match v {
            FieldValue::Ip4(a) => out.extend_from_slice(&a.octets()),
            FieldValue::Bytes(b) => out.extend_from_slice(b),
            _ => out.extend_from_slice(&[0; 4]),
        },
        Kind::Ip6 => match v {
            FieldValue::Ip6(a) => out.extend_from_slice(&a.octets()),
            _ => out.extend_from_slice(&[0; 16]),
        },
        Kind::Bytes(_) => out.extend_from_slice(v.as_bytes().unwrap_or(&[])),
        Kind::Custom(c) => c.encode_in(v, layer, out),
        Kind::Records(_) => {
            if let FieldValue::Layers(records) = v {
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

#[cfg(test)]
mod tests {
    use super::Built;
    use crate::packet::{Dflt, Field, Kind, Len, Proto};
    use crate::{FieldValue, Layer, Packet};

    /// What the toy hook writes into each automatic field, by name: more than most of them hold.
    const WRITES: [(&str, u64); 6] = [
        ("hlen", 100),
        ("count", 1000),
        ("after", 0xbeef),
        ("opt", 9),
        ("le", 0x0102_0304),
        ("lo", 0xff),
    ];

    /// Writes [`WRITES`] by field index, wherever each table puts the field.
    fn hook(b: &mut Built) {
        for (name, v) in WRITES {
            if let Some(f) = b.auto_field(name) {
                b.put_int(f, v);
            }
        }
    }

    /// A name of `nlen` bytes.
    const NLEN: Field = Field::u8("nlen", 0);
    const NAME: Field = Field::new("name", Kind::Bytes(Len::From(nlen)), Dflt::Bytes(b""));

    fn nlen(l: &Layer) -> usize {
        l.get_int("nlen").unwrap_or(0) as usize
    }

    /// A run (two nibbles and two bytes), a variable-length name, then fields placed by measuring: a 16-bit
    /// integer, a byte present only in version 6, a little-endian word and a bit field in the middle of a byte.
    static TOY_FIELDS: &[Field] = &[
        Field::bits("ver", 4, 5),
        Field::bits("hlen", 4, 0).auto(),
        Field::u8("count", 0).auto(),
        NLEN,
        NAME,
        Field::u16("after", 0).auto(),
        Field::u8("opt", 0).auto().when(|l, _| l.get_int("ver") == Some(6)),
        Field::new("le", Kind::LeU32, Dflt::Auto),
        Field::bits("hi", 5, 0x10),
        Field::bits("lo", 3, 0).auto(),
    ];

    static TOY: Proto = Proto {
        name: "Toy",
        long_name: "Toy",
        fields: TOY_FIELDS,
        post_build: Some(hook),
        ..Proto::BASE
    };

    /// The same fields in another order: the same hook must land on the same fields.
    static REORDERED: Proto = Proto {
        name: "Reordered",
        long_name: "Reordered",
        fields: &[
            Field::bits("lo", 3, 0).auto(),
            Field::bits("hi", 5, 0x10),
            Field::new("le", Kind::LeU32, Dflt::Auto),
            Field::u16("after", 0).auto(),
            Field::bits("ver", 4, 5),
            Field::bits("hlen", 4, 0).auto(),
            Field::u8("opt", 0).auto().when(|l, _| l.get_int("ver") == Some(6)),
            Field::u8("count", 0).auto(),
            NLEN,
            NAME,
        ],
        post_build: Some(hook),
        ..Proto::BASE
    };

    fn built(proto: &'static Proto, ver: u64, name: &[u8]) -> Vec<u8> {
        let layer = Layer::new(proto).with("ver", ver).unwrap();
        let layer = layer
            .with("nlen", name.len() as u64)
            .unwrap()
            .with("name", name.to_vec())
            .unwrap();
        Packet::from(layer).build()
    }

    /// Each field the hook wrote, as dissection reads it back through the table.
    fn read_back(proto: &'static Proto, bytes: &[u8]) -> Vec<(&'static str, Option<FieldValue>)> {
        let p = Packet::dissect_as(proto, bytes);
        let layer = &p.layers()[0];
        assert_eq!(layer.proto().name, proto.name);
        ["hlen", "count", "after", "opt", "le", "lo", "hi"]
            .into_iter()
            .map(|n| (n, layer.get(n)))
            .collect()
    }

    #[test]
    fn hooks_write_fields_where_the_table_puts_them() {
        let bytes = built(&TOY, 5, b"hello");
        let expected = [
            0x5f, // ver 5, hlen saturated at 15
            0xff, // count saturated at 255
            5,    // nlen
            b'h', b'e', b'l', b'l', b'o', // the name
            0xbe, 0xef, // after, measured past the name
            0x04, 0x03, 0x02, 0x01, // le, little-endian (no `opt`: absent in version 5)
            0x87, // hi kept, lo saturated at 7
        ];
        assert_eq!(bytes, expected);
        let bytes = built(&TOY, 6, b"hi");
        assert_eq!(bytes[5..8], [0xbe, 0xef, 9], "opt, present in version 6, after `after`");
        assert_eq!(bytes[12], 0x87);
    }

    #[test]
    fn hooks_follow_the_table_when_fields_move() {
        for ver in [5, 6] {
            let name = b"hello";
            let (toy, reordered) = (built(&TOY, ver, name), built(&REORDERED, ver, name));
            assert_ne!(toy, reordered, "the tables lay the fields out differently");
            let (toy, reordered) = (read_back(&TOY, &toy), read_back(&REORDERED, &reordered));
            assert_eq!(toy, reordered);
            let get = |n: &str| toy.iter().find(|(k, _)| *k == n).and_then(|(_, v)| v.clone());
            assert_eq!(get("count"), Some(FieldValue::Int(255)));
            assert_eq!(get("after"), Some(FieldValue::Int(0xbeef)));
            assert_eq!(get("le"), Some(FieldValue::Int(0x0102_0304)));
            assert_eq!(
                (get("lo"), get("hi")),
                (Some(FieldValue::Int(7)), Some(FieldValue::Int(0x10)))
            );
            let opt = if ver == 6 { FieldValue::Int(9) } else { FieldValue::None };
            assert_eq!(get("opt"), Some(opt), "absent but in version 6");
        }
    }

    /// A field the user set is left alone, and writing past the table (an index beyond it, a value wider
    /// than the field) changes nothing else.
    #[test]
    fn set_fields_and_bad_indices_are_left_alone() {
        fn wild(b: &mut Built) {
            b.put_int(99, 1);
            b.put_bytes(0, &[1, 2, 3]);
            hook(b);
        }
        static WILD: Proto = Proto {
            name: "Wild",
            long_name: "Wild",
            fields: TOY_FIELDS,
            post_build: Some(wild),
            ..Proto::BASE
        };
        let layer = Layer::new(&WILD).with("count", 2).unwrap().with("nlen", 2).unwrap();
        let bytes = Packet::from(layer.with("name", b"ab".to_vec()).unwrap()).build();
        assert_eq!(
            bytes[..5],
            [0x5f, 2, 2, b'a', b'b'],
            "count as set; no bytes over the `ver` nibble"
        );
        assert_eq!(bytes.len(), 12);
    }
}
