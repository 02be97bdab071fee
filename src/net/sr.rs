//! `sr` / `sr1` (layer 3) and `srp` / `srp1` (layer 2): send, capture, and pair each answer with its request by
//! Scapy's `hashret` / `answers` rules. The capture is open before the first packet leaves; requests are
//! indexed by `hashret` in a hash map, so matching is linear in the number of packets.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::capture::CaptureStats;
use super::conf::conf;
use super::error::Result;
use super::events::{Event, Events};
use super::exchange::{exchange, ExchangeOptions, Listen};
use super::outgoing::{self, EtherFill};
use super::privilege;
use super::socket::Via;
use crate::packet::{MatchRules, Timestamp};
use crate::{pcapio, LinkType, Packet};

/// Scapy's `sr` parameters.
#[derive(Clone, Debug, Default)]
pub struct SrOptions {
    /// How long to wait for answers after the last packet is sent; `None`: until every request is answered
    /// (or `stop`).
    pub timeout: Option<Duration>,
    /// Resend the unanswered this many more times; negative: until that many rounds in a row bring nothing.
    pub retry: i32,
    /// Pause between packets.
    pub inter: Duration,
    /// Keep every answer to a request, not just the first.
    pub multi: bool,
    /// BPF filter for the capture.
    pub filter: Option<String>,
    /// Interface (default: the route's interface for the first packet's destination).
    pub iface: Option<String>,
    /// Emit Scapy's progress lines as events ([`Event::BeginEmission`], [`Event::FinishedSending`],
    /// [`Event::Received`]).
    pub verbose: bool,
    /// Keep received packets that answered nothing, in [`SndRcv::unmatched`].
    pub debug: bool,
    /// Layer 2: send to the broadcast address when a destination's MAC cannot be resolved, as Scapy does,
    /// instead of failing.
    pub broadcast_fallback: bool,
    /// What an answer must match (Scapy's `conf.checkIPaddr`, `checkIPsrc`, `checkIPinIP`); Scapy's defaults by
    /// default.
    pub rules: MatchRules,
    /// Where the events go.
    pub events: Events,
}

/// Scapy's `(ans, unans)`, and the received packets nothing matched when `debug` is on.
#[derive(Debug, Default)]
pub struct SndRcv {
    /// (request, answer) pairs, in arrival order.
    pub ans: Vec<(Packet, Packet)>,
    /// When each pair's request was last sent, as `ans` is ordered: Scapy's `sent_time` of the query.
    pub ans_sent: Vec<Option<Timestamp>>,
    /// When each pair's answer was captured, as `ans` is ordered: Scapy's `time` of the answer.
    pub ans_received: Vec<Timestamp>,
    pub unans: Vec<Packet>,
    pub unmatched: Vec<Packet>,
    pub stats: CaptureStats,
}

impl SndRcv {
    /// Scapy's `ans.summary()`: one `request ==> answer` line per pair.
    pub fn summary(&self) -> String {
        self.ans.iter().map(|(q, r)| answer_line(q, r) + "\n").collect()
    }

    /// The plain `(ans, unans)` pair.
    pub fn into_pair(self) -> (Vec<(Packet, Packet)>, Vec<Packet>) {
        (self.ans, self.unans)
    }
}

/// One pair as Scapy's `summary()` shows it: `request ==> answer`.
pub fn answer_line(request: &Packet, answer: &Packet) -> String {
    format!("{} ==> {}", request.summary(), answer.summary())
}

/// Scapy's `sr`: IP / IPv6 packets sent through a raw socket; answers captured on the route's interface.
pub fn sr(pkts: &[Packet], opts: &SrOptions, stop: &AtomicBool) -> Result<SndRcv> {
    sndrcv(pkts, opts, stop, false, false)
}

/// Scapy's `sr1`: the first answer, returned as soon as it arrives.
pub fn sr1(pkts: &[Packet], opts: &SrOptions, stop: &AtomicBool) -> Result<Option<Packet>> {
    Ok(sndrcv(pkts, opts, stop, false, true)?
        .ans
        .into_iter()
        .next()
        .map(|(_, r)| r))
}

/// Scapy's `srp`: frames injected at layer 2 (unset `Ether` addresses filled as `sendp` does).
pub fn srp(pkts: &[Packet], opts: &SrOptions, stop: &AtomicBool) -> Result<SndRcv> {
    sndrcv(pkts, opts, stop, true, false)
}

/// Scapy's `srp1`.
pub fn srp1(pkts: &[Packet], opts: &SrOptions, stop: &AtomicBool) -> Result<Option<Packet>> {
    Ok(sndrcv(pkts, opts, stop, true, true)?
        .ans
        .into_iter()
        .next()
        .map(|(_, r)| r))
}

/// The layer-3 view of a captured frame: what follows the link header, so that it compares with an IP request.
pub(super) fn l3_view(f: &pcapio::Frame<'_>) -> Option<Packet> {
    let skip = match f.link {
        LinkType::RawIp => 0,
        LinkType::Ethernet => match f.data.get(12..14)? {
            [0x81, 0x00] => 18,
            _ => 14,
        },
        LinkType::LinuxSll => 16,
        LinkType::LinuxSll2 => 20,
        LinkType::Null => 4,
        LinkType::Other(_) | LinkType::Proto(_) => return None,
    };
    let data = f.data.get(skip..)?;
    matches!(data.first().map(|b| b >> 4), Some(4 | 6)).then(|| Packet::dissect(data, LinkType::RawIp))
}

/// Scapy's `sndrcv`: the packets made ready (at layer 2 their `Ether` filled), then exchanged, each captured
/// frame matched by `hashret` (indexed) and `answers` against the requests as they went out.
fn sndrcv(pkts: &[Packet], opts: &SrOptions, stop: &AtomicBool, l2: bool, first_only: bool) -> Result<SndRcv> {
    sndrcv_rounds(pkts, opts, stop, l2, first_only, 1)
}

/// [`sndrcv`] with the packets sent `rounds` times over, one after the other (Scapy's flood): an answer goes
/// to the first copy of its request not answered yet, and a request is unanswered when no copy was.
pub(super) fn sndrcv_rounds(
    pkts: &[Packet],
    opts: &SrOptions,
    stop: &AtomicBool,
    l2: bool,
    first_only: bool,
    rounds: usize,
) -> Result<SndRcv> {
    privilege::require()?;
    let c = conf();
    let route_iface = || {
        pkts.first()
            .and_then(outgoing::l3_dst)
            .and_then(|d| c.route_to(d))
            .map(|h| h.iface)
    };
    let iface = opts
        .iface
        .clone()
        .or_else(route_iface)
        .unwrap_or_else(|| c.iface().to_string());
    let fill = EtherFill {
        conf: &c,
        iface: &iface,
        broadcast_fallback: opts.broadcast_fallback,
    };
    let frames = outgoing::built(pkts, l2.then_some(&fill), stop)?;
    let n = frames.len();
    let copies: Vec<&[u8]> = (0..rounds).flat_map(|_| frames.iter().map(|f| f.as_slice())).collect();
    let link = if l2 { LinkType::Ethernet } else { LinkType::RawIp };
    let sent: Vec<Packet> = frames.iter().map(|f| Packet::dissect(f, link)).collect();
    let mut by_hash: HashMap<Vec<u8>, Vec<usize>> = HashMap::with_capacity(sent.len());
    for (i, p) in sent.iter().enumerate() {
        by_hash.entry(p.hashret_with(opts.rules)).or_default().push(i);
    }
    let xopts = ExchangeOptions {
        via: if l2 {
            Via::Link(iface.clone())
        } else {
            Via::Ip(opts.iface.clone())
        },
        listen: Listen::Capture(iface.clone()),
        filter: opts.filter.clone(),
        timeout: opts.timeout,
        retry: opts.retry,
        inter: opts.inter,
        multi: opts.multi,
        first_only,
        verbose: opts.verbose,
        events: opts.events.clone(),
    };
    let mut res = SndRcv::default();
    let mut answered_requests = Vec::new();
    let mut received = 0u64;
    let done = exchange(
        &copies,
        &xopts,
        |frame, answered| {
            let reply = if l2 { Some(frame.packet()) } else { l3_view(&frame) }?;
            received += 1;
            // The request it answers, and the copy: the first one open (any, with `multi`).
            let copy_of = |i: usize| (0..rounds).map(|k| i + k * n).find(|&j| opts.multi || !answered[j]);
            let hit = by_hash.get(&reply.hashret_with(opts.rules)).and_then(|cands| {
                cands
                    .iter()
                    .copied()
                    .find_map(|i| Some((i, copy_of(i).filter(|_| reply.answers_with(&sent[i], opts.rules))?)))
            });
            match hit {
                Some((i, copy)) => {
                    res.ans.push((sent[i].clone(), reply));
                    res.ans_received.push(frame.ts);
                    answered_requests.push(copy);
                }
                None if opts.debug => res.unmatched.push(reply),
                None => {}
            }
            hit.map(|(_, copy)| copy)
        },
        stop,
    )?;
    res.stats = done.stats;
    res.ans_sent = answered_requests.into_iter().map(|i| done.sent_at[i]).collect();
    res.unans = (0..sent.len())
        .filter(|&i| (0..rounds).all(|k| !done.answered[i + k * n]))
        .map(|i| sent[i].clone())
        .collect();
    if opts.verbose {
        opts.events.emit(Event::Received {
            received,
            answers: res.ans.len(),
            remaining: res.unans.len(),
        });
    }
    Ok(res)
}
