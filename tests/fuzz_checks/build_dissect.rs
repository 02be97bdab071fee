//! Build, then dissect, for every protocol of the registry: each field a user sets freely gets a value drawn
//! from the input, the layer is built on its own, and its dissection must read every value back, as Scapy's
//! `Proto(raw(Proto(**values)))` does. Fields that are automatic, computed or sizes of others are left to the
//! builder (`Field::reads_back`). A value may make the bytes another class's, as Scapy's dispatch hooks decide
//! (Ether with a length for a type is Dot3): then the protocol must have a dispatch hook, and the unedited
//! dissection must still rebuild to the same bytes.
//!
//! Input: byte 0 chooses the protocol; then, field by field, a byte says whether to set it and the next bytes
//! give its value (as many as its width takes).

use wirecraft::layers::REGISTRY;
use wirecraft::packet::{Field, Kind, Len};
use wirecraft::{FieldValue, Layer, Packet};

/// One input, as the fuzz target and the regression tests run it.
pub fn check(data: &[u8]) {
    let Some((&which, mut input)) = data.split_first() else {
        return;
    };
    let protocols = REGISTRY.protocols();
    let proto = protocols[which as usize % protocols.len()];
    let mut layer = Layer::new(proto);
    let mut set = Vec::new();
    for field in proto.fields {
        let Some((&pick, rest)) = input.split_first() else {
            break;
        };
        input = rest;
        if pick & 1 == 0 || !field.reads_back() {
            continue;
        }
        let Some((value, rest)) = draw(field, input) else {
            continue;
        };
        input = rest;
        layer
            .set(field.name, value.clone())
            .expect("a value of the field's own kind is accepted");
        set.push((field.name, value));
    }
    let bytes = Packet::from(layer).build();
    let q = Packet::dissect_as(proto, &bytes);
    let first = &q.layers()[0];
    if first.proto() == proto {
        for (name, v) in &set {
            assert_eq!(
                first.get(name).as_ref(),
                Some(v),
                "{}.{name} read back from {bytes:02x?}",
                proto.name
            );
        }
    } else {
        assert!(
            proto.dispatch.is_some(),
            "{} dissected as {}: {bytes:02x?}",
            proto.name,
            first.name()
        );
    }
    assert_eq!(
        q.build(),
        bytes,
        "{}: the unedited dissection rebuilds to its bytes",
        proto.name
    );
}

/// A value for `field` from the first bytes of `input`, and the bytes left: a number of the field's width,
/// an address, or bytes of a fixed length; `None` for other kinds or when the input is short.
fn draw<'a>(field: &Field, input: &'a [u8]) -> Option<(FieldValue, &'a [u8])> {
    let take = |n: usize| (input.len() >= n).then(|| input.split_at(n));
    match field.kind {
        Kind::Mac => take(6).map(|(b, rest)| (FieldValue::Mac(b.try_into().unwrap()), rest)),
        Kind::Ip4 => take(4).map(|(b, rest)| (FieldValue::Ip4(<[u8; 4]>::try_from(b).unwrap().into()), rest)),
        Kind::Ip6 => take(16).map(|(b, rest)| (FieldValue::Ip6(<[u8; 16]>::try_from(b).unwrap().into()), rest)),
        Kind::Bytes(Len::Fixed(n)) => take(n).map(|(b, rest)| (FieldValue::Bytes(b.to_vec()), rest)),
        _ => {
            let bits = u32::from(field.int_width()?);
            let (b, rest) = take(bits.div_ceil(8) as usize)?;
            let n = b.iter().fold(0u64, |n, &x| n << 8 | u64::from(x));
            Some((FieldValue::Int(n & (u64::MAX >> (64 - bits))), rest))
        }
    }
}
