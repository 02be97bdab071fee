//! Writing classic pcap and pcapng files (the blocks in `pcapng_writer`), gzip-compressed if asked (Scapy's
//! `gz=1`), to a temporary name renamed into place at `close`, so that a crash or an error never leaves half
//! a file under the real name.
//!
//! The writer is our own rather than libpcap's dumper: the format is a 24-byte header and a 16-byte header
//! per record, and owning it gives what the dumper lacks — nanosecond or microsecond files chosen from the
//! timestamps, appending to either byte order, and the temporary-then-rename discipline.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use flate2::write::GzEncoder;
use flate2::Compression;

use super::error::{Error, FileErrorKind};
use super::format::{locate_damage, max_snaplen, Format};
use super::frame::{Frame, FrameBuf};
use super::list::PacketList;
use super::pcapng_writer::{Interfaces, NgEncoder};
use super::reader::{ReadOptions, Reader};
use crate::packet::{LinkType, Packet};

/// The snaplen written: libpcap's `MAXIMUM_SNAPLEN`, as tcpdump writes.
pub(super) const SNAPLEN: u32 = 262_144;

/// How to write: append to an existing file, force a link type, force nanosecond timestamps, compress.
#[derive(Clone, Debug, Default)]
pub struct WriteOptions {
    /// Add to the end of an existing pcap file (its link type, precision and compression are kept); a
    /// missing file is created.
    pub append: bool,
    /// The file's link type; by default the first frame's (a crafted packet's from its bottom layer).
    pub linktype: Option<LinkType>,
    /// Nanosecond timestamps even when every timestamp is a whole microsecond.
    pub nano: bool,
    /// Compress the file with gzip, as Scapy's `gz=1` does (`rdpcap` reads such files back).
    pub gz: bool,
    /// A stream's writer (`PcapWriter`): when the file cannot take more (disk full, quota, I/O error), the
    /// records already written whole are published under the file's name, and the error says how many. Off,
    /// an error leaves the real name untouched: `wrpcap` of a list is all or nothing.
    pub keep_partial: bool,
    /// A pcapng file (Scapy's `wrpcapng`), which keeps what a classic pcap file cannot: frames of several
    /// link types and interfaces, each interface at its own resolution. Not with `append`.
    pub pcapng: bool,
}

/// Anything that can be written as frames: packets (a packet set writes every packet it stands for),
/// frames, packet lists, and slices, arrays and vectors of them.
pub trait Frames {
    /// Calls `f` with each frame in order, stopping at the first error.
    fn each_frame(&self, f: &mut dyn FnMut(Frame<'_>) -> Result<(), Error>) -> Result<(), Error>;

    /// True when some timestamp is not a whole microsecond, so the file needs nanoseconds.
    fn needs_nanos(&self) -> bool {
        false
    }

    /// Adds the (interface, link type) of each frame already captured, and whether one of them needs
    /// nanoseconds: a pcapng file describes them first, in order. Crafted packets add none (theirs are
    /// described as they come).
    fn interfaces(&self, _seen: &mut Interfaces) {}
}

/// Notes a frame's interface in `seen`.
fn note_interface(f: Frame<'_>, seen: &mut Interfaces) {
    *seen.entry((f.interface, f.link.dlt())).or_default() |= f.ts.needs_nanos();
}

impl Frames for Packet {
    fn each_frame(&self, f: &mut dyn FnMut(Frame<'_>) -> Result<(), Error>) -> Result<(), Error> {
        self.iter().try_for_each(|p| f(FrameBuf::from_packet(&p).as_frame()))
    }
}

impl Frames for FrameBuf {
    fn each_frame(&self, f: &mut dyn FnMut(Frame<'_>) -> Result<(), Error>) -> Result<(), Error> {
        f(self.as_frame())
    }
    fn needs_nanos(&self) -> bool {
        self.ts.needs_nanos()
    }
    fn interfaces(&self, seen: &mut Interfaces) {
        note_interface(self.as_frame(), seen);
    }
}

impl Frames for PacketList {
    fn each_frame(&self, f: &mut dyn FnMut(Frame<'_>) -> Result<(), Error>) -> Result<(), Error> {
        self.iter().try_for_each(f)
    }
    fn needs_nanos(&self) -> bool {
        self.iter().any(|fr| fr.ts.needs_nanos())
    }
    fn interfaces(&self, seen: &mut Interfaces) {
        self.iter().for_each(|f| note_interface(f, seen));
    }
}

impl<T: Frames> Frames for [T] {
    fn each_frame(&self, f: &mut dyn FnMut(Frame<'_>) -> Result<(), Error>) -> Result<(), Error> {
        self.iter().try_for_each(|x| x.each_frame(f))
    }
    fn needs_nanos(&self) -> bool {
        self.iter().any(Frames::needs_nanos)
    }
    fn interfaces(&self, seen: &mut Interfaces) {
        self.iter().for_each(|x| x.interfaces(seen));
    }
}

impl<T: Frames, const N: usize> Frames for [T; N] {
    fn each_frame(&self, f: &mut dyn FnMut(Frame<'_>) -> Result<(), Error>) -> Result<(), Error> {
        self[..].each_frame(f)
    }
    fn needs_nanos(&self) -> bool {
        self[..].needs_nanos()
    }
    fn interfaces(&self, seen: &mut Interfaces) {
        self[..].interfaces(seen);
    }
}

impl<T: Frames> Frames for Vec<T> {
    fn each_frame(&self, f: &mut dyn FnMut(Frame<'_>) -> Result<(), Error>) -> Result<(), Error> {
        self[..].each_frame(f)
    }
    fn needs_nanos(&self) -> bool {
        self[..].needs_nanos()
    }
    fn interfaces(&self, seen: &mut Interfaces) {
        self[..].interfaces(seen);
    }
}

/// Scapy's `wrpcap`: writes packets or frames to a pcap file, in nanoseconds when a timestamp needs them.
/// Returns how many frames were written.
///
/// ```
/// use wirecraft::pcapio::{self, ReadOptions, WriteOptions};
/// use wirecraft::Layer;
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("ping.pcap");
///
/// let ping = Layer::named("Ether")? / Layer::named("IP")?.with("dst", "198.18.0.2")?
///     / Layer::named("ICMP")?;
/// assert_eq!(pcapio::write(&path, &ping, &WriteOptions::default())?, 1);
/// let (pkts, _) = pcapio::read(&path, &ReadOptions::default())?;
/// assert_eq!(pkts.get(0).unwrap().data, &ping.build()[..]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write(path: impl AsRef<Path>, frames: &(impl Frames + ?Sized), opts: &WriteOptions) -> Result<u64, Error> {
    write_or_stop(path, frames, opts, &AtomicBool::new(false))
}

/// [`write`], ended by `stop` (Ctrl-C): then nothing is written, the file as it was is left untouched and the
/// temporary file is removed.
pub fn write_or_stop(
    path: impl AsRef<Path>,
    frames: &(impl Frames + ?Sized),
    opts: &WriteOptions,
    stop: &AtomicBool,
) -> Result<u64, Error> {
    let mut known = Interfaces::new();
    let opts = match opts.pcapng {
        // Each interface at its own resolution.
        true => {
            frames.interfaces(&mut known);
            opts.clone()
        }
        false => WriteOptions {
            nano: opts.nano || frames.needs_nanos(),
            ..opts.clone()
        },
    };
    let mut w = Writer::open(path.as_ref(), &opts, known)?;
    frames.each_frame(&mut |f| match stop.load(Ordering::Relaxed) {
        true => Err(Error::new(&w.path, FileErrorKind::Stopped)),
        false => w.write_frame(f),
    })?;
    w.close()
}

/// Scapy's `PcapWriter` (and with `pcapng`, `PcapNgWriter`): frames written one at a time, published under the
/// real name at [`Writer::close`]. Dropped without `close`, it removes its temporary file and the real name
/// is untouched.
///
/// A classic file's link type and precision are fixed by the first frame (or the options): in a microsecond
/// file, a later frame's nanoseconds are truncated, as libpcap's own dumper does. A pcapng file describes an
/// interface for each (interface, link type) as it comes, in microseconds unless its first frame (or `nano`)
/// needs nanoseconds; a later frame that needs them gets a second description of its interface in
/// nanoseconds, so that no time is cut.
pub struct Writer {
    path: PathBuf,
    tmp: PathBuf,
    out: Option<Output>,
    /// Whole records (and the header) not yet handed to the file: kept whole here, so that what reached the
    /// file is known to the record.
    buf: Vec<u8>,
    buffered: u64,
    /// This writer's records in the file, and the file's length after the last of them.
    on_disk: u64,
    disk_len: u64,
    /// The records of the gzipped file appended to, counted only where a cut would need them.
    appended_to: u64,
    encoding: Encoding,
    opts: WriteOptions,
    written: u64,
}

/// How much is gathered before it goes to the file.
const BUFFER: usize = 1 << 20;

/// How records are laid out.
enum Encoding {
    /// Classic pcap: link type and precision once the header is written (or read from the file appended to).
    Pcap(Option<Header>),
    PcapNg(NgEncoder),
}

#[derive(Clone, Copy)]
struct Header {
    link: LinkType,
    nano: bool,
    swapped: bool,
}

/// Where the bytes go: the temporary file, through gzip or not.
enum Output {
    Plain(File),
    Gzip(GzEncoder<File>),
}

impl Output {
    fn new(file: File, gz: bool) -> Output {
        match gz {
            true => Output::Gzip(GzEncoder::new(file, Compression::default())),
            false => Output::Plain(file),
        }
    }

    fn write_all(&mut self, b: &[u8]) -> std::io::Result<()> {
        match self {
            Output::Plain(w) => w.write_all(b),
            Output::Gzip(w) => w.write_all(b),
        }
    }

    /// Ends the gzip member, if any.
    fn finish(self) -> std::io::Result<File> {
        match self {
            Output::Plain(w) => Ok(w),
            Output::Gzip(w) => w.finish(),
        }
    }
}

/// Distinguishes the temporary files of writers open at once in one process.
static TMP_SEQ: AtomicU64 = AtomicU64::new(0);

impl Writer {
    /// Starts a file. With `append`, the existing file is copied to the temporary name first and must be a
    /// whole classic pcap file; a gzipped one gets a gzip member of its own, which readers join.
    pub fn create(path: impl AsRef<Path>, opts: &WriteOptions) -> Result<Writer, Error> {
        Writer::open(path.as_ref(), opts, Interfaces::new())
    }

    /// [`Writer::create`]; a pcapng file describes the `known` interfaces first.
    fn open(path: &Path, opts: &WriteOptions, known: Interfaces) -> Result<Writer, Error> {
        let path = path.to_path_buf();
        if opts.pcapng && opts.append {
            return Err(Error::new(
                &path,
                FileErrorKind::CannotAppend(
                    "pcapng files are written whole; only classic pcap files can be appended to".into(),
                ),
            ));
        }
        let name = path
            .file_name()
            .ok_or_else(|| Error::new(&path, FileErrorKind::IsDirectory))?
            .to_string_lossy();
        let tmp = path.with_file_name(format!(
            ".{name}.{}.{}.tmp",
            std::process::id(),
            TMP_SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let (header, gz) = if opts.append && path.exists() {
            let (h, gz) = appendable(&path)?;
            fs::copy(&path, &tmp).map_err(|e| Error::io(&path, e))?;
            (Some(h), gz)
        } else {
            (None, opts.gz)
        };
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .append(header.is_some())
            .truncate(header.is_none())
            .open(&tmp)
            .map_err(|e| match path.parent() {
                // The file's directory is what is missing, not the file.
                Some(dir) if e.kind() == std::io::ErrorKind::NotFound && !dir.as_os_str().is_empty() => {
                    Error::new(&path, FileErrorKind::NoDirectory(dir.to_path_buf()))
                }
                _ => Error::io(&path, e),
            })?;
        let disk_len = file.metadata().map_err(|e| Error::io(&path, e))?.len();
        let appended_to = match header.is_some() && gz && opts.keep_partial {
            true => readable(&path),
            false => 0,
        };
        Ok(Writer {
            path,
            tmp,
            out: Some(Output::new(file, gz)),
            buf: Vec::new(),
            buffered: 0,
            on_disk: 0,
            disk_len,
            appended_to,
            encoding: match opts.pcapng {
                true => Encoding::PcapNg(NgEncoder::new(known, opts.nano)),
                false => Encoding::Pcap(header),
            },
            opts: opts.clone(),
            written: 0,
        })
    }

    /// Writes one frame. In a classic file, a frame of another link type than the file's is refused, naming
    /// the record.
    pub fn write_frame(&mut self, f: Frame<'_>) -> Result<(), Error> {
        if self.out.is_none() {
            return Err(Error::new(&self.path, FileErrorKind::WriterCut));
        }
        let record = self.written + 1;
        let encoded = match &mut self.encoding {
            Encoding::PcapNg(ng) => ng.frame(f, self.opts.linktype.unwrap_or(f.link).dlt(), &mut self.buf),
            Encoding::Pcap(_) => self.pcap_record(f),
        };
        encoded.map_err(|kind| Error::new(&self.path, kind).at(record, None))?;
        self.written += 1;
        self.buffered += 1;
        if self.buf.len() >= BUFFER {
            self.flush_buf()?;
        }
        Ok(())
    }

    /// Appends a classic pcap record (after the file's header, for the first).
    fn pcap_record(&mut self, f: Frame<'_>) -> Result<(), FileErrorKind> {
        let h = match self.encoding {
            Encoding::Pcap(Some(h)) => h,
            _ => self.write_header(self.opts.linktype.unwrap_or(f.link), f.ts.needs_nanos()),
        };
        // Compared as pcap numbers: a packet with no link layer goes under Ethernet's, as Scapy writes it.
        if self.opts.linktype.is_none() && f.link.dlt() != h.link.dlt() {
            return Err(FileErrorKind::MixedLinkTypes {
                file: h.link.dlt(),
                frame: f.link.dlt(),
            });
        }
        let caplen = f.data.len() as u64;
        let max = max_snaplen(h.link.dlt());
        if caplen > max {
            return Err(FileErrorKind::AbsurdRecordLength { caplen, max });
        }
        let frac = if h.nano { f.ts.nanos } else { f.ts.nanos / 1000 };
        let Ok(secs) = u32::try_from(f.ts.secs) else {
            return Err(FileErrorKind::TimeOutOfRange { secs: f.ts.secs });
        };
        // The original length as it was, even below the captured one: Scapy keeps it, and so a round trip does.
        let words = [secs, frac, caplen as u32, f.wirelen];
        let mut rec = [0u8; 16];
        for (i, w) in words.iter().enumerate() {
            rec[i * 4..i * 4 + 4].copy_from_slice(&word(*w, h.swapped));
        }
        self.buf.extend_from_slice(&rec);
        self.buf.extend_from_slice(f.data);
        Ok(())
    }

    /// Hands the gathered records to the file.
    fn flush_buf(&mut self) -> Result<(), Error> {
        let Some(out) = &mut self.out else {
            return Ok(());
        };
        if let Err(e) = out.write_all(&self.buf) {
            return Err(self.cut(e));
        }
        self.on_disk += self.buffered;
        self.disk_len += self.buf.len() as u64;
        self.buffered = 0;
        self.buf.clear();
        Ok(())
    }

    /// The file could not take more. A stream's writer publishes what reached the file whole (a plain file
    /// cut back to its last whole record; a gzip one as it is, its readers keeping what decompresses) and
    /// says how many packets that is; otherwise the error is returned and dropping the writer removes the
    /// temporary file. Either way the writer takes no more.
    fn cut(&mut self, cause: std::io::Error) -> Error {
        if !self.opts.keep_partial {
            return Error::io(&self.path, cause);
        }
        let kept = match (self.out.take(), self.disk_len) {
            // Nothing whole reached the file, not even its header: there is nothing to keep.
            (_, 0) | (None, _) => false,
            (Some(Output::Plain(file)), len) => file
                .set_len(len)
                .and_then(|()| file.sync_all())
                .and_then(|()| fs::rename(&self.tmp, &self.path))
                .is_ok(),
            (Some(Output::Gzip(encoder)), _) => {
                // Dropping the encoder ends its member as well as the file lets it.
                drop(encoder);
                fs::rename(&self.tmp, &self.path).is_ok()
            }
        };
        if !kept {
            let _ = fs::remove_file(&self.tmp);
            return Error::io(&self.path, cause);
        }
        let kept = match self.opts.gz {
            // What decompresses whole is known only by reading it (the encoder held some back).
            true => readable(&self.path).saturating_sub(self.appended_to),
            false => self.on_disk,
        };
        Error::new(&self.path, FileErrorKind::StreamCut { kept, cause })
    }

    /// Writes a packet (every packet of a packet set), stamped now.
    pub fn write_packet(&mut self, p: &Packet) -> Result<(), Error> {
        p.each_frame(&mut |f| self.write_frame(f))
    }

    /// Flushes, syncs and renames the file into place; returns how many frames this writer added.
    pub fn close(mut self) -> Result<u64, Error> {
        if self.out.is_none() {
            return Err(Error::new(&self.path, FileErrorKind::WriterCut));
        }
        match &mut self.encoding {
            Encoding::Pcap(None) => {
                self.write_header(self.opts.linktype.unwrap_or(LinkType::Ethernet), false);
            }
            Encoding::PcapNg(ng) => ng.start(&mut self.buf),
            Encoding::Pcap(Some(_)) => {}
        }
        self.flush_buf()?;
        let out = self.out.take().expect("checked above");
        let synced = out.finish().and_then(|file| file.sync_all());
        // A gzip trailer that does not fit is a cut like any other (the records before it are on disk).
        if let Err(e) = synced {
            return Err(self.cut(e));
        }
        fs::rename(&self.tmp, &self.path).map_err(|e| Error::io(&self.path, e))?;
        Ok(self.written)
    }

    fn write_header(&mut self, link: LinkType, nano: bool) -> Header {
        let h = Header {
            link,
            nano: nano || self.opts.nano,
            swapped: false,
        };
        let magic: u32 = if h.nano { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        let mut b = Vec::with_capacity(24);
        b.extend_from_slice(&magic.to_le_bytes());
        b.extend_from_slice(&2u16.to_le_bytes());
        b.extend_from_slice(&4u16.to_le_bytes());
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(&SNAPLEN.to_le_bytes());
        b.extend_from_slice(&link.dlt().to_le_bytes());
        self.buf.extend_from_slice(&b);
        self.encoding = Encoding::Pcap(Some(h));
        h
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// How many records of a capture file read back whole.
fn readable(path: &Path) -> u64 {
    let Ok(mut r) = Reader::open(path, &ReadOptions::default()) else {
        return 0;
    };
    let mut n = 0;
    while let Some(Ok(_)) = r.next_frame() {
        n += 1;
    }
    n
}

fn word(w: u32, swapped: bool) -> [u8; 4] {
    if swapped {
        w.to_be_bytes()
    } else {
        w.to_le_bytes()
    }
}

/// The header of a file to append to, and whether it is gzipped: a classic pcap file whose every record is
/// whole (checked in an uncompressed file only).
fn appendable(path: &Path) -> Result<(Header, bool), Error> {
    let (format, gz) = super::source::sniff(path)?;
    match format {
        Format::PcapNg => Err(Error::new(
            path,
            FileErrorKind::CannotAppend("it is a pcapng file; only classic pcap files can be appended to".into()),
        )),
        Format::Pcap { modified: true, .. } => Err(Error::new(
            path,
            FileErrorKind::CannotAppend(
                "it is a modified (Kuznetsov) pcap file; only standard classic pcap files can be appended to".into(),
            ),
        )),
        format @ Format::Pcap {
            nano,
            swapped,
            linktype,
            ..
        } => match (!gz).then(|| locate_damage(path, format, None)).flatten() {
            Some(d) => Err(d.into_error(path)),
            None => Ok((
                Header {
                    link: LinkType::from_dlt(linktype),
                    nano,
                    swapped,
                },
                gz,
            )),
        },
    }
}
