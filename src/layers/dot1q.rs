//! IEEE 802.1Q VLAN tags, Scapy's `Dot1Q`, and the 802.1ad service tag of QinQ, Scapy's `Dot1AD` (same fields,
//! EtherType 0x88a8).

use super::dot3::LLC;
use super::well_known::ETHER_TYPES;
use crate::packet::{answers_at, int, layer_of, sprintf, DeprecatedField, Field, Layer, MatchRules, Packet, Proto};

static FIELDS: &[Field] = &[
    Field::bits("prio", 3, 0).doc("priority code point"),
    Field::bits("dei", 1, 0).doc("drop eligible indicator"),
    Field::bits("vlan", 12, 1).doc("VLAN identifier"),
    Field::u16("type", 0)
        .hex_names(ETHER_TYPES)
        .doc("EtherType of the payload (a length up to 1500); set from the layer above"),
];

/// Scapy 2.5.0 renamed `id` (canonical format indicator) to `dei`, and still accepts `id`.
static RENAMED: &[DeprecatedField] = &[DeprecatedField {
    old: "id",
    new: "dei",
    since: "2.5.0",
}];

/// `Dot1Q`.
pub static DOT1Q: Proto = tag("Dot1Q", "802.1Q");

/// `Dot1AD`: the outer (service) tag of QinQ.
pub static DOT1AD: Proto = tag("Dot1AD", "802_1AD");

const fn tag(name: &'static str, long_name: &'static str) -> Proto {
    Proto {
        name,
        long_name,
        fields: FIELDS,
        summary: Some(summary),
        payload_len: Some(payload_len),
        guess_payload: Some(guess_payload),
        answers: Some(answers),
        deprecated_fields: RENAMED,
        ..Proto::BASE
    }
}

/// Scapy's `Dot1Q.answers`: a tagged request is answered on the same VLAN; an untagged one by what the tag
/// carries.
fn answers(r: &Packet, i: usize, q: &Packet, j: usize, rules: MatchRules) -> bool {
    if layer_of(q, j, &[&DOT1Q, &DOT1AD]).is_none() {
        return answers_at(r, i + 1, q, j, rules);
    }
    int(r, i, "type") == int(q, j, "type")
        && int(r, i, "vlan") == int(q, j, "vlan")
        && answers_at(r, i + 1, q, j + 1, rules)
}

/// A type up to 1500 is an 802.3 length: the payload is that long, the rest is padding.
fn payload_len(l: &Layer, payload: &[u8]) -> usize {
    match l.get_int("type") {
        Some(n) if n <= 1500 => n as usize,
        _ => payload.len(),
    }
}

/// A length instead of a type means LLC follows (Scapy's `default_payload_class`).
fn guess_payload(l: &Layer, _payload: &[u8]) -> Option<&'static Proto> {
    l.get_int("type").is_some_and(|n| n <= 1500).then_some(&LLC)
}

/// Scapy names the Ethernet addresses when the tag sits right on Ethernet.
fn summary(p: &Packet, i: usize, out: &mut String) {
    let template = match i.checked_sub(1).map(|u| p.layers()[u].name()) {
        Some("Ether") => "802.1q %Ether.src% > %Ether.dst% (%type%) vlan %vlan%",
        _ => "802.1q (%type%) vlan %vlan%",
    };
    sprintf(out, p, i, template);
}
