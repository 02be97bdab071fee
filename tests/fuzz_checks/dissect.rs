//! The dissector on any frame of any link type, and everything a user then does with the packet: every
//! renderer, the unedited rebuild, and the rebuild of an edited copy. Dissection promises never to panic on any
//! bytes; the renderers and the builder must keep that promise for whatever dissection makes of them.
//!
//! Input: byte 0 chooses how the frame is read (each pcap link type wirecraft dissects, an unknown one that is
//! kept as Raw, or any protocol of the registry as the first layer, as `IP(raw_bytes)` does); byte 1 and 2
//! choose the layer and field the edit sets and byte 3 the kind of value; the rest is the frame, whose tail
//! also gives the value.

use wirecraft::layers::REGISTRY;
use wirecraft::packet::{ls_with, sprintf};
use wirecraft::{FieldValue, Layer, LinkType, Packet};

/// The pcap link types the dissector has a first protocol for, and one it keeps as Raw.
const LINK_TYPES: [LinkType; 6] = [
    LinkType::Ethernet,
    LinkType::RawIp,
    LinkType::LinuxSll,
    LinkType::LinuxSll2,
    LinkType::Null,
    LinkType::Other(147),
];

/// One input, as the fuzz target and the regression tests run it.
pub fn check(data: &[u8]) {
    let Some((&[how, layer, field, kind], frame)) = data.split_first_chunk::<4>() else {
        return;
    };
    let link = match LINK_TYPES.get(how as usize) {
        Some(&link) => link,
        None => {
            let protocols = REGISTRY.protocols();
            LinkType::Proto(protocols[how as usize % protocols.len()])
        }
    };
    let p = Packet::dissect(frame, link);
    render_all(&p);
    unedited_rebuild_is_identical(&p, frame, link);
    let mut edited = p.clone();
    if edit(&mut edited, layer, field, kind, frame) {
        render_all(&edited);
        let _ = Packet::dissect(&edited.build(), link);
    }
}

/// Every way the Packet API shows a packet, whole and from each layer up.
fn render_all(p: &Packet) {
    let _ = (p.summary(), p.summary_numeric(), p.show(), p.show2(), p.hexdump());
    let _ = (p.command(), p.json(), p.repr(), p.len());
    for (i, l) in p.layers().iter().enumerate() {
        let proto = l.proto();
        let _ = (p.summary_from(i), p.from_layer(i).build(), l.repr());
        // Scapy's ls(pkt), plain and verbose, with each field's value as `repr` shows it.
        for verbose in [false, true] {
            let _ = ls_with(proto, Some(l), verbose, |f| {
                Some(wirecraft::packet::field_repr(p, i, proto.fields[f].name))
            });
        }
        let mut out = String::new();
        for f in proto.fields {
            sprintf(
                &mut out,
                p,
                i,
                &format!(
                    "%{}.{}% %{}% {{{}:%{}%}}",
                    proto.name, f.name, f.name, proto.name, f.name
                ),
            );
        }
    }
}

/// An unedited dissected packet builds to the bytes it was read from, and those bytes dissect to the same
/// layers holding the same values, each from the wire as before.
fn unedited_rebuild_is_identical(p: &Packet, frame: &[u8], link: LinkType) {
    let built = p.build();
    assert_eq!(built, frame, "an unedited packet rebuilds to its bytes");
    let again = Packet::dissect(&built, link);
    assert_eq!(
        again.layers(),
        p.layers(),
        "the rebuilt bytes dissect to the same layers"
    );
}

/// Sets field `field` of layer `layer` (both taken modulo their counts) to a value of the kind `kind` chooses,
/// drawn from `tail`: a number, bytes, text, the field's own value, or unset. False when there was nothing to
/// set or the value was refused (refusals are errors, which is what they should be).
fn edit(p: &mut Packet, layer: u8, field: u8, kind: u8, tail: &[u8]) -> bool {
    let layers = p.layers_mut();
    if layers.is_empty() {
        return false;
    }
    let n = layers.len();
    let l: &mut Layer = &mut layers[layer as usize % n];
    let fields = l.proto().fields.len();
    if fields == 0 {
        return false;
    }
    let f = field as usize % fields;
    let tail = &tail[tail.len().saturating_sub(16)..];
    let value = match kind % 5 {
        0 => FieldValue::Int(tail.iter().fold(0u64, |n, &b| n.rotate_left(8) ^ u64::from(b))),
        1 => FieldValue::Bytes(tail.to_vec()),
        2 => FieldValue::Str(String::from_utf8_lossy(tail).into_owned().into()),
        3 => l.value_ref(f).into_owned(),
        _ => FieldValue::None,
    };
    l.set_at(f, value).is_ok()
}
