//! Streaming reads through libpcap: pcap (micro- and nanosecond, either byte order) and pcapng as libpcap
//! reads it (one link type per file), gzipped or not (see `source`), with a BPF filter compiled by libpcap
//! and applied in its read loop.

use std::fmt;
use std::path::{Path, PathBuf};

use super::error::{Error, FileErrorKind};
use super::format::Format;
use super::frame::{Frame, FrameBuf};
use super::source::{libpcap_message, Source, Stream};
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
    stream: Stream,
    source: Source,
    path: PathBuf,
    link: LinkType,
    filtered: bool,
    remaining: Option<usize>,
    delivered: u64,
    finished: bool,
    notes: Vec<Warning>,
}

impl Reader {
    /// Opens a capture file. Fails with an error naming the file when it is missing, a directory, not a
    /// capture, cut inside its global header, or the filter is bad.
    pub fn open(path: impl AsRef<Path>, opts: &ReadOptions) -> Result<Reader, Error> {
        let path = path.as_ref();
        let (mut stream, source) = Source::open(path)?;
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
        Ok(Reader {
            stream,
            source,
            path: path.to_path_buf(),
            link,
            filtered: opts.filter.is_some(),
            remaining: opts.count,
            delivered: 0,
            finished: false,
            notes,
        })
    }

    /// The next frame, borrowed from libpcap's buffer until the next call: no allocation per packet.
    /// After damage, yields the error once, then `None`.
    pub fn next_frame(&mut self) -> Option<Result<Frame<'_>, Error>> {
        if self.finished || self.remaining == Some(0) {
            return None;
        }
        match self.stream.capture().next_packet() {
            Ok(p) => {
                self.delivered += 1;
                if let Some(r) = &mut self.remaining {
                    *r -= 1;
                }
                Some(Ok(Frame {
                    data: p.data,
                    ts: Timestamp::new(p.header.ts.tv_sec, p.header.ts.tv_usec as u32),
                    wirelen: p.header.len,
                    link: self.link,
                }))
            }
            Err(pcap::Error::NoMorePackets) => {
                self.finished = true;
                None
            }
            Err(e) => {
                self.finished = true;
                let record = (!self.filtered).then_some(self.delivered + 1);
                Some(Err(self.source.damage_error(&self.path, e, record)))
            }
        }
    }

    /// The link type of every frame in the file.
    pub fn link(&self) -> LinkType {
        self.link
    }

    /// The file's format.
    pub fn format(&self) -> Format {
        self.source.format
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Notes from opening the file (a link type shown as Raw).
    pub fn notes(&self) -> &[Warning] {
        &self.notes
    }

    /// Takes the notes, leaving none.
    pub fn take_notes(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.notes)
    }
}

/// Owned frames, one allocation each: for `for p in PcapReader(...)`. [`Reader::next_frame`] avoids the copy.
impl Iterator for Reader {
    type Item = Result<FrameBuf, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_frame().map(|r| r.map(|f| f.to_owned()))
    }
}
