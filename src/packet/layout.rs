//! Lazy dissection. A protocol's run of fixed-size fields sits at the same bit offsets in every packet, so a
//! dissected layer keeps a reference to its frame and reads them when asked instead of decoding each into a
//! value up front. Most of a header is such a run (all of Ethernet and UDP, the DNS header; IP and TCP up to
//! their options), and most dissections read only a few of its fields (the next protocol, a length, the
//! addresses of a summary). The variable fields after the run (options, DNS records) are only measured when
//! dissecting, to find where the payload starts, and decoded at their first reading.

use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, OnceLock};

use super::dissect::{self, decode_one, read_bits, Depth};
use super::field::{Dflt, Field, Kind, Len};
use super::value::FieldValue;
use super::{Layer, Proto};

/// Where a protocol's run of fixed-size fields sits, computed once per protocol.
#[derive(Debug)]
pub struct Layout {
    /// Index of the run's first field.
    first: usize,
    /// Bit offset of each field of the run, from the run's start.
    starts: Vec<u32>,
    /// Integer width in bits of each field of the run (0: not an integer), so that integer reads, the hot
    /// ones, need not look at the field table.
    int_widths: Vec<u8>,
    /// The run's end, in bits: a layer is read lazily only when its bytes reach this far.
    fixed_end: u32,
    /// The run's last field is bytes taking the rest of the layer (`Raw.load`).
    rest: bool,
    /// Index of the first deferred field: the fields from here to the table's end follow the run, are
    /// unconditional, and are measured at dissection but decoded when first read. The table's length when
    /// there are none.
    deferred: usize,
    /// The run as a layer with nothing set builds it, for building (see `build::write_run`).
    image: Option<Box<[u8]>>,
    /// Fields of the run whose default is computed for each layer, by index: always written over the image.
    computed_defaults: u64,
    /// The automatic fields (`Dflt::Auto`: lengths, checksums, counts), by index: what a rebuild after an edit
    /// computes afresh even when read from the wire.
    automatic: u64,
    /// How many fields the protocol has.
    fields: usize,
}

impl Layout {
    /// The first run of fields that can be read at a fixed offset from where the run starts: fixed-size kinds
    /// that are always present, ending on a byte boundary; a final "rest of the layer" bytes field may close
    /// it. Fields before the run (a conditional length prefix, a DNS name) are decoded as they come.
    pub(crate) fn of(proto: &'static Proto) -> Layout {
        let fields = proto.fields;
        let fixed = |f: &Field| f.when.is_none() && !f.may_end && f.fixed_bits().is_some();
        let rest_last = |i: usize| i + 1 == fields.len() && matches!(fields[i].kind, Kind::Bytes(Len::Rest));
        let first = (0..fields.len())
            .find(|&i| fixed(&fields[i]) || (rest_last(i) && fields[i].when.is_none()))
            .unwrap_or(fields.len());
        let mut starts = Vec::new();
        let mut at = 0u32;
        // Fields up to here end on a byte boundary: the run may stop there.
        let (mut whole, mut whole_end) = (0, 0);
        let mut rest = false;
        for (i, f) in fields.iter().enumerate().skip(first) {
            if rest_last(i) && f.when.is_none() {
                if at % 8 == 0 {
                    starts.push(at);
                    (whole, whole_end, rest) = (starts.len(), at, true);
                }
                break;
            }
            if !fixed(f) {
                break;
            }
            starts.push(at);
            at += f.fixed_bits().unwrap_or(0);
            if at % 8 == 0 {
                (whole, whole_end) = (starts.len(), at);
            }
        }
        starts.truncate(whole);
        let int_widths = fields[first..first + starts.len()]
            .iter()
            .map(|f| match f.kind {
                Kind::LeU32 => 0,
                _ => f.int_width().unwrap_or(0),
            })
            .collect();
        let run_end = first + starts.len();
        let deferred = if !rest && run_end > first && fields[run_end..].iter().all(|f| f.when.is_none()) {
            run_end
        } else {
            fields.len()
        };
        let count = starts.len();
        let image = match (count, rest) {
            (1.., false) => {
                super::build::run_image(proto, first, count).filter(|image| image.len() * 8 == whole_end as usize)
            }
            _ => None,
        };
        let computed_defaults = (first..first + count)
            .filter(|&i| matches!(fields[i].default, Dflt::Dyn(_)))
            .fold(0, |m, i| m | 1 << i);
        let automatic = (0..fields.len().min(64))
            .filter(|&i| fields[i].is_auto())
            .fold(0, |m, i| m | 1 << i);
        Layout {
            first,
            starts,
            int_widths,
            fixed_end: whole_end,
            rest,
            deferred,
            image,
            computed_defaults,
            automatic,
            fields: fields.len(),
        }
    }

    /// The run as a layer with nothing set builds it.
    pub(crate) fn image(&self) -> Option<&[u8]> {
        self.image.as_deref()
    }

    /// Fields of the run (by index) whose default is computed for each layer.
    pub(crate) fn computed_defaults(&self) -> u64 {
        self.computed_defaults
    }

    /// The automatic fields, by index.
    pub(crate) fn automatic(&self) -> u64 {
        self.automatic
    }

    /// Bit offset of field `k` of the run from the run's start.
    pub(crate) fn bit_offset(&self, k: usize) -> usize {
        self.starts[k] as usize
    }

    /// Index of the first deferred field (the table's length when there are none).
    pub(crate) fn deferred(&self) -> usize {
        self.deferred
    }

    /// True when some fields are deferred.
    pub(crate) fn has_deferred(&self) -> bool {
        self.deferred < self.fields
    }

    /// Index of the run's first field.
    pub(crate) fn first(&self) -> usize {
        self.first
    }

    /// How many fields the run has.
    pub(crate) fn count(&self) -> usize {
        self.starts.len()
    }

    /// Bytes a layer needs, from the run's start, for the run to be read lazily.
    pub(crate) fn fixed_bytes(&self) -> usize {
        self.fixed_end as usize / 8
    }

    /// Bytes the run takes when `len` bytes are left from its start (at least [`Layout::fixed_bytes`]).
    pub(crate) fn used_bytes(&self, len: usize) -> usize {
        if self.rest {
            len
        } else {
            self.fixed_bytes()
        }
    }

    /// Field `k` of the run of a layer of this layout in `frame`.
    pub(crate) fn read(&self, layer: &Layer, k: usize, frame: &FrameRef) -> FieldValue {
        let data = frame.bytes();
        let bit = self.starts[k] as usize;
        let kind = layer.proto().fields[self.first + k].kind;
        // Lazily read layers have every leading field's bytes: the `None` arms are not taken.
        match kind {
            Kind::Bits(w) => read_bits(data, bit, w).map_or(FieldValue::None, FieldValue::Int),
            // A run holds no codec's field (their sizes are not fixed), so no decoder looks for the layer's start.
            _ => decode_one(data, 0, bit / 8, layer, kind, None).map_or(FieldValue::None, |(v, _)| v),
        }
    }

    /// Width in bits of field `k` of the run when it is a big-endian integer or a bit field.
    #[inline]
    pub(crate) fn int_width(&self, k: usize) -> Option<u8> {
        self.int_widths.get(k).copied().filter(|&w| w > 0)
    }

    /// Field `k` of the run as an integer, without building a value; `None` for other kinds.
    #[inline]
    pub(crate) fn read_int(&self, layer: &Layer, k: usize, frame: &FrameRef) -> Option<u64> {
        match *self.int_widths.get(k)? {
            // Big-endian integers and bit fields alike are `width` bits at a bit offset.
            w @ 1.. => read_bits(frame.int_bytes(), self.starts[k] as usize, w),
            0 => self.read_other_int(layer, k, frame),
        }
    }

    /// [`Layout::read_int`] for fields that are not big-endian integers: out of line, being rare.
    #[cold]
    #[inline(never)]
    fn read_other_int(&self, layer: &Layer, k: usize, frame: &FrameRef) -> Option<u64> {
        self.read(layer, k, frame).as_int()
    }
}

/// A protocol's layout, worked out at its first dissection and kept for the life of the program. An atomic
/// pointer rather than a `OnceLock`, which has drop glue and so cannot sit in the `Proto::BASE` constant that
/// every protocol static is built from.
pub struct LayoutCell(AtomicPtr<Layout>);

impl LayoutCell {
    pub const fn new() -> LayoutCell {
        LayoutCell(AtomicPtr::new(std::ptr::null_mut()))
    }

    #[inline]
    pub(crate) fn get_or_init(&self, init: impl FnOnce() -> Layout) -> &Layout {
        let ptr = self.0.load(Ordering::Acquire);
        if ptr.is_null() {
            return self.init(init);
        }
        // SAFETY: a non-null pointer was published by `init` from `Box::into_raw`, and is never freed or
        // written through afterwards, so it points to a valid `Layout` for the program's life.
        unsafe { &*ptr }
    }

    /// The first call's work: computes the layout and publishes it, unless another thread did first.
    #[cold]
    fn init(&self, init: impl FnOnce() -> Layout) -> &Layout {
        let fresh = Box::into_raw(Box::new(init()));
        let ptr = match self
            .0
            .compare_exchange(std::ptr::null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => fresh,
            Err(first) => {
                // SAFETY: `fresh` came from `Box::into_raw` above and was not published: another thread's
                // layout won, so this one is freed, once.
                drop(unsafe { Box::from_raw(fresh) });
                first
            }
        };
        // SAFETY: `ptr` was published by the exchange from `Box::into_raw`, and is never freed or written
        // through afterwards, so it points to a valid `Layout` for the program's life.
        unsafe { &*ptr }
    }
}

impl Default for LayoutCell {
    fn default() -> LayoutCell {
        LayoutCell::new()
    }
}

impl std::fmt::Debug for LayoutCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LayoutCell")
    }
}

/// A dissected layer's place in its frame, and its deferred fields once decoded.
#[derive(Clone)]
pub(crate) struct FrameRef {
    /// The layer's protocol's layout, at hand for every read.
    layout: &'static Layout,
    bytes: LayerBytes,
}

/// The most bytes a layer copies rather than share the frame.
const COPIED: usize = 40;

/// Where a dissected layer reads its fields from.
#[derive(Clone)]
enum LayerBytes {
    /// Its own copy of the run, for a layer with nothing deferred and a small run (Ethernet, UDP, a short
    /// payload): cheaper than sharing the frame, whose reference count costs an atomic operation on each
    /// layer's creation and drop.
    Copied {
        run: [u8; COPIED],
        len: u8,
        /// Where the layer starts in the frame.
        layer_start: u32,
    },
    /// The frame, shared by the packet's layers.
    Shared {
        frame: Arc<[u8]>,
        /// Where the bytes the layer was decoded from start: the enclosing message, for a record whose names
        /// point into it.
        base: u32,
        /// Where the layer starts in the frame.
        layer_start: u32,
        /// Where its run of fixed fields starts.
        run_start: u32,
        /// Where the layer's bytes (header and payload) end.
        end: u32,
        /// The protocol below, which conditions may look at when the deferred fields are decoded.
        under: Option<&'static Proto>,
        deferred: OnceLock<Box<[FieldValue]>>,
    },
}

impl FrameRef {
    // Inlined: it runs for every layer dissected, and a call costs as much as the small copy it makes.
    #[inline]
    pub(crate) fn new(
        frame: &Arc<[u8]>,
        (base, layer_start, run_start, end): (usize, usize, usize, usize),
        layout: &'static Layout,
        under: Option<&'static Proto>,
    ) -> FrameRef {
        let needed = match layout.rest {
            true => end - run_start,
            false => layout.fixed_bytes(),
        };
        let bytes = match frame.get(run_start..run_start + needed) {
            Some(run) if !layout.has_deferred() && needed <= COPIED => {
                let mut copy = [0; COPIED];
                copy[..needed].copy_from_slice(run);
                LayerBytes::Copied {
                    run: copy,
                    len: needed as u8,
                    layer_start: layer_start as u32,
                }
            }
            // Offsets as `u32` keep layers small; lazy dissection is only used on frames below 4 GiB.
            _ => LayerBytes::Shared {
                frame: Arc::clone(frame),
                base: base as u32,
                layer_start: layer_start as u32,
                run_start: run_start as u32,
                end: end as u32,
                under,
                deferred: OnceLock::new(),
            },
        };
        FrameRef { layout, bytes }
    }

    pub(crate) fn layout(&self) -> &'static Layout {
        self.layout
    }

    /// Where the layer starts in its frame.
    pub(crate) fn layer_start(&self) -> usize {
        match &self.bytes {
            LayerBytes::Shared { layer_start, .. } | LayerBytes::Copied { layer_start, .. } => *layer_start as usize,
        }
    }

    /// The layer's bytes from the run's start: its run, and for a shared frame the rest of the layer.
    pub(crate) fn bytes(&self) -> &[u8] {
        match &self.bytes {
            LayerBytes::Copied { run, len, .. } => &run[..usize::from(*len)],
            LayerBytes::Shared {
                frame, run_start, end, ..
            } => frame.get(*run_start as usize..*end as usize).unwrap_or_default(),
        }
    }

    /// [`FrameRef::bytes`] for reading the run's integers: a copied run's whole buffer, zeros past its bytes, so
    /// that a field near the run's end is still read with one 8-byte load (see `read_bits`); the field's own
    /// bits all lie within the run, so the zeros are never part of a value.
    #[inline]
    fn int_bytes(&self) -> &[u8] {
        match &self.bytes {
            LayerBytes::Copied { run, .. } => run,
            LayerBytes::Shared {
                frame, run_start, end, ..
            } => frame.get(*run_start as usize..*end as usize).unwrap_or_default(),
        }
    }

    /// The deferred fields' values (from [`Layout::deferred`] on), decoded at the first call.
    pub(crate) fn deferred(&self, proto: &'static Proto) -> &[FieldValue] {
        match &self.bytes {
            LayerBytes::Shared { deferred, .. } => deferred.get_or_init(|| self.decode_deferred(proto)),
            LayerBytes::Copied { .. } => &[],
        }
    }

    /// The deferred fields' values, taken out, for a layer about to hold all its values.
    pub(crate) fn into_deferred(self, proto: &'static Proto) -> Vec<FieldValue> {
        match &self.bytes {
            LayerBytes::Shared { deferred, .. } if deferred.get().is_some() => {
                deferred.get().map(|v| v.to_vec()).unwrap_or_default()
            }
            _ => self.decode_deferred(proto).into_vec(),
        }
    }

    /// What decoding a shared layer's deferred fields starts from: the bytes from its message's start to
    /// the layer's end, where the layer starts in them, where they start in the frame, and the protocol below.
    fn message(&self) -> Option<Message<'_>> {
        let LayerBytes::Shared {
            frame,
            base,
            layer_start,
            end,
            under,
            ..
        } = &self.bytes
        else {
            return None;
        };
        Some(Message {
            frame,
            data: frame.get(*base as usize..*end as usize)?,
            start: (layer_start - base) as usize,
            base: *base as usize,
            under: *under,
        })
    }

    /// The first record of deferred list field `f`, decoded alone (the fields before it only measured), while
    /// the deferred fields are not decoded yet: what a summary shows of a DNS message. `None` when they are.
    pub(crate) fn first_record(&self, proto: &'static Proto, f: usize) -> Option<Layer> {
        let LayerBytes::Shared { deferred, .. } = &self.bytes else {
            return None;
        };
        let (Kind::Records(spec), None) = (proto.fields[f].kind, deferred.get()) else {
            return None;
        };
        let m = self.message()?;
        let at = Some((m.frame, m.base));
        let mut before = Layer::unfilled(proto);
        let pos = m.start + dissect::decode_fields(m.data, m.start, &mut before, m.under, at, Depth::Until(f))?;
        let (mut first, _) = dissect::records(m.data, pos, &before, spec, at, false, 1)?;
        first.pop()
    }

    /// Decodes the whole layer as dissection without a frame does, keeping the deferred fields. Dissection
    /// measured them the same way, so this cannot fail; if it did, they would read as unset.
    fn decode_deferred(&self, proto: &'static Proto) -> Box<[FieldValue]> {
        let Some(m) = self.message() else {
            return Box::default();
        };
        let mut whole = Layer::unfilled(proto);
        match dissect::decode_fields(m.data, m.start, &mut whole, m.under, None, Depth::Lazy) {
            Some(_) => whole
                .values
                .split_off(self.layout.deferred().min(whole.values.len()))
                .into(),
            None => Box::default(),
        }
    }
}

/// See [`FrameRef::message`].
struct Message<'a> {
    frame: &'a Arc<[u8]>,
    data: &'a [u8],
    start: usize,
    base: usize,
    under: Option<&'static Proto>,
}

#[cfg(test)]
mod tests {
    use crate::{FieldValue, Layer, LinkType, Packet, Proto};

    fn layout_of(name: &str) -> (usize, usize) {
        let l = Proto::by_name(name).expect("known").layout();
        (l.first(), l.count())
    }

    #[test]
    fn runs_cover_the_fixed_headers() {
        assert_eq!(layout_of("Ether"), (0, 3));
        assert_eq!(layout_of("IP"), (0, 12), "up to dst; options are decoded");
        assert_eq!(layout_of("DNS"), (1, 15), "after the TCP-only length, up to arcount");
        assert_eq!(layout_of("DNSQR"), (1, 3), "after the name");
        assert_eq!(layout_of("Raw"), (0, 1), "the rest of the layer");
    }

    /// Editing a field of a dissected layer keeps every other field, read from the frame or held.
    #[test]
    fn an_edit_keeps_the_other_fields() {
        let p = Layer::named("IP").unwrap().with("ttl", 9).unwrap() / Layer::named("UDP").unwrap() / "payload";
        let mut d = Packet::dissect(&p.build(), LinkType::RawIp);
        let before = d.show();
        d.set("IP", "tos", 4).unwrap();
        assert_eq!(d.get("IP", "tos"), Some(FieldValue::Int(4)));
        assert_eq!(d.get("IP", "ttl"), Some(FieldValue::Int(9)));
        assert_eq!(d.get("IP", "options"), Some(FieldValue::Layers(vec![])));
        assert_eq!(d.show().replace("tos       = 0x4", "tos       = 0x0"), before);
        assert_eq!(d.get("Raw", "load"), Some(FieldValue::Bytes(b"payload".to_vec())));
    }
}
