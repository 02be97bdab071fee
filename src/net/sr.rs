//! `sr` / `sr1` (layer 3) and `srp` / `srp1` (layer 2): send, capture, and pair each answer with its request by
//! Scapy's `hashret` / `answers` rules. The capture is open before the first packet leaves; requests are
//! indexed by `hashret` in a hash map, so matching is linear in the number of packets.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{Scope, ScopedJoinHandle};
use std::time::{Duration, Instant};

use super::capture::{Live, Stats};
use super::send::{build_all, fill_ether, l3_dst, L2Socket, L3Socket};
use super::{conf, Error, Result};
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
    /// Print Scapy's progress lines (`Begin emission`, `Received N packets, got M answers...`).
    pub verbose: bool,
    /// Keep received packets that answered nothing, in [`SndRcv::unmatched`].
    pub debug: bool,
}

/// Scapy's `(ans, unans)`, and the received packets nothing matched when `debug` is on.
#[derive(Debug, Default)]
pub struct SndRcv {
    /// (request, answer) pairs, in arrival order.
    pub ans: Vec<(Packet, Packet)>,
    pub unans: Vec<Packet>,
    pub unmatched: Vec<Packet>,
    pub stats: Stats,
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

/// Where the requests go out.
enum Out {
    L3(L3Socket),
    L2(L2Socket),
}

impl Out {
    fn send(&mut self, f: &[u8]) -> Result<()> {
        match self {
            Out::L3(s) => s.send(f),
            Out::L2(s) => s.send(f),
        }
    }
}

/// The layer-3 view of a captured frame: what follows the link header, so that it compares with an IP request.
fn l3_view(f: &pcapio::Frame<'_>) -> Option<Packet> {
    let skip = match f.link {
        LinkType::RawIp => 0,
        LinkType::Ethernet => match f.data.get(12..14)? {
            [0x81, 0x00] => 18,
            _ => 14,
        },
        LinkType::LinuxSll => 16,
        LinkType::LinuxSll2 => 20,
        LinkType::Null => 4,
        LinkType::Other(_) => return None,
    };
    let data = f.data.get(skip..)?;
    matches!(data.first().map(|b| b >> 4), Some(4 | 6)).then(|| Packet::dissect(data, LinkType::RawIp))
}

fn sndrcv(pkts: &[Packet], opts: &SrOptions, stop: &AtomicBool, l2: bool, first_only: bool) -> Result<SndRcv> {
    super::require_privileges()?;
    let c = conf();
    let route_iface = || {
        pkts.first()
            .and_then(l3_dst)
            .and_then(|d| c.route_to(d))
            .map(|h| h.iface)
    };
    let iface = opts
        .iface
        .clone()
        .or_else(route_iface)
        .unwrap_or_else(|| c.iface().to_string());
    let pkts = if l2 {
        pkts.iter()
            .map(|p| fill_ether(&c, &iface, p, stop))
            .collect::<Result<Vec<_>>>()?
    } else {
        pkts.to_vec()
    };
    let frames = build_all(&pkts);
    let link = if l2 { LinkType::Ethernet } else { LinkType::RawIp };
    let sent: Vec<Packet> = frames.iter().map(|f| Packet::dissect(f, link)).collect();
    let mut by_hash: HashMap<Vec<u8>, Vec<usize>> = HashMap::with_capacity(sent.len());
    for (i, p) in sent.iter().enumerate() {
        by_hash.entry(p.hashret()).or_default().push(i);
    }
    let live = Live::start(std::slice::from_ref(&iface), opts.filter.as_deref(), false, true)?;
    let mut out = Some(if l2 {
        Out::L2(L2Socket::new(&iface)?)
    } else {
        Out::L3(L3Socket::new(opts.iface.as_deref())?)
    });
    let mut answered = vec![false; sent.len()];
    let mut res = SndRcv::default();
    let (mut remaining, mut received) = (sent.len(), 0u64);
    let mut pending: Vec<usize> = (0..sent.len()).collect();
    let mut retry = opts.retry;
    let mut idle_rounds = 0;
    if opts.verbose {
        eprintln!("Begin emission");
    }
    std::thread::scope(|scope| -> Result<()> {
        'rounds: loop {
            let sender = spawn_sender(scope, out.take(), &frames, pending.clone(), opts.inter, stop);
            let answers_before = res.ans.len();
            let mut sent_done: Option<Instant> = None;
            let mut sender = Some(sender);
            loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if let Some(h) = sender.take_if(|h| h.is_finished()) {
                    let (o, n) = h
                        .join()
                        .map_err(|_| Error::Unsendable("sender thread panicked".into()))??;
                    out = Some(o);
                    sent_done = Some(Instant::now());
                    if opts.verbose {
                        eprintln!("Finished sending {n} packets");
                    }
                }
                let all = remaining == 0 && !opts.multi;
                let timed_out = matches!((sent_done, opts.timeout), (Some(t), Some(d)) if t.elapsed() >= d);
                if (all && sent_done.is_some()) || timed_out || (first_only && !res.ans.is_empty()) {
                    break;
                }
                let Some(batch) = live.next(Duration::from_millis(20)) else {
                    continue;
                };
                for frame in batch.iter() {
                    let reply = if l2 { Some(frame.packet()) } else { l3_view(&frame) };
                    let Some(reply) = reply else { continue };
                    received += 1;
                    let hit = by_hash.get(&reply.hashret()).and_then(|cands| {
                        cands
                            .iter()
                            .copied()
                            .find(|&i| (opts.multi || !answered[i]) && reply.answers(&sent[i]))
                    });
                    match hit {
                        Some(i) => {
                            if !answered[i] {
                                remaining -= 1;
                            }
                            answered[i] = true;
                            res.ans.push((sent[i].clone(), reply));
                        }
                        None if opts.debug => res.unmatched.push(reply),
                        None => {}
                    }
                }
            }
            // Let the sender finish its current packet before deciding on another round.
            if let Some(h) = sender {
                if let Ok(Ok((o, _))) = h.join() {
                    out = Some(o);
                }
            }
            idle_rounds = if res.ans.len() > answers_before {
                0
            } else {
                idle_rounds + 1
            };
            pending = (0..sent.len()).filter(|&i| !answered[i]).collect();
            let again = if retry < 0 { idle_rounds < -retry } else { retry > 0 };
            if retry > 0 {
                retry -= 1;
            }
            if pending.is_empty()
                || !again
                || stop.load(Ordering::Relaxed)
                || first_only && !res.ans.is_empty()
                || out.is_none()
            {
                break 'rounds;
            }
        }
        Ok(())
    })?;
    let (stats, _) = live.finish();
    res.stats = stats;
    res.unans = (0..sent.len())
        .filter(|&i| !answered[i])
        .map(|i| sent[i].clone())
        .collect();
    if opts.verbose {
        eprintln!(
            "Received {received} packets, got {} answers, remaining {} packets",
            res.ans.len(),
            res.unans.len()
        );
    }
    Ok(res)
}

/// Sends the pending requests on another thread, so answers are matched while sending goes on; hands the
/// socket back with the number sent.
fn spawn_sender<'s>(
    scope: &'s Scope<'s, '_>,
    out: Option<Out>,
    frames: &'s [Vec<u8>],
    pending: Vec<usize>,
    inter: Duration,
    stop: &'s AtomicBool,
) -> ScopedJoinHandle<'s, Result<(Out, usize)>> {
    scope.spawn(move || {
        let mut out = out.ok_or_else(|| Error::Unsendable("no socket to send with".into()))?;
        let mut n = 0;
        for i in pending {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            out.send(&frames[i])?;
            n += 1;
            if !inter.is_zero() {
                std::thread::sleep(inter);
            }
        }
        Ok((out, n))
    })
}
