//! Records as layers, as in Scapy 2.8: the records of packet-list fields (DNS questions and answers, IP and IPv6
//! options, EDNS0 options) are found where Scapy's `getlayer` finds them — a layer, then the records of its
//! packet-list fields depth first, then the layer above — and are addressed in place, so that `p[DNSQR].qname`
//! reads the packet's record and `p[DNSRR].ttl = 0` edits it.

use super::registry::installed;
use super::{FieldValue, Kind, Layer, Packet, Proto};

/// Where a record lies in a packet: in layer `layer`, then at each step a packet-list field and the index of a
/// record in it. A step after the first goes into that record's own lists (an EDNS0 option of an OPT record).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordPath {
    pub layer: usize,
    pub steps: Vec<(usize, usize)>,
}

impl RecordPath {
    /// The path of record `index` of list field `field`, inside the record (or layer, when `steps` is empty)
    /// this path names.
    pub fn child(&self, field: usize, index: usize) -> RecordPath {
        let mut steps = self.steps.clone();
        steps.push((field, index));
        RecordPath {
            layer: self.layer,
            steps,
        }
    }
}

/// What [`Packet::find`] looks for.
#[derive(Clone, Copy)]
pub enum Target {
    /// A layer or record of this protocol.
    Proto(&'static Proto),
    /// Any layer or record: Scapy's `p[2]` counts both.
    Any,
}

impl Target {
    fn matches(self, layer: &Layer) -> bool {
        match self {
            Target::Proto(p) => layer.proto() == p,
            Target::Any => true,
        }
    }
}

/// A target and the filter a layer or record must pass as well.
#[derive(Clone, Copy)]
struct Wanted<'a> {
    target: Target,
    keep: &'a dyn Fn(&Layer) -> bool,
}

impl Wanted<'_> {
    fn matches(self, layer: &Layer) -> bool {
        self.target.matches(layer) && (self.keep)(layer)
    }
}

/// What [`Packet::find`] found: a layer of the packet, or a record inside one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    Layer(usize),
    Record(RecordPath),
}

impl Packet {
    /// Scapy's `getlayer(cls, nb, **flt)`: the `nb`-th (from 1) layer or record from layer `start` up that is
    /// the target and that `keep` accepts (Scapy's field filter), in Scapy's order (each layer, then its records
    /// depth first, then the layer above). `nb` 0 finds nothing. Records are not decoded to look for a protocol
    /// that is only ever a layer (`TCP in p`).
    pub fn find(&self, start: usize, nb: usize, target: Target, keep: &dyn Fn(&Layer) -> bool) -> Option<Found> {
        if nb == 0 {
            return None;
        }
        // Worked out only when a layer with records comes before the target.
        let mut in_records = None;
        let mut look_in_records = || {
            *in_records.get_or_insert_with(|| match target {
                Target::Proto(p) => !installed().stacks(p),
                Target::Any => true,
            })
        };
        let mut left = nb;
        let target = Wanted { target, keep };
        for (i, layer) in self.layers().iter().enumerate().skip(start) {
            if target.matches(layer) {
                left -= 1;
                if left == 0 {
                    return Some(Found::Layer(i));
                }
            }
            let mut steps = Vec::new();
            if has_records(layer) && look_in_records() && find_in_records(layer, target, &mut left, &mut steps) {
                return Some(Found::Record(RecordPath { layer: i, steps }));
            }
        }
        None
    }

    /// A copy of the record at `path`, or `None` when the packet has no record there.
    pub fn record(&self, path: &RecordPath) -> Option<Layer> {
        descend(self.layers().get(path.layer)?, &path.steps)
    }

    /// The record at `path`, to edit in place. Counts as an edit of the packet: its automatic fields (the
    /// record counts, the lengths, the checksums) are computed afresh at the next build.
    pub fn record_mut(&mut self, path: &RecordPath) -> Option<&mut Layer> {
        let mut layer = self.layers_mut().get_mut(path.layer)?;
        for &(field, index) in &path.steps {
            layer = layer.records_mut(field)?.get_mut(index)?;
        }
        Some(layer)
    }
}

impl Layer {
    /// The records of packet-list field `f`, to edit in place: the list becomes the user's, with the records
    /// it held (each keeping its own fields' origins). `None` when `f` is not a packet-list field.
    pub fn records_mut(&mut self, f: usize) -> Option<&mut Vec<Layer>> {
        if !matches!(self.proto().fields.get(f)?.kind, Kind::Records(_)) {
            return None;
        }
        let current = self.value_at(f);
        self.put_user(f, current);
        match self.user_value_mut(f) {
            Some(FieldValue::Layers(records)) => Some(records),
            _ => None,
        }
    }
}

/// Whether the layer's protocol has packet-list fields at all.
fn has_records(layer: &Layer) -> bool {
    layer.proto().fields.iter().any(|f| matches!(f.kind, Kind::Records(_)))
}

/// Counts the records of `layer`'s packet-list fields that are the target, depth first, down from `left`; true when the
/// `left`-th is found, `steps` then leading to it.
fn find_in_records(layer: &Layer, target: Wanted<'_>, left: &mut usize, steps: &mut Vec<(usize, usize)>) -> bool {
    for (f, field) in layer.proto().fields.iter().enumerate() {
        if !matches!(field.kind, Kind::Records(_)) || !layer.has_value(f) {
            continue;
        }
        let value = layer.value_ref(f);
        let FieldValue::Layers(records) = &*value else { continue };
        for (k, record) in records.iter().enumerate() {
            steps.push((f, k));
            if target.matches(record) {
                *left -= 1;
                if *left == 0 {
                    return true;
                }
            }
            if find_in_records(record, target, left, steps) {
                return true;
            }
            steps.pop();
        }
    }
    false
}

fn descend(layer: &Layer, steps: &[(usize, usize)]) -> Option<Layer> {
    let Some((&(field, index), rest)) = steps.split_first() else {
        return Some(layer.clone());
    };
    match &*layer.value_ref(field) {
        FieldValue::Layers(records) => descend(records.get(index)?, rest),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LinkType;

    fn dns_packet() -> Packet {
        let qd = Layer::named("DNSQR").unwrap().with("qname", "a.example.").unwrap();
        let an = ["DNSRR", "DNSRRMX", "DNSRR"]
            .iter()
            .map(|c| Layer::named(c).unwrap().with("rrname", "a.example.").unwrap())
            .collect();
        let dns = Layer::named("DNS")
            .unwrap()
            .with("qd", FieldValue::Layers(vec![qd]))
            .unwrap()
            .with("an", FieldValue::Layers(an))
            .unwrap();
        Layer::named("IP").unwrap() / Layer::named("UDP").unwrap() / dns
    }

    fn field(p: &Packet, name: &str) -> usize {
        p.layers()[2].field_index(name).unwrap()
    }

    fn named(name: &str) -> Target {
        Target::Proto(Proto::by_name(name).unwrap())
    }

    #[test]
    fn records_are_found_after_their_layer_in_scapys_order() {
        let p = dns_packet();
        assert_eq!(p.find(0, 1, named("DNS"), &|_| true), Some(Found::Layer(2)));
        let (qd, an) = (field(&p, "qd"), field(&p, "an"));
        let rr = |k| {
            Some(Found::Record(RecordPath {
                layer: 2,
                steps: vec![(an, k)],
            }))
        };
        assert_eq!(p.find(0, 1, named("DNSRR"), &|_| true), rr(0));
        assert_eq!(
            p.find(0, 2, named("DNSRR"), &|_| true),
            rr(2),
            "a DNSRRMX is not a DNSRR"
        );
        assert_eq!(p.find(0, 3, named("DNSRR"), &|_| true), None);
        assert_eq!(p.find(0, 0, named("DNSRR"), &|_| true), None);
        // Every layer and record counts for an index, as Scapy's `p[4]`.
        assert_eq!(
            p.find(0, 4, Target::Any, &|_| true),
            Some(Found::Record(RecordPath {
                layer: 2,
                steps: vec![(qd, 0)]
            }))
        );
        assert_eq!(
            p.find(3, 1, named("DNSRR"), &|_| true),
            None,
            "nothing above the DNS layer"
        );
    }

    #[test]
    fn a_record_edited_in_place_is_built_with_fresh_counts() {
        let p = dns_packet();
        let mut read = Packet::dissect(&p.build(), LinkType::RawIp);
        let an = field(&read, "an");
        let Some(Found::Record(path)) = read.find(0, 2, named("DNSRR"), &|_| true) else {
            panic!("the second DNSRR")
        };
        assert_eq!(
            read.record(&path).unwrap().get("rrname"),
            Some(FieldValue::Bytes(b"a.example.".to_vec()))
        );
        read.record_mut(&path).unwrap().set("rdata", "198.18.0.7").unwrap();
        let again = Packet::dissect(&read.build(), LinkType::RawIp);
        let rdata = again.record(&path).unwrap().get("rdata").unwrap();
        assert_eq!(rdata, FieldValue::Ip4([198, 18, 0, 7].into()));
        assert_eq!(again.get("DNS", "ancount"), Some(FieldValue::Int(3)));
        assert_eq!(
            again.record(&path.child(0, 0)),
            None,
            "a DNSRR has no records of its own"
        );
        assert_eq!(
            read.record_mut(&RecordPath {
                layer: 2,
                steps: vec![(an, 9)]
            })
            .map(|_| ()),
            None
        );
    }
}
