//! What sends take, made ready to leave: a crafted or edited packet is built (its unset `Ether` addresses
//! filled first, at layer 2); a dissected packet that was not edited, and a capture's stored frames, go out
//! as their stored bytes — no rebuild, and a stored list is not even dissected. A stored list some of whose
//! elements were edited sends those built, the rest as stored.

use std::net::IpAddr;
use std::sync::atomic::AtomicBool;

use super::conf::Conf;
use super::error::{Error, Result};
use super::neigh;
use crate::pcapio::PacketList;
use crate::{FieldValue, Layer, Packet};

/// One item of what a send takes.
#[derive(Clone, Debug)]
pub enum Outgoing<'a> {
    /// A packet: built (every packet of a set), or, dissected and unedited, its stored bytes.
    Packet(Packet),
    /// A capture's frames, sent as stored, one after the other.
    Stored(&'a PacketList),
    /// A capture's frames with some replaced: at each position given (in increasing order, each below the
    /// list's length) the packet is sent instead of the stored frame (built, if it was edited).
    Edited(&'a PacketList, Vec<(usize, Packet)>),
}

/// Frames ready to send: built here, or borrowed from a stored list.
pub(crate) enum Ready<'a> {
    Built(Vec<Vec<u8>>),
    Stored(&'a PacketList),
    /// A stored list with the frames of its replaced positions built, in position order.
    Edited(&'a PacketList, Vec<(usize, Vec<Vec<u8>>)>),
}

impl Ready<'_> {
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Ready::Built(frames) => frames.is_empty(),
            Ready::Stored(list) | Ready::Edited(list, _) => list.is_empty(),
        }
    }

    /// Calls `step` on each frame in order while it returns true; false once it returned false.
    pub(crate) fn each(&self, step: &mut impl FnMut(&[u8]) -> Result<bool>) -> Result<bool> {
        match self {
            Ready::Built(frames) => return each_built(frames, step),
            Ready::Stored(list) => {
                for f in list.iter() {
                    if !step(f.data)? {
                        return Ok(false);
                    }
                }
            }
            // Its own loop, so that the stored one stays a straight loop over the frames.
            Ready::Edited(list, replaced) => {
                let mut replaced = replaced.iter().peekable();
                for (i, f) in list.iter().enumerate() {
                    let sent = match replaced.next_if(|(at, _)| *at == i) {
                        Some((_, built)) => each_built(built, step)?,
                        None => step(f.data)?,
                    };
                    if !sent {
                        return Ok(false);
                    }
                }
            }
        }
        Ok(true)
    }
}

/// [`Ready::each`] over built frames.
fn each_built(frames: &[Vec<u8>], step: &mut impl FnMut(&[u8]) -> Result<bool>) -> Result<bool> {
    for f in frames {
        if !step(f)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The items made ready; `fill` fills unset `Ether` addresses of the packets (layer 2).
pub(crate) fn ready<'a>(
    items: &[Outgoing<'a>],
    fill: Option<&EtherFill<'_>>,
    stop: &AtomicBool,
) -> Result<Vec<Ready<'a>>> {
    let mut out = Vec::new();
    for item in items {
        match item {
            Outgoing::Stored(list) => out.push(Ready::Stored(list)),
            Outgoing::Edited(list, replaced) => {
                let mut frames = Vec::with_capacity(replaced.len());
                for (at, p) in replaced {
                    frames.push((*at, built(std::slice::from_ref(p), fill, stop)?));
                }
                out.push(Ready::Edited(list, frames));
            }
            Outgoing::Packet(p) => {
                let frames = built(std::slice::from_ref(p), fill, stop)?;
                match out.last_mut() {
                    Some(Ready::Built(before)) => before.extend(frames),
                    _ => out.push(Ready::Built(frames)),
                }
            }
        }
    }
    Ok(out)
}

/// Every frame of the packets, `Ether` filled first when `fill` is given.
pub(crate) fn built(pkts: &[Packet], fill: Option<&EtherFill<'_>>, stop: &AtomicBool) -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::with_capacity(pkts.len());
    for p in pkts {
        match fill {
            Some(fill) if p.wire().is_none() => out.extend(frames_of(&fill.fill(p, stop)?)),
            _ => out.extend(frames_of(p)),
        }
    }
    Ok(out)
}

/// A packet's frames: its stored bytes while it is unedited, else every packet of the set built.
fn frames_of(p: &Packet) -> Vec<Vec<u8>> {
    match p.wire() {
        Some(stored) => vec![stored.to_vec()],
        None => p.iter().map(|q| q.build()).collect(),
    }
}

/// The first packet of the items, to choose an interface by its destination (a stored list's first frame is
/// dissected for it).
pub(crate) fn first_packet(items: &[Outgoing<'_>]) -> Option<Packet> {
    items.iter().find_map(|item| match item {
        Outgoing::Packet(p) => Some(p.clone()),
        Outgoing::Stored(list) => list.get(0).map(|f| f.packet()),
        Outgoing::Edited(list, replaced) => match replaced.first() {
            Some((0, p)) => Some(p.clone()),
            _ => list.get(0).map(|f| f.packet()),
        },
    })
}

/// The destination of the packet's first IP or IPv6 layer.
pub(crate) fn l3_dst(p: &Packet) -> Option<IpAddr> {
    p.layers().iter().find_map(|l| match (l.name(), l.get("dst")) {
        ("IP", Some(FieldValue::Ip4(a))) => Some(IpAddr::V4(a)),
        ("IPv6", Some(FieldValue::Ip6(a))) => Some(IpAddr::V6(a)),
        _ => None,
    })
}

/// Fills an `Ether` layer's unset source (the interface's MAC) and destination (the next hop's MAC, from
/// neighbour resolution) for frames sent on `iface`.
pub(crate) struct EtherFill<'c> {
    pub(crate) conf: &'c Conf,
    pub(crate) iface: &'c str,
    pub(crate) broadcast_fallback: bool,
}

impl EtherFill<'_> {
    /// The packet with its `Ether` addresses filled; a dissected packet is left as it is.
    pub(crate) fn fill(&self, p: &Packet, stop: &AtomicBool) -> Result<Packet> {
        let mut p = p.clone();
        if p.wire().is_some() || p.layers().first().is_none_or(|l| l.name() != "Ether") {
            return Ok(p);
        }
        let (src_set, dst_set) = (p.layers()[0].is_set("src"), p.layers()[0].is_set("dst"));
        let dst_mac = match (dst_set, l3_dst(&p)) {
            (false, Some(dst)) => {
                let hop = self.conf.route_to(dst).map_or(dst, |h| h.next_hop(dst));
                Some(neigh::resolve(
                    self.conf,
                    self.iface,
                    hop,
                    self.broadcast_fallback,
                    stop,
                )?)
            }
            _ => None,
        };
        let mac = self.conf.iface_named(self.iface)?.mac;
        let l = &mut p.layers_mut()[0];
        let set = |l: &mut Layer, f: &str, m: [u8; 6]| {
            l.set(f, FieldValue::Mac(m))
                .map(|_| ())
                .map_err(|e| Error::Unsendable(e.to_string()))
        };
        if let (false, Some(m)) = (src_set, mac) {
            set(l, "src", m)?;
        }
        if let Some(m) = dst_mac {
            set(l, "dst", m)?;
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edited_list_sends_its_replacements_in_place_and_stops_when_told() {
        let mut list = PacketList::new("t");
        for b in [1u8, 2, 3] {
            list.push(crate::pcapio::Frame {
                data: &[b],
                ts: Default::default(),
                wirelen: 1,
                link: crate::LinkType::RawIp,
                interface: 0,
            });
        }
        let ready = Ready::Edited(&list, vec![(1, vec![vec![20], vec![21]])]);
        let mut sent = Vec::new();
        assert!(ready
            .each(&mut |f| {
                sent.push(f.to_vec());
                Ok(true)
            })
            .unwrap());
        assert_eq!(sent, [vec![1], vec![20], vec![21], vec![3]]);
        let mut n = 0;
        assert!(!ready
            .each(&mut |_| {
                n += 1;
                Ok(n < 2)
            })
            .unwrap());
        assert_eq!(n, 2);
    }
}
