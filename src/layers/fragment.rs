//! Scapy's `fragment()` (scapy/layers/inet.py) and `fragment6()` (scapy/layers/inet6.py): IPv4 and IPv6
//! datagrams cut into fragments, with Scapy's bytes.
//!
//! As in Scapy, every IPv4 fragment is a copy of the packet up to its IP layer — the layers below, and every IP
//! option, the options without the copy flag included — with a `Raw` of its slice of the IP payload above:
//! `frag` advanced by the slice's offset in 8-byte units, `MF` added to `flags` on all but the last, `len` and
//! `chksum` computed again. `proto` stays what the payload implied. IPv6 fragments are described at
//! [`fragment6`].

use super::ip::IP;
use super::ipv6::IPV6;
use super::ipv6_ext::FRAGMENT;
use crate::error::Error;
use crate::packet::{raw, FieldValue, Layer, Packet};

/// The smallest fragment size Scapy accepts: one 8-byte unit.
pub const MIN_FRAGSIZE: usize = 8;

/// Scapy's `fragment(pkt, fragsize)`: each packet of `p` (a packet set gives each of its packets) cut at its
/// first IP layer into fragments of at most `fragsize` payload bytes. Inner fragments carry `fragsize`
/// rounded down to a multiple of 8, the last one up to `fragsize` itself; a size below 8 counts as 8. A
/// datagram with no payload gives no fragment, as in Scapy.
///
/// ```
/// use wirecraft::{layers::fragment::fragment, Layer};
/// let p = Layer::named("IP")?.with("src", "198.18.0.1")?.with("dst", "198.18.0.2")? / Layer::named("UDP")? / "x".repeat(20).as_str();
/// let frags = fragment(&p, 16)?;
/// assert_eq!(frags.len(), 2);
/// assert_eq!(frags[0].get("IP", "flags"), Some(1.into()), "MF on all but the last");
/// assert_eq!(frags[1].get("IP", "frag"), Some(2.into()), "offset 16 in 8-byte units");
/// assert_eq!(frags[1].get("IP", "proto"), Some(17.into()), "the payload's protocol stays");
/// # Ok::<(), wirecraft::Error>(())
/// ```
pub fn fragment(p: &Packet, fragsize: usize) -> Result<Vec<Packet>, Error> {
    let last_size = fragsize.max(MIN_FRAGSIZE);
    let inner_size = last_size - last_size % 8;
    let mut out = Vec::new();
    for datagram in p.iter() {
        let at = datagram.index_of(&IP).ok_or_else(|| Error::NoLayer(IP.name.into()))?;
        let payload = payload_above(&datagram, at);
        // Scapy's count, `(len - last + inner - 1) // inner + 1`, with Python's floor division: no payload
        // gives no fragment.
        let count =
            (payload.len() as i128 - last_size as i128 + inner_size as i128 - 1).div_euclid(inner_size as i128) + 1;
        for i in 0..count.max(0) as usize {
            let is_last = i + 1 == count as usize;
            let start = (i * inner_size).min(payload.len());
            let end = if is_last { start + last_size } else { start + inner_size }.min(payload.len());
            out.push(one_fragment(
                &datagram,
                at,
                i * inner_size / 8,
                is_last,
                &payload[start..end],
            )?);
        }
    }
    Ok(out)
}

/// The bytes above the layer at `at` (an IP or a fragment header), built under it (so that a transport checksum covers its addresses).
pub(super) fn payload_above(datagram: &Packet, at: usize) -> Vec<u8> {
    let from_ip = datagram.from_layer(at).build();
    let header = Packet::from(datagram.layers()[at].clone()).build().len();
    from_ip.get(header..).unwrap_or_default().to_vec()
}

/// The fragment of `datagram` carrying `load` at `offset` 8-byte units past the datagram's own offset.
fn one_fragment(datagram: &Packet, at: usize, offset: usize, is_last: bool, load: &[u8]) -> Result<Packet, Error> {
    let implied_proto = {
        let proto = IP.field_index("proto").expect("IP has a proto field");
        let ip = &datagram.layers()[at];
        (!ip.has_value(proto)).then(|| datagram.overload(at, proto)).flatten()
    };
    let mut q = datagram.clone();
    let layers = q.layers_mut();
    layers.truncate(at + 1);
    let ip = &mut layers[at];
    ip.unset("chksum")?;
    ip.unset("len")?;
    if !is_last {
        let flags = ip.get_int("flags").unwrap_or(0);
        ip.set("flags", flags | 1)?;
    }
    let frag = ip.get_int("frag").unwrap_or(0);
    ip.set("frag", FieldValue::Int(frag + offset as u64))?;
    if let Some(v) = implied_proto {
        ip.set("proto", v)?;
    }
    q.push(raw(load));
    Ok(q)
}

/// What [`fragment6`] made, and the warning Scapy prints when it could not fragment.
#[derive(Debug)]
pub struct Fragments6 {
    pub packets: Vec<Packet>,
    pub warning: Option<String>,
}

/// Scapy's `fragment6(pkt, fragSize)`: the packet cut into IPv6 fragments of at most `frag_size` bytes each,
/// whole frames. Without an `IPv6ExtHdrFragment` one is added after the first IPv6 header, taking over its
/// next header. Each fragment is the unfragmentable part (the layers below the fragment header, IPv6's `plen`
/// computed again), the fragment header (`offset` in 8-byte units, `m` on all but the last, the header's `id`,
/// random when unset, the same in all) and a `Raw` of its slice of what followed, transport checksum
/// included. As in Scapy, a packet without IPv6, or no longer than `frag_size`, is given back whole (with the
/// header added), and so is one too big to fragment at that size, with a warning.
///
/// ```
/// use wirecraft::{layers::fragment::fragment6, Layer};
/// let p = Layer::named("IPv6")?.with("src", "fd00::1")?.with("dst", "fd00::2")? / Layer::named("UDP")? / "x".repeat(100).as_str();
/// let frags = fragment6(&p, 80)?.packets;
/// assert_eq!(frags.len(), 4);
/// assert_eq!(frags[1].get("IPv6ExtHdrFragment", "offset"), Some(4.into()), "32 bytes in");
/// assert_eq!(frags[3].get("IPv6ExtHdrFragment", "m"), Some(0.into()), "the last");
/// assert_eq!(frags[0].get("IPv6ExtHdrFragment", "nh"), Some(17.into()), "UDP follows");
/// # Ok::<(), wirecraft::Error>(())
/// ```
pub fn fragment6(p: &Packet, frag_size: usize) -> Result<Fragments6, Error> {
    let whole = |p: Packet, warning: Option<String>| {
        Ok(Fragments6 {
            packets: vec![p],
            warning,
        })
    };
    let mut q = p.clone();
    let at = match q.index_of(&FRAGMENT) {
        Some(at) => at,
        None => match q.index_of(&IPV6) {
            None => return whole(q, None),
            Some(v6) => {
                let nh = q.value(v6, IPV6.field_index("nh").expect("IPv6 has nh"));
                let header = Layer::new(&FRAGMENT).with("nh", nh)?;
                let layers = q.layers_mut();
                layers[v6].unset("nh")?;
                layers[v6].unset("plen")?;
                layers.insert(v6 + 1, header);
                v6 + 1
            }
        },
    };
    if q.from_layer(at).build().len() > 0xffff {
        return Ok(Fragments6 {
            packets: Vec::new(),
            warning: Some("An IPv6 packet can'be bigger than 65535, please use a Jumbo payload.".into()),
        });
    }
    let s = q.build();
    if s.len() <= frag_size {
        return whole(q, None);
    }
    let through_header = Packet::new(q.layers()[..=at].to_vec()).build().len();
    let fragmentable = s.get(through_header.min(s.len())..).unwrap_or_default();
    let unfragmentable = s.len() - fragmentable.len() - 8;
    let last_size = frag_size as i128 - unfragmentable as i128 - 8;
    let inner_size = last_size - last_size.rem_euclid(8);
    if last_size <= 0 || inner_size == 0 {
        let warning = format!(
            "Provided fragment size value is too low. Should be more than {}",
            unfragmentable + 8
        );
        return whole(q, Some(warning));
    }
    let (last_size, inner_size) = (last_size as usize, inner_size as usize);
    let mut header = q.layers()[at].clone();
    if header.get("id") == Some(FieldValue::None) {
        header.set("id", u64::from(fastrand::u32(..)))?;
    }
    let nh = q.value(at, FRAGMENT.field_index("nh").expect("the fragment header has nh"));
    header.set("nh", nh)?;
    let mut below = q.layers()[..at].to_vec();
    if let Some(v6) = below.iter_mut().find(|l| l.proto() == &IPV6) {
        v6.unset("plen")?;
    }
    let mut packets = Vec::new();
    let mut rest = fragmentable;
    let mut offset = 0u64;
    loop {
        let last = rest.len() <= last_size;
        let (load, after) = rest.split_at(if last { rest.len() } else { inner_size });
        header.set("offset", offset)?;
        header.set("m", u64::from(!last))?;
        let mut layers = below.clone();
        layers.push(header.clone());
        layers.push(raw(load));
        packets.push(Packet::new(layers));
        if last {
            break;
        }
        offset += (inner_size / 8) as u64;
        rest = after;
    }
    Ok(Fragments6 { packets, warning: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v6_udp() -> Result<Packet, Error> {
        let ip = Layer::named("IPv6")?.with("src", "fd00::1")?.with("dst", "fd00::2")?;
        let udp = Layer::named("UDP")?.with("sport", 1000)?.with("dport", 2000)?;
        Ok(ip / udp / "X".repeat(100).as_str())
    }

    /// The header added where there is none is the one a user would have given, but for its random id, drawn
    /// once for all the fragments.
    #[test]
    fn an_added_fragment_header_is_the_given_one_with_a_random_id() -> Result<(), Error> {
        let added = fragment6(&v6_udp()?, 80)?.packets;
        let ids: Vec<_> = added.iter().map(|f| f.get("IPv6ExtHdrFragment", "id")).collect();
        assert!(
            ids.iter()
                .all(|id| id == &ids[0] && matches!(id, Some(FieldValue::Int(_)))),
            "{ids:?}"
        );
        let mut given = v6_udp()?;
        let header = Layer::named("IPv6ExtHdrFragment")?.with("id", 7)?;
        given.layers_mut().insert(1, header);
        let given: Vec<Vec<u8>> = fragment6(&given, 80)?.packets.iter().map(Packet::build).collect();
        let with_id_7: Vec<Vec<u8>> = added
            .into_iter()
            .map(|mut f| {
                f.set("IPv6ExtHdrFragment", "id", 7)?;
                Ok(f.build())
            })
            .collect::<Result<_, Error>>()?;
        assert_eq!(with_id_7, given);
        assert_eq!(given.len(), 4);
        Ok(())
    }

    #[test]
    fn a_size_too_small_gives_the_packet_back_with_a_warning() -> Result<(), Error> {
        let made = fragment6(&v6_udp()?, 50)?;
        assert_eq!(made.packets.len(), 1);
        assert_eq!(
            made.warning.as_deref(),
            Some("Provided fragment size value is too low. Should be more than 48")
        );
        Ok(())
    }
}
