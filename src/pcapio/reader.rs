//! Streaming reads, gzipped or not (see `source`): classic pcap (micro- and nanosecond, either byte order,
//! modified) through libpcap, with a BPF filter compiled by libpcap and applied in its read loop; pcapng by
//! our own reader (see `pcapng`), which keeps what libpcap's loses: several link types, each packet's
//! interface, each interface's time resolution.

use std::fmt;
use std::path::{Path, PathBuf};

use super::error::{Error, FileErrorKind};
use super::format::{identify, Format};
use super::frame::{Frame, FrameBuf};
use super::pcapng::NgReader;
use super::source::{libpcap_message, Opened, Source, Stream};
use crate::packet::LinkType;
use crate::packet::Timestamp;

/// What to read: at most `count` packets, only those matching `filter` (a BPF expression, e.g.
/// `"tcp port 80"`).
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    pub count: Option<usize>,
    pub filter: Option<String>,
}

impl ReadOptions {
    pub fn count(n: usize) -> ReadOptions {
        ReadOptions {
            count: Some(n),
            filter: None,
        }
    }

    pub fn filter(expr: &str) -> ReadOptions {
        ReadOptions {
            count: None,
            filter: Some(expr.to_string()),
        }
    }
}

/// Something a read survived: the packets before it are good.
#[derive(Debug)]
pub enum Warning {
    /// The file is damaged at a record (cut short, impossible length); reading stopped there.
    Damaged(Error),
    /// The engine does not dissect this link type: frames are kept whole as `Raw`.
    RawLinkType { path: PathBuf, dlt: u32, name: String },
    /// A pcapng interface counts time in units finer than a nanosecond: its times are kept to the
    /// nanosecond (rounded down).
    FinerThanNanos { path: PathBuf, interface: u32 },
    /// A classic pcap record (the first such of each kind; its number unless a filter hid records) whose
    /// fraction of a second is a second or more: kept as the record holds it, as tcpdump and tshark show it (see
    /// [`Timestamp::as_recorded`]), or, past what a 32-bit count of nanoseconds holds, carried into the
    /// seconds as Scapy adds it.
    FractionOverflow {
        path: PathBuf,
        record: Option<u64>,
        field: u32,
        nano: bool,
        carried: bool,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Damaged(e) => write!(f, "{e}; the packets before it were read"),
            Warning::RawLinkType { path, dlt, name } => write!(
                f,
                "{}: link type {dlt} ({name}) is not dissected; frames are shown as Raw",
                path.display()
            ),
            Warning::FractionOverflow {
                path,
                record,
                field,
                nano,
                carried,
            } => {
                write!(f, "{}: ", path.display())?;
                if let Some(r) = record {
                    write!(f, "record {r}: ")?;
                }
                let (unit, limit) = if *nano { ("nano", "10^9") } else { ("micro", "10^6") };
                let how = match carried {
                    true => "carried into the seconds, as Scapy adds it",
                    false => "kept as the record holds it, as tcpdump and tshark show it",
                };
                write!(f, "its {unit}second field {field} is not below {limit}; {how}")
            }
            Warning::FinerThanNanos { path, interface } => write!(
                f,
                "{}: interface {interface} counts time in units finer than a nanosecond; its times are kept to the \
                 nanosecond",
                path.display()
            ),
        }
    }
}

/// A capture file opened for reading, one frame at a time, holding one frame in memory.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("two.pcap");
/// # let p = wirecraft::Layer::named("IP")? / wirecraft::Layer::named("ICMP")?;
/// # wirecraft::pcapio::write(&path, &[p.clone(), p], &Default::default())?;
/// use wirecraft::pcapio::{Reader, ReadOptions};
///
/// let mut r = Reader::open(&path, &ReadOptions::default())?;
/// let mut n = 0;
/// while let Some(frame) = r.next_frame() {
///     let frame = frame?;
///     assert_eq!(frame.packet().summary(), "IP / ICMP 127.0.0.1 > 127.0.0.1 echo-request 0");
///     n += 1;
/// }
/// assert_eq!(n, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Reader {
    input: Input,
    format: Format,
    path: PathBuf,
    remaining: Option<usize>,
    finished: bool,
}

/// Who reads the records: libpcap for classic pcap, our reader for pcapng.
enum Input {
    Libpcap(Libpcap),
    PcapNg(Box<NgReader>),
}

/// A classic pcap file read by libpcap.
struct Libpcap {
    stream: Stream,
    source: Source,
    link: LinkType,
    nano: bool,
    /// A fraction of a second or more was noted: one kept as it is, one carried (each once).
    overflow_noted: [bool; 2],
    filtered: bool,
    delivered: u64,
    notes: Vec<Warning>,
}

impl Reader {
    /// Opens a capture file. Fails with an error naming the file when it is missing, a directory, not a
    /// capture, cut inside its global header, or the filter is bad.
    pub fn open(path: impl AsRef<Path>, opts: &ReadOptions) -> Result<Reader, Error> {
        let path = path.as_ref();
        let opened = Opened::new(path)?;
        let format = identify(path, &opened.head)?;
        let input = match format {
            Format::PcapNg => Input::PcapNg(Box::new(NgReader::open(path, opened, opts.filter.as_deref())?)),
            Format::Pcap { .. } => Input::Libpcap(Libpcap::open(path, opened, format, opts)?),
        };
        Ok(Reader {
            input,
            format,
            path: path.to_path_buf(),
            remaining: opts.count,
            finished: false,
        })
    }

    /// The next frame, borrowed from the reader's buffer until the next call: no allocation per packet.
    /// After damage, yields the error once, then `None`.
    pub fn next_frame(&mut self) -> Option<Result<Frame<'_>, Error>> {
        if self.finished || self.remaining == Some(0) {
            return None;
        }
        let next = match &mut self.input {
            Input::Libpcap(l) => l.next_frame(&self.path),
            Input::PcapNg(r) => r.next_frame(),
        };
        match next {
            Ok(Some(f)) => {
                if let Some(r) = &mut self.remaining {
                    *r -= 1;
                }
                Some(Ok(f))
            }
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(e) => {
                self.finished = true;
                Some(Err(e))
            }
        }
    }

    /// The link type of every frame in a classic pcap file; in a pcapng file, its first interface's (each
    /// frame has its own, [`Frame::link`]).
    pub fn link(&self) -> LinkType {
        match &self.input {
            Input::Libpcap(l) => l.link,
            Input::PcapNg(r) => r.first_link(),
        }
    }

    /// The file's format.
    pub fn format(&self) -> Format {
        self.format
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Notes from reading so far (a link type shown as Raw, a resolution finer than a nanosecond): at open,
    /// those of a classic pcap file and of a pcapng file's interfaces before its first packet.
    pub fn notes(&self) -> &[Warning] {
        match &self.input {
            Input::Libpcap(l) => &l.notes,
            Input::PcapNg(r) => r.notes(),
        }
    }

    /// Takes the notes, leaving none.
    pub fn take_notes(&mut self) -> Vec<Warning> {
        match &mut self.input {
            Input::Libpcap(l) => std::mem::take(&mut l.notes),
            Input::PcapNg(r) => r.take_notes(),
        }
    }
}

impl Libpcap {
    fn open(path: &Path, opened: Opened, format: Format, opts: &ReadOptions) -> Result<Libpcap, Error> {
        let (mut stream, source) = Source::open(path, opened, format)?;
        let cap = stream.capture();
        let dlt = cap.get_datalink();
        // A number libpcap has no name for still opens (tcpdump reads it): its frames are kept as Raw.
        let name = dlt.get_name().unwrap_or_else(|_| "no name in libpcap".to_string());
        let link = LinkType::from_dlt(dlt.0 as u32);
        let mut notes = Vec::new();
        if let LinkType::Other(n) = link {
            notes.push(Warning::RawLinkType {
                path: path.to_path_buf(),
                dlt: n,
                name,
            });
        }
        if let Some(expr) = &opts.filter {
            cap.filter(expr, true).map_err(|e| {
                Error::new(
                    path,
                    FileErrorKind::Filter {
                        expr: expr.clone(),
                        why: libpcap_message(e),
                    },
                )
            })?;
        }
        Ok(Libpcap {
            stream,
            source,
            link,
            nano: matches!(format, Format::Pcap { nano: true, .. }),
            overflow_noted: [false; 2],
            filtered: opts.filter.is_some(),
            delivered: 0,
            notes,
        })
    }

    fn next_frame(&mut self, path: &Path) -> Result<Option<Frame<'_>>, Error> {
        match self.stream.capture().next_packet() {
            Ok(p) => {
                self.delivered += 1;
                let (secs, field) = (p.header.ts.tv_sec, p.header.ts.tv_usec as u32);
                let (per_second, scale) = if self.nano {
                    (1_000_000_000, 1)
                } else {
                    (1_000_000, 1000)
                };
                let (ts, carried) = match field.checked_mul(scale) {
                    Some(nanos) => (Timestamp::as_recorded(secs, nanos), false),
                    None => (
                        Timestamp::new(secs + i64::from(field / per_second), field % per_second * scale),
                        true,
                    ),
                };
                if field >= per_second && !self.overflow_noted[usize::from(carried)] {
                    self.overflow_noted[usize::from(carried)] = true;
                    self.notes.push(Warning::FractionOverflow {
                        path: path.to_path_buf(),
                        record: (!self.filtered).then_some(self.delivered),
                        field,
                        nano: self.nano,
                        carried,
                    });
                }
                Ok(Some(Frame {
                    data: p.data,
                    ts,
                    wirelen: p.header.len,
                    link: self.link,
                    interface: 0,
                }))
            }
            Err(pcap::Error::NoMorePackets) => Ok(None),
            Err(e) => {
                let record = (!self.filtered).then_some(self.delivered + 1);
                Err(self.source.damage_error(path, e, record))
            }
        }
    }
}

/// Owned frames, one allocation each: for `for p in PcapReader(...)`. [`Reader::next_frame`] avoids the copy.
impl Iterator for Reader {
    type Item = Result<FrameBuf, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_frame().map(|r| r.map(|f| f.to_owned()))
    }
}
