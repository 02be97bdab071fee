//! Traceroute, IPv4 and IPv6: a probe for every TTL (hop limit) from `min_ttl` to `max_ttl`, `probes` of
//! them per hop, all sent at once as mtr and paris-traceroute do (a path of any length costs one timeout at
//! most, not one per hop). Answers are matched to their probe by Scapy's `hashret` / `answers` over the
//! exchange core, which reads the probe an ICMP error quotes; each probe differs from the others in the
//! field its answer quotes back (a TCP or UDP source port, an echo sequence number), so every answer names
//! exactly one probe. The trace ends at the target: once the target has answered at some TTL and every
//! probe below it is answered, nothing more is awaited, and no hop beyond the target's is reported.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::conf::conf;
use super::error::{Error, Result};
use super::events::{Event, Events};
use super::exchange::{exchange, ExchangeOptions, Listen};
use super::privilege;
use super::socket::Via;
use super::sr::l3_view;
use crate::packet::{hosts, FieldValue, Layer, MatchRules, Timestamp};
use crate::Packet;

/// What the probes carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceProto {
    /// TCP SYN to `dport` (Scapy's traceroute): the target answers SYN-ACK (open) or RST (closed).
    Tcp,
    /// UDP to `dport`, or to 33434 and up, one port per probe, as Debian's traceroute does: the target
    /// answers port unreachable.
    Udp,
    /// ICMP (ICMPv6) echo request: the target answers echo reply.
    Icmp,
}

/// A traceroute's settings.
#[derive(Clone, Debug)]
pub struct TraceOptions {
    pub proto: TraceProto,
    /// TCP: the port probed (80 when `None`); UDP: every probe's port (33434 + the probe's number when `None`).
    pub dport: Option<u16>,
    /// The first probe's source port (TCP, UDP); the others count up from it.
    pub sport: u16,
    pub min_ttl: u8,
    pub max_ttl: u8,
    /// Probes per hop, all in flight at once.
    pub probes: u8,
    /// How long to wait for answers after the last probe has left.
    pub timeout: Duration,
    /// BPF filter for the answers, as raw IP (default: ICMP, ICMPv6, and TCP or UDP from the target).
    pub filter: Option<String>,
    /// Emit Scapy's emission lines ([`Event::BeginEmission`], [`Event::FinishedSending`], [`Event::Received`]).
    pub verbose: bool,
    /// What an answer must match (Scapy's `conf.checkIP*`).
    pub rules: MatchRules,
    pub events: Events,
}

impl Default for TraceOptions {
    /// Scapy's: TCP to port 80, TTL 1 to 30, one probe per hop, a 2 s timeout.
    fn default() -> TraceOptions {
        TraceOptions {
            proto: TraceProto::Tcp,
            dport: None,
            sport: 33_000,
            min_ttl: 1,
            max_ttl: 30,
            probes: 1,
            timeout: Duration::from_secs(2),
            filter: None,
            verbose: false,
            rules: MatchRules::default(),
            events: Events::default(),
        }
    }
}

/// What answered a probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// ICMP / ICMPv6 time exceeded: a router on the way.
    TimeExceeded,
    /// ICMP / ICMPv6 destination unreachable, with its code (3 / 4: port unreachable, the target's UDP answer).
    Unreachable { code: u8 },
    /// TCP SYN-ACK: the target's port is open.
    SynAck,
    /// TCP RST: the target's port is closed.
    Rst,
    /// ICMP / ICMPv6 echo reply.
    EchoReply,
    /// A UDP datagram: a service at the target answered.
    Udp,
    /// Another ICMP or ICMPv6 message (its type and code), or another TCP segment (type and code 0).
    Other { kind: u8, code: u8 },
}

/// One answered probe.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    /// Who answered.
    pub from: IpAddr,
    /// From the probe leaving to its answer being captured.
    pub rtt: Duration,
    pub answer: Answer,
    /// The answer came from the target itself.
    pub is_target: bool,
}

/// One TTL of the path: the answers its probes brought, in arrival order (fewer than were sent when some
/// probes went unanswered).
#[derive(Clone, Debug, PartialEq)]
pub struct Hop {
    pub ttl: u8,
    pub sent: usize,
    pub replies: Vec<Reply>,
}

impl Hop {
    /// The addresses that answered at this TTL, each once, in arrival order.
    pub fn addresses(&self) -> Vec<IpAddr> {
        let mut all: Vec<IpAddr> = Vec::new();
        for r in &self.replies {
            if !all.contains(&r.from) {
                all.push(r.from);
            }
        }
        all
    }

    /// The target answered at this TTL.
    pub fn is_target(&self) -> bool {
        self.replies.iter().any(|r| r.is_target)
    }
}

/// A finished traceroute.
#[derive(Debug, Default)]
pub struct TraceReport {
    /// Where the probes went (the target, resolved).
    pub target: Option<IpAddr>,
    /// Every TTL from `min_ttl` up to the target's (or `max_ttl` when the target never answered).
    pub hops: Vec<Hop>,
    /// (probe, answer) pairs of the hops reported, in arrival order, with when the probe left and the answer
    /// arrived: Scapy's `ans`.
    pub pairs: Vec<(Packet, Packet)>,
    pub sent_at: Vec<Option<Timestamp>>,
    pub received_at: Vec<Timestamp>,
    /// The probes of the hops reported that nothing answered: Scapy's `unans`.
    pub unanswered: Vec<Packet>,
    /// The stop flag ended it early.
    pub interrupted: bool,
}

impl TraceReport {
    /// The TTL at which the target answered, if it did.
    pub fn reached(&self) -> Option<u8> {
        self.hops.iter().find(|h| h.is_target()).map(|h| h.ttl)
    }
}

/// The address of `target`: an address as written (`[v6]` too), or a name in `/etc/hosts` (its IPv6 address
/// first when `v6`). No resolver on the network is asked, so naming a target sends nothing.
pub fn trace_target(target: &str, v6: bool) -> Result<IpAddr> {
    let literal = target
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(target);
    literal
        .parse()
        .ok()
        .or_else(|| hosts::lookup(target, v6))
        .or_else(|| hosts::lookup(target, !v6))
        .ok_or_else(|| {
            Error::Unsendable(format!(
                "cannot resolve {target:?}: neither an address nor a name in /etc/hosts"
            ))
        })
}

/// Traces the path to `target`. Fails before sending anything when no route reaches it or the options
/// make no probe.
pub fn traceroute(target: IpAddr, opts: &TraceOptions, stop: &AtomicBool) -> Result<TraceReport> {
    privilege::require()?;
    if opts.min_ttl == 0 || opts.min_ttl > opts.max_ttl || opts.probes == 0 {
        return Err(Error::Unsendable(format!(
            "no probe to send: minttl {} maxttl {} probes {} (1 <= minttl <= maxttl, probes >= 1)",
            opts.min_ttl, opts.max_ttl, opts.probes
        )));
    }
    let hit = conf().route_to(target).ok_or(Error::NoRoute(target))?;
    let plan = probes(target, hit.src, opts)?;
    let frames: Vec<Vec<u8>> = plan.iter().map(|p| p.packet.build()).collect();
    let sent: Vec<Packet> = frames
        .iter()
        .map(|f| Packet::dissect(f, crate::LinkType::RawIp))
        .collect();
    let mut by_hash: HashMap<Vec<u8>, Vec<usize>> = HashMap::with_capacity(sent.len());
    for (i, p) in sent.iter().enumerate() {
        by_hash.entry(p.hashret_with(opts.rules)).or_default().push(i);
    }
    let xopts = ExchangeOptions {
        via: Via::Ip(None),
        // Heard as Debian's traceroute hears them, through raw sockets: a capture's set-up and tear-down
        // alone took longer than a whole trace of a short path.
        listen: Listen::Raw {
            v6: target.is_ipv6(),
            protocols: answer_protocols(target, opts.proto),
        },
        filter: Some(opts.filter.clone().unwrap_or_else(|| answer_filter(target))),
        timeout: Some(opts.timeout),
        retry: 0,
        inter: Duration::ZERO,
        multi: false,
        first_only: false,
        verbose: opts.verbose,
        events: opts.events.clone(),
    };
    let mut answers: Vec<(usize, Packet, Timestamp)> = Vec::new();
    let mut received = 0u64;
    let mut path = PathState::new(&plan, opts);
    let done = AtomicBool::new(false);
    let finished = AtomicBool::new(false);
    let exchanged = std::thread::scope(|scope| {
        // The exchange ends on one flag: set when the trace is complete, or when the caller's flag is. The
        // watcher is woken as soon as the exchange returns, so the trace does not wait out its nap.
        let watcher = scope.spawn(|| {
            while !finished.load(Ordering::Relaxed) {
                if stop.load(Ordering::Relaxed) {
                    done.store(true, Ordering::Relaxed);
                }
                std::thread::park_timeout(Duration::from_millis(1));
            }
        });
        let r = exchange(
            &frames,
            &xopts,
            |frame, answered| {
                let reply = l3_view(&frame)?;
                received += 1;
                let i = by_hash
                    .get(&reply.hashret_with(opts.rules))?
                    .iter()
                    .copied()
                    .find(|&i| !answered[i] && reply.answers_with(&sent[i], opts.rules))?;
                if path.answered(i, source(&reply) == Some(target)) {
                    done.store(true, Ordering::Relaxed);
                }
                answers.push((i, reply, frame.ts));
                Some(i)
            },
            &done,
        );
        finished.store(true, Ordering::Relaxed);
        watcher.thread().unpark();
        r
    })?;
    let last_ttl = path.last_reported();
    let mut report = TraceReport {
        target: Some(target),
        interrupted: stop.load(Ordering::Relaxed),
        ..TraceReport::default()
    };
    report.hops = (opts.min_ttl..=last_ttl)
        .map(|ttl| Hop {
            ttl,
            sent: plan.iter().filter(|p| p.ttl == ttl).count(),
            replies: Vec::new(),
        })
        .collect();
    for (i, reply, at) in answers {
        let ttl = plan[i].ttl;
        if ttl > last_ttl {
            continue;
        }
        let from = source(&reply).unwrap_or(target);
        let sent_at = exchanged.sent_at[i];
        let rtt = sent_at.map_or(0, |s| at.nanos_since(s).max(0));
        report.hops[usize::from(ttl - opts.min_ttl)].replies.push(Reply {
            from,
            rtt: Duration::from_nanos(u64::try_from(rtt).unwrap_or(u64::MAX)),
            answer: answer_of(&reply),
            is_target: from == target,
        });
        report.pairs.push((sent[i].clone(), reply));
        report.sent_at.push(sent_at);
        report.received_at.push(at);
    }
    report.unanswered = (0..sent.len())
        .filter(|&i| !exchanged.answered[i] && plan[i].ttl <= last_ttl)
        .map(|i| sent[i].clone())
        .collect();
    if opts.verbose {
        opts.events.emit(Event::Received {
            received,
            answers: report.pairs.len(),
            remaining: report.unanswered.len(),
        });
    }
    Ok(report)
}

/// One probe: its TTL and the packet.
struct Probe {
    ttl: u8,
    packet: Packet,
}

/// Every probe, TTL by TTL, `probes` per TTL; probe `n` (counting from 0) has source port `sport + n`, or
/// echo sequence `n + 1`, so that its answer names it.
fn probes(target: IpAddr, src: IpAddr, opts: &TraceOptions) -> Result<Vec<Probe>> {
    let ttls = opts.min_ttl..=opts.max_ttl;
    let all: Vec<u8> = ttls
        .flat_map(|t| std::iter::repeat_n(t, usize::from(opts.probes)))
        .collect();
    if usize::from(opts.sport) + all.len() > 65_536 {
        return Err(Error::Unsendable(format!(
            "sport {} leaves no room for {} probes below port 65536",
            opts.sport,
            all.len()
        )));
    }
    let layer_err = |e: crate::error::Error| Error::Unsendable(format!("cannot build a probe: {e}"));
    let pid = std::process::id() as u16;
    all.into_iter()
        .enumerate()
        .map(|(n, ttl)| {
            let n16 = n as u16;
            let ip = match target {
                IpAddr::V4(_) => Layer::named("IP")
                    .and_then(|l| l.with("dst", target.to_string()))
                    .and_then(|l| l.with("src", src.to_string()))
                    .and_then(|l| l.with("ttl", ttl))
                    .and_then(|l| l.with("id", pid.wrapping_add(n16))),
                IpAddr::V6(_) => Layer::named("IPv6")
                    .and_then(|l| l.with("dst", target.to_string()))
                    .and_then(|l| l.with("src", src.to_string()))
                    .and_then(|l| l.with("hlim", ttl)),
            }
            .map_err(layer_err)?;
            let sport = opts.sport + n16;
            let l4 = match (opts.proto, target) {
                (TraceProto::Tcp, _) => Layer::named("TCP")
                    .and_then(|l| l.with("sport", sport))
                    .and_then(|l| l.with("dport", opts.dport.unwrap_or(80)))
                    .and_then(|l| l.with("flags", 2u8)),
                (TraceProto::Udp, _) => Layer::named("UDP")
                    .and_then(|l| l.with("sport", sport))
                    .and_then(|l| l.with("dport", opts.dport.unwrap_or(33_434u16.wrapping_add(n16)))),
                (TraceProto::Icmp, IpAddr::V4(_)) => Layer::named("ICMP")
                    .and_then(|l| l.with("type", 8u8))
                    .and_then(|l| l.with("id", pid))
                    .and_then(|l| l.with("seq", n16 + 1)),
                (TraceProto::Icmp, IpAddr::V6(_)) => Layer::named("ICMPv6EchoRequest")
                    .and_then(|l| l.with("id", pid))
                    .and_then(|l| l.with("seq", n16 + 1)),
            }
            .map_err(layer_err)?;
            Ok(Probe {
                ttl,
                packet: Packet::new(vec![ip, l4]),
            })
        })
        .collect()
}

/// Only what can answer a probe to `target` is kept: ICMP (ICMPv6) and what comes back from the target.
fn answer_filter(target: IpAddr) -> String {
    match target {
        IpAddr::V4(_) => format!("icmp or (src host {target} and (tcp or udp))"),
        IpAddr::V6(_) => format!("icmp6 or (src host {target} and (tcp or udp))"),
    }
}

/// The IP protocols answers come in: ICMP (ICMPv6) errors from the routers, and the target's own answer.
fn answer_protocols(target: IpAddr, proto: TraceProto) -> Vec<u8> {
    let icmp = if target.is_ipv6() { 58 } else { 1 };
    match proto {
        TraceProto::Tcp => vec![icmp, 6],
        TraceProto::Udp => vec![icmp, 17],
        TraceProto::Icmp => vec![icmp],
    }
}

/// Which TTLs are answered, to tell when the trace is complete.
struct PathState {
    ttl_of: Vec<u8>,
    /// Unanswered probes per TTL, from `min_ttl`.
    silent: Vec<usize>,
    min_ttl: u8,
    max_ttl: u8,
    /// The lowest TTL at which the target answered.
    target_ttl: Option<u8>,
}

impl PathState {
    fn new(plan: &[Probe], opts: &TraceOptions) -> PathState {
        let mut silent = vec![0; usize::from(opts.max_ttl - opts.min_ttl) + 1];
        plan.iter().for_each(|p| silent[usize::from(p.ttl - opts.min_ttl)] += 1);
        PathState {
            ttl_of: plan.iter().map(|p| p.ttl).collect(),
            silent,
            min_ttl: opts.min_ttl,
            max_ttl: opts.max_ttl,
            target_ttl: None,
        }
    }

    /// Probe `i` is answered (by the target or not); true when the trace is complete: the target answered
    /// and every probe at or below its TTL is answered (the target's other probes too, or the report would
    /// show that hop with fewer answers than came).
    fn answered(&mut self, i: usize, by_target: bool) -> bool {
        let ttl = self.ttl_of[i];
        self.silent[usize::from(ttl - self.min_ttl)] -= 1;
        if by_target && self.target_ttl.is_none_or(|t| ttl < t) {
            self.target_ttl = Some(ttl);
        }
        self.target_ttl
            .is_some_and(|t| self.silent[..=usize::from(t - self.min_ttl)].iter().all(|&n| n == 0))
    }

    /// The last TTL to report: the target's, or `max_ttl` when it never answered.
    fn last_reported(&self) -> u8 {
        self.target_ttl.unwrap_or(self.max_ttl)
    }
}

/// The answer's source address.
fn source(reply: &Packet) -> Option<IpAddr> {
    match reply.layers().first()?.get("src")? {
        FieldValue::Ip4(a) => Some(a.into()),
        FieldValue::Ip6(a) => Some(a.into()),
        _ => None,
    }
}

/// What kind of answer a reply is.
fn answer_of(reply: &Packet) -> Answer {
    let int = |layer: &str, field: &str| reply.layer(layer).and_then(|l| l.get_int(field)).unwrap_or(0) as u8;
    if reply.has("ICMP") {
        return match (int("ICMP", "type"), int("ICMP", "code")) {
            (11, _) => Answer::TimeExceeded,
            (3, code) => Answer::Unreachable { code },
            (0, _) => Answer::EchoReply,
            (kind, code) => Answer::Other { kind, code },
        };
    }
    for (name, answer) in [
        ("ICMPv6TimeExceeded", Answer::TimeExceeded),
        ("ICMPv6EchoReply", Answer::EchoReply),
    ] {
        if reply.has(name) {
            return answer;
        }
    }
    if reply.has("ICMPv6DestUnreach") {
        return Answer::Unreachable {
            code: int("ICMPv6DestUnreach", "code"),
        };
    }
    if reply.has("TCP") {
        let flags = int("TCP", "flags");
        return match flags {
            f if f & 0x12 == 0x12 => Answer::SynAck,
            f if f & 0x04 != 0 => Answer::Rst,
            _ => Answer::Other { kind: 0, code: 0 },
        };
    }
    if reply.has("UDP") {
        return Answer::Udp;
    }
    let kind = reply
        .layers()
        .iter()
        .find(|l| l.name().starts_with("ICMPv6"))
        .and_then(|l| l.get_int("type"))
        .unwrap_or(0) as u8;
    Answer::Other { kind, code: 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(min_ttl: u8, max_ttl: u8, probes: u8) -> TraceOptions {
        TraceOptions {
            min_ttl,
            max_ttl,
            probes,
            ..TraceOptions::default()
        }
    }

    #[test]
    fn the_trace_is_complete_once_the_targets_hop_and_every_hop_below_it_answered() {
        let o = opts(1, 5, 2);
        let plan = probes("198.18.3.2".parse().unwrap(), "198.18.1.1".parse().unwrap(), &o).unwrap();
        assert_eq!(plan.len(), 10);
        let mut path = PathState::new(&plan, &o);
        // TTL 3 (probes 4, 5) is the target's; TTLs 1 and 2 answer later.
        assert!(!path.answered(4, true));
        assert!(!path.answered(0, false));
        assert!(!path.answered(1, false));
        assert!(!path.answered(2, false));
        assert!(!path.answered(3, false));
        assert!(path.answered(5, true));
        assert_eq!(path.last_reported(), 3);
    }

    #[test]
    fn without_the_target_every_ttl_is_reported() {
        let o = opts(2, 4, 1);
        let plan = probes("fd00::2".parse().unwrap(), "fd00::1".parse().unwrap(), &o).unwrap();
        let mut path = PathState::new(&plan, &o);
        assert!(!path.answered(0, false));
        assert_eq!(path.last_reported(), 4);
    }

    /// A router's time-exceeded message quoting `probe` (its header and 8 bytes more, as RFC 792 asks).
    fn time_exceeded(probe: &[u8], router: IpAddr, to: IpAddr) -> Packet {
        let (ip, icmp, quoted) = match router {
            IpAddr::V4(_) => (
                "IP",
                Layer::named("ICMP").unwrap().with("type", 11u8).unwrap(),
                &probe[..28],
            ),
            IpAddr::V6(_) => ("IPv6", Layer::named("ICMPv6TimeExceeded").unwrap(), probe),
        };
        let ip = Layer::named(ip)
            .and_then(|l| l.with("src", router.to_string()))
            .and_then(|l| l.with("dst", to.to_string()))
            .unwrap();
        let raw = Layer::named("Raw").unwrap().with("load", quoted.to_vec()).unwrap();
        Packet::dissect(&Packet::new(vec![ip, icmp, raw]).build(), crate::LinkType::RawIp)
    }

    #[test]
    fn an_error_quoting_a_probe_answers_that_probe_alone() {
        for proto in [TraceProto::Tcp, TraceProto::Udp, TraceProto::Icmp] {
            for (dst, src, router) in [
                ("198.18.3.2", "198.18.1.1", "198.18.1.2"),
                ("fd00:18:3::2", "fd00:18:1::1", "fd00:18:1::2"),
            ] {
                let (dst, src, router) = (dst.parse().unwrap(), src.parse().unwrap(), router.parse().unwrap());
                let o = TraceOptions {
                    proto,
                    probes: 2,
                    max_ttl: 5,
                    ..TraceOptions::default()
                };
                let sent: Vec<Packet> = probes(dst, src, &o)
                    .unwrap()
                    .iter()
                    .map(|p| Packet::dissect(&p.packet.build(), crate::LinkType::RawIp))
                    .collect();
                for (i, probe) in sent.iter().enumerate() {
                    let reply = time_exceeded(probe.wire().unwrap(), router, src);
                    assert_eq!(answer_of(&reply), Answer::TimeExceeded);
                    assert_eq!(source(&reply), Some(router));
                    let matched: Vec<usize> = (0..sent.len()).filter(|&j| reply.answers(&sent[j])).collect();
                    assert_eq!(matched, [i], "{proto:?} {dst} probe {i}");
                }
            }
        }
    }

    #[test]
    fn impossible_options_and_ports_are_named() {
        let stop = AtomicBool::new(false);
        let target = "198.18.3.2".parse().unwrap();
        if privilege::require().is_ok() {
            let e = traceroute(target, &opts(5, 2, 1), &stop).unwrap_err();
            assert!(e.to_string().contains("minttl 5 maxttl 2"), "{e}");
        }
        let o = TraceOptions {
            sport: 65_530,
            ..TraceOptions::default()
        };
        let e = probes(target, target, &o).err().unwrap();
        assert!(e.to_string().contains("sport 65530"), "{e}");
        let e = trace_target("no-such-host.invalid", false).unwrap_err();
        assert!(e.to_string().contains("\"no-such-host.invalid\""), "{e}");
    }
}
