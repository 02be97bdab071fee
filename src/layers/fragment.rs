//! Scapy's `fragment()` (scapy/layers/inet.py): an IPv4 datagram cut into fragments, with Scapy's bytes.
//!
//! As in Scapy, every fragment is a copy of the packet up to its IP layer — the layers below, and every IP
//! option, the options without the copy flag included — with a `Raw` of its slice of the IP payload above:
//! `frag` advanced by the slice's offset in 8-byte units, `MF` added to `flags` on all but the last, `len` and
//! `chksum` computed again. `proto` stays what the payload implied.

use super::ip::IP;
use crate::error::Error;
use crate::packet::{raw, FieldValue, Packet};

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
        let payload = ip_payload(&datagram, at);
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

/// The bytes above the IP layer at `at`, built under it (so that a transport checksum covers its addresses).
fn ip_payload(datagram: &Packet, at: usize) -> Vec<u8> {
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
