//! Host discovery over the exchange core: Scapy's `arping` (an ARP who-has per address, broadcast, all in
//! flight at once, answers matched by the address they speak for) and a ping sweep (ICMP echo over IPv4,
//! ICMPv6 echo over IPv6, every echo's identifier and sequence number its own, so a foreign reply matches
//! nothing). Each host found has its MAC — from the ARP answer, or for a ping from the kernel's neighbour
//! table that ARP / ND filled on the way (the reply's source when the table has none) — its vendor from the
//! IEEE data ([`oui`](super::oui)) and its round-trip times. The exchange bounds every send and wait, and
//! the stop flag ends it keeping what was answered.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::conf::{conf, Conf};
use super::error::{Error, Result};
use super::events::{Event, Events};
use super::exchange::{exchange_settling, ExchangeOptions, Exchanged, Listen};
use super::neigh::kernel_table;
use super::oui::{vendor, Vendor};
use super::socket::Via;
use super::sr::{l3_view, SndRcv};
use crate::packet::value::fmt_mac;
use crate::packet::Timestamp;
use crate::{FieldValue, Layer, LinkType, Packet};

/// How a discovery runs.
#[derive(Clone, Debug)]
pub struct DiscoverOptions {
    /// How long to wait for answers after the last request has left.
    pub timeout: Duration,
    /// Ask the silent again this many more times.
    pub retry: u32,
    /// Stop waiting once answers have stopped coming for this long, as nmap's adaptive timeouts do;
    /// `None` waits the whole timeout, as Scapy does.
    pub settle: Option<Duration>,
    /// Echo requests per host (ping only).
    pub count: u32,
    /// The interface (default: the route's interface for the first target).
    pub iface: Option<String>,
    /// Emit Scapy's lines ([`Event::BeginEmission`], [`Event::FinishedSending`], [`Event::Received`]).
    pub verbose: bool,
    pub events: Events,
}

impl Default for DiscoverOptions {
    fn default() -> DiscoverOptions {
        DiscoverOptions {
            timeout: Duration::from_secs(2),
            settle: None,
            retry: 0,
            count: 1,
            iface: None,
            verbose: false,
            events: Events::default(),
        }
    }
}

/// One target and what was learnt of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Host {
    pub addr: IpAddr,
    /// Its link-layer address, when it answered from the link (none for a host behind a router).
    pub mac: Option<[u8; 6]>,
    pub vendor: Option<&'static Vendor>,
    /// Requests sent to it.
    pub sent: u32,
    /// The round trip of each answer, in arrival order; empty when it never answered.
    pub rtts: Vec<Duration>,
}

impl Host {
    /// A target no request went to.
    fn unasked(addr: IpAddr) -> Host {
        Host {
            addr,
            mac: None,
            vendor: None,
            sent: 0,
            rtts: Vec::new(),
        }
    }

    pub fn alive(&self) -> bool {
        !self.rtts.is_empty()
    }

    /// (min, avg, max) of the round trips, as ping prints them.
    pub fn rtt_stats(&self) -> Option<(Duration, Duration, Duration)> {
        let min = *self.rtts.iter().min()?;
        let max = *self.rtts.iter().max()?;
        let avg = self.rtts.iter().sum::<Duration>() / self.rtts.len() as u32;
        Some((min, avg, max))
    }
}

/// What a discovery found: every target, in the order given, and Scapy's `(ans, unans)` of the exchange.
#[derive(Debug, Default)]
pub struct DiscoverReport {
    pub hosts: Vec<Host>,
    pub exchange: SndRcv,
    pub elapsed: Duration,
}

impl DiscoverReport {
    /// The hosts that answered, in the order given.
    pub fn alive(&self) -> impl Iterator<Item = &Host> {
        self.hosts.iter().filter(|h| h.alive())
    }
}

/// Where the requests leave from: the interface, its MAC, and the route's source per family.
struct Origin {
    iface: String,
    mac: Option<[u8; 6]>,
}

/// The interface to use: the one asked for, else the route's to `first`; it must be up.
fn origin(c: &Conf, asked: Option<&str>, first: IpAddr) -> Result<Origin> {
    let iface = match asked {
        Some(i) => i.to_string(),
        None => c.route_to(first).ok_or(Error::NoRoute(first))?.iface,
    };
    let me = c.iface_named(&iface)?;
    if !me.up {
        return Err(Error::Unsendable(format!("interface {iface:?} is down")));
    }
    Ok(Origin { iface, mac: me.mac })
}

/// The exchange's options for a discovery.
fn exchange_options(o: &DiscoverOptions, via: Via, capture: String, filter: &str) -> ExchangeOptions {
    ExchangeOptions {
        via,
        listen: Listen::Capture(capture),
        filter: Some(filter.to_string()),
        timeout: Some(o.timeout),
        retry: i32::try_from(o.retry).unwrap_or(i32::MAX),
        inter: Duration::ZERO,
        multi: false,
        first_only: false,
        verbose: o.verbose,
        events: o.events.clone(),
    }
}

/// Time from when a request left to when its answer was captured.
fn rtt(sent: Option<Timestamp>, received: Timestamp) -> Duration {
    let secs = sent.map_or(0.0, |s| received.as_f64() - s.as_f64());
    Duration::try_from_secs_f64(secs).unwrap_or_default()
}

/// Scapy's `(ans, unans)` from what the exchange matched, and the stats line it emits.
fn pairs(
    sent: Vec<Packet>,
    answers: Vec<(usize, Packet, Timestamp)>,
    done: &Exchanged,
    received: u64,
    o: &DiscoverOptions,
) -> SndRcv {
    let mut res = SndRcv {
        stats: done.stats,
        ..SndRcv::default()
    };
    for (i, answer, at) in answers {
        res.ans.push((sent[i].clone(), answer));
        res.ans_sent.push(done.sent_at[i]);
        res.ans_received.push(at);
    }
    res.unans = (0..sent.len())
        .filter(|&i| !done.answered[i])
        .map(|i| sent[i].clone())
        .collect();
    if o.verbose {
        o.events.emit(Event::Received {
            received,
            answers: res.ans.len(),
            remaining: res.unans.len(),
        });
    }
    res
}

/// Scapy's `arping`: one broadcast ARP who-has per IPv4 target on the interface that routes to the first,
/// every answer (`is-at`, for one of the targets, to our address) kept with the MAC it gives.
pub fn arping(targets: &[IpAddr], opts: &DiscoverOptions, stop: &AtomicBool) -> Result<DiscoverReport> {
    let started = Instant::now();
    let v4: Vec<Ipv4Addr> = targets
        .iter()
        .map(|a| match a {
            IpAddr::V4(a) => Ok(*a),
            IpAddr::V6(a) => Err(Error::Unsendable(format!(
                "arping asks ARP, which IPv6 has not: {a} (ping finds IPv6 hosts through ND)"
            ))),
        })
        .collect::<Result<_>>()?;
    let Some(&first) = v4.first() else {
        return Ok(DiscoverReport::default());
    };
    let c = conf();
    let from = origin(&c, opts.iface.as_deref(), first.into())?;
    let me = c.iface_named(&from.iface)?;
    let mac = from
        .mac
        .ok_or_else(|| Error::Unsendable(format!("interface {:?} has no MAC address for ARP", from.iface)))?;
    let psrc = match me.addr_for(false, Some(first.into())) {
        Some(IpAddr::V4(a)) => a,
        _ => {
            return Err(Error::Unsendable(format!(
                "interface {:?} has no IPv4 address",
                from.iface
            )))
        }
    };
    let (mac_s, psrc_s) = (fmt_mac(&mac), psrc.to_string());
    let request = |pdst: &Ipv4Addr| -> std::result::Result<Packet, crate::Error> {
        Ok(Layer::named("Ether")?
            .with("dst", "ff:ff:ff:ff:ff:ff")?
            .with("src", mac_s.as_str())?
            / Layer::named("ARP")?
                .with("hwsrc", mac_s.as_str())?
                .with("psrc", psrc_s.as_str())?
                .with("pdst", pdst.to_string().as_str())?)
    };
    let requests = v4
        .iter()
        .map(request)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Unsendable(e.to_string()))?;
    // Matched and paired as they went out, as `srp` does.
    let frames: Vec<Vec<u8>> = requests.iter().map(Packet::build).collect();
    let sent: Vec<Packet> = frames.iter().map(|f| Packet::dissect(f, LinkType::Ethernet)).collect();
    let index: HashMap<Ipv4Addr, usize> = v4.iter().enumerate().map(|(i, a)| (*a, i)).collect();
    let xopts = exchange_options(
        opts,
        Via::Link(from.iface.clone()),
        from.iface.clone(),
        "arp and arp[7] = 2",
    );
    let (mut answers, mut received) = (Vec::new(), 0u64);
    let done = exchange_settling(
        &frames,
        &xopts,
        opts.settle,
        |frame, answered| {
            received += 1;
            let reply = frame.packet();
            let ip = |f| match reply.get("ARP", f) {
                Some(FieldValue::Ip4(a)) => Some(a),
                _ => None,
            };
            if reply.get("ARP", "op") != Some(FieldValue::Int(2)) || ip("pdst") != Some(psrc) {
                return None;
            }
            let i = *index.get(&ip("psrc")?)?;
            if answered[i] {
                return None;
            }
            answers.push((i, reply, frame.ts));
            Some(i)
        },
        stop,
    )?;
    let mut hosts: Vec<Host> = v4
        .iter()
        .map(|a| Host {
            sent: u32::from(done.sent_at[index[a]].is_some()),
            ..Host::unasked((*a).into())
        })
        .collect();
    for (i, reply, at) in &answers {
        let h = &mut hosts[*i];
        h.mac = match reply.get("ARP", "hwsrc") {
            Some(FieldValue::Mac(m)) => Some(m),
            _ => None,
        };
        h.vendor = h.mac.as_ref().and_then(vendor);
        h.rtts.push(rtt(done.sent_at[*i], *at));
    }
    Ok(DiscoverReport {
        hosts,
        exchange: pairs(sent, answers, &done, received, opts),
        elapsed: started.elapsed(),
    })
}

/// The echo identifier of a sweep's first 65,536 requests; each further block of them takes the next.
const ECHO_ID: u16 = 0x7763;

/// A ping sweep: `count` echo requests to each target (ICMP over IPv4, ICMPv6 over IPv6), sent in rounds
/// (every host's first, then every host's second…), each with an identifier and sequence number of its own;
/// an answer counts when it is an echo reply from the target with that pair.
pub fn ping(asked: &[IpAddr], opts: &DiscoverOptions, stop: &AtomicBool) -> Result<DiscoverReport> {
    let started = Instant::now();
    let c = conf();
    // A broadcast address is no host: the kernel refuses an echo to it from a socket not set to broadcast.
    let targets: Vec<IpAddr> = asked.iter().filter(|a| !is_broadcast(&c, **a)).copied().collect();
    let Some(&first) = targets.first() else {
        return Ok(DiscoverReport {
            hosts: asked.iter().map(|a| Host::unasked(*a)).collect(),
            ..DiscoverReport::default()
        });
    };
    let from = origin(&c, opts.iface.as_deref(), first)?;
    let rounds = opts.count.max(1) as usize;
    let total = targets.len() * rounds;
    if total > 1 << 32 {
        return Err(Error::Unsendable(format!(
            "{total} echo requests are more than a sweep sends"
        )));
    }
    let tag = |i: usize| (ECHO_ID.wrapping_add((i >> 16) as u16), i as u16);
    let request = |i: usize| -> Result<Packet> {
        let dst = targets[i % targets.len()];
        let src = c.route_to(dst).ok_or(Error::NoRoute(dst))?.src;
        let (id, seq) = tag(i);
        let (ip, echo) = match dst {
            IpAddr::V4(_) => ("IP", Layer::named("ICMP").and_then(|l| l.with("type", 8))),
            IpAddr::V6(_) => ("IPv6", Layer::named("ICMPv6EchoRequest")),
        };
        let build = || -> std::result::Result<Packet, crate::Error> {
            Ok(Layer::named(ip)?
                .with("src", src.to_string().as_str())?
                .with("dst", dst.to_string().as_str())?
                / echo?.with("id", u64::from(id))?.with("seq", u64::from(seq))?)
        };
        build().map_err(|e| Error::Unsendable(e.to_string()))
    };
    let frames: Vec<Vec<u8>> = (0..total)
        .map(|i| request(i).map(|p| p.build()))
        .collect::<Result<_>>()?;
    let sent: Vec<Packet> = frames.iter().map(|f| Packet::dissect(f, LinkType::RawIp)).collect();
    let xopts = exchange_options(opts, Via::Ip(opts.iface.clone()), from.iface.clone(), "icmp or icmp6");
    let (mut answers, mut received) = (Vec::new(), 0u64);
    let mut reply_macs: HashMap<IpAddr, [u8; 6]> = HashMap::new();
    let done = exchange_settling(
        &frames,
        &xopts,
        opts.settle,
        |frame, answered| {
            received += 1;
            let reply = l3_view(&frame)?;
            let (src, id, seq) = echo_reply(&reply)?;
            let block = usize::from(id.wrapping_sub(ECHO_ID));
            let i = block << 16 | usize::from(seq);
            if i >= total || answered[i] || targets[i % targets.len()] != src {
                return None;
            }
            if let (LinkType::Ethernet, Some(m)) = (frame.link, frame.data.get(6..12)) {
                reply_macs.insert(src, m.try_into().unwrap_or_default());
            }
            answers.push((i, reply, frame.ts));
            Some(i)
        },
        stop,
    )?;
    let neighbours: HashMap<IpAddr, [u8; 6]> = kernel_table().unwrap_or_default().into_iter().collect();
    let mut hosts: Vec<Host> = targets
        .iter()
        .enumerate()
        .map(|(h, addr)| {
            let on_link = c.route_to(*addr).is_some_and(|r| r.gateway.is_none());
            let mac = on_link
                .then(|| neighbours.get(addr).or(reply_macs.get(addr)).copied())
                .flatten()
                .filter(|m| *m != [0; 6]);
            Host {
                mac,
                sent: (0..rounds)
                    .filter(|r| done.sent_at[r * targets.len() + h].is_some())
                    .count() as u32,
                ..Host::unasked(*addr)
            }
        })
        .collect();
    for (i, _, at) in &answers {
        hosts[i % targets.len()].rtts.push(rtt(done.sent_at[*i], *at));
    }
    for h in hosts.iter_mut().filter(|h| h.alive()) {
        h.vendor = h.mac.as_ref().and_then(vendor);
    }
    let mut probed: HashMap<IpAddr, Host> = hosts.into_iter().map(|h| (h.addr, h)).collect();
    Ok(DiscoverReport {
        hosts: asked
            .iter()
            .map(|a| probed.remove(a).unwrap_or_else(|| Host::unasked(*a)))
            .collect(),
        exchange: pairs(sent, answers, &done, received, opts),
        elapsed: started.elapsed(),
    })
}

/// True for 255.255.255.255 and the directed broadcast address of an interface's IPv4 network.
fn is_broadcast(c: &Conf, addr: IpAddr) -> bool {
    let IpAddr::V4(a) = addr else { return false };
    a.is_broadcast()
        || c.ifaces.iter().flat_map(|i| &i.addrs).any(|(net, prefix)| match net {
            IpAddr::V4(n) if *prefix < 31 => u32::from(*n) | (u32::MAX >> prefix) == u32::from(a),
            _ => false,
        })
}

/// An echo reply's source, identifier and sequence number, over IPv4 or IPv6.
fn echo_reply(p: &Packet) -> Option<(IpAddr, u16, u16)> {
    let (ip, echo, is_reply) = if p.has("ICMPv6EchoReply") {
        ("IPv6", "ICMPv6EchoReply", true)
    } else {
        ("IP", "ICMP", p.get("ICMP", "type") == Some(FieldValue::Int(0)))
    };
    let src = match p.get(ip, "src")? {
        FieldValue::Ip4(a) => IpAddr::V4(a),
        FieldValue::Ip6(a) => IpAddr::V6(a),
        _ => return None,
    };
    let int = |f| match p.get(echo, f) {
        Some(FieldValue::Int(n)) => u16::try_from(n).ok(),
        _ => None,
    };
    is_reply.then_some((src, int("id")?, int("seq")?))
}
