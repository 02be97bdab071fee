//! The raw exchange under `sr` and neighbour resolution: requests (bytes) out on a socket, answers captured
//! and matched by the caller's rule, with Scapy's `sndrcv` timing — the capture is open before the first
//! request leaves, the deadline counts from the last one, unanswered requests are sent again as `retry` says,
//! and the stop flag ends it all, keeping what was matched.

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{Scope, ScopedJoinHandle};
use std::time::{Duration, Instant};

use super::capture::{ring_for, Batch, CaptureStats, Live, BUFFER};
use super::error::{Error, Result};
use super::events::{Event, Events};
use super::privilege;
use super::raw_listen::RawListener;
use super::socket::{Socket, Via};
use crate::packet::Timestamp;
use crate::pcapio::Frame;

/// How an exchange runs.
#[derive(Clone, Debug)]
pub struct ExchangeOptions {
    /// Where the requests go out.
    pub via: Via,
    /// Where answers are heard.
    pub listen: Listen,
    /// BPF filter for the answers.
    pub filter: Option<String>,
    /// How long to wait for answers after the last request of a round has left; `None`: until every request is
    /// answered (or `stop`).
    pub timeout: Option<Duration>,
    /// Send the unanswered this many more times; negative: until that many rounds in a row bring nothing.
    pub retry: i32,
    /// Pause between requests.
    pub inter: Duration,
    /// Keep listening once every request is answered (until the timeout), for more answers to each.
    pub multi: bool,
    /// End at the first answer.
    pub first_only: bool,
    /// Emit [`Event::BeginEmission`] and [`Event::FinishedSending`].
    pub verbose: bool,
    pub events: Events,
}

/// Where an exchange hears its answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Listen {
    /// Inbound frames captured on this interface.
    Capture(String),
    /// Datagrams of these IP protocols, IPv6 (`v6`) or IPv4, addressed to this host, through raw IP sockets:
    /// no link header, but none of a capture's set-up and tear-down time (see `raw_listen`).
    Raw { v6: bool, protocols: Vec<u8> },
}

/// An exchange's open ears.
enum Ears {
    Capture(Live),
    Raw(RawListener),
}

impl Ears {
    fn open(opts: &ExchangeOptions, requests: usize) -> Result<Ears> {
        Ok(match &opts.listen {
            Listen::Capture(iface) => Ears::Capture(Live::start_with_ring(
                std::slice::from_ref(iface),
                opts.filter.as_deref(),
                false,
                true,
                exchange_ring(requests, opts.multi),
            )?),
            Listen::Raw { v6, protocols } => Ears::Raw(RawListener::open(*v6, protocols, opts.filter.as_deref())?),
        })
    }

    /// The socket requests leave through (a capture's own, where it can).
    fn socket(&self, via: &Via) -> Result<Socket> {
        match self {
            Ears::Capture(live) => live.socket(via),
            Ears::Raw(_) => Socket::open(via),
        }
    }

    fn next(&mut self, wait: Duration) -> Option<Batch> {
        match self {
            Ears::Capture(live) => live.next(wait),
            Ears::Raw(raw) => raw.next(wait),
        }
    }

    fn finish(self) -> CaptureStats {
        match self {
            Ears::Capture(live) => live.finish().0,
            Ears::Raw(raw) => raw.stats(),
        }
    }
}

/// What an exchange did: which requests were answered, when each last left, and the capture's counters.
#[derive(Debug, Default)]
pub struct Exchanged {
    pub answered: Vec<bool>,
    /// When each request was last sent (Scapy's `sent_time`); `None` for one never sent (stopped first).
    pub sent_at: Vec<Option<Timestamp>>,
    pub stats: CaptureStats,
}

/// Sends `requests` and hands every captured frame to `rule`, which says which request it answers (given
/// which are answered already), or `None`. The rule keeps whatever it wants of the answers.
pub fn exchange<F: AsRef<[u8]> + Sync>(
    requests: &[F],
    opts: &ExchangeOptions,
    rule: impl FnMut(Frame<'_>, &[bool]) -> Option<usize>,
    stop: &AtomicBool,
) -> Result<Exchanged> {
    exchange_settling(requests, opts, None, rule, stop)
}

/// [`exchange`], each round ending once answers have stopped coming: when `settle` has passed since its
/// last request left and since its last answer, with at least one answer in — the silent taken as absent,
/// as nmap's adaptive timeouts take them. The timeout still bounds the wait; `None` waits it out, as Scapy
/// does.
pub(crate) fn exchange_settling<F: AsRef<[u8]> + Sync>(
    requests: &[F],
    opts: &ExchangeOptions,
    settle: Option<Duration>,
    mut rule: impl FnMut(Frame<'_>, &[bool]) -> Option<usize>,
    stop: &AtomicBool,
) -> Result<Exchanged> {
    privilege::require()?;
    let mut ears = Ears::open(opts, requests.len())?;
    let mut out = Some(ears.socket(&opts.via)?);
    let mut answered = vec![false; requests.len()];
    let mut sent_at = vec![None; requests.len()];
    let (mut remaining, mut answers) = (requests.len(), 0usize);
    let mut pending: Vec<usize> = (0..requests.len()).collect();
    let mut retry = opts.retry;
    let mut idle_rounds = 0;
    if opts.verbose {
        opts.events.emit(Event::BeginEmission);
    }
    std::thread::scope(|scope| -> Result<()> {
        loop {
            let sender = spawn_sender(scope, out.take(), requests, pending.clone(), opts.inter, stop);
            let answers_before = answers;
            let mut sent_done: Option<Instant> = None;
            let mut last_answer: Option<Instant> = None;
            let mut sender = Some(sender);
            loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if let Some(h) = sender.take_if(|h| h.is_finished()) {
                    let (o, times) = h
                        .join()
                        .map_err(|_| Error::Unsendable("sender thread panicked".into()))??;
                    out = Some(o);
                    let n = times.len() as u64;
                    times.into_iter().for_each(|(i, t)| sent_at[i] = Some(t));
                    sent_done = Some(Instant::now());
                    if opts.verbose {
                        opts.events.emit(Event::FinishedSending(n));
                    }
                }
                let all = remaining == 0 && !opts.multi;
                let timed_out = matches!((sent_done, opts.timeout), (Some(t), Some(d)) if t.elapsed() >= d);
                let settled = matches!((sent_done, last_answer, settle),
                    (Some(t), Some(a), Some(q)) if t.elapsed() >= q && a.elapsed() >= q);
                if (all && sent_done.is_some()) || timed_out || settled || (opts.first_only && answers > 0) {
                    break;
                }
                let Some(batch) = ears.next(Duration::from_millis(20)) else {
                    continue;
                };
                for frame in batch.iter() {
                    let Some(i) = rule(frame, &answered).filter(|&i| i < answered.len()) else {
                        continue;
                    };
                    if !answered[i] {
                        remaining -= 1;
                    }
                    answered[i] = true;
                    answers += 1;
                    last_answer = Some(Instant::now());
                }
            }
            // Let the sender finish its current request before deciding on another round.
            if let Some(h) = sender {
                if let Ok(Ok((o, times))) = h.join() {
                    out = Some(o);
                    times.into_iter().for_each(|(i, t)| sent_at[i] = Some(t));
                }
            }
            idle_rounds = if answers > answers_before { 0 } else { idle_rounds + 1 };
            pending = (0..requests.len()).filter(|&i| !answered[i]).collect();
            let again = if retry < 0 { idle_rounds < -retry } else { retry > 0 };
            if retry > 0 {
                retry -= 1;
            }
            if pending.is_empty()
                || !again
                || stop.load(Ordering::Relaxed)
                || opts.first_only && answers > 0
                || out.is_none()
            {
                return Ok(());
            }
        }
    })?;
    let stats = ears.finish();
    Ok(Exchanged {
        answered,
        sent_at,
        stats,
    })
}

/// The capture ring an exchange needs: 128 KiB per request (the full ring held a 1,000-probe `sr`'s answers
/// on a busy machine, half of it did not), at least `MIN_BUFFER`; the full ring when each request may bring
/// many answers (`multi`).
fn exchange_ring(requests: usize, multi: bool) -> usize {
    if multi {
        return BUFFER;
    }
    ring_for(requests, 128 << 10)
}

/// The requests a sender sent, by index, each with when it left.
type SentTimes = Vec<(usize, Timestamp)>;

/// Sends the pending requests on another thread, so answers are matched while sending goes on; hands the
/// socket back with each request sent and when it left.
fn spawn_sender<'s, F: AsRef<[u8]> + Sync>(
    scope: &'s Scope<'s, '_>,
    out: Option<Socket>,
    requests: &'s [F],
    pending: Vec<usize>,
    inter: Duration,
    stop: &'s AtomicBool,
) -> ScopedJoinHandle<'s, Result<(Socket, SentTimes)>> {
    scope.spawn(move || {
        let mut out = out.ok_or_else(|| Error::Unsendable("no socket to send with".into()))?;
        let mut sent = Vec::with_capacity(pending.len());
        for i in pending {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            // Stamped just before it leaves, as Scapy stamps `sent_time`: an answer is never captured earlier.
            let at = Timestamp::now();
            out.send(requests[i].as_ref())?;
            sent.push((i, at));
            if !inter.is_zero() {
                std::thread::sleep(inter);
            }
        }
        Ok((out, sent))
    })
}
