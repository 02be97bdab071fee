//! Scapy's functions that make new packets out of a packet — `fragment`, `fragment6`, `defrag`, `defragment`,
//! `defragment6`, `dns_compress` — as builtins, and the
//! bodies of the packet methods that call them (`p.fragment()`, `p.compress()`, whose rows are with the other
//! packet methods). The work is the library's (`layers::fragment`, `layers::dns_compress`); this is the
//! language's side: arguments, warnings, and Scapy's values back. The results of putting fragments back
//! together keep the capture times of the packets they came from.

use super::args::{opt, req, Args, Const};
use super::error::LangError;
use super::packet_list::PacketListValue;
use super::rows::{builtin, Builtin};
use super::session::Session;
use super::value::{Pkt, Value};
use crate::layers::defragment::{defrag, defragment, defragment6, Sourced};
use crate::layers::dns::DNS;
use crate::layers::dns_compress::dns_compress;
use crate::layers::fragment::{fragment, fragment6, MIN_FRAGSIZE};
use crate::layers::ip::IP;
use crate::pcapio::{self, PacketList};

pub(crate) static BUILTINS: &[Builtin] = &[
    builtin!(
        "fragment",
        [req("pkt"), opt("fragsize", Const::Int(1480))],
        "IPv4 fragments of the packet (or of each packet of a list), with at most fragsize payload bytes each (a \
         multiple of 8 but the last).",
        |s, a| {
            let size = fragment_size(s, a)?;
            let mut out = Vec::new();
            for p in fragment_sources(s, a.get("pkt"))? {
                out.extend(fragments(&p, p.owned(), size)?);
            }
            Ok(Value::list(out))
        }
    ),
    builtin!(
        "fragment6",
        [req("pkt"), req("fragSize")],
        "IPv6 fragments of the packet, whole frames of at most fragSize bytes (a fragment header added if none).",
        b_fragment6
    ),
    builtin!(
        "defrag",
        [req("plist")],
        "Put IPv4 fragments back together: (nofrag, defrag, missfrag), the packets that were not fragments, the \
         datagrams reassembled, and the fragments that could not be (overlapping, repeated or missing ones).",
        |s, a| {
            let (packets, times) = defrag_input(s, a.get("plist"), "defrag")?;
            let out = defrag(&packets)?;
            warn_all(s, &out.warnings);
            let list = |ps: &[Sourced]| timed_list("PacketList", ps, &times);
            Ok(Value::Tuple(
                [list(&out.unfragmented), list(&out.reassembled), list(&out.bad)].into(),
            ))
        }
    ),
    builtin!(
        "defragment",
        [req("plist")],
        "The packets with each IPv4 datagram's fragments replaced by the datagram reassembled (where its last \
         fragment was); fragments that cannot be put together are kept as they are.",
        |s, a| {
            let name = match a.get("plist").as_host::<PacketListValue>() {
                Some(l) => format!("Defragmented {}", l.current().name()),
                None => "Defragmented".to_string(),
            };
            let (packets, times) = defrag_input(s, a.get("plist"), "defragment")?;
            let out = defragment(&packets)?;
            warn_all(s, &out.warnings);
            Ok(timed_list(&name, &out.packets, &times))
        }
    ),
    builtin!(
        "defragment6",
        [req("packets")],
        "The IPv6 datagram the fragments (IPv6ExtHdrFragment) of the first one's id make, in offset order, a \
         hole filled with X bytes; [] when there are no fragments.",
        |s, a| {
            let (packets, times) = defrag_input(s, a.get("packets"), "defragment6")?;
            let out = defragment6(&packets)?;
            warn_all(s, &out.warnings);
            Ok(match out.packet {
                Some((p, i)) => Value::Packet(Pkt::captured(p, times[i])),
                None => Value::list(Vec::new()),
            })
        }
    ),
    builtin!(
        "dns_compress",
        [req("pkt")],
        "A copy of the packet with its DNS names compressed, as Scapy compresses them.",
        |_, a| compressed(&packet_arg(a.get("pkt"), "dns_compress")?)
    ),
];

/// `p.compress()` and `dns_compress(p)`: the packet with its DNS layer's names compressed, from this layer up.
pub(crate) fn compressed(p: &Pkt) -> Result<Value, LangError> {
    let packet = p.owned();
    if packet.index_of(&DNS).is_none() {
        return Err(LangError::value_err(
            "can only compress DNS layers: the packet has no DNS layer",
        ));
    }
    Ok(Value::Packet(Pkt::captured(dns_compress(&packet)?, p.time())))
}

/// `p.fragment(fragsize=1480)`: as Scapy's method, which a layer below IP hands on to its payload, the
/// fragments start at the first IP layer from this one up.
pub(crate) fn m_fragment(s: &mut Session, p: &Pkt, a: &Args) -> Result<Value, LangError> {
    let packet = p.owned();
    let Some(at) = packet.index_of(&IP) else {
        return Err(LangError::value_err("cannot fragment this packet: it has no IP layer"));
    };
    let size = fragment_size(s, a)?;
    Ok(Value::list(fragments(p, packet.from_layer(at), size)?))
}

/// What `fragment()` cuts: a packet, or each packet of a list, tuple or PacketList, as Scapy's `for p in pkt`
/// does (so fragments can be cut again).
fn fragment_sources(s: &mut Session, v: &Value) -> Result<Vec<Pkt>, LangError> {
    let not_packets = |what: &Value| {
        LangError::type_err(format!(
            "fragment() takes a packet or a list of packets, not {}",
            what.type_name()
        ))
    };
    match v {
        Value::Packet(p) => return Ok(vec![p.clone()]),
        Value::List(_) | Value::Tuple(_) => {}
        v if v.as_host::<PacketListValue>().is_some() => {}
        other => return Err(not_packets(other)),
    }
    s.collect(v)?
        .into_iter()
        .map(|x| match x {
            Value::Packet(p) => Ok(p),
            other => Err(not_packets(&other)),
        })
        .collect()
}

/// The `fragsize` argument, with Scapy's warning (once a call) when it is below one 8-byte unit.
fn fragment_size(s: &mut Session, a: &Args) -> Result<usize, LangError> {
    let Some(size) = a.int("fragsize") else {
        return Err(LangError::type_err(format!(
            "fragsize must be an int, not {}",
            a.get("fragsize").type_name()
        )));
    };
    if size < MIN_FRAGSIZE as i128 {
        s.warn(&format!("fragsize cannot be lower than {MIN_FRAGSIZE}"));
    }
    Ok(usize::try_from(size.max(0)).unwrap_or(usize::MAX))
}

/// The fragments of `packet` (made from `p`, whose time they keep), as Scapy's packets.
fn fragments(p: &Pkt, packet: crate::Packet, size: usize) -> Result<Vec<Value>, LangError> {
    let time = p.time();
    Ok(fragment(&packet, size)?
        .into_iter()
        .map(|f| Value::Packet(Pkt::captured(f, time)))
        .collect())
}

fn b_fragment6(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let p = packet_arg(a.get("pkt"), "fragment6")?;
    let Some(size) = a.int("fragSize") else {
        return Err(LangError::type_err(format!(
            "fragSize must be an int, not {}",
            a.get("fragSize").type_name()
        )));
    };
    let made = fragment6(&p.owned(), usize::try_from(size.max(0)).unwrap_or(usize::MAX))?;
    if let Some(w) = &made.warning {
        s.warn(w);
    }
    let time = p.time();
    Ok(Value::list(
        made.packets
            .into_iter()
            .map(|f| Value::Packet(Pkt::captured(f, time)))
            .collect(),
    ))
}

/// The packet a function was given, or the error that names what it was given instead.
fn packet_arg(v: &Value, func: &str) -> Result<Pkt, LangError> {
    match v {
        Value::Packet(p) => Ok(p.clone()),
        other => Err(LangError::type_err(format!(
            "{func}() takes a packet, not {}",
            other.type_name()
        ))),
    }
}

/// The packets given to a defragmenting function, each with its time: a list, tuple or PacketList of packets,
/// or one packet.
fn defrag_input(
    s: &mut Session,
    v: &Value,
    func: &str,
) -> Result<(Vec<crate::Packet>, Vec<pcapio::Timestamp>), LangError> {
    let listed = matches!(v, Value::List(_) | Value::Tuple(_)) || v.as_host::<PacketListValue>().is_some();
    let pkts = match v {
        Value::Packet(p) => vec![p.clone()],
        v if listed => s
            .collect(v)?
            .into_iter()
            .map(|x| match x {
                Value::Packet(p) => Ok(p),
                other => Err(LangError::type_err(format!(
                    "{func}() takes packets, not {}",
                    other.type_name()
                ))),
            })
            .collect::<Result<_, _>>()?,
        other => {
            return Err(LangError::type_err(format!(
                "{func}() takes a list of packets, not {}",
                other.type_name()
            )))
        }
    };
    Ok((
        pkts.iter().map(Pkt::owned).collect(),
        pkts.iter().map(Pkt::time).collect(),
    ))
}

/// A PacketList of results, each stamped with the time of the input it came from.
fn timed_list(name: &str, packets: &[Sourced], times: &[pcapio::Timestamp]) -> Value {
    let mut list = PacketList::new(name);
    for (p, i) in packets {
        let data = p.build();
        list.push(pcapio::Frame {
            data: &data,
            ts: times[*i],
            wirelen: data.len() as u32,
            link: pcapio::link_of(p),
            interface: 0,
        });
    }
    Value::host(PacketListValue::new(list))
}

fn warn_all(s: &mut Session, warnings: &[String]) {
    warnings.iter().for_each(|w| s.warn(w));
}
