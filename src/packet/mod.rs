//! The protocol-agnostic engine: packets as stacks of layers, each layer a protocol's field table plus the
//! values set in it; building to bytes, dissecting from bytes, packet sets and Scapy-style rendering.

pub mod addr_list;
mod answer;
mod build;
mod deprecated;
mod dissect;
#[cfg(test)]
pub(crate) use dissect::tests as dissect_tests;
pub mod field;
pub(crate) mod hosts;
mod json;
mod layout;
mod payload;
mod records;
pub mod registry;
mod render;
mod set;
mod time;
pub mod value;

use std::borrow::Cow;
use std::fmt;
use std::ops::Div;
use std::sync::Arc;

pub use answer::{addr, answers_at, hashret_from, int, layer_of, push_xor, Answers, HashRet, MatchRules};
pub use build::{inet_checksum, Built};
pub use deprecated::DeprecatedField;
pub use dissect::LinkType;
pub use field::{Bound, Codec, Dflt, Field, Kind, Len, Records, Show};
use layout::FrameRef;
pub use layout::{Layout, LayoutCell};
pub use payload::{raw, PADDING, RAW};
pub use records::{Found, RecordPath, Target};
pub use registry::{
    bind_addr, bind_bottom_up, bind_layers, bind_top_down, AddressBinding, Binding, Direction, Overload, Registry,
};
pub use render::{chexdump, field_repr, hexdump, hexstr, ls_with, sprintf, write_field};
pub use set::PacketIter;
pub use time::Timestamp;
pub use value::{FieldValue, Generator, RandKind};

use crate::error::Error;
use registry::installed;

/// Chooses a payload's protocol from the layer and the payload bytes; `None` defers to the bindings.
pub type PayloadGuess = fn(&Layer, &[u8]) -> Option<&'static Proto>;

/// A protocol: its name, its field table and the hooks for what a table cannot say.
pub struct Proto {
    /// The class name users type: `Ether`, `IP`, `DNSQR`.
    pub name: &'static str,
    /// Scapy's long name shown in `show()` headers: `Ethernet`, `DNS Question Record`.
    pub long_name: &'static str,
    pub fields: &'static [Field],
    /// Fills automatic fields once the whole frame is laid out (lengths, checksums, counts).
    pub post_build: Option<fn(&mut build::Built)>,
    /// Scapy's `mysummary`: appends this layer's part of `summary()` (layer `usize` of the packet) to the
    /// string. Summaries of a whole capture are written into one buffer, so a hook allocates nothing.
    pub summary: Option<fn(&Packet, usize, &mut String)>,
    /// Scapy's `extract_padding`: how many of the bytes after the header (given) belong to the payload; the
    /// rest becomes `Padding`.
    pub payload_len: Option<fn(&Layer, &[u8]) -> usize>,
    /// Chooses the concrete protocol from the bytes (ICMPv6 by type, IP options by kind).
    pub dispatch: Option<fn(&[u8]) -> &'static Proto>,
    /// Chooses the payload's protocol where the bindings table cannot (IP fragments, ICMP quoting).
    /// `None` falls back to the bindings table.
    pub guess_payload: Option<PayloadGuess>,
    /// Offsets inside this layer (DNS compression pointers) are relative to its start.
    pub message_base: bool,
    /// Where, within this layer, the message its records' offsets refer to starts (DNS over TCP: after the
    /// length prefix). `None`: at the layer's start.
    pub message_start: Option<fn(&Layer) -> usize>,
    /// Fields forgotten when this protocol is dissected as a record of a packet-list field, so they show as
    /// unset (Scapy's `_DNSRR` deletes `rdlen`).
    pub unset_in_list: &'static [&'static str],
    /// The built header is padded with zeros to a multiple of this (IP and TCP options: 4).
    pub align: usize,
    /// Scapy's `hashret`: this layer's part of the key that a request and its answer share. `None`: the
    /// payload's.
    pub hashret: Option<HashRet>,
    /// Scapy's `answers`: whether this layer of a reply answers a layer of a request. `None`: same protocol,
    /// then the payloads decide.
    pub answers: Option<Answers>,
    /// Old field names still accepted for the fields they now mean (Scapy's `deprecated_fields`).
    pub deprecated_fields: &'static [DeprecatedField],
    /// Where the run of fixed fields sits, worked out at the first dissection: leave it as `Proto::BASE` has it.
    pub layout: LayoutCell,
}

impl Proto {
    /// The defaults of every hook, for `..Proto::BASE` in protocol definitions.
    // Each protocol is a static built from this with `..Proto::BASE`, so each gets its own `layout` cell: the
    // lint's concern, a cell shared through the constant, cannot arise.
    #[allow(clippy::declare_interior_mutable_const)]
    pub const BASE: Proto = Proto {
        name: "",
        long_name: "",
        fields: &[],
        post_build: None,
        summary: None,
        payload_len: None,
        dispatch: None,
        guess_payload: None,
        message_base: false,
        message_start: None,
        unset_in_list: &[],
        align: 1,
        hashret: None,
        answers: None,
        deprecated_fields: &[],
        layout: LayoutCell::new(),
    };

    /// Index of the first field with this name (or the field an old name now means), ignoring conditions.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        match self.fields.iter().position(|f| f.is_named(name)) {
            None => self.deprecated(name).and_then(|d| self.field_index(d.new)),
            found => found,
        }
    }

    /// Looks a protocol up by its class name.
    pub fn by_name(name: &str) -> Option<&'static Proto> {
        installed().by_name(name)
    }

    /// Looks a protocol up by its class name or its long name, as Scapy's `p["DNS Question Record"]` does.
    pub fn by_either_name(name: &str) -> Option<&'static Proto> {
        Proto::by_name(name).or_else(|| installed().protocols().iter().copied().find(|p| p.long_name == name))
    }

    /// Where this protocol's run of fixed fields sits.
    pub fn layout(&'static self) -> &'static Layout {
        self.layout.get_or_init(|| Layout::of(self))
    }

    /// Scapy's `ls(Proto)`: one line per field with its kind and default.
    pub fn ls(&'static self) -> String {
        render::ls(self)
    }
}

impl fmt::Debug for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl PartialEq for Proto {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Proto {}

/// Where a field's value came from. The rule for rebuilding an edited dissected packet hangs on this.
#[derive(Clone, Debug, PartialEq)]
pub enum Slot<'a> {
    /// Never set: shows the default (or the value stacking implies); automatic fields are computed.
    Unset,
    /// Set by the user: always sent as is, even when wrong.
    User(&'a FieldValue),
    /// Read from the wire by dissection. Kept as is while the packet is unedited (it then rebuilds to its
    /// exact bytes); once the packet is edited, automatic fields read from the wire are computed afresh.
    /// Owned when the field is read from the frame on demand (see [`Layout`]).
    Wire(Cow<'a, FieldValue>),
}

/// Where a layer keeps a field: see [`Layer::place`].
enum Place<'a> {
    /// In the run of fixed fields, at this index.
    Frame(&'a Layout, usize, &'a FrameRef),
    /// Among the deferred fields, at this index.
    Deferred(usize, &'a FrameRef),
    /// In `values`, at this index.
    Held(usize),
}

/// One layer: a protocol and the values set in its fields.
///
/// Each field's origin is a bit beside its value rather than an enum around it: a value is then all a slot
/// holds, which makes dissecting and dropping layers cheaper. A dissected layer does not hold values for its
/// run of fixed fields: it reads them from the frame it shares with the packet's other layers, and gets its
/// own copies only when edited.
#[derive(Clone)]
pub struct Layer {
    proto: &'static Proto,
    /// One value per field, `FieldValue::None` where unset; for a layer read from `frame`, the fields before and
    /// after its protocol's run of fixed fields.
    values: Vec<FieldValue>,
    /// Set on a dissected layer: where its run of fixed fields is read from.
    frame: Option<FrameRef>,
    /// Bit `i`: field `i` was set by the user.
    user: u64,
    /// Bit `i`: field `i` was read from the wire.
    wire: u64,
    /// This layer's own defaults for some fields, in place of its protocol's (Scapy's `default_fields`, which
    /// `fuzz()` fills): shown and built where the field is unset, but not set by the user.
    own_defaults: Option<Box<OwnDefaults>>,
}

/// Field index and value of each of a layer's own defaults.
#[derive(Clone, Debug, PartialEq)]
struct OwnDefaults(Vec<(usize, FieldValue)>);

impl Layer {
    /// The most fields a protocol may have: one bit each in the origin masks (a test in `layers` checks them).
    pub(crate) const MAX_FIELDS: usize = 64;

    /// A layer with every field at its default.
    pub fn new(proto: &'static Proto) -> Layer {
        debug_assert!(
            proto.fields.len() <= Self::MAX_FIELDS,
            "{} has too many fields",
            proto.name
        );
        Layer {
            proto,
            values: std::iter::repeat_with(|| FieldValue::None)
                .take(proto.fields.len())
                .collect(),
            frame: None,
            user: 0,
            wire: 0,
            own_defaults: None,
        }
    }

    /// A layer whose values dissection is about to fill, in table order; fields not yet filled read as unset.
    pub(crate) fn unfilled(proto: &'static Proto) -> Layer {
        Layer {
            proto,
            values: Vec::new(),
            frame: None,
            user: 0,
            wire: 0,
            own_defaults: None,
        }
    }

    /// Where field `i` is: see [`Place`].
    #[inline]
    fn place(&self, i: usize) -> Place<'_> {
        if let Some(frame) = &self.frame {
            let layout = frame.layout();
            let k = i.wrapping_sub(layout.first());
            if k < layout.count() {
                return Place::Frame(layout, k, frame);
            }
            if i >= layout.deferred() {
                return Place::Deferred(i - layout.deferred(), frame);
            }
            if i > layout.first() {
                return Place::Held(i - layout.count());
            }
        }
        Place::Held(i)
    }

    /// Gives a layer read from its frame its own values, one per field, before an edit.
    fn materialize(&mut self) {
        let Some(frame) = self.frame.take() else { return };
        let layout = frame.layout();
        let n = self.proto.fields.len();
        let mut held = std::mem::take(&mut self.values).into_iter();
        let mut values: Vec<FieldValue> = Vec::with_capacity(n);
        values.extend(held.by_ref().take(layout.first()));
        values.resize_with(layout.first(), || FieldValue::None);
        values.extend((0..layout.count()).map(|k| layout.read(self, k, &frame)));
        values.extend(held);
        if layout.deferred() < n {
            values.resize_with(layout.deferred(), || FieldValue::None);
            values.extend(frame.into_deferred(self.proto));
        }
        values.resize_with(n, || FieldValue::None);
        for (i, v) in values.iter_mut().enumerate() {
            if !self.has_value(i) {
                *v = FieldValue::None;
            }
        }
        self.values = values;
    }

    /// The first record of list field `f` (`None` for an empty list or another kind). On a dissected layer whose
    /// lists are not decoded yet it decodes that record alone: a summary needs no more.
    pub fn first_record(&self, f: usize) -> Option<Layer> {
        if let (Place::Deferred(..), Some(frame), true) = (self.place(f), &self.frame, self.is_from_wire(f)) {
            if let Some(first) = frame.first_record(self.proto, f) {
                return Some(first);
            }
        }
        match &*self.value_ref(f) {
            FieldValue::Layers(records) => records.first().cloned(),
            _ => None,
        }
    }

    /// Forgets that field `i` was read from the wire: it shows as unset.
    pub(crate) fn forget_wire(&mut self, i: usize) {
        self.wire &= !(1 << i);
        if let Place::Held(h) = self.place(i) {
            if let Some(v) = self.values.get_mut(h) {
                *v = FieldValue::None;
            }
        }
    }

    /// A layer of the protocol with this class name, e.g. `Layer::named("TCP")`.
    pub fn named(name: &str) -> Result<Layer, Error> {
        Proto::by_name(name)
            .map(Layer::new)
            .ok_or_else(|| Error::UnknownLayer(name.to_string()))
    }

    pub fn proto(&self) -> &'static Proto {
        self.proto
    }

    pub fn name(&self) -> &'static str {
        self.proto.name
    }

    /// Index of the field with this name that is present in this layer (conditions hold). An old name
    /// (Scapy's `deprecated_fields`) finds the field it now means.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.present_index(name, None)
    }

    fn present_index(&self, name: &str, under: Option<&'static Proto>) -> Option<usize> {
        let mut first = None;
        for (i, f) in self.proto.fields.iter().enumerate() {
            if f.is_named(name) {
                if f.when.is_none_or(|c| c(self, under)) {
                    return Some(i);
                }
                first.get_or_insert(i);
            }
        }
        match first {
            None => self
                .proto
                .deprecated(name)
                .and_then(|d| self.present_index(d.new, under)),
            found => found,
        }
    }

    fn field_or_err(&self, name: &str) -> Result<usize, Error> {
        self.field_index(name).ok_or_else(|| Error::no_field(self.proto, name))
    }

    /// Sets a field. Text is parsed as the field's kind (`"198.18.0.1"`, `"SA"`, `"echo-request"`); a 2-tuple,
    /// list or CIDR network makes the packet a set. A bad value is an error that says why.
    ///
    /// ```
    /// use wirecraft::Layer;
    /// let mut tcp = Layer::named("TCP")?;
    /// tcp.set("flags", "SA")?.set("dport", 443)?;
    /// assert_eq!(tcp.get_int("flags"), Some(0x12));
    /// assert_eq!(tcp.set("dprot", 1).unwrap_err().to_string(), "TCP has no field 'dprot'; did you mean 'dport'?");
    /// # Ok::<(), wirecraft::Error>(())
    /// ```
    pub fn set(&mut self, name: &str, v: impl Into<FieldValue>) -> Result<&mut Layer, Error> {
        let i = self.field_or_err(name)?;
        self.set_at(i, v.into())?;
        Ok(self)
    }

    /// [`Layer::set`] of field `i`.
    pub fn set_at(&mut self, i: usize, v: FieldValue) -> Result<(), Error> {
        let f = &self.proto.fields[i];
        let v = f.coerce_in(v, self).map_err(|why| Error::BadValue {
            layer: self.proto.name,
            field: f.name,
            why,
        })?;
        if v == FieldValue::None {
            self.clear(i);
        } else {
            self.put_user(i, v);
        }
        Ok(())
    }

    /// Builder form of [`Layer::set`].
    pub fn with(mut self, name: &str, v: impl Into<FieldValue>) -> Result<Layer, Error> {
        self.set(name, v)?;
        Ok(self)
    }

    /// Returns a field to its default (or to automatic), like Scapy's `del p.field`.
    pub fn unset(&mut self, name: &str) -> Result<(), Error> {
        let i = self.field_or_err(name)?;
        self.clear(i);
        Ok(())
    }

    /// The field's value: set, dissected, or the default (`FieldValue::None` for an automatic field not yet built).
    pub fn get(&self, name: &str) -> Option<FieldValue> {
        self.field_index(name).map(|i| self.value_at(i))
    }

    /// The field's value as an integer, if it is one.
    pub fn get_int(&self, name: &str) -> Option<u64> {
        self.int_at(self.field_index(name)?)
    }

    /// Field `i` as an integer: set, dissected or default.
    #[inline]
    pub fn int_at(&self, i: usize) -> Option<u64> {
        // Dissection's next-protocol and length tests read integers of the frame: kept short to inline.
        if let Some(frame) = &self.frame {
            let layout = frame.layout();
            let k = i.wrapping_sub(layout.first());
            if k < layout.count() && self.wire & (1 << i) != 0 {
                return layout.read_int(self, k, frame);
            }
        }
        self.held_int(i)
    }

    fn held_int(&self, i: usize) -> Option<u64> {
        match self.slot(i) {
            Slot::User(FieldValue::Int(v)) => Some(*v),
            Slot::Wire(v) => v.as_int(),
            Slot::Unset => match (self.own_default(i), self.proto.fields[i].default) {
                (Some(v), _) => v.as_int(),
                (None, Dflt::Int(v)) => Some(v),
                _ => None,
            },
            _ => None,
        }
    }

    pub(crate) fn value_at(&self, i: usize) -> FieldValue {
        match self.slot(i) {
            Slot::User(v) => v.clone(),
            Slot::Wire(v) => v.into_owned(),
            Slot::Unset => self.default_at(i),
        }
    }

    /// Field `i`'s value, borrowed when set or dissected: reading a list does not copy it.
    pub fn value_ref(&self, i: usize) -> Cow<'_, FieldValue> {
        match self.slot(i) {
            Slot::User(v) => Cow::Borrowed(v),
            Slot::Wire(v) => v,
            Slot::Unset => match self.own_default(i) {
                Some(v) => Cow::Borrowed(v),
                None => Cow::Owned(self.proto.fields[i].default_value(self)),
            },
        }
    }

    /// Where field `i`'s value came from.
    pub fn slot(&self, i: usize) -> Slot<'_> {
        let bit = 1u64 << i;
        if (self.user | self.wire) & bit == 0 {
            return Slot::Unset;
        }
        match self.place(i) {
            Place::Frame(layout, k, frame) => Slot::Wire(Cow::Owned(layout.read(self, k, frame))),
            Place::Deferred(d, frame) => match frame.deferred(self.proto).get(d) {
                Some(v) => Slot::Wire(Cow::Borrowed(v)),
                None => Slot::Unset,
            },
            Place::Held(h) => match self.values.get(h) {
                Some(v) if self.user & bit != 0 => Slot::User(v),
                Some(v) => Slot::Wire(Cow::Borrowed(v)),
                None => Slot::Unset,
            },
        }
    }

    /// Field `i`'s default in this layer: its own (see [`Layer::set_own_default`]) or its protocol's.
    pub(crate) fn default_at(&self, i: usize) -> FieldValue {
        match self.own_default(i) {
            Some(v) => v.clone(),
            None => self.proto.fields[i].default_value(self),
        }
    }

    /// This layer's own default for field `i`, if it has one.
    pub(crate) fn own_default(&self, i: usize) -> Option<&FieldValue> {
        let own = self.own_defaults.as_ref()?;
        own.0.iter().find(|(f, _)| *f == i).map(|(_, v)| v)
    }

    /// The fields that have a default of this layer's own, and those defaults.
    pub(crate) fn own_defaults(&self) -> impl Iterator<Item = (usize, &FieldValue)> {
        self.own_defaults
            .iter()
            .flat_map(|own| own.0.iter().map(|(f, v)| (*f, v)))
    }

    /// Bit `i` set for each field that has a default of this layer's own.
    pub(crate) fn own_default_mask(&self) -> u64 {
        self.own_defaults().fold(0, |m, (i, _)| m | 1 << i)
    }

    /// Gives field `i` a default of this layer's own: Scapy's `default_fields`, which `fuzz()` sets. The field
    /// stays unset: `repr()` and `command()` leave it out, `show()` and a build use the default.
    pub(crate) fn set_own_default(&mut self, i: usize, v: FieldValue) {
        let own = &mut self
            .own_defaults
            .get_or_insert_with(|| Box::new(OwnDefaults(Vec::new())))
            .0;
        match own.iter_mut().find(|(f, _)| *f == i) {
            Some(slot) => slot.1 = v,
            None => own.push((i, v)),
        }
    }

    /// True when field `i` was set by the user or read from the wire.
    pub(crate) fn has_value(&self, i: usize) -> bool {
        (self.user | self.wire) & (1 << i) != 0
    }

    /// True when field `i` was read from the wire (and not set since).
    pub fn is_from_wire(&self, i: usize) -> bool {
        self.wire & (1 << i) != 0
    }

    /// The user's value of field `i`, if the user set it.
    pub(crate) fn user_value(&self, i: usize) -> Option<&FieldValue> {
        // A layer the user set a field in holds all its values (`put_user` materializes it).
        match self.user & (1 << i) {
            0 => None,
            _ => self.values.get(i),
        }
    }

    /// The user's value of field `i`, to change in place, if the user set it.
    pub(crate) fn user_value_mut(&mut self, i: usize) -> Option<&mut FieldValue> {
        match self.user & (1 << i) {
            0 => None,
            _ => self.values.get_mut(i),
        }
    }

    /// Indices of the fields the user set, lowest first.
    pub(crate) fn user_fields(&self) -> impl Iterator<Item = usize> {
        let mut rest = self.user;
        std::iter::from_fn(move || {
            let i = rest.trailing_zeros();
            rest &= rest.wrapping_sub(1);
            (i < 64).then_some(i as usize)
        })
    }

    /// Sets field `i` as the user's.
    pub(crate) fn put_user(&mut self, i: usize, v: FieldValue) {
        self.materialize();
        self.values[i] = v;
        self.user |= 1 << i;
        self.wire &= !(1 << i);
    }

    /// Returns field `i` to unset.
    pub(crate) fn clear(&mut self, i: usize) {
        self.materialize();
        self.values[i] = FieldValue::None;
        self.user &= !(1 << i);
        self.wire &= !(1 << i);
    }

    /// True when the user set field `name` (not dissected, not default).
    pub fn is_set(&self, name: &str) -> bool {
        self.field_index(name).is_some_and(|i| self.user_value(i).is_some())
    }

    /// Scapy's `repr` of this one layer: `<TCP  dport=http |>`.
    pub fn repr(&self) -> String {
        render::layer_repr(self, None)
    }
}

/// Layers are equal when they hold the same values with the same origins, however they hold them.
impl PartialEq for Layer {
    fn eq(&self, other: &Layer) -> bool {
        self.proto == other.proto
            && (self.user, self.wire) == (other.user, other.wire)
            && self.own_defaults == other.own_defaults
            && (0..self.proto.fields.len()).all(|i| self.slot(i) == other.slot(i))
    }
}

impl fmt::Debug for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slots: Vec<Slot<'_>> = (0..self.proto.fields.len()).map(|i| self.slot(i)).collect();
        f.debug_struct("Layer")
            .field("proto", &self.proto)
            .field("slots", &slots)
            .finish()
    }
}

/// A packet: a stack of layers, lowest first. A dissected packet also keeps its bytes, so that an unedited
/// packet rebuilds to exactly what was read, malformed parts included.
#[derive(Clone, Debug, PartialEq)]
pub struct Packet {
    layers: Vec<Layer>,
    wire: Option<Arc<[u8]>>,
}

impl Packet {
    pub fn new(layers: Vec<Layer>) -> Packet {
        Packet { layers, wire: None }
    }

    /// Dissects a frame of the given link type. Never fails: what does not parse is kept as `Raw`, bytes past a
    /// declared length as `Padding`.
    ///
    /// ```
    /// use wirecraft::{LinkType, Packet, FieldValue};
    /// let frame = [0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0x73, 0x73, 198, 18, 0, 1, 198, 18, 0, 2,
    ///              0x30, 0x39, 0, 53, 0, 8, 0, 0];
    /// let p = Packet::dissect(&frame, LinkType::RawIp);
    /// assert_eq!(p.get("UDP", "sport"), Some(FieldValue::Int(12345)));
    /// assert_eq!(p.summary(), "IP / UDP 198.18.0.1:12345 > 198.18.0.2:domain");
    /// ```
    pub fn dissect(data: &[u8], link: LinkType) -> Packet {
        dissect::dissect(installed(), data, link.proto())
    }

    /// Dissects a frame for reading its fields only (summaries and statistics over whole captures): the packet
    /// does not keep a copy of the bytes, so building it again recomputes its automatic fields instead of
    /// reproducing the original bytes exactly. Use [`Packet::dissect`] for anything that may be rebuilt.
    pub fn dissect_fields(data: &[u8], link: LinkType) -> Packet {
        dissect::dissect_fields(installed(), data, link.proto())
    }

    /// [`Packet::dissect_fields`] of `frames[range]`, sharing `frames` (a batch of frames read from a file)
    /// instead of copying the frame.
    pub(crate) fn dissect_fields_in(frames: &Arc<[u8]>, range: std::ops::Range<usize>, link: LinkType) -> Packet {
        dissect::dissect_fields_in(installed(), frames, range, link.proto())
    }

    /// Dissects bytes as the given protocol (Scapy's `IP(raw_bytes)`).
    pub fn dissect_as(proto: &'static Proto, data: &[u8]) -> Packet {
        dissect::dissect(installed(), data, proto)
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Mutable access to the layers. Counts as an edit: automatic fields are recomputed at the next build.
    pub fn layers_mut(&mut self) -> &mut Vec<Layer> {
        self.wire = None;
        &mut self.layers
    }

    /// The bytes this packet was dissected from, while it is unedited.
    pub fn wire(&self) -> Option<&[u8]> {
        self.wire.as_deref()
    }

    /// Index of the first layer of exactly this protocol (`p[TCP]` does not match `TCPerror`).
    pub fn index_of(&self, proto: &'static Proto) -> Option<usize> {
        self.layers.iter().position(|l| l.proto == proto)
    }

    /// The first layer of this protocol, by class name.
    pub fn layer(&self, name: &str) -> Option<&Layer> {
        let p = Proto::by_name(name)?;
        self.index_of(p).map(|i| &self.layers[i])
    }

    /// Mutable access to the first layer of this protocol. Counts as an edit.
    pub fn layer_mut(&mut self, name: &str) -> Option<&mut Layer> {
        let p = Proto::by_name(name)?;
        let i = self.index_of(p)?;
        self.wire = None;
        Some(&mut self.layers[i])
    }

    /// Scapy's `haslayer`.
    pub fn has(&self, name: &str) -> bool {
        self.layer(name).is_some()
    }

    /// A field's value as Scapy shows it before building: set, dissected, implied by the layer above
    /// (`Ether()/IP()` has `type=0x800`), or the default.
    pub fn get(&self, layer: &str, field: &str) -> Option<FieldValue> {
        let p = Proto::by_name(layer)?;
        let i = self.index_of(p)?;
        let f = self.layers[i].field_index(field)?;
        Some(self.value(i, f))
    }

    /// Sets a field in the first layer of that protocol.
    pub fn set(&mut self, layer: &str, field: &str, v: impl Into<FieldValue>) -> Result<(), Error> {
        self.layer_mut(layer)
            .ok_or_else(|| Error::NoLayer(layer.to_string()))?
            .set(field, v)?;
        Ok(())
    }

    /// The value of field `f` of layer `i`, with stacking overloads applied.
    pub(crate) fn value(&self, i: usize, f: usize) -> FieldValue {
        stacked_value(installed(), &self.layers, i, f)
    }

    /// The value that the layer above implies for field `f` of layer `i` (Scapy's overloaded fields).
    pub(crate) fn overload(&self, i: usize, f: usize) -> Option<FieldValue> {
        implied(installed(), &self.layers, i, f)
    }

    /// Appends a layer on top (Scapy's `/`).
    pub fn push(&mut self, layer: Layer) {
        self.wire = None;
        self.layers.push(layer);
    }

    /// The frame's bytes: Scapy's `raw(p)`. A packet set builds its first packet; random values are drawn.
    /// Automatic fields (lengths, checksums, next-protocol numbers) are computed unless set.
    ///
    /// ```
    /// use wirecraft::Layer;
    /// let p = Layer::named("IP")?.with("dst", "198.18.0.2")?.with("src", "198.18.0.1")? / Layer::named("UDP")?;
    /// let b = p.build();
    /// assert_eq!(b.len(), 28);
    /// assert_eq!(b[9], 17, "IP.proto follows the layer above");
    /// assert_eq!(&b[2..4], &[0, 28], "IP.len is computed");
    /// # Ok::<(), wirecraft::Error>(())
    /// ```
    pub fn build(&self) -> Vec<u8> {
        if let Some(w) = &self.wire {
            return w.to_vec();
        }
        if self.generators() != (false, false) {
            return build::build(installed(), &self.nth(0).resolve_random().layers);
        }
        build::build(installed(), &self.layers)
    }

    /// Scapy's `show2()` packet: the built frame dissected again, with every automatic field filled.
    pub fn rebuilt(&self) -> Packet {
        match self.layers.first() {
            Some(first) => dissect::dissect(installed(), &self.build(), first.proto),
            None => self.clone(),
        }
    }

    /// Length of the built frame.
    pub fn len(&self) -> usize {
        self.build().len()
    }

    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// Scapy's `summary()`: the top layer that has a summary speaks for the ones below.
    ///
    /// ```
    /// use wirecraft::Layer;
    /// let p = Layer::named("IP")?.with("src", "198.18.0.1")?.with("dst", "198.18.0.2")?
    ///     / Layer::named("TCP")?.with("dport", 443)?.with("flags", "SA")?;
    /// assert_eq!(p.summary(), "IP / TCP 198.18.0.1:ftp_data > 198.18.0.2:https SA");
    /// # Ok::<(), wirecraft::Error>(())
    /// ```
    pub fn summary(&self) -> String {
        render::summary(self, 0)
    }

    /// Scapy's `p[X].summary()`: the summary from layer `start` up, the layers below still feeding it.
    pub fn summary_from(&self, start: usize) -> String {
        render::summary(self, start)
    }

    /// The packet from layer `start` up, as Scapy's `p[X]` sees it. An unedited dissected packet keeps the
    /// matching tail of its bytes, so that `raw(p[TCP])` gives what was on the wire, checksum included.
    pub fn from_layer(&self, start: usize) -> Packet {
        let mut sub = Packet::new(self.layers.get(start..).unwrap_or_default().to_vec());
        if let Some(w) = &self.wire {
            // Where the layer was read from; a layer dissected without its frame (over 4 GiB) is placed by the
            // length of what it and the layers above rebuild to.
            let at = match sub.layers.first().and_then(|l| l.frame.as_ref()) {
                Some(frame) => Some(frame.layer_start()),
                None => w.len().checked_sub(build::build(installed(), &sub.layers).len()),
            };
            sub.wire = at.and_then(|at| w.get(at..)).map(Arc::from);
        }
        sub
    }

    /// Scapy's `summary()` with port numbers instead of service names, as `tcpdump -nn` prints them.
    ///
    /// ```
    /// use wirecraft::{Layer, Packet};
    /// let p = Layer::named("IP")?.with("src", "198.18.0.1")?.with("dst", "198.18.0.2")?
    ///     / Layer::named("TCP")?.with("sport", 1234)?;
    /// assert_eq!(p.summary(), "IP / TCP 198.18.0.1:1234 > 198.18.0.2:http S");
    /// assert_eq!(p.summary_numeric(), "IP / TCP 198.18.0.1:1234 > 198.18.0.2:80 S");
    /// # Ok::<(), wirecraft::Error>(())
    /// ```
    pub fn summary_numeric(&self) -> String {
        let mut out = String::with_capacity(96);
        self.write_summary_numeric(&mut out);
        out
    }

    /// [`Packet::summary_numeric`] appended to `out`, for listings of whole captures.
    pub fn write_summary_numeric(&self, out: &mut String) {
        render::write_summary_numeric(out, self)
    }

    /// Scapy's `show()`: the fields as set, before building; automatic fields show `None`.
    ///
    /// ```
    /// use wirecraft::Layer;
    /// let p = wirecraft::Packet::from(Layer::named("UDP")?.with("dport", 123)?);
    /// assert_eq!(p.show(), "###[ UDP ]###\n  sport     = domain\n  dport     = ntp\n  len       = None\n  chksum    = None\n");
    /// # Ok::<(), wirecraft::Error>(())
    /// ```
    pub fn show(&self) -> String {
        render::show(self)
    }

    /// Scapy's `show2()`: the fields after building.
    pub fn show2(&self) -> String {
        render::show(&self.rebuilt())
    }

    /// Scapy's `hexdump()` of the built frame.
    ///
    /// ```
    /// use wirecraft::Layer;
    /// let p = wirecraft::Packet::from(Layer::named("Raw")?.with("load", "hello")?);
    /// assert_eq!(p.hexdump(), "0000  68 65 6C 6C 6F                                   hello");
    /// # Ok::<(), wirecraft::Error>(())
    /// ```
    pub fn hexdump(&self) -> String {
        render::hexdump(&self.build())
    }

    /// Scapy's `command()`: an expression that rebuilds this packet.
    pub fn command(&self) -> String {
        render::command(self)
    }

    /// Scapy's `json()`: the fields of every layer as JSON text, each payload a `"payload"` member.
    ///
    /// ```
    /// use wirecraft::Layer;
    /// let p = Layer::named("UDP")?.with("dport", 53)? / "hi";
    /// assert_eq!(p.json(), r#"{"sport": 53, "dport": 53, "len": null, "chksum": null, "payload": {"load": "hi"}}"#);
    /// # Ok::<(), wirecraft::Error>(())
    /// ```
    pub fn json(&self) -> String {
        json::json(self, 0)
    }

    /// Scapy's `repr()`: the fields set explicitly or by stacking.
    pub fn repr(&self) -> String {
        render::repr(self)
    }

    /// Scapy's `fuzz()`: every field that is not automatic gets a fresh random value at each build.
    pub fn fuzz(mut self) -> Packet {
        self.wire = None;
        set::fuzz(&mut self);
        self
    }
}

/// [`Packet::value`] over a stack of layers, which need not be a whole packet (a record built on its own).
fn stacked_value(reg: &Registry, stack: &[Layer], i: usize, f: usize) -> FieldValue {
    let layer = &stack[i];
    if !layer.has_value(f) {
        if let Some(v) = stacked_unset(reg, stack, i, f) {
            return v;
        }
    }
    layer.value_at(f)
}

/// What the layer above makes of unset field `f` of layer `i`: the value it implies (a stacking overload, else
/// an address default it binds), or a computed default that reads an address it implies; `None` leaves the
/// field's own default.
fn stacked_unset(reg: &Registry, stack: &[Layer], i: usize, f: usize) -> Option<FieldValue> {
    let (layer, upper) = (&stack[i], stack.get(i + 1)?);
    let from = |over: &[Overload]| implied_by(layer, f, over).or_else(|| addressed_default(layer, f, over));
    reg.overload(layer.proto, upper.proto)
        .and_then(from)
        .or_else(|| reg.addresses(layer.proto, upper).and_then(from))
}

/// [`Packet::overload`] over a stack of layers.
fn implied(reg: &Registry, stack: &[Layer], i: usize, f: usize) -> Option<FieldValue> {
    let upper = stack.get(i + 1)?;
    implied_by(&stack[i], f, reg.overload(stack[i].proto, upper.proto)?)
}

/// The value `over` gives field `f` of `layer`, if it names the field.
fn implied_by(layer: &Layer, f: usize, over: &[Overload]) -> Option<FieldValue> {
    let field = &layer.proto.fields[f];
    over.iter()
        .find(|(n, _)| field.is_named(n))
        .map(|(_, bits)| field.overload_value(*bits))
}

/// The computed default of unset field `f` of `layer` when the overloads `over` of the layer above imply an
/// address the layer leaves unset; `None` otherwise (the field's own default stands). A computed default reads
/// the layer's own fields, so it is computed on a copy holding those addresses: IPv6's source then follows the
/// destination a Neighbor Discovery message implies, as Scapy's does. Integer overloads feed no computed
/// default (IP's and IPv6's sources read only the destination), so the common stackings copy nothing.
pub(crate) fn addressed_default(layer: &Layer, f: usize, over: &[Overload]) -> Option<FieldValue> {
    let field = &layer.proto.fields[f];
    if !matches!(field.default, Dflt::Dyn(_)) {
        return None;
    }
    let mut with_addresses: Option<Layer> = None;
    for (name, bits) in over {
        let Some(g) = layer.field_index(name) else {
            continue;
        };
        let implied = &layer.proto.fields[g];
        if implied.overload_int(*bits).is_none() && !layer.has_value(g) {
            with_addresses
                .get_or_insert_with(|| layer.clone())
                .put_user(g, implied.overload_value(*bits));
        }
    }
    with_addresses.map(|l| field.default_value(&l))
}

impl From<Layer> for Packet {
    fn from(l: Layer) -> Packet {
        Packet::new(vec![l])
    }
}

impl Div<Layer> for Packet {
    type Output = Packet;
    fn div(mut self, rhs: Layer) -> Packet {
        self.push(rhs);
        self
    }
}

impl Div<Packet> for Packet {
    type Output = Packet;
    fn div(mut self, rhs: Packet) -> Packet {
        self.wire = None;
        self.layers.extend(rhs.layers);
        self
    }
}

impl Div<Layer> for Layer {
    type Output = Packet;
    fn div(self, rhs: Layer) -> Packet {
        Packet::new(vec![self, rhs])
    }
}

impl Div<&[u8]> for Packet {
    type Output = Packet;
    /// Bytes on the right of `/` become `Raw`.
    fn div(self, rhs: &[u8]) -> Packet {
        self / raw(rhs)
    }
}

impl Div<&[u8]> for Layer {
    type Output = Packet;
    fn div(self, rhs: &[u8]) -> Packet {
        Packet::from(self) / rhs
    }
}

impl Div<&str> for Packet {
    type Output = Packet;
    /// A string on the right of `/` becomes `Raw`, as in Scapy.
    fn div(self, rhs: &str) -> Packet {
        self / rhs.as_bytes()
    }
}

impl Div<&str> for Layer {
    type Output = Packet;
    fn div(self, rhs: &str) -> Packet {
        Packet::from(self) / rhs.as_bytes()
    }
}
