//! Scapy's floods — `srflood`, `sr1flood`, `srpflood`, `srp1flood`: the packets sent over and over as fast as
//! the socket takes them while the answers are matched, `count` times over, or (`count` unset) until the
//! timeout or the stop flag, as Scapy floods until its timeout or Ctrl-C.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::error::Result;
use super::sr::{sndrcv_rounds, SndRcv, SrOptions};
use crate::Packet;

/// A flood's options: each exchange's, and how many times the packets go.
#[derive(Clone, Debug, Default)]
pub struct FloodOptions {
    /// The exchange. With `count`, its `timeout` is the wait after the last packet, as `sr`'s; without, the
    /// whole flood's length (`None`: until the stop flag).
    pub sr: SrOptions,
    /// How many times the packets are sent; `None`: until the timeout or the stop flag.
    pub count: Option<usize>,
}

/// The wait for the answers of each burst of an open-ended flood: long enough for a LAN's round trip.
const BURST_WAIT: Duration = Duration::from_millis(50);
/// About how many packets a burst sends at most, and at first (and again after a burst nothing answered):
/// bursts double while answers come. A silent on-link address makes the kernel hold the packets while it
/// asks ARP for it, and a large burst would then block in its socket past the timeout.
const BURST_PACKETS: usize = 1024;
const FIRST_BURST_PACKETS: usize = 64;

/// Scapy's `srflood`: layer 3.
pub fn srflood(pkts: &[Packet], opts: &FloodOptions, stop: &AtomicBool) -> Result<SndRcv> {
    flood(pkts, opts, stop, false, false)
}

/// Scapy's `srpflood`: layer 2.
pub fn srpflood(pkts: &[Packet], opts: &FloodOptions, stop: &AtomicBool) -> Result<SndRcv> {
    flood(pkts, opts, stop, true, false)
}

/// Scapy's `sr1flood`: the first answer, the flood ending with it.
pub fn sr1flood(pkts: &[Packet], opts: &FloodOptions, stop: &AtomicBool) -> Result<Option<Packet>> {
    Ok(flood(pkts, opts, stop, false, true)?
        .ans
        .into_iter()
        .next()
        .map(|(_, r)| r))
}

/// Scapy's `srp1flood`.
pub fn srp1flood(pkts: &[Packet], opts: &FloodOptions, stop: &AtomicBool) -> Result<Option<Packet>> {
    Ok(flood(pkts, opts, stop, true, true)?
        .ans
        .into_iter()
        .next()
        .map(|(_, r)| r))
}

/// The flood, in bursts of at most about [`BURST_PACKETS`] packets (so that memory stays bounded whatever `count`),
/// each a [`sndrcv_rounds`]: a burst waits [`BURST_WAIT`] for its answers, the last of a counted flood the
/// options' timeout. A request is unanswered when no burst answered it.
fn flood(pkts: &[Packet], opts: &FloodOptions, stop: &AtomicBool, l2: bool, first_only: bool) -> Result<SndRcv> {
    let deadline = match opts.count {
        None => opts.sr.timeout.map(|t| Instant::now() + t),
        Some(_) => None,
    };
    let frames: u128 = pkts.iter().map(Packet::count).sum();
    if frames == 0 {
        return Ok(SndRcv::default());
    }
    let rounds_of = |packets: usize| (packets as u128 / frames).max(1) as usize;
    let mut burst_packets = FIRST_BURST_PACKETS;
    let mut left = opts.count;
    let mut total = SndRcv::default();
    let mut unans: Option<Vec<Packet>> = None;
    let mut first_burst = true;
    while left != Some(0) && !stop.load(Ordering::Relaxed) && deadline.is_none_or(|d| Instant::now() < d) {
        let rounds = left.map_or(rounds_of(burst_packets), |l| l.min(rounds_of(burst_packets)));
        left = left.map(|l| l - rounds);
        let last = left == Some(0);
        let burst = SrOptions {
            timeout: if last { opts.sr.timeout } else { Some(BURST_WAIT) },
            // Scapy's emission lines for a flood that is one burst; a longer one would print them per burst.
            verbose: opts.sr.verbose && last && first_burst,
            ..opts.sr.clone()
        };
        first_burst = false;
        let res = sndrcv_rounds(pkts, &burst, stop, l2, first_only, rounds)?;
        burst_packets = if res.ans.is_empty() {
            FIRST_BURST_PACKETS
        } else {
            (burst_packets * 2).min(BURST_PACKETS)
        };
        total.ans.extend(res.ans);
        total.ans_sent.extend(res.ans_sent);
        total.ans_received.extend(res.ans_received);
        total.unmatched.extend(res.unmatched);
        total.stats.received += res.stats.received;
        total.stats.dropped += res.stats.dropped;
        total.stats.if_dropped += res.stats.if_dropped;
        // Each burst's unanswered, in the order sent: those no burst answered stay.
        unans = Some(match unans {
            None => res.unans,
            Some(before) => before.into_iter().filter(|p| res.unans.contains(p)).collect(),
        });
        if first_only && !total.ans.is_empty() {
            break;
        }
    }
    total.unans = unans.unwrap_or_default();
    Ok(total)
}
