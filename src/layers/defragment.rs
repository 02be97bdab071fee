//! Scapy's `defrag()` and `defragment()` (scapy/layers/inet.py) and `defragment6()` (scapy/layers/inet6.py):
//! fragments put back together, the inverse of [`super::fragment`], with Scapy's outcomes for fragments that
//! overlap, repeat or are missing.
//!
//! IPv4 follows Scapy's `_defrag_logic`: fragments are gathered by `(id, src, dst, proto)` and a datagram is
//! put together when its last fragment (`MF` clear) arrives. Sorted by offset, the fragments must then follow
//! each other exactly — each one's length is what its header says (`len - 4 * ihl`, or the payload's length
//! when the header does not say) — or the whole group is *bad* (an overlap, a duplicate, a hole, a missing
//! first fragment), with Scapy's warning. Fragments whose last one never comes are dropped, as in Scapy. The
//! datagram is the first fragment with `MF` cleared, `len` and `chksum` computed again and the joined payload
//! dissected as the first fragment's payload was.
//!
//! Each result names the input it came from (for a reassembled datagram, its first fragment), so that a
//! caller keeps what it attached to its packets, such as their capture times.

use std::collections::HashMap;

use super::fragment::payload_above;
use super::ip::IP;
use super::ipv6::IPV6;
use super::ipv6_ext::FRAGMENT;
use crate::error::Error;
use crate::packet::{raw, Packet, Proto, RAW};

/// A packet of a result, and the index of the input it came from.
pub type Sourced = (Packet, usize);

/// Scapy's `defrag()`: `(nofrag, defrag, missfrag)`. Packets without IP are left out, as in Scapy.
#[derive(Debug, Default)]
pub struct Defragmented {
    /// The IP packets that were not fragments.
    pub unfragmented: Vec<Sourced>,
    /// The datagrams put back together, in the order their last fragments came.
    pub reassembled: Vec<Sourced>,
    /// The fragments of every group that could not be put together, each group in arrival order.
    pub bad: Vec<Sourced>,
    /// Scapy's warnings, one per bad group.
    pub warnings: Vec<String>,
}

/// Scapy's `defragment()`: the packets in order with each datagram's fragments replaced by the datagram
/// (where its last fragment was), bad groups kept as they came, packets without IP kept.
#[derive(Debug, Default)]
pub struct InPlace {
    pub packets: Vec<Sourced>,
    pub warnings: Vec<String>,
}

/// Scapy's `defrag(plist)`.
///
/// ```
/// use wirecraft::{layers::{defragment::defrag, fragment::fragment}, Layer};
/// let p = Layer::named("IP")?.with("src", "198.18.0.1")?.with("dst", "198.18.0.2")? / Layer::named("UDP")? / "x".repeat(40).as_str();
/// let mut frags = fragment(&p, 16)?;
/// let whole = defrag(&frags)?;
/// assert_eq!(whole.reassembled[0].0.build(), p.build());
/// frags.remove(1);
/// assert_eq!(defrag(&frags)?.bad.len(), 2, "a hole makes the group bad");
/// # Ok::<(), wirecraft::Error>(())
/// ```
pub fn defrag(packets: &[Packet]) -> Result<Defragmented, Error> {
    let mut out = Defragmented::default();
    let mut gather = Gather::default();
    for (i, p) in packets.iter().enumerate() {
        match gather.take(p, i)? {
            Step::NotIp | Step::Held => {}
            Step::Whole => out.unfragmented.push((p.clone(), i)),
            Step::Reassembled(q) => out.reassembled.push(q),
            Step::Bad(group) => out.bad.extend(group),
        }
    }
    out.warnings = gather.warnings;
    Ok(out)
}

/// Scapy's `defragment(plist)`.
pub fn defragment(packets: &[Packet]) -> Result<InPlace, Error> {
    let mut out = InPlace::default();
    let mut gather = Gather::default();
    for (i, p) in packets.iter().enumerate() {
        match gather.take(p, i)? {
            Step::NotIp | Step::Whole => out.packets.push((p.clone(), i)),
            Step::Held => {}
            Step::Reassembled(q) => out.packets.push(q),
            Step::Bad(group) => out.packets.extend(group),
        }
    }
    out.warnings = gather.warnings;
    Ok(out)
}

/// What one packet did to the gathering.
enum Step {
    NotIp,
    /// Not a fragment.
    Whole,
    /// A fragment kept until its group's last one comes.
    Held,
    Reassembled(Sourced),
    Bad(Vec<Sourced>),
}

/// A fragment held: the packet, its input index, and where its payload goes (bytes).
struct Piece {
    packet: Packet,
    index: usize,
    offset: i64,
    len: i64,
}

/// The fields that make fragments one datagram's, as Scapy's `uid`: id, src, dst, proto.
type Uid = (u64, String, String, u64);

/// The groups of fragments waiting for their last one.
#[derive(Default)]
struct Gather {
    groups: HashMap<Uid, Vec<Piece>>,
    warnings: Vec<String>,
}

impl Gather {
    fn take(&mut self, p: &Packet, index: usize) -> Result<Step, Error> {
        let Some(at) = p.index_of(&IP) else {
            return Ok(Step::NotIp);
        };
        let int = |name: &str| p.layers()[at].get_int(name).unwrap_or(0);
        let more = int("flags") & 1 != 0;
        if int("frag") == 0 && !more {
            return Ok(Step::Whole);
        }
        let text = |name: &str| p.value(at, field(&IP, name)).to_string();
        let uid = (
            int("id"),
            text("src"),
            text("dst"),
            p.value(at, field(&IP, "proto")).as_int().unwrap_or(0),
        );
        let ip = &p.layers()[at];
        let told = ip.has_value(field(&IP, "len")) && ip.has_value(field(&IP, "ihl"));
        let len = if told {
            int("len") as i64 - ((int("ihl") as i64) << 2)
        } else {
            payload_above(p, at).len() as i64
        };
        let piece = Piece {
            packet: p.clone(),
            index,
            offset: (int("frag") as i64) << 3,
            len,
        };
        let group = self.groups.entry(uid.clone()).or_default();
        group.push(piece);
        if more {
            return Ok(Step::Held);
        }
        let mut group = self.groups.remove(&uid).unwrap_or_default();
        let mut order: Vec<usize> = (0..group.len()).collect();
        order.sort_by_key(|&i| group[i].offset);
        let mut data = Vec::new();
        let mut next = 0i64;
        for &i in &order {
            let piece = &group[i];
            if piece.offset != next {
                let op = if next > piece.offset { ">" } else { "<" };
                self.warnings.push(format!(
                    "Fragment overlap ({next} {op} {}) on {}",
                    piece.offset,
                    piece.packet.repr()
                ));
                return Ok(Step::Bad(group.drain(..).map(|f| (f.packet, f.index)).collect()));
            }
            next += piece.len;
            let at = piece.packet.index_of(&IP).unwrap_or(0);
            data.extend(payload_above(&piece.packet, at));
        }
        let first = &group[order[0]];
        Ok(Step::Reassembled((datagram(&first.packet, &data)?, first.index)))
    }
}

/// The first fragment made whole: `MF` cleared, `len` and `chksum` computed again, `data` above its IP
/// dissected as the fragment's own payload was (Scapy's `pay_class(data)`).
fn datagram(first: &Packet, data: &[u8]) -> Result<Packet, Error> {
    let at = first.index_of(&IP).unwrap_or(0);
    let payload_proto = first.layers().get(at + 1).map_or(&RAW, |l| l.proto());
    let mut q = first.clone();
    let layers = q.layers_mut();
    layers.truncate(at + 1);
    let ip = &mut layers[at];
    let flags = ip.get_int("flags").unwrap_or(0);
    ip.set("flags", flags & !1)?;
    ip.unset("len")?;
    ip.unset("chksum")?;
    q.push(raw(data));
    let whole = redissected(&q, at);
    if whole.layers().get(at + 1).map(|l| l.proto()) == Some(payload_proto) {
        return Ok(whole);
    }
    let mut layers = whole.layers()[..=at].to_vec();
    layers.extend(Packet::dissect_as(payload_proto, data).layers().iter().cloned());
    Ok(Packet::new(layers))
}

/// The packet built and dissected again from layer `from` up (the layers below kept as they are), as Scapy's
/// `IPv6(raw(q))`: an unedited packet whose bytes are what was built.
fn redissected(q: &Packet, from: usize) -> Packet {
    let top = Packet::dissect_as(q.layers()[from].proto(), &q.from_layer(from).build());
    if from == 0 {
        return top;
    }
    let mut layers = q.layers()[..from].to_vec();
    layers.extend(top.layers().iter().cloned());
    Packet::new(layers)
}

/// A field's index in a protocol this file knows to have it.
fn field(proto: &'static Proto, name: &str) -> usize {
    proto
        .field_index(name)
        .unwrap_or_else(|| unreachable!("{} has a {name} field", proto.name))
}

/// What [`defragment6`] made: the datagram (none without fragments) and Scapy's warnings.
#[derive(Debug, Default)]
pub struct Defragmented6 {
    /// The datagram, and the input index of the fragment it was made from.
    pub packet: Option<Sourced>,
    pub warnings: Vec<String>,
}

/// Scapy's `defragment6(packets)`: the IPv6 fragments of the first fragment's `id` put together, the others
/// dropped (with Scapy's warning). Fragments are taken in offset order; a hole is filled with `X` bytes, with
/// Scapy's warning, and each fragment contributes what its `plen` says (less the 8-byte fragment header). The
/// datagram is the first fragment's unfragmentable part — the fragment header removed, its next header given
/// to the header below — with the joined data, dissected again.
///
/// ```
/// use wirecraft::{layers::{defragment::defragment6, fragment::fragment6}, Layer};
/// let p = Layer::named("IPv6")?.with("src", "fd00::1")?.with("dst", "fd00::2")? / Layer::named("UDP")? / "x".repeat(100).as_str();
/// let frags = fragment6(&p, 80)?.packets;
/// let whole = defragment6(&frags)?.packet.expect("fragments given");
/// assert_eq!(whole.0.build(), p.build());
/// # Ok::<(), wirecraft::Error>(())
/// ```
pub fn defragment6(packets: &[Packet]) -> Result<Defragmented6, Error> {
    let mut out = Defragmented6::default();
    let fragments: Vec<(usize, &Packet, usize)> = packets
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((i, p, p.index_of(&FRAGMENT)?)))
        .collect();
    let header_int = |p: &Packet, at: usize, name: &str| p.value(at, field(&FRAGMENT, name)).as_int().unwrap_or(0);
    let Some(&(_, p0, f0)) = fragments.first() else {
        return Ok(out);
    };
    let id = header_int(p0, f0, "id");
    let mut same: Vec<_> = fragments
        .iter()
        .copied()
        .filter(|&(_, p, f)| header_int(p, f, "id") == id)
        .collect();
    if same.len() != fragments.len() {
        out.warnings
            .push("defragment6: some fragmented packets have been removed from list".into());
    }
    same.sort_by_key(|&(_, p, f)| header_int(p, f, "offset"));
    let mut fragmentable = Vec::new();
    for &(_, p, f) in &same {
        let offset = 8 * header_int(p, f, "offset") as usize;
        if offset != fragmentable.len() {
            out.warnings.push(format!(
                "Expected an offset of {}. Found {offset}. Padding with XXXX",
                fragmentable.len()
            ));
        }
        fragmentable.resize(offset.max(fragmentable.len()), b'X');
        let data = payload_above(p, f);
        // Python's `data[:plen - 8]`: a negative end counts from the end.
        let end = match p
            .index_of(&IPV6)
            .filter(|&v6| p.layers()[v6].has_value(field(&IPV6, "plen")))
        {
            Some(v6) => {
                let told = p.value(v6, field(&IPV6, "plen")).as_int().unwrap_or(0) as i64 - 8;
                let end = if told < 0 { data.len() as i64 + told } else { told };
                end.clamp(0, data.len() as i64) as usize
            }
            None => data.len(),
        };
        fragmentable.extend_from_slice(&data[..end]);
    }
    let (index, first, f) = same[0];
    let nh = first.value(f, field(&FRAGMENT, "nh"));
    let mut q = first.clone();
    let layers = q.layers_mut();
    layers.truncate(f);
    if let Some(under) = layers.last_mut() {
        under.set("nh", nh)?;
    }
    if let Some(v6) = layers.iter_mut().find(|l| l.proto() == &IPV6) {
        v6.unset("plen")?;
    }
    q.push(raw(&fragmentable));
    let v6 = q.index_of(&IPV6).unwrap_or(0);
    out.packet = Some((redissected(&q, v6), index));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::fragment::{fragment, fragment6};
    use crate::packet::Layer;

    fn udp4(size: usize) -> Result<Packet, Error> {
        let ip = Layer::named("IP")?
            .with("src", "198.18.0.1")?
            .with("dst", "198.18.0.2")?
            .with("id", 7)?;
        Ok(ip / Layer::named("UDP")?.with("dport", 9)? / "y".repeat(size).as_str())
    }

    /// Cut and put back, at every size from a single byte of payload to several fragments of each size. (The
    /// payload above IP is a `Raw`, as in Scapy: the fragments `fragment` makes carry `Raw` payloads.)
    #[test]
    fn defragment_undoes_fragment_for_many_sizes() -> Result<(), Error> {
        for size in [0, 1, 7, 8, 9, 15, 16, 17, 100, 1000, 1472, 1473, 4000] {
            let p = udp4(size)?;
            for fragsize in [8, 16, 24, 100, 1480] {
                let frags = fragment(&p, fragsize)?;
                let back = defragment(&frags)?;
                assert!(back.warnings.is_empty(), "{size}/{fragsize}: {:?}", back.warnings);
                assert_eq!(back.packets.len(), 1, "{size}/{fragsize}");
                assert_eq!(back.packets[0].0.build(), p.build(), "{size}/{fragsize}");
            }
        }
        Ok(())
    }

    #[test]
    fn fragments_in_any_order_come_together_when_the_last_arrives() -> Result<(), Error> {
        let p = udp4(100)?;
        let mut frags = fragment(&p, 24)?;
        let last = frags.pop().expect("fragments");
        frags.reverse();
        frags.push(last);
        let out = defrag(&frags)?;
        assert_eq!(out.reassembled.len(), 1);
        assert_eq!(out.reassembled[0].0.build(), p.build());
        assert_eq!(out.reassembled[0].1, frags.len() - 2, "named after the first fragment");
        Ok(())
    }

    #[test]
    fn a_duplicate_makes_the_group_bad_and_a_missing_last_fragment_drops_it() -> Result<(), Error> {
        let mut frags = fragment(&udp4(60)?, 16)?;
        frags.insert(1, frags[0].clone());
        let out = defrag(&frags)?;
        assert_eq!(out.bad.len(), frags.len());
        assert!(
            out.warnings[0].starts_with("Fragment overlap (16 > 0) on <IP "),
            "{:?}",
            out.warnings
        );
        frags.remove(0);
        frags.pop();
        assert_eq!(defragment(&frags)?.packets.len(), 0, "held, never completed");
        Ok(())
    }

    #[test]
    fn defragment6_undoes_fragment6_and_pads_a_hole() -> Result<(), Error> {
        let ip = Layer::named("IPv6")?.with("src", "fd00::1")?.with("dst", "fd00::2")?;
        let p = ip / Layer::named("UDP")? / "z".repeat(300).as_str();
        let mut frags = fragment6(&p, 100)?.packets;
        frags.reverse();
        let back = defragment6(&frags)?;
        assert!(back.warnings.is_empty(), "{:?}", back.warnings);
        assert_eq!(back.packet.expect("fragments").0.build(), p.build());
        frags.remove(1);
        let holed = defragment6(&frags)?;
        assert_eq!(holed.warnings.len(), 1, "{:?}", holed.warnings);
        assert!(holed.warnings[0].ends_with("Padding with XXXX"));
        assert!(defragment6(&[udp4(3)?])?.packet.is_none());
        Ok(())
    }
}
