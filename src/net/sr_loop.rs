//! Scapy's `srloop` / `srploop` (its `__sr_loop`): the same packets exchanged again and again, one `sr` (or
//! `srp`) a round, `inter` apart, `count` rounds or until the stop flag; each round handed to the caller as it
//! ends (Scapy prints its `RECV` / `fail` lines there), and every round's answers and failures kept.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::error::Result;
use super::sr::{SndRcv, SrOptions};
use crate::Packet;

/// How a loop runs, beyond each round's `sr` options.
#[derive(Clone, Debug)]
pub struct LoopOptions {
    /// Each round's exchange. Its `timeout` unset is Scapy's `min(2 * inter, 5)` seconds; its `verbose` is
    /// ignored (a round's lines are the caller's).
    pub sr: SrOptions,
    /// From the start of one round to the start of the next (Scapy's default: one second).
    pub inter: Duration,
    /// How many rounds; `None`: until the stop flag.
    pub count: Option<u64>,
    /// Keep every round's pairs and failures in the report (off for an endless loop that only prints).
    pub store: bool,
}

/// What a loop did: the rounds' answers and failures (when stored), and Scapy's closing counts.
#[derive(Debug, Default)]
pub struct LoopReport {
    pub res: SndRcv,
    /// Packets sent, over all rounds: answered and unanswered.
    pub sent: usize,
    pub received: usize,
}

impl LoopReport {
    /// Scapy's closing line, `Sent 3 packets, received 3 packets. 100.0% hits.`; `None` when nothing was sent.
    pub fn summary(&self) -> Option<String> {
        (self.sent > 0).then(|| {
            let hits = 100.0 * self.received as f64 / self.sent as f64;
            format!(
                "Sent {} packets, received {} packets. {hits:3.1}% hits.",
                self.sent, self.received
            )
        })
    }
}

/// One round's exchange: `sr` or `srp`.
pub type RoundFn = fn(&[Packet], &SrOptions, &AtomicBool) -> Result<SndRcv>;

/// Scapy's `srloop` (with `sr`) and `srploop` (with `srp`): rounds of `exchange` over `pkts`, each handed to
/// `on_round` when it ends. The stop flag ends the loop; the round it cut short is kept.
pub fn sr_loop(
    exchange: RoundFn,
    pkts: &[Packet],
    opts: &LoopOptions,
    mut on_round: impl FnMut(&SndRcv),
    stop: &AtomicBool,
) -> Result<LoopReport> {
    let round_opts = SrOptions {
        timeout: Some(opts.sr.timeout.unwrap_or((2 * opts.inter).min(Duration::from_secs(5)))),
        verbose: false,
        ..opts.sr.clone()
    };
    let mut report = LoopReport::default();
    let mut left = opts.count;
    while left != Some(0) && !stop.load(Ordering::Relaxed) {
        left = left.map(|n| n - 1);
        let start = Instant::now();
        let round = exchange(pkts, &round_opts, stop)?;
        report.sent += round.ans.len() + round.unans.len();
        report.received += round.ans.len();
        on_round(&round);
        if opts.store {
            let res = &mut report.res;
            res.ans.extend(round.ans);
            res.ans_sent.extend(round.ans_sent);
            res.ans_received.extend(round.ans_received);
            res.unans.extend(round.unans);
        }
        if left != Some(0) {
            sleep_unless(opts.inter.saturating_sub(start.elapsed()), stop);
        }
    }
    Ok(report)
}

/// Sleeps `d`, in slices, ending early when `stop` is set.
fn sleep_unless(d: Duration, stop: &AtomicBool) {
    let end = Instant::now() + d;
    while !stop.load(Ordering::Relaxed) {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}
