//! `send` (layer 3, raw IP socket: the kernel routes, loopback works) and `sendp` (layer 2, libpcap injection).
//! One socket per call; every frame is ready before the first is sent (built, or a stored frame borrowed), so
//! the send loop only sends.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::conf::conf;
use super::error::Result;
use super::events::{Event, Events};
use super::outgoing::{self, EtherFill, Outgoing, Ready};
use super::privilege;
use super::socket::{Socket, Via};
use crate::Packet;

/// Scapy's `send` / `sendp` parameters.
#[derive(Clone, Debug)]
pub struct SendOptions {
    /// Send the whole list this many times.
    pub count: u64,
    /// Pause between packets.
    pub inter: Duration,
    /// Repeat until `stop` is set.
    pub looping: bool,
    /// Layer 3: bind the socket to this interface. Layer 2: inject here (default: the route's interface).
    pub iface: Option<String>,
    /// Emit [`Event::Sent`] (`Sent N packets.`) at the end.
    pub verbose: bool,
    /// Emit [`Event::Progress`], at most once a second, while a long send runs (and [`Event::ProgressDone`]
    /// after the last one).
    pub progress: bool,
    /// Packets per second (overrides `inter`).
    pub rate: Option<f64>,
    /// Layer 2: send to the broadcast address when a destination's MAC cannot be resolved, as Scapy does,
    /// instead of failing.
    pub broadcast_fallback: bool,
    /// Where the events go.
    pub events: Events,
}

impl Default for SendOptions {
    fn default() -> SendOptions {
        SendOptions {
            count: 1,
            inter: Duration::ZERO,
            looping: false,
            iface: None,
            verbose: true,
            progress: true,
            rate: None,
            broadcast_fallback: false,
            events: Events::default(),
        }
    }
}

/// What a send did.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SendReport {
    pub sent: u64,
    pub bytes: u64,
    pub elapsed: Duration,
    /// True when `stop` ended it early.
    pub interrupted: bool,
}

impl SendReport {
    /// The closing event: `Sent N packets.`.
    pub fn event(&self) -> Event {
        Event::Sent {
            sent: self.sent,
            interrupted: self.interrupted,
        }
    }
}

impl std::fmt::Display for SendReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.event().fmt(f)
    }
}

/// Scapy's `send`: IP or IPv6 packets through a raw socket.
pub fn send(pkts: &[Packet], opts: &SendOptions, stop: &AtomicBool) -> Result<SendReport> {
    send_items(&packets(pkts), opts, stop)
}

/// Scapy's `sendp`: frames injected on an interface. Unset `Ether` source and destination are filled from the
/// interface and neighbour resolution; dissected frames are sent exactly as read.
pub fn sendp(pkts: &[Packet], opts: &SendOptions, stop: &AtomicBool) -> Result<SendReport> {
    sendp_items(&packets(pkts), opts, stop)
}

fn packets(pkts: &[Packet]) -> Vec<Outgoing<'static>> {
    pkts.iter().cloned().map(Outgoing::Packet).collect()
}

/// [`send`] of packets and stored frames: a stored list's frames go out as they are, undissected.
pub fn send_items(items: &[Outgoing<'_>], opts: &SendOptions, stop: &AtomicBool) -> Result<SendReport> {
    privilege::require()?;
    let ready = outgoing::ready(items, None, stop)?;
    let mut sock = Socket::open(&Via::Ip(opts.iface.clone()))?;
    pace(&ready, opts, stop, |f| sock.send(f))
}

/// [`sendp`] of packets and stored frames: a stored list's frames go out as they are, undissected (its first
/// frame is dissected to choose the interface when none is given).
pub fn sendp_items(items: &[Outgoing<'_>], opts: &SendOptions, stop: &AtomicBool) -> Result<SendReport> {
    privilege::require()?;
    let c = conf();
    let iface = match &opts.iface {
        Some(i) => i.clone(),
        None => outgoing::first_packet(items)
            .as_ref()
            .and_then(outgoing::l3_dst)
            .and_then(|d| c.route_to(d))
            .map_or_else(|| c.iface().to_string(), |h| h.iface),
    };
    let fill = EtherFill {
        conf: &c,
        iface: &iface,
        broadcast_fallback: opts.broadcast_fallback,
    };
    let ready = outgoing::ready(items, Some(&fill), stop)?;
    let mut sock = Socket::open(&Via::Link(iface.clone()))?;
    pace(&ready, opts, stop, |f| sock.send(f))
}

/// The send loop: `count` rounds (or until `stop` when looping), paced by `rate` or `inter`, with a progress
/// event every second on long sends.
fn pace(
    ready: &[Ready<'_>],
    opts: &SendOptions,
    stop: &AtomicBool,
    mut send_one: impl FnMut(&[u8]) -> Result<()>,
) -> Result<SendReport> {
    let gap = opts
        .rate
        .filter(|r| *r > 0.0)
        .map_or(opts.inter, |r| Duration::from_secs_f64(1.0 / r));
    let start = Instant::now();
    let mut report = SendReport::default();
    let mut last_progress = start;
    let mut step = |f: &[u8]| -> Result<bool> {
        if stop.load(Ordering::Relaxed) {
            report.interrupted = true;
            return Ok(false);
        }
        if !gap.is_zero() {
            let due = start + gap.saturating_mul(report.sent as u32);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        send_one(f)?;
        report.sent += 1;
        report.bytes += f.len() as u64;
        if opts.progress && report.sent % 1024 == 0 && last_progress.elapsed() >= Duration::from_secs(1) {
            last_progress = Instant::now();
            let rate = report.sent as f64 / start.elapsed().as_secs_f64();
            opts.events.emit(Event::Progress {
                sent: report.sent,
                rate,
            });
        }
        Ok(true)
    };
    let mut round = 0;
    'rounds: while opts.looping || round < opts.count {
        round += 1;
        let mut any = false;
        for r in ready {
            any |= !r.is_empty();
            if !r.each(&mut step)? {
                break 'rounds;
            }
        }
        if !any {
            break;
        }
    }
    report.elapsed = start.elapsed();
    if opts.progress && last_progress > start {
        opts.events.emit(Event::ProgressDone);
    }
    if opts.verbose {
        opts.events.emit(report.event());
    }
    Ok(report)
}
