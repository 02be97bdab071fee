//! The engine under the raw port scans (SYN, UDP), stateless as masscan and zmap are: each target's path
//! (route, source, next hop's MAC) is resolved once and its probe frame built once from wirecraft's layers;
//! each probe patches that frame in place (port, cookie, checksums) and injects it; a capture with a BPF
//! filter for answers to our source runs on its own thread, and each answer is judged from its bytes alone —
//! the scan kind checks its cookie, so no probe needs remembering beyond the port's own state.
//!
//! Pacing: `rate = None` keeps as many probes unanswered at once as a window allows, grown by one per port
//! settled (slow start, as nmap's congestion control) and halved when a retransmitted probe is answered (the
//! first one was lost, so the path is saturated); `rate = Some(n)` also caps probes per second. A probe unanswered within
//! the timeout is sent again `retries` times, then the port takes the kind's silent state. Every loop is
//! bounded: at most targets × ports × (retries + 1) probes, plus one reply per answer when the kind wants one
//! (the RST after a SYN-ACK), and each probe waits at most the timeout; the stop flag ends it, keeping what
//! was found.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::capture::{ring_for, Live};
use super::carried::Transport;
use super::conf::conf;
use super::error::Error;
use super::events::Events;
use super::neigh;
use super::ports::Ports;
use super::portscan::{HostScan, PortResult, PortState, Progress, Reason, ScanError, ScanReport};
use super::privilege;
use super::socket::Via;
use crate::{Layer, LinkType};

/// The window a scan starts with, its floor and its ceiling (probes unanswered at once).
const WINDOW_START: usize = 256;
const WINDOW_MIN: usize = 16;
const WINDOW_MAX: usize = 1 << 14;

/// The longest the loop waits for answers before looking at deadlines and the stop flag again.
const SLICE: Duration = Duration::from_millis(20);

/// How a raw scan runs.
#[derive(Clone, Debug)]
pub struct RawScanOptions {
    /// How long a probe waits for its answer.
    pub timeout: Duration,
    /// How many more times a silent port is probed.
    pub retries: u32,
    /// Probes per second at most; `None`: as fast as answers keep coming.
    pub rate: Option<f64>,
    /// Where the progress line goes.
    pub events: Events,
}

impl Default for RawScanOptions {
    fn default() -> RawScanOptions {
        RawScanOptions {
            timeout: Duration::from_secs(1),
            retries: 1,
            rate: None,
            events: Events::default(),
        }
    }
}

/// Where a probe frame's parts lie, and what the checksums need.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    /// Offset of the IP header (after Ether).
    pub ip: usize,
    /// Offset of the transport header.
    pub l4: usize,
    pub src: IpAddr,
    pub dst: IpAddr,
}

/// An answer, as the engine read it from a captured frame addressed to one of our sources.
pub(crate) enum Answer<'f> {
    /// A TCP or UDP segment from the target to our source port: its transport header and on.
    Transport { l4: &'f [u8] },
    /// An ICMP or ICMPv6 destination-unreachable quoting one of our probes: its code, and the quoted
    /// transport header (at least 8 bytes).
    Unreachable { v6: bool, code: u8, quoted: &'f [u8] },
}

/// What differs between the raw scans: the probe, how an answer is judged, what silence means.
pub(crate) trait ScanKind {
    /// The probes' transport, and its IP protocol number.
    const TRANSPORT: Transport;
    const PROTO: u8;
    /// The state of a port that never answered.
    const SILENT: PortState;
    /// The transport layer of the template (its destination port is patched per probe).
    fn transport(&self, sport: u16) -> Result<Layer, crate::Error>;
    /// Writes the probe to `port` into `frame` (the template, or a frame a previous probe patched); `cookie`
    /// is keyed on the probe's addresses and ports.
    fn patch(&self, frame: &mut Vec<u8>, at: &Layout, port: u16, cookie: u32);
    /// The verdict on an answer whose probe carried `cookie`, and whether to answer it with a reply frame
    /// (patched into `frame` by [`ScanKind::reply`]).
    fn judge(&self, answer: &Answer<'_>, cookie: u32) -> Option<(PortState, Reason, bool)>;
    /// Writes the reply to an answer of `port` into `frame` (the SYN scan's RST).
    fn reply(&self, _frame: &mut Vec<u8>, _at: &Layout, _port: u16, _cookie: u32) {}
}

/// A way out: the socket probes leave through, and the interface their answers come in on.
struct Way {
    iface: String,
    via: Via,
}

/// One target's path and frame.
struct Target {
    addr: IpAddr,
    /// Which socket (interface) its frames leave through; `None`: unreachable, every port is `unreachable`.
    socket: Option<usize>,
    unreachable: Reason,
    frame: Vec<u8>,
    at: Layout,
}

/// Scans `ports` on every address of `targets` with the probes of `kind`.
pub(crate) fn raw_scan<K: ScanKind>(
    kind: &K,
    targets: &[IpAddr],
    ports: &Ports,
    opts: &RawScanOptions,
    stop: &AtomicBool,
) -> Result<ScanReport, ScanError> {
    if targets.is_empty() {
        return Err(ScanError::NoTargets);
    }
    privilege::require().map_err(ScanError::Live)?;
    let started = Instant::now();
    let key = RandomState::new();
    let sport = fastrand::u16(40_000..60_000);
    let mut ways: Vec<Way> = Vec::new();
    let mut paths = Vec::with_capacity(targets.len());
    for &addr in targets {
        paths.push(path(kind, addr, sport, &mut ways, stop).map_err(ScanError::Live)?);
    }
    // Stopped while resolving: an unanswered ARP then says nothing about the target.
    let stopped = stop.load(Ordering::Relaxed);
    let mut scan = Scan::new(&paths, ports, opts, !stopped);
    let mut ifaces: Vec<String> = ways.iter().map(|w| w.iface.clone()).collect();
    ifaces.sort();
    ifaces.dedup();
    if !ifaces.is_empty() && !stopped {
        // Every answer a small frame, in a ring block of its own at worst.
        let ring = ring_for(paths.len() * ports.len(), 256);
        let filter = filter(K::PROTO, &paths);
        let live = Live::start_with_ring(&ifaces, Some(&filter), false, true, ring).map_err(ScanError::Live)?;
        // Probes leave through the capture's own sockets (see `Live::socket`).
        let mut sockets = ways
            .iter()
            .map(|w| live.socket(&w.via))
            .collect::<Result<Vec<_>, _>>()
            .map_err(ScanError::Live)?;
        let by_addr: HashMap<IpAddr, usize> = paths.iter().enumerate().map(|(i, t)| (t.addr, i)).collect();
        let cookie = |t: &Target, port: u16| cookie(&key, &t.at, sport, port);
        let mut progress = Progress::new(started, &opts.events);
        while !stop.load(Ordering::Relaxed) {
            while let Some((t, p)) = scan.next_probe() {
                let target = &mut paths[t];
                let port = ports.as_slice()[p];
                let c = cookie(target, port);
                kind.patch(&mut target.frame, &target.at, port, c);
                let s = target.socket.unwrap_or_default();
                sockets[s].send(&target.frame).map_err(ScanError::Live)?;
            }
            if scan.finished() {
                break;
            }
            if let Some(batch) = live.next(scan.wait()) {
                for frame in batch.iter().filter(|f| f.link == LinkType::Ethernet) {
                    let Some((t, port, answer)) = read_answer(frame.data, sport, &paths, &by_addr) else {
                        continue;
                    };
                    let Some(p) = scan.index_of(port) else { continue };
                    let c = cookie(&paths[t], port);
                    let Some((state, reason, reply)) = kind.judge(&answer, c) else {
                        continue;
                    };
                    if scan.answered(t, p, state, reason) && reply {
                        let target = &mut paths[t];
                        let mut frame = target.frame.clone();
                        kind.reply(&mut frame, &target.at, port, c);
                        let s = target.socket.unwrap_or_default();
                        sockets[s].send(&frame).map_err(ScanError::Live)?;
                    }
                }
            }
            scan.expire(K::SILENT);
            progress.show(scan.done, scan.total, scan.open);
        }
        progress.finish();
        live.finish();
    }
    Ok(scan.report(ports, K::TRANSPORT, started, stop.load(Ordering::Relaxed)))
}

/// The sequence number (or other cookie) of a probe: a keyed hash of its addresses and ports, so an answer is
/// recognised from its own bytes and nobody off the path can forge one.
fn cookie(key: &RandomState, at: &Layout, sport: u16, dport: u16) -> u32 {
    key.hash_one((at.src, at.dst, sport, dport)) as u32
}

/// Resolves one target's path and builds its frame; a target without a route or whose next hop does not
/// answer ARP / ND gets no frame, and its ports are filtered.
fn path<K: ScanKind>(
    kind: &K,
    addr: IpAddr,
    sport: u16,
    ways: &mut Vec<Way>,
    stop: &AtomicBool,
) -> Result<Target, Error> {
    let conf = conf();
    let unreachable = |reason| Target {
        addr,
        socket: None,
        unreachable: reason,
        frame: Vec::new(),
        at: Layout {
            ip: 0,
            l4: 0,
            src: addr,
            dst: addr,
        },
    };
    let Some(hop) = conf.route_to(addr) else {
        return Ok(unreachable(Reason::NetUnreach));
    };
    let me = conf.iface_named(&hop.iface)?;
    // Loopback takes no injected frames: the kernel drops an IPv4 datagram from 127.0.0.1 that arrives on
    // `lo` without the route a local sender attaches (a martian source), so there the probes go out as IP
    // datagrams through a raw socket.
    let (via, ether) = if me.loopback {
        (Via::Ip(Some(hop.iface.clone())), None)
    } else {
        let next = match neigh::resolve(&conf, &hop.iface, hop.next_hop(addr), false, stop) {
            Ok(m) => m,
            Err(Error::Unresolved { .. }) => return Ok(unreachable(Reason::HostUnreach)),
            Err(e) => return Err(e),
        };
        (Via::Link(hop.iface.clone()), Some((me.mac.unwrap_or([0; 6]), next)))
    };
    let fmt = crate::packet::value::fmt_mac;
    let built = || -> Result<Vec<u8>, crate::Error> {
        let ip = Layer::named(if addr.is_ipv6() { "IPv6" } else { "IP" })?
            .with("src", hop.src.to_string().as_str())?
            .with("dst", addr.to_string().as_str())?;
        let p = match ether {
            Some((mac, next)) => {
                Layer::named("Ether")?
                    .with("dst", fmt(&next).as_str())?
                    .with("src", fmt(&mac).as_str())?
                    / ip
            }
            None => crate::Packet::from(ip),
        };
        Ok((p / kind.transport(sport)?).build())
    };
    let frame = built().map_err(|e| Error::Unsendable(e.to_string()))?;
    let ip = if ether.is_some() { 14 } else { 0 };
    let l4 = ip
        + if addr.is_ipv6() {
            40
        } else {
            usize::from(frame[ip] & 0x0f) * 4
        };
    let socket = match ways.iter().position(|w| w.via == via) {
        Some(i) => i,
        None => {
            ways.push(Way {
                iface: hop.iface.clone(),
                via,
            });
            ways.len() - 1
        }
    };
    Ok(Target {
        addr,
        socket: Some(socket),
        unreachable: Reason::NoResponse,
        frame,
        at: Layout {
            ip,
            l4,
            src: hop.src,
            dst: addr,
        },
    })
}

/// The capture's filter: the probes' protocol and ICMP, to our sources only.
fn filter(proto: u8, paths: &[Target]) -> String {
    let mut hosts: Vec<String> = paths
        .iter()
        .filter(|t| t.socket.is_some())
        .map(|t| format!("dst host {}", t.at.src))
        .collect();
    hosts.sort();
    hosts.dedup();
    format!(
        "(ip proto {proto} or ip6 proto {proto} or icmp or icmp6) and ({})",
        hosts.join(" or ")
    )
}

/// Reads an Ethernet frame as an answer to one of our probes: from a target to its path's source, our source
/// port; the target's index, the port answered and the answer.
fn read_answer<'f>(
    frame: &'f [u8],
    sport: u16,
    paths: &[Target],
    by_addr: &HashMap<IpAddr, usize>,
) -> Option<(usize, u16, Answer<'f>)> {
    let ip = frame.get(14..)?;
    let (v6, proto, src, dst, l4) = read_ip(ip)?;
    let ours = |t: usize| paths[t].socket.is_some() && paths[t].at.src == dst;
    match proto {
        1 | 58 => {
            let (kind, code) = (*l4.first()?, *l4.get(1)?);
            let unreachable = if v6 { kind == 1 } else { kind == 3 };
            if !unreachable {
                return None;
            }
            // The quoted probe: from our source to the target.
            let (qv6, _, qsrc, qdst, quoted) = read_ip(l4.get(8..)?)?;
            let t = *by_addr.get(&qdst)?;
            if qv6 != v6 || qsrc != dst || !ours(t) || quoted.len() < 8 || be16(quoted, 0) != sport {
                return None;
            }
            let port = be16(quoted, 2);
            Some((t, port, Answer::Unreachable { v6, code, quoted }))
        }
        _ => {
            let t = *by_addr.get(&src)?;
            if !ours(t) || l4.len() < 8 || be16(l4, 2) != sport {
                return None;
            }
            let port = be16(l4, 0);
            Some((t, port, Answer::Transport { l4 }))
        }
    }
}

/// An IPv4 or IPv6 header (IPv6 without extension headers): family, protocol, source, destination and what
/// follows the header.
fn read_ip(ip: &[u8]) -> Option<(bool, u8, IpAddr, IpAddr, &[u8])> {
    match ip.first()? >> 4 {
        4 => {
            let ihl = usize::from(ip[0] & 0x0f) * 4;
            let src: [u8; 4] = ip.get(12..16)?.try_into().ok()?;
            let dst: [u8; 4] = ip.get(16..20)?.try_into().ok()?;
            Some((false, *ip.get(9)?, src.into(), dst.into(), ip.get(ihl.max(20)..)?))
        }
        6 => {
            let src: [u8; 16] = ip.get(8..24)?.try_into().ok()?;
            let dst: [u8; 16] = ip.get(24..40)?.try_into().ok()?;
            Some((true, *ip.get(6)?, src.into(), dst.into(), ip.get(40..)?))
        }
        _ => None,
    }
}

/// What an ICMP (`v6` false) or ICMPv6 destination unreachable's code says, in nmap's words; `None` for a
/// code nmap does not take as an answer (ICMP's fragmentation needed, source route failed…).
pub(crate) fn unreachable_reason(v6: bool, code: u8) -> Option<Reason> {
    Some(match (v6, code) {
        (false, 1) | (true, 3) => Reason::HostUnreach,
        (false, 2) => Reason::ProtoUnreach,
        (false, 3) | (true, 4) => Reason::PortUnreach,
        (false, 9 | 10 | 13) | (true, 1) => Reason::AdminProhibited,
        (true, 0) => Reason::NetUnreach,
        _ => return None,
    })
}

pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The ones'-complement sum of `bytes` as 16-bit words, unfolded.
fn sum16(bytes: &[u8]) -> u32 {
    let mut chunks = bytes.chunks_exact(2);
    let mut sum: u32 = chunks
        .by_ref()
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum();
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    sum
}

fn fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Sets the IP header's lengths (and IPv4's id and checksum) and the transport checksum at `csum` within the
/// transport header, for a frame whose transport header and payload run from `at.l4` to its end: the few
/// words a probe changes, summed again over its own headers only.
pub(crate) fn finish_frame(frame: &mut [u8], at: &Layout, csum: usize, id: u16) {
    let l4_len = frame.len() - at.l4;
    let ip = at.ip;
    let proto;
    match (at.src, at.dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            frame[ip + 2..ip + 4].copy_from_slice(&((at.l4 - ip + l4_len) as u16).to_be_bytes());
            frame[ip + 4..ip + 6].copy_from_slice(&id.to_be_bytes());
            frame[ip + 10..ip + 12].fill(0);
            let c = fold(sum16(&frame[ip..at.l4]));
            frame[ip + 10..ip + 12].copy_from_slice(&c.to_be_bytes());
            proto = frame[ip + 9];
            frame[at.l4 + csum..at.l4 + csum + 2].fill(0);
            let pseudo = sum16(&s.octets()) + sum16(&d.octets()) + u32::from(proto) + l4_len as u32;
            let c = fold(pseudo + sum16(&frame[at.l4..]));
            // UDP sends an all-zero checksum as all ones; the same holds for TCP's arithmetic.
            let c = if c == 0 { 0xffff } else { c };
            frame[at.l4 + csum..at.l4 + csum + 2].copy_from_slice(&c.to_be_bytes());
        }
        (s, d) => {
            frame[ip + 4..ip + 6].copy_from_slice(&(l4_len as u16).to_be_bytes());
            proto = frame[ip + 6];
            let octets = |a: IpAddr| match a {
                IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
                IpAddr::V6(a) => a.octets(),
            };
            frame[at.l4 + csum..at.l4 + csum + 2].fill(0);
            let pseudo = sum16(&octets(s)) + sum16(&octets(d)) + u32::from(proto) + l4_len as u32;
            let c = fold(pseudo + sum16(&frame[at.l4..]));
            let c = if c == 0 { 0xffff } else { c };
            frame[at.l4 + csum..at.l4 + csum + 2].copy_from_slice(&c.to_be_bytes());
        }
    }
}

/// A probe waiting for its answer.
struct Flying {
    target: usize,
    port: usize,
    deadline: Instant,
}

/// The scan's state: each port's outcome and attempts, the probes in flight, the window and the pacing.
struct Scan<'o> {
    opts: &'o RawScanOptions,
    addrs: Vec<IpAddr>,
    /// Per target, per port index: the outcome, once known.
    found: Vec<Vec<Option<(PortState, Reason)>>>,
    /// Per target, per port index: probes sent, and whether one is in flight.
    attempts: Vec<Vec<u8>>,
    flying_now: Vec<Vec<bool>>,
    /// Port number → index into the ports asked.
    index: Vec<Option<u32>>,
    fresh: Box<dyn Iterator<Item = (usize, usize)>>,
    again: VecDeque<(usize, usize)>,
    flying: VecDeque<Flying>,
    in_flight: usize,
    window: usize,
    last_cut: Option<Instant>,
    started: Instant,
    sent: u64,
    done: u64,
    total: u64,
    open: u64,
}

impl<'o> Scan<'o> {
    /// The scan's state before any probe; with `settle_unreachable`, the ports of unreachable targets are
    /// filtered already.
    fn new(paths: &[Target], ports: &Ports, opts: &'o RawScanOptions, settle_unreachable: bool) -> Scan<'o> {
        let n = ports.len();
        let mut index = vec![None; 1 << 16];
        for (i, &p) in ports.as_slice().iter().enumerate() {
            index[usize::from(p)] = Some(i as u32);
        }
        let reachable: Vec<usize> = (0..paths.len()).filter(|&t| paths[t].socket.is_some()).collect();
        let mut scan = Scan {
            opts,
            addrs: paths.iter().map(|t| t.addr).collect(),
            found: vec![vec![None; n]; paths.len()],
            attempts: vec![vec![0; n]; paths.len()],
            flying_now: vec![vec![false; n]; paths.len()],
            index,
            // Port by port across the targets, so no one host takes a burst.
            fresh: Box::new((0..n).flat_map(move |p| reachable.clone().into_iter().map(move |t| (t, p)))),
            again: VecDeque::new(),
            flying: VecDeque::new(),
            in_flight: 0,
            window: WINDOW_START,
            last_cut: None,
            started: Instant::now(),
            sent: 0,
            done: 0,
            total: (paths.len() * n) as u64,
            open: 0,
        };
        let unreachable = paths.iter().enumerate().filter(|(_, p)| p.socket.is_none());
        for (t, path) in unreachable.filter(|_| settle_unreachable) {
            for p in 0..n {
                scan.settle(t, p, PortState::Filtered, path.unreachable);
            }
        }
        scan
    }

    fn index_of(&self, port: u16) -> Option<usize> {
        self.index[usize::from(port)].map(|i| i as usize)
    }

    /// Whether the rate cap lets another probe leave now.
    fn rate_allows(&self) -> bool {
        match self.opts.rate {
            Some(rate) if rate > 0.0 => self.started.elapsed().as_secs_f64() * rate >= self.sent as f64,
            _ => true,
        }
    }

    /// The next probe to send, if the window and the rate allow one: a retransmission first.
    fn next_probe(&mut self) -> Option<(usize, usize)> {
        while self.in_flight < self.window && self.rate_allows() {
            let (t, p) = self.again.pop_front().or_else(|| self.fresh.next())?;
            if self.found[t][p].is_some() {
                continue;
            }
            self.attempts[t][p] += 1;
            self.flying_now[t][p] = true;
            self.flying.push_back(Flying {
                target: t,
                port: p,
                deadline: Instant::now() + self.opts.timeout,
            });
            self.in_flight += 1;
            self.sent += 1;
            return Some((t, p));
        }
        None
    }

    /// Records an outcome; false when the port had one already.
    fn settle(&mut self, t: usize, p: usize, state: PortState, reason: Reason) -> bool {
        if self.found[t][p].is_some() {
            return false;
        }
        self.found[t][p] = Some((state, reason));
        self.done += 1;
        self.open += u64::from(state == PortState::Open);
        true
    }

    /// An answer for port `p` of target `t`: the outcome, and the window grown, or halved when the answer
    /// came to a retransmission.
    fn answered(&mut self, t: usize, p: usize, state: PortState, reason: Reason) -> bool {
        if !self.settle(t, p, state, reason) {
            return false;
        }
        if std::mem::take(&mut self.flying_now[t][p]) {
            self.in_flight -= 1;
        }
        if self.attempts[t][p] > 1 {
            let now = Instant::now();
            // One cut per timeout: the losses of one burst are one congestion event.
            if self
                .last_cut
                .is_none_or(|at| now.duration_since(at) >= self.opts.timeout)
            {
                self.window = (self.window / 2).max(WINDOW_MIN);
                self.last_cut = Some(now);
            }
        } else {
            self.window = (self.window + 1).min(WINDOW_MAX);
        }
        true
    }

    /// Probes past their deadline: sent again, or settled as `silent` after the last attempt.
    fn expire(&mut self, silent: PortState) {
        let now = Instant::now();
        while let Some(f) = self.flying.front() {
            let (t, p) = (f.target, f.port);
            if self.flying_now[t][p] && f.deadline > now {
                break;
            }
            self.flying.pop_front();
            if !std::mem::take(&mut self.flying_now[t][p]) {
                continue;
            }
            self.in_flight -= 1;
            if u32::from(self.attempts[t][p]) <= self.opts.retries {
                self.again.push_back((t, p));
            } else if self.settle(t, p, silent, Reason::NoResponse) {
                // Silence is no sign of congestion (a filtered port never answers): the window grows.
                self.window = (self.window + 1).min(WINDOW_MAX);
            }
        }
    }

    fn finished(&mut self) -> bool {
        self.done == self.total
    }

    /// How long to wait for answers: not at all while probes may leave, else until the first deadline (or
    /// the rate's next slot), at most a slice.
    fn wait(&self) -> Duration {
        let now = Instant::now();
        let deadline = self
            .flying
            .front()
            .map_or(SLICE, |f| f.deadline.saturating_duration_since(now));
        let slot = match self.opts.rate {
            Some(rate) if rate > 0.0 => {
                Duration::from_secs_f64((self.sent as f64 / rate - self.started.elapsed().as_secs_f64()).max(0.0))
            }
            _ => Duration::ZERO,
        };
        let more = (!self.again.is_empty() || self.done + (self.in_flight as u64) < self.total)
            && self.in_flight < self.window;
        let wait = if more { slot } else { deadline };
        wait.clamp(Duration::from_micros(200), SLICE)
    }

    fn report(self, ports: &Ports, transport: Transport, started: Instant, interrupted: bool) -> ScanReport {
        let hosts = self
            .found
            .into_iter()
            .zip(self.addrs)
            .map(|(found, addr)| HostScan {
                addr,
                ports: found
                    .into_iter()
                    .zip(ports.as_slice())
                    .filter_map(|(f, &port)| f.map(|(state, reason)| PortResult { port, state, reason }))
                    .collect(),
            })
            .collect();
        ScanReport {
            hosts,
            ports_asked: ports.len(),
            transport,
            interrupted,
            elapsed: started.elapsed(),
        }
    }
}
