//! The command form `rdpcap file.pcap`: one numbered summary line per packet, then Scapy's totals, holding
//! one frame at a time whatever the file's size.

use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

use super::error::{Error, FileErrorKind};
use super::list::{PacketList, Tally};
use super::reader::{ReadOptions, Reader, Warning};
use super::Format;
use crate::packet::Packet;
use crate::packet::Timestamp;

/// What a streamed read saw.
#[derive(Debug)]
pub struct Totals {
    /// The file's base name, as Scapy names the list.
    pub name: String,
    pub tally: Tally,
    pub packets: u64,
    /// Stopped by the interrupt flag (Ctrl-C) before the end of the file.
    pub interrupted: bool,
    /// Damage that stopped the read early, and notes such as a link type shown as Raw.
    pub warnings: Vec<Warning>,
}

/// Scapy's repr of the list the file would load as: `<file.pcap: TCP:… UDP:… ICMP:… Other:…>`.
impl fmt::Display for Totals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.tally.render(&self.name))
    }
}

/// Prints `index time summary` for each packet — the index `%04i` from 0 as Scapy's `nsummary`, the time in
/// seconds since the first packet (to the nanosecond in nanosecond files), the summary with numeric ports —
/// then the totals line. Checks `interrupt` before every packet; when it is set, prints the totals of what
/// was read and returns with `interrupted` set. Damage in the file ends the listing with a warning, not an
/// error. An error writing `out` (a closed pipe) is returned with the path `<output>`.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("ping.pcap");
/// use std::sync::atomic::AtomicBool;
/// use wirecraft::pcapio::{self, ReadOptions};
/// use wirecraft::Layer;
///
/// let syn = Layer::named("IP")?.with("src", "198.18.0.1")?.with("dst", "198.18.0.2")?
///     / Layer::named("TCP")?.with("sport", 1234)?;
/// pcapio::write(&path, &syn, &Default::default())?;
/// let mut out = Vec::new();
/// let totals = pcapio::stream_summaries(&path, &ReadOptions::default(), &mut out, &AtomicBool::new(false))?;
/// assert_eq!(
///     String::from_utf8(out)?,
///     "0000 0.000000 IP / TCP 198.18.0.1:1234 > 198.18.0.2:80 S\n<ping.pcap: TCP:1 UDP:0 ICMP:0 Other:0>\n"
/// );
/// assert_eq!(totals.packets, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn stream_summaries(
    path: impl AsRef<Path>,
    opts: &ReadOptions,
    out: &mut impl Write,
    interrupt: &AtomicBool,
) -> Result<Totals, Error> {
    let path = path.as_ref();
    let mut r = Reader::open(path, opts)?;
    let nano = matches!(r.format(), Format::Pcap { nano: true, .. });
    let mut totals = Totals {
        name: super::list_name(path),
        tally: Tally::default(),
        packets: 0,
        interrupted: false,
        warnings: r.take_notes(),
    };
    let out_err = |e| Error::new(Path::new("<output>"), FileErrorKind::Io(e));
    let lanes = std::thread::available_parallelism().map_or(2, |n| (2 * n.get()).min(MAX_LANES));
    std::thread::scope(|s| {
        let mut pipe = Pipeline::start(s, lanes, nano);
        let mut batch = Batch::default();
        let mut t0 = None;
        loop {
            if interrupt.load(Ordering::Relaxed) {
                totals.interrupted = true;
                break;
            }
            match r.next_frame() {
                None => break,
                Some(Err(e)) => {
                    totals.warnings.push(Warning::Damaged(e));
                    break;
                }
                Some(Ok(f)) => {
                    batch.t0 = *t0.get_or_insert(f.ts);
                    batch.frames.push(f);
                    totals.packets += 1;
                }
            }
            if batch.frames.len() == BATCH {
                let next = Batch::starting_at(totals.packets, batch.t0, batch.frames.byte_len());
                pipe.send(std::mem::replace(&mut batch, next), out, &mut totals.tally)
                    .map_err(out_err)?;
            }
        }
        pipe.send(batch, out, &mut totals.tally).map_err(out_err)?;
        pipe.finish(out, &mut totals.tally).map_err(out_err)
    })?;
    // Notes of interfaces described after the first packet of a pcapng file.
    totals.warnings.extend(r.take_notes());
    writeln!(out, "{totals}").map_err(out_err)?;
    out.flush().map_err(out_err)?;
    Ok(totals)
}

/// Frames per batch handed to a worker.
const BATCH: usize = 256;

/// At most this many workers. There are two per core: a worker waiting for its next batch, or the reader
/// waiting for the oldest result, leaves a core idle until a wake-up, and a second worker per core fills
/// those gaps (on 2 vCPUs, 4 workers instead of 2 listed mix-100k in 47 ms instead of 50 and mix-1m in 0.37 s
/// instead of 0.44, alternating runs; 6 gained nothing more).
const MAX_LANES: usize = 8;

/// Frames copied out of the reader, for a worker to dissect and summarise.
#[derive(Default)]
struct Batch {
    /// Index of the first frame in the file.
    first: u64,
    /// The first packet's time, which the lines count from.
    t0: Timestamp,
    frames: PacketList,
}

impl Batch {
    /// An empty batch with room for a little more than `bytes`, the size of the batch before it: growing by
    /// doubling would copy each batch's frames about twice more.
    fn starting_at(first: u64, t0: Timestamp, bytes: usize) -> Batch {
        Batch {
            first,
            t0,
            frames: PacketList::with_capacity("", bytes + bytes / 4),
        }
    }

    /// The lines of the batch and the tally of its packets.
    fn render(&self, nano: bool) -> (String, Tally) {
        let mut text = String::with_capacity(self.frames.len() * 128);
        let mut tally = Tally::default();
        // One shared copy of the batch: its packets' layers read from it instead of each copying its frame.
        let (bytes, spans) = self.frames.spans();
        let data: Arc<[u8]> = Arc::from(bytes);
        for (i, (span, f)) in spans.enumerate() {
            let p = Packet::dissect_fields_in(&data, span, f.link);
            tally.add(&p);
            push_padded(&mut text, self.first + i as u64, 4);
            text.push(' ');
            push_seconds(&mut text, f.ts.nanos_since(self.t0), nano);
            text.push(' ');
            p.write_summary_numeric(&mut text);
            text.push('\n');
        }
        (text, tally)
    }
}

/// A worker's input and output: batches in, their lines and tally out.
type Lane = (SyncSender<Batch>, Receiver<(String, Tally)>);

/// Dissecting and formatting are most of the work, so batches go round-robin to the workers (two per core, see [`MAX_LANES`]) while
/// this thread reads; results are written in the order the batches were sent. At most two batches per
/// worker are in flight, which bounds memory (a few MB) whatever the file's size.
struct Pipeline {
    lanes: Vec<Lane>,
    sent: usize,
    written: usize,
}

impl Pipeline {
    fn start<'scope>(s: &'scope std::thread::Scope<'scope, '_>, lanes: usize, nano: bool) -> Pipeline {
        let lanes = (0..lanes)
            .map(|_| {
                let (tx, rx) = sync_channel::<Batch>(2);
                let (done_tx, done_rx) = sync_channel(2);
                s.spawn(move || {
                    for b in rx {
                        if done_tx.send(b.render(nano)).is_err() {
                            break;
                        }
                    }
                });
                (tx, done_rx)
            })
            .collect();
        Pipeline {
            lanes,
            sent: 0,
            written: 0,
        }
    }

    /// Hands a batch to the next worker, first writing the oldest result once every worker has two.
    fn send(&mut self, b: Batch, out: &mut impl Write, tally: &mut Tally) -> std::io::Result<()> {
        if b.frames.is_empty() {
            return Ok(());
        }
        if self.sent - self.written == 2 * self.lanes.len() {
            self.write_oldest(out, tally)?;
        }
        let n = self.lanes.len();
        // A worker only stops when its channel closes, so the send cannot fail.
        let _ = self.lanes[self.sent % n].0.send(b);
        self.sent += 1;
        Ok(())
    }

    fn write_oldest(&mut self, out: &mut impl Write, tally: &mut Tally) -> std::io::Result<()> {
        let n = self.lanes.len();
        if let Ok((text, t)) = self.lanes[self.written % n].1.recv() {
            *tally += t;
            out.write_all(text.as_bytes())?;
        }
        self.written += 1;
        Ok(())
    }

    /// Writes every result still in flight.
    fn finish(mut self, out: &mut impl Write, tally: &mut Tally) -> std::io::Result<()> {
        while self.written < self.sent {
            self.write_oldest(out, tally)?;
        }
        Ok(())
    }
}

/// Appends `n` in decimal, zero-padded to `width` digits (`%04d`); a line per packet is written this way
/// rather than through the formatting machinery, which would cost more than the summary itself.
fn push_padded(out: &mut String, n: u64, width: usize) {
    let mut digits = itoa::Buffer::new();
    let d = digits.format(n);
    out.extend(std::iter::repeat_n('0', width.saturating_sub(d.len())));
    out.push_str(d);
}

/// Appends a time in seconds since the first packet: 6 decimals, or 9 for a nanosecond file.
fn push_seconds(out: &mut String, ns: i128, nano: bool) {
    if ns < 0 {
        out.push('-');
    }
    let (s, frac) = (ns.unsigned_abs() / 1_000_000_000, ns.unsigned_abs() % 1_000_000_000);
    out.push_str(itoa::Buffer::new().format(s));
    out.push('.');
    if nano {
        push_padded(out, frac as u64, 9);
    } else {
        push_padded(out, (frac / 1000) as u64, 6);
    }
}
