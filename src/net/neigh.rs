//! Neighbour resolution for layer-2 sends: the kernel's neighbour table first (a netlink `RTM_GETNEIGH` dump:
//! the one source that has both IPv4 and IPv6 entries, in the calling thread's namespace), then ARP or ND on
//! the wire; answers are cached for [`CACHE_TTL`], as Scapy's `conf.netcache` does.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::conf::{netns_id, Conf};
use super::error::{Error, Result};
use super::events::Events;
use super::exchange::{exchange, ExchangeOptions, Listen};
use super::socket::{Fd, Via};
use crate::layers::ether::multicast_mac;
use crate::{Layer, LinkType, Packet};

/// How long a resolved MAC is trusted (Scapy's ARP cache timeout).
pub const CACHE_TTL: Duration = Duration::from_secs(120);

/// Keyed by the namespace, our interface's MAC and the address: a namespace's id (an inode number) is reused
/// as soon as the namespace is gone, and a namespace made after it has interfaces with new MACs, so it never
/// inherits the old one's neighbours.
type Cache = HashMap<(u64, Option<[u8; 6]>, IpAddr), ([u8; 6], Instant)>;
static CACHE: Mutex<Option<Cache>> = Mutex::new(None);

/// The MAC of `ip` on `iface`: cache, kernel table, then who-has / neighbour solicitation (1 s, 2 tries).
/// Unanswered, it is an error that says so, or with `broadcast_fallback` the broadcast address, as Scapy
/// sends it.
pub fn resolve(conf: &Conf, iface: &str, ip: IpAddr, broadcast_fallback: bool, stop: &AtomicBool) -> Result<[u8; 6]> {
    if ip.is_multicast() {
        return Ok(multicast_mac(ip));
    }
    if ip == IpAddr::from([255, 255, 255, 255]) {
        return Ok([0xff; 6]);
    }
    // Loopback has no neighbours: its frames carry zero addresses, as Scapy sends them.
    if conf.iface_named(iface).is_ok_and(|i| i.loopback) {
        return Ok([0; 6]);
    }
    let ours = conf.iface_named(iface).ok().and_then(|i| i.mac);
    let key = (netns_id(), ours, ip);
    let cached = CACHE.lock().ok().and_then(|c| c.as_ref()?.get(&key).copied());
    if let Some((mac, _)) = cached.filter(|(_, at)| at.elapsed() < CACHE_TTL) {
        return Ok(mac);
    }
    let found = match kernel_table()?.into_iter().find(|(a, _)| *a == ip) {
        Some((_, mac)) => Some(mac),
        None => on_the_wire(conf, iface, ip, stop)?,
    };
    match found {
        Some(mac) => {
            remember(ours, ip, mac);
            Ok(mac)
        }
        None if broadcast_fallback => Ok([0xff; 6]),
        None => Err(Error::Unresolved {
            ip,
            iface: iface.to_string(),
        }),
    }
}

/// Asks on the wire: ARP who-has for IPv4, a neighbour solicitation to the solicited-node group for IPv6.
fn on_the_wire(conf: &Conf, iface: &str, ip: IpAddr, stop: &AtomicBool) -> Result<Option<[u8; 6]>> {
    let me = conf.iface_named(iface)?;
    let Some(mac) = me.mac else { return Ok(None) };
    let Some(src) = me.addr_for(ip.is_ipv6(), Some(ip)) else {
        return Ok(None);
    };
    let mac_s = crate::packet::value::fmt_mac(&mac);
    let probe = || -> std::result::Result<Packet, crate::Error> {
        Ok(match ip {
            IpAddr::V4(_) => {
                Layer::named("Ether")?
                    .with("dst", "ff:ff:ff:ff:ff:ff")?
                    .with("src", mac_s.as_str())?
                    / Layer::named("ARP")?
                        .with("op", 1)?
                        .with("hwsrc", mac_s.as_str())?
                        .with("psrc", src.to_string().as_str())?
                        .with("pdst", ip.to_string().as_str())?
            }
            IpAddr::V6(a) => {
                let o = a.octets();
                let group = std::net::Ipv6Addr::new(
                    0xff02,
                    0,
                    0,
                    0,
                    0,
                    1,
                    0xff00 | u16::from(o[13]),
                    u16::from_be_bytes([o[14], o[15]]),
                );
                let gmac = crate::packet::value::fmt_mac(&multicast_mac(group.into()));
                Layer::named("Ether")?
                    .with("dst", gmac.as_str())?
                    .with("src", mac_s.as_str())?
                    / Layer::named("IPv6")?
                        .with("src", src.to_string().as_str())?
                        .with("dst", group.to_string().as_str())?
                        .with("hlim", 255)?
                    / Layer::named("ICMPv6ND_NS")?.with("tgt", ip.to_string().as_str())?
                    / Layer::named("ICMPv6NDOptSrcLLAddr")?.with("lladdr", mac_s.as_str())?
            }
        })
    };
    let probe = probe().map_err(|e| Error::Unsendable(e.to_string()))?.build();
    // Matched as `srp` matches: against the probe as it went out.
    let sent = Packet::dissect(&probe, LinkType::Ethernet);
    let hash = sent.hashret();
    let opts = ExchangeOptions {
        via: Via::Link(iface.to_string()),
        listen: Listen::Capture(iface.to_string()),
        filter: None,
        timeout: Some(Duration::from_secs(1)),
        retry: 1,
        inter: Duration::ZERO,
        multi: false,
        first_only: false,
        verbose: false,
        events: Events::default(),
    };
    let mut answer = None;
    exchange(
        &[probe],
        &opts,
        |frame, answered| {
            if answered[0] {
                return None;
            }
            let reply = frame.packet();
            if reply.hashret() != hash || !reply.answers(&sent) {
                return None;
            }
            answer = Some(reply);
            Some(0)
        },
        stop,
    )?;
    Ok(answer.and_then(|answer| {
        let (layer, field) = if ip.is_ipv4() {
            ("ARP", "hwsrc")
        } else {
            ("ICMPv6NDOptDstLLAddr", "lladdr")
        };
        match answer.get(layer, field) {
            Some(crate::FieldValue::Mac(m)) => Some(m),
            _ => None,
        }
    }))
}

/// Caches `mac` as `ip`'s, as seen from the interface whose MAC is `ours`, in the calling thread's namespace,
/// for [`CACHE_TTL`] (what `arping(cache=1)` learnt, as Scapy's `arping` fills its ARP cache).
pub fn remember(ours: Option<[u8; 6]>, ip: IpAddr, mac: [u8; 6]) {
    if let Ok(mut c) = CACHE.lock() {
        c.get_or_insert_with(HashMap::new)
            .insert((netns_id(), ours, ip), (mac, Instant::now()));
    }
}

/// The kernel's usable neighbour entries (reachable, stale, delay, probe, permanent, noarp).
pub fn kernel_table() -> Result<Vec<(IpAddr, [u8; 6])>> {
    const RTM_GETNEIGH: u16 = 30;
    const RTM_NEWNEIGH: u16 = 28;
    const NLM_F_REQUEST: u16 = 1;
    const NLM_F_DUMP: u16 = 0x300;
    const NLMSG_DONE: u16 = 3;
    const NLMSG_ERROR: u16 = 2;
    const NDA_DST: u16 = 1;
    const NDA_LLADDR: u16 = 2;
    const USABLE: u16 = 0x02 | 0x04 | 0x08 | 0x10 | 0x40 | 0x80;
    let io = |what: &str| Error::io(what.to_string(), std::io::Error::last_os_error());
    // SAFETY: plain socket calls on a descriptor this function owns and closes; buffers are sized locals.
    unsafe {
        let fd = libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            libc::NETLINK_ROUTE,
        );
        if fd < 0 {
            return Err(io("netlink socket"));
        }
        let guard = Fd(fd);
        // nlmsghdr (16) + ndmsg (12)
        let mut req = [0u8; 28];
        req[0..4].copy_from_slice(&28u32.to_ne_bytes());
        req[4..6].copy_from_slice(&RTM_GETNEIGH.to_ne_bytes());
        req[6..8].copy_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
        req[8..12].copy_from_slice(&1u32.to_ne_bytes());
        if libc::send(guard.0, req.as_ptr().cast(), req.len(), 0) < 0 {
            return Err(io("netlink send"));
        }
        let mut out = Vec::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = libc::recv(guard.0, buf.as_mut_ptr().cast(), buf.len(), 0);
            if n < 0 {
                return Err(io("netlink recv"));
            }
            let mut msgs = &buf[..n as usize];
            while msgs.len() >= 16 {
                let len = u32::from_ne_bytes(msgs[0..4].try_into().unwrap_or_default()) as usize;
                let kind = u16::from_ne_bytes([msgs[4], msgs[5]]);
                if kind == NLMSG_DONE || kind == NLMSG_ERROR {
                    return Ok(out);
                }
                if len < 16 || len > msgs.len() {
                    break;
                }
                let body = &msgs[16..len];
                if kind == RTM_NEWNEIGH && body.len() >= 12 && u16::from_ne_bytes([body[8], body[9]]) & USABLE != 0 {
                    let (mut dst, mut mac) = (None, None);
                    let mut attrs = &body[12..];
                    while attrs.len() >= 4 {
                        let alen = u16::from_ne_bytes([attrs[0], attrs[1]]) as usize;
                        let atype = u16::from_ne_bytes([attrs[2], attrs[3]]);
                        if alen < 4 || alen > attrs.len() {
                            break;
                        }
                        let v = &attrs[4..alen];
                        match (atype, v.len()) {
                            (NDA_DST, 4) => dst = Some(IpAddr::from(<[u8; 4]>::try_from(v).unwrap_or_default())),
                            (NDA_DST, 16) => dst = Some(IpAddr::from(<[u8; 16]>::try_from(v).unwrap_or_default())),
                            (NDA_LLADDR, 6) => mac = <[u8; 6]>::try_from(v).ok(),
                            _ => {}
                        }
                        attrs = &attrs[alen.next_multiple_of(4).min(attrs.len())..];
                    }
                    if let (Some(d), Some(m)) = (dst, mac) {
                        out.push((d, m));
                    }
                }
                msgs = &msgs[len.next_multiple_of(4).min(msgs.len())..];
            }
        }
    }
}
