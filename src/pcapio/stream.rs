//! The command form `rdpcap file.pcap`: one numbered summary line per packet, then Scapy's totals, holding
//! one frame at a time whatever the file's size.

use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::error::{Error, ErrorKind};
use super::list::Tally;
use super::reader::{ReadOptions, Reader, Warning};
use super::Format;

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
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    let mut totals = Totals {
        name: super::list_name(path),
        tally: Tally::default(),
        packets: 0,
        interrupted: false,
        warnings: r.take_notes(),
    };
    let out_err = |e| Error::new(Path::new("<output>"), ErrorKind::Io(e));
    let mut first = None;
    loop {
        if interrupt.load(Ordering::Relaxed) {
            totals.interrupted = true;
            break;
        }
        let f = match r.next_frame() {
            None => break,
            Some(Err(e)) => {
                totals.warnings.push(Warning::Damaged(e));
                break;
            }
            Some(Ok(f)) => f,
        };
        let t0 = *first.get_or_insert(f.ts);
        let p = f.packet();
        totals.tally.add(&p);
        writeln!(
            out,
            "{:04} {} {}",
            totals.packets,
            Seconds(f.ts.nanos_since(t0), nano),
            p.summary_numeric()
        )
        .map_err(out_err)?;
        totals.packets += 1;
    }
    writeln!(out, "{totals}").map_err(out_err)?;
    out.flush().map_err(out_err)?;
    Ok(totals)
}

/// A duration in nanoseconds shown as seconds with 6 decimals, or 9 when `.1` is set.
struct Seconds(i128, bool);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Seconds(ns, nano) = *self;
        let sign = if ns < 0 { "-" } else { "" };
        let (s, frac) = (ns.unsigned_abs() / 1_000_000_000, ns.unsigned_abs() % 1_000_000_000);
        if nano {
            write!(f, "{sign}{s}.{frac:09}")
        } else {
            write!(f, "{sign}{s}.{:06}", frac / 1000)
        }
    }
}
