//! pcapng read natively, block by block: libpcap's reader refuses a file whose interfaces have different
//! link types (mergecap of an Ethernet and a cooked capture), forgets which interface a packet came on, and
//! scales every interface's `if_tsresol` to one precision. This one keeps each packet's interface and link
//! type and its time at the interface's resolution (to the nanosecond), and reads every block libpcap reads:
//! Section Headers in either byte order, Interface Descriptions with `if_tsresol` (10^-n and 2^-n) and
//! `if_tsoffset`, Enhanced, Simple and obsolete Packet Blocks; other blocks are skipped. It holds one block
//! in memory whatever the file's size, and applies a BPF filter compiled by libpcap for each link type.
//! Damage is reported where it is met, with its block, record and offset, in the words of [`super::format`]'s
//! scan.

use std::ffi::{c_uint, c_void};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use pcap::{BpfProgram, Capture, Linktype};

use super::error::{BlockContent, Error, FileErrorKind};
use super::format::length_fault;
use super::reader::Warning;
use super::source::{libpcap_message, Opened, READ_BUFFER};
use crate::packet::{LinkType, Timestamp};

/// Block types (as read in the section's byte order).
pub(super) const SECTION_HEADER: u32 = 0x0a0d_0d0a;
pub(super) const INTERFACE: u32 = 1;
const OBSOLETE_PACKET: u32 = 2;
const SIMPLE_PACKET: u32 = 3;
pub(super) const ENHANCED_PACKET: u32 = 6;
pub(super) const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
/// Interface Description options.
pub(super) const IF_TSRESOL: u16 = 9;
const IF_TSOFFSET: u16 = 14;
const OPT_END: u16 = 0;

extern "C" {
    /// libpcap's BPF interpreter, as `pcap_offline_filter` runs it: with the wire length, which the pcap
    /// crate's `BpfProgram::filter` replaces by the captured one (`len >= n` filters need the real one).
    fn bpf_filter(program: *const c_void, packet: *const u8, wirelen: c_uint, caplen: c_uint) -> c_uint;
}

/// What a section says about one of its interfaces.
struct Interface {
    link: LinkType,
    snaplen: u32,
    resolution: Resolution,
    /// `if_tsoffset`: seconds added to every timestamp.
    offset: i64,
    /// Index into [`NgReader::filters`] of the program for this link type, when filtering.
    filter: Option<usize>,
}

/// Units of a timestamp: 10^-n or 2^-n seconds (`if_tsresol`; microseconds when absent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resolution {
    Decimal(u32),
    Binary(u32),
}

impl Resolution {
    fn from_option(byte: u8) -> Option<Resolution> {
        let n = u32::from(byte & 0x7f);
        match byte & 0x80 {
            0 if n <= 19 => Some(Resolution::Decimal(n)),
            0x80 if n <= 63 => Some(Resolution::Binary(n)),
            _ => None,
        }
    }

    /// Finer than a nanosecond, so kept only to the nanosecond.
    fn finer_than_nanos(self) -> bool {
        match self {
            Resolution::Decimal(n) => n > 9,
            Resolution::Binary(n) => n > 29,
        }
    }

    /// A count of these units as seconds and nanoseconds (rounded down).
    fn split(self, units: u64) -> (u64, u32) {
        match self {
            Resolution::Decimal(n) => {
                let per = 10u64.pow(n);
                let frac = units % per;
                let nanos = match n {
                    0..=9 => frac * 10u64.pow(9 - n),
                    _ => frac / 10u64.pow(n - 9),
                };
                (units / per, nanos as u32)
            }
            Resolution::Binary(n) => {
                let frac = units & ((1u64 << n) - 1);
                (units >> n, ((u128::from(frac) * 1_000_000_000) >> n) as u32)
            }
        }
    }
}

/// A packet found in the current block: where its bytes are in the block, and what the block says of it.
struct Found {
    data: std::ops::Range<usize>,
    ts: Timestamp,
    wirelen: u32,
    interface: u32,
}

/// A pcapng file being read.
pub(crate) struct NgReader {
    input: BufReader<Box<dyn Read + Send>>,
    path: PathBuf,
    /// Offsets are given only for a plain file, whose bytes they count (not inside a gzip stream).
    located: bool,
    /// The current block, its 8-byte header included, in `block[..len]`: the buffer only grows, so that a
    /// block costs no allocation and no clearing.
    block: Vec<u8>,
    len: usize,
    /// What reading ahead at open found: the first packet (or the end, or damage), not yet delivered.
    pending: Option<Result<Option<Found>, Error>>,
    swapped: bool,
    interfaces: Vec<Interface>,
    /// Where the next block starts, how many blocks and packet records came before it.
    offset: u64,
    blocks: u64,
    records: u64,
    filter: Option<String>,
    /// One program per link type seen, compiled by libpcap for it.
    filters: Vec<(u32, BpfProgram)>,
    notes: Vec<Warning>,
}

impl NgReader {
    /// Starts reading, up to and including the first packet, so that a bad filter is refused now. `head` of
    /// `opened` holds the file's first bytes (its section header's start).
    pub(crate) fn open(path: &Path, opened: Opened, filter: Option<&str>) -> Result<NgReader, Error> {
        let located = opened.plain_file && !opened.gzipped;
        let input: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(opened.head).chain(opened.rest));
        let mut r = NgReader {
            input: BufReader::with_capacity(READ_BUFFER, input),
            path: path.to_path_buf(),
            located,
            block: vec![0; 64 * 1024],
            len: 0,
            pending: None,
            swapped: false,
            interfaces: Vec::new(),
            offset: 0,
            blocks: 0,
            records: 0,
            filter: filter.map(str::to_string),
            filters: Vec::new(),
            notes: Vec::new(),
        };
        // Read ahead to the first packet: the interfaces before it give their notes now, and a filter that
        // does not compile for their link types is refused now (checked against Ethernet when there is none).
        r.pending = match r.next_packet(false) {
            Err(e) if matches!(e.kind, FileErrorKind::Filter { .. }) => return Err(e),
            Ok(Some(f)) if !r.passes(&f) => None,
            ahead => Some(ahead),
        };
        if let Some(expr) = filter.filter(|_| r.filters.is_empty()) {
            r.compile(LinkType::Ethernet.dlt())
                .map_err(|why| r.filter_error(expr, why))?;
        }
        Ok(r)
    }

    /// The link type of the first interface described so far (Ethernet before any).
    pub(crate) fn first_link(&self) -> LinkType {
        self.interfaces.first().map_or(LinkType::Ethernet, |i| i.link)
    }

    pub(crate) fn take_notes(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.notes)
    }

    pub(crate) fn notes(&self) -> &[Warning] {
        &self.notes
    }

    /// The next packet that passes the filter, as a frame borrowing the reader's block; `None` at the end.
    pub(crate) fn next_frame(&mut self) -> Result<Option<super::Frame<'_>>, Error> {
        let found = match self.pending.take() {
            Some(ahead) => ahead?,
            None => self.next_packet(true)?,
        };
        Ok(found.map(|f| super::Frame {
            data: &self.block[f.data],
            ts: f.ts,
            wirelen: f.wirelen,
            link: self.interfaces[f.interface as usize].link,
            interface: f.interface,
        }))
    }

    /// Reads blocks until a packet that passes the filter (all of them when `filtering` is off).
    fn next_packet(&mut self, filtering: bool) -> Result<Option<Found>, Error> {
        loop {
            let Some(kind) = self.read_block()? else {
                return Ok(None);
            };
            let found = match kind {
                SECTION_HEADER => {
                    self.section_header()?;
                    continue;
                }
                INTERFACE => {
                    self.interface()?;
                    continue;
                }
                ENHANCED_PACKET => self.enhanced_packet()?,
                SIMPLE_PACKET => self.simple_packet()?,
                OBSOLETE_PACKET => self.obsolete_packet()?,
                _ => continue,
            };
            if !filtering || self.passes(&found) {
                return Ok(Some(found));
            }
        }
    }

    /// Reads the next block whole into `block`; its type, or `None` at a clean end of the file.
    fn read_block(&mut self) -> Result<Option<u32>, Error> {
        let at = self.offset;
        self.len = 0;
        let got = self.read_into(0, 8)?;
        if got == 0 {
            return Ok(None);
        }
        if got < 8 {
            return Err(self.damage(
                at,
                FileErrorKind::TruncatedRecord {
                    needed: 12,
                    got: got as u64,
                },
            ));
        }
        let raw_type = u32::from_le_bytes(self.block[..4].try_into().expect("4 bytes"));
        let mut have = 8;
        if raw_type == SECTION_HEADER {
            // The byte-order magic after the length says how to read the length.
            have += self.read_into(8, 4)?;
            if have == 12 {
                let magic = u32::from_le_bytes(self.block[8..12].try_into().expect("4 bytes"));
                self.swapped = match magic {
                    BYTE_ORDER_MAGIC => false,
                    m if m.swap_bytes() == BYTE_ORDER_MAGIC => true,
                    m => return Err(self.bad_block(at, BlockContent::ByteOrderMagic(m))),
                };
            }
        }
        let total = u64::from(self.word(4));
        let fault = length_fault(total);
        if let Some(fault) = fault {
            let block = self.blocks + 1;
            return Err(self.damage(
                at,
                FileErrorKind::BadBlockLength {
                    block,
                    length: total,
                    fault,
                },
            ));
        }
        let total_len = total as usize;
        if self.block.len() < total_len {
            self.block.resize(total_len, 0);
        }
        have += self.read_into(have, total_len - have)?;
        if have < total_len {
            return Err(self.damage(
                at,
                FileErrorKind::TruncatedRecord {
                    needed: total,
                    got: have as u64,
                },
            ));
        }
        self.len = total_len;
        self.offset += total;
        self.blocks += 1;
        Ok(Some(self.word(0)))
    }

    /// Fills `block[from..from + len]` as far as the input goes; how many bytes it got.
    fn read_into(&mut self, from: usize, len: usize) -> Result<usize, Error> {
        let mut got = 0;
        while got < len {
            match self.input.read(&mut self.block[from + got..from + len]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.damage(self.offset, FileErrorKind::Io(e))),
            }
        }
        Ok(got)
    }

    /// The 32-bit word at `at` of the block, in the section's byte order.
    fn word(&self, at: usize) -> u32 {
        let w = self.block[at..at + 4].try_into().expect("4 bytes");
        match self.swapped {
            true => u32::from_be_bytes(w),
            false => u32::from_le_bytes(w),
        }
    }

    fn half(&self, at: usize) -> u16 {
        let h = self.block[at..at + 2].try_into().expect("2 bytes");
        match self.swapped {
            true => u16::from_be_bytes(h),
            false => u16::from_le_bytes(h),
        }
    }

    /// The body of the current block (between its length fields).
    fn body_len(&self) -> usize {
        self.len - 12
    }

    /// Checks that the body holds `needed` bytes of fixed fields.
    fn need(&self, kind: &'static str, needed: usize) -> Result<(), Error> {
        match self.body_len() < needed {
            true => Err(self.bad_current(BlockContent::BodyTooShort {
                kind,
                needed: needed as u64,
                got: self.body_len() as u64,
            })),
            false => Ok(()),
        }
    }

    /// A new section: its own byte order (set by `read_block`) and interfaces.
    fn section_header(&mut self) -> Result<(), Error> {
        self.need("section header", 16)?;
        let (major, minor) = (self.half(12), self.half(14));
        // libpcap reads 1.0, and 1.2 (some writers' mistake) as 1.0.
        if major != 1 || (minor != 0 && minor != 2) {
            return Err(self.bad_current(BlockContent::Version { major, minor }));
        }
        self.interfaces.clear();
        Ok(())
    }

    fn interface(&mut self) -> Result<(), Error> {
        self.need("interface description", 8)?;
        let link = LinkType::from_dlt(u32::from(self.half(8)));
        let snaplen = self.word(12);
        let mut resolution = Resolution::Decimal(6);
        let mut offset = 0i64;
        // Options: code, length, value padded to 32 bits, until the end of the body or opt_endofopt.
        let (mut at, end) = (16, self.len - 4);
        while at + 4 <= end {
            let (code, len) = (self.half(at), usize::from(self.half(at + 2)));
            let value = at + 4;
            if code == OPT_END || value + len > end {
                break;
            }
            match (code, len) {
                (IF_TSRESOL, 1) => {
                    let byte = self.block[value];
                    resolution = Resolution::from_option(byte)
                        .ok_or_else(|| self.bad_current(BlockContent::TsResolution(byte)))?;
                }
                (IF_TSOFFSET, 8) => {
                    let (lo, hi) = (self.word(value), self.word(value + 4));
                    let (lo, hi) = if self.swapped { (hi, lo) } else { (lo, hi) };
                    offset = ((u64::from(hi) << 32) | u64::from(lo)) as i64;
                }
                _ => {}
            }
            at = value + len.div_ceil(4) * 4;
        }
        let id = self.interfaces.len() as u32;
        if let LinkType::Other(dlt) = link {
            self.notes.push(Warning::RawLinkType {
                path: self.path.clone(),
                dlt,
                name: Linktype(dlt as i32)
                    .get_name()
                    .unwrap_or_else(|_| "no name in libpcap".to_string()),
            });
        }
        if resolution.finer_than_nanos() {
            self.notes.push(Warning::FinerThanNanos {
                path: self.path.clone(),
                interface: id,
            });
        }
        let filter = match &self.filter {
            Some(expr) => {
                let expr = expr.clone();
                Some(self.compile(link.dlt()).map_err(|why| self.filter_error(&expr, why))?)
            }
            None => None,
        };
        self.interfaces.push(Interface {
            link,
            snaplen,
            resolution,
            offset,
            filter,
        });
        Ok(())
    }

    /// The program for a link type, compiled the first time it is met; its index in `filters`.
    fn compile(&mut self, dlt: u32) -> Result<usize, String> {
        if let Some(i) = self.filters.iter().position(|(d, _)| *d == dlt) {
            return Ok(i);
        }
        let expr = self.filter.as_deref().unwrap_or_default();
        let dead = Capture::dead(Linktype(dlt as i32)).map_err(libpcap_message)?;
        let program = dead.compile(expr, true).map_err(libpcap_message)?;
        self.filters.push((dlt, program));
        Ok(self.filters.len() - 1)
    }

    fn filter_error(&self, expr: &str, why: String) -> Error {
        Error::new(
            &self.path,
            FileErrorKind::Filter {
                expr: expr.to_string(),
                why,
            },
        )
    }

    fn passes(&self, f: &Found) -> bool {
        let Some(i) = self.interfaces[f.interface as usize].filter else {
            return true;
        };
        let program = self.filters[i].1.get_instructions();
        let data = &self.block[f.data.clone()];
        // SAFETY: `program` is a whole program libpcap compiled (its instructions are `bpf_insn`s, which
        // `BpfInstruction` wraps transparently), and the interpreter reads at most `data.len()` bytes.
        unsafe { bpf_filter(program.as_ptr().cast(), data.as_ptr(), f.wirelen, data.len() as c_uint) != 0 }
    }

    fn enhanced_packet(&mut self) -> Result<Found, Error> {
        self.need("enhanced packet block", 20)?;
        let interface = self.word(8);
        let units = (u64::from(self.word(12)) << 32) | u64::from(self.word(16));
        let (caplen, wirelen) = (self.word(20), self.word(24));
        self.packet(interface, units, 28, caplen, wirelen)
    }

    fn obsolete_packet(&mut self) -> Result<Found, Error> {
        self.need("packet block", 20)?;
        let interface = u32::from(self.half(8));
        let units = (u64::from(self.word(12)) << 32) | u64::from(self.word(16));
        let (caplen, wirelen) = (self.word(20), self.word(24));
        self.packet(interface, units, 28, caplen, wirelen)
    }

    /// A Simple Packet Block: interface 0, no time, as much of the packet as the block and snaplen hold.
    fn simple_packet(&mut self) -> Result<Found, Error> {
        self.need("simple packet block", 4)?;
        let wirelen = self.word(8);
        let snaplen = self.interfaces.first().map_or(0, |i| i.snaplen);
        let mut caplen = wirelen.min((self.len - 16) as u32);
        if snaplen != 0 {
            caplen = caplen.min(snaplen);
        }
        self.packet(0, 0, 12, caplen, wirelen)
    }

    /// The packet of the current block, its data from `start` on.
    fn packet(&mut self, interface: u32, units: u64, start: usize, caplen: u32, wirelen: u32) -> Result<Found, Error> {
        let Some(i) = self.interfaces.get(interface as usize) else {
            return Err(self.bad_current(BlockContent::UnknownInterface {
                id: interface,
                known: self.interfaces.len(),
            }));
        };
        let room = self.len - 4 - start;
        if caplen as usize > room {
            return Err(self.bad_current(BlockContent::CaplenPastBlock {
                caplen: u64::from(caplen),
                room: room as u64,
            }));
        }
        let (secs, nanos) = i.resolution.split(units);
        let secs = i64::try_from(secs).unwrap_or(i64::MAX).saturating_add(i.offset);
        self.records += 1;
        Ok(Found {
            data: start..start + caplen as usize,
            ts: Timestamp::new(secs, nanos),
            wirelen,
            interface,
        })
    }

    /// An error at the block that starts at `at`, which is the next record's when it is cut or unsound.
    fn damage(&self, at: u64, kind: FileErrorKind) -> Error {
        Error::new(&self.path, kind).at(self.records + 1, self.located.then_some(at))
    }

    /// The block just read is unsound inside.
    fn bad_block(&self, at: u64, fault: BlockContent) -> Error {
        let block = self.blocks + 1;
        self.damage(at, FileErrorKind::BadBlock { block, fault })
    }

    /// The block just read (and counted) is unsound inside: named by its number, its record and offset.
    fn bad_current(&self, fault: BlockContent) -> Error {
        let at = self.offset - self.len as u64;
        let block = self.blocks;
        self.damage(at, FileErrorKind::BadBlock { block, fault })
    }
}
