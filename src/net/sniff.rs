//! `sniff`, with Scapy's parameters and meanings.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::capture::{Batch, CaptureStats, CapturedFrame, Live};
use super::conf::conf;
use super::error::{Error, Result};
use crate::{pcapio, Packet};

/// Scapy's `sniff` parameters. `Default` is Scapy's defaults: forever, on `conf.iface`, store, print (to
/// [`Hooks::out`]).
#[derive(Clone, Debug)]
pub struct SniffOptions {
    /// Stop after this many packets (those `lfilter` kept); 0: no limit.
    pub count: usize,
    /// Interfaces to capture on; empty: `conf.iface`.
    pub iface: Vec<String>,
    /// A BPF filter, compiled by libpcap.
    pub filter: Option<String>,
    /// Stop after this long.
    pub timeout: Option<Duration>,
    /// Keep the packets in the result (turn off for long captures streamed to `wrpcap`).
    pub store: bool,
    /// Read this pcap file instead of an interface.
    pub offline: Option<PathBuf>,
    /// Do not make a summary line per packet nor the closing counters.
    pub quiet: bool,
    pub promisc: bool,
    /// Stream every kept packet to this pcap file as it arrives (bounded memory with `store: false`).
    pub wrpcap: Option<PathBuf>,
}

impl Default for SniffOptions {
    fn default() -> SniffOptions {
        SniffOptions {
            count: 0,
            iface: Vec::new(),
            filter: None,
            timeout: None,
            store: true,
            offline: None,
            quiet: false,
            promisc: true,
            wrpcap: None,
        }
    }
}

/// A callback on a packet and its capture time (seconds since the epoch): `prn` returns the line to print,
/// `lfilter` and `stop_filter` a decision.
pub type PacketFn<'a, T> = Box<dyn FnMut(&Packet, f64) -> T + 'a>;
/// Where printed lines go.
pub type LineFn<'a> = Box<dyn FnMut(&str) + 'a>;

/// Scapy's callbacks, as Rust closures, and where printed lines go.
#[derive(Default)]
pub struct Hooks<'a> {
    /// Called on each kept packet; a returned line is printed (instead of the summary).
    pub prn: Option<PacketFn<'a, Option<String>>>,
    /// Keeps only the packets for which it returns true.
    pub lfilter: Option<PacketFn<'a, bool>>,
    /// Ends the capture after the first packet for which it returns true.
    pub stop_filter: Option<PacketFn<'a, bool>>,
    /// Receives every line Scapy would print (a summary or `prn`'s line per packet, the closing counters);
    /// without it they are not made: the library never prints.
    pub out: Option<LineFn<'a>>,
}

impl Hooks<'_> {
    fn print(&mut self, line: &str) {
        if let Some(out) = &mut self.out {
            out(line);
        }
    }
}

/// What `sniff` returns.
#[derive(Debug, Default)]
pub struct SniffResult {
    /// The kept packets, as captured (dissect with [`Frame::packet`]).
    pub packets: Vec<CapturedFrame>,
    /// How many packets were kept (also counted when `store` is off).
    pub kept: u64,
    /// libpcap's counters (zero when reading a file).
    pub stats: CaptureStats,
    /// True when `stop` ended the capture (Ctrl-C).
    pub interrupted: bool,
    /// Why the capture ended before its count or timeout, when an interface went down or away: the error
    /// names it. What was captured before is kept, as after Ctrl-C.
    pub failure: Option<Error>,
}

impl CapturedFrame {
    /// The frame dissected.
    pub fn packet(&self) -> Packet {
        Packet::dissect(&self.data, self.link)
    }
}

/// Scapy's `sniff`: captures until `count`, `timeout`, `stop_filter` or `stop`, then reports libpcap's
/// received / dropped-by-kernel / dropped-by-interface counters. Everything captured before the end is
/// returned, also after Ctrl-C or when an interface fails ([`SniffResult::failure`]).
///
/// With `wrpcap`, the file is published under its name when the capture ends; if it cannot take more (disk
/// full, quota, I/O error), the capture ends with an error saying how many packets the file keeps, and it
/// holds exactly those as a valid capture.
///
/// ```no_run
/// use std::sync::atomic::AtomicBool;
/// use wirecraft::net::{sniff, Hooks, SniffOptions};
/// let opts = SniffOptions { count: 10, filter: Some("icmp".into()), ..SniffOptions::default() };
/// let res = sniff(&opts, Hooks::default(), &AtomicBool::new(false))?;
/// println!("{} packets, {}", res.kept, res.stats);
/// # Ok::<(), wirecraft::net::Error>(())
/// ```
pub fn sniff(opts: &SniffOptions, hooks: Hooks<'_>, stop: &AtomicBool) -> Result<SniffResult> {
    sniff_opened(opts, hooks, stop, || {})
}

/// [`sniff`], calling `opened` once the capture is open and before any packet is taken: a capture running on
/// another thread ([`super::AsyncSniff`]) sees all the traffic sent after that.
pub fn sniff_opened(
    opts: &SniffOptions,
    mut hooks: Hooks<'_>,
    stop: &AtomicBool,
    opened: impl FnOnce(),
) -> Result<SniffResult> {
    let mut run = Run {
        opts,
        res: SniffResult::default(),
        dump: None,
    };
    if let Some(path) = &opts.offline {
        // pcapio's reader: the formats, BPF filtering and error words (file, record, offset) of `rdpcap`.
        let read = crate::pcapio::ReadOptions {
            count: None,
            filter: opts.filter.clone(),
        };
        let mut r = crate::pcapio::Reader::open(path, &read).map_err(Error::File)?;
        opened();
        while !stop.load(Ordering::Relaxed) {
            let frame = match r.next_frame() {
                Some(Ok(f)) => f,
                // Damage ends the file; the packets before it are kept, as `rdpcap` keeps them.
                Some(Err(_)) | None => break,
            };
            if run.take(frame, &mut hooks)? {
                break;
            }
        }
        run.res.interrupted = stop.load(Ordering::Relaxed);
        return run.close();
    }
    let ifaces = if opts.iface.is_empty() {
        vec![conf().iface().to_string()]
    } else {
        opts.iface.clone()
    };
    let live = Live::start(&ifaces, opts.filter.as_deref(), opts.promisc, false)?;
    opened();
    let taken = run.take_live(&live, stop, &mut hooks);
    let (stats, queued) = live.finish();
    if !taken? {
        // Captured before the end but not yet consumed: kept, as promised.
        for batch in &queued {
            if run.take_all(batch, &mut hooks)? {
                break;
            }
        }
    }
    run.res.stats = stats;
    if !opts.quiet {
        hooks.print(&stats.to_string());
    }
    run.close()
}

/// The consuming side of one sniff.
struct Run<'o> {
    opts: &'o SniffOptions,
    res: SniffResult,
    /// The `wrpcap` file, opened on the first frame: a stream's writer, which keeps what it wrote.
    dump: Option<pcapio::Writer>,
}

impl Run<'_> {
    /// Takes the capture's batches until `count`, `timeout`, `stop_filter` (then true), `stop` or an
    /// interface's failure (then false, the capture's queue not yet consumed).
    fn take_live(&mut self, live: &Live, stop: &AtomicBool, hooks: &mut Hooks<'_>) -> Result<bool> {
        let deadline = self.opts.timeout.map(|t| Instant::now() + t);
        loop {
            if stop.load(Ordering::Relaxed) {
                self.res.interrupted = true;
                return Ok(false);
            }
            if let Some(e) = live.failure() {
                self.res.failure = Some(e);
                return Ok(false);
            }
            let left = deadline.map_or(Duration::from_millis(50), |d| {
                d.saturating_duration_since(Instant::now())
            });
            if left.is_zero() {
                return Ok(false);
            }
            if let Some(batch) = live.next(left.min(Duration::from_millis(50))) {
                if self.take_all(&batch, hooks)? {
                    return Ok(true);
                }
            }
        }
    }

    /// The result, once the `wrpcap` file (if any) is published under its name.
    fn close(mut self) -> Result<SniffResult> {
        if let Some(w) = self.dump.take() {
            w.close().map_err(Error::File)?;
        }
        Ok(self.res)
    }

    /// Handles a batch's frames until the capture is complete (then true).
    fn take_all(&mut self, batch: &Batch, hooks: &mut Hooks<'_>) -> Result<bool> {
        for frame in batch.iter() {
            if self.take(frame, hooks)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Handles one frame, copied only if it is stored; true when the capture is complete.
    fn take(&mut self, frame: pcapio::Frame<'_>, hooks: &mut Hooks<'_>) -> Result<bool> {
        let summarised = !self.opts.quiet && hooks.out.is_some();
        let needs_packet = hooks.lfilter.is_some() || hooks.stop_filter.is_some() || hooks.prn.is_some() || summarised;
        let packet = needs_packet.then(|| frame.packet());
        if let (Some(f), Some(p)) = (&mut hooks.lfilter, &packet) {
            if !f(p, frame.time()) {
                return Ok(false);
            }
        }
        self.res.kept += 1;
        if let Some(path) = &self.opts.wrpcap {
            self.write(path, &frame)?;
        }
        if let Some(p) = &packet {
            let line = match &mut hooks.prn {
                Some(prn) => prn(p, frame.time()),
                None => summarised.then(|| p.summary()),
            };
            if let Some(line) = line {
                hooks.print(&line);
            }
        }
        let stop = match (&mut hooks.stop_filter, &packet) {
            (Some(f), Some(p)) => f(p, frame.time()),
            _ => false,
        };
        if self.opts.store {
            self.res.packets.push(frame.into());
        }
        Ok(stop || (self.opts.count > 0 && self.res.kept >= self.opts.count as u64))
    }

    /// Streams a frame to the pcap file, opened on the first frame (whose link type it takes). A frame the
    /// file refuses (another interface's link type) ends the capture as a full disk does: the records
    /// before it are published, and the error names the record.
    fn write(&mut self, path: &std::path::Path, frame: &pcapio::Frame<'_>) -> Result<()> {
        if self.dump.is_none() {
            let opts = pcapio::WriteOptions {
                keep_partial: true,
                ..pcapio::WriteOptions::default()
            };
            self.dump = Some(pcapio::Writer::create(path, &opts).map_err(Error::File)?);
        }
        let dump = self.dump.as_mut().expect("opened above");
        let refused = match dump.write_frame(*frame) {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        if let Some(dump) = self.dump.take() {
            // A writer already cut has published its file; any other is closed now, keeping what it wrote,
            // and the refusal is what the user is told.
            let _ = dump.close();
        }
        Err(Error::File(refused))
    }
}
