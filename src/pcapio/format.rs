//! What libpcap does not tell: the file's format from its first bytes, and, after libpcap has stopped at
//! damage, which record is damaged, where it starts and how.
//!
//! libpcap reads the packets (fast, both formats, BPF applied in its read loop), but its errors for damaged
//! files name neither the record nor the offset ("truncated dump file; tried to read 1514 captured bytes,
//! only got 300"). Counting offsets while reading would cost every packet a little and breaks down once a
//! filter hides records, so the damage is located only after an error, by a light scan of the record headers
//! (16 bytes per pcap record, 8 per pcapng block); the data in between is skipped, not read.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::error::{BlockFault, Error, FileErrorKind};

/// The pcapng Section Header Block's type, which is also the file's magic.
const PCAPNG_SHB: u32 = 0x0a0d_0d0a;
/// Magic numbers of classic pcap, as read little-endian: microsecond and nanosecond timestamps.
const PCAP_MICRO: u32 = 0xa1b2_c3d4;
const PCAP_NANO: u32 = 0xa1b2_3c4d;
/// Alexey Kuznetsov's "modified" pcap, which libpcap and tcpdump read: microseconds, and 8 more bytes in each
/// record header (interface index, protocol, packet type).
const PCAP_MODIFIED: u32 = 0xa1b2_cd34;
pub(crate) const GLOBAL_HEADER_LEN: u64 = 24;
const RECORD_HEADER_LEN: u64 = 16;
const MODIFIED_RECORD_HEADER_LEN: u64 = 24;
/// libpcap's largest record (`max_snaplen_for_dlt`): 262144 bytes, more for D-Bus, USBPcap and EBHSCR.
pub(crate) fn max_snaplen(linktype: u32) -> u64 {
    match linktype {
        231 => 128 * 1024 * 1024,
        249 => 1024 * 1024,
        279 => 8 * 1024 * 1024,
        _ => 262_144,
    }
}
/// libpcap's cap on a pcapng block (`MAX_BLOCKSIZE_MAX`).
pub(crate) const MAX_BLOCK: u64 = 16 * 1024 * 1024;

/// What is wrong with a pcapng block's total length, if anything: libpcap's three checks.
pub(crate) fn length_fault(total: u64) -> Option<BlockFault> {
    match total {
        t if t < 12 => Some(BlockFault::TooShort),
        t if t % 4 != 0 => Some(BlockFault::NotMultipleOf4),
        t if t > MAX_BLOCK => Some(BlockFault::OverLimit { max: MAX_BLOCK }),
        _ => None,
    }
}

/// A capture file's format, from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Classic pcap. `swapped`: written on a machine of the other byte order; `modified`: Kuznetsov's
    /// variant, with longer record headers.
    Pcap {
        nano: bool,
        swapped: bool,
        modified: bool,
        snaplen: u32,
        linktype: u32,
    },
    PcapNg,
}

/// Opens a file to read a capture from; a missing file and a directory are errors that say so.
pub(crate) fn open_file(path: &Path) -> Result<File, Error> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    if f.metadata().map_err(|e| Error::io(path, e))?.is_dir() {
        return Err(Error::new(path, FileErrorKind::IsDirectory));
    }
    Ok(f)
}

/// A capture's first bytes, as many as a pcap global header has (fewer when the file is shorter).
pub(crate) fn read_head(path: &Path, r: &mut impl Read) -> Result<Vec<u8>, Error> {
    let mut head = vec![0u8; GLOBAL_HEADER_LEN as usize];
    let got = read_up_to(r, &mut head).map_err(|e| Error::io(path, e))?;
    head.truncate(got);
    Ok(head)
}

/// The format of a capture that starts with `head` (see [`read_head`]).
pub(crate) fn identify(path: &Path, head: &[u8]) -> Result<Format, Error> {
    let Some(&[a, b, c, d]) = head.first_chunk::<4>() else {
        return Err(Error::new(path, FileErrorKind::NotCapture { magic: None }));
    };
    let magic = u32::from_le_bytes([a, b, c, d]);
    if magic == PCAPNG_SHB {
        return Ok(Format::PcapNg);
    }
    let (swapped, (nano, modified)) = match (pcap_kind(magic), pcap_kind(magic.swap_bytes())) {
        (Some(kind), _) => (false, kind),
        (None, Some(kind)) => (true, kind),
        (None, None) => return Err(Error::new(path, FileErrorKind::NotCapture { magic: Some(magic) })),
    };
    if (head.len() as u64) < GLOBAL_HEADER_LEN {
        return Err(Error::new(
            path,
            FileErrorKind::TruncatedGlobalHeader { got: head.len() as u64 },
        ));
    }
    let word = |at: usize| read_u32(&head[at..at + 4], swapped);
    Ok(Format::Pcap {
        nano,
        swapped,
        modified,
        snaplen: word(16),
        // The upper bits carry FCS information, not the link type.
        linktype: word(20) & 0xffff,
    })
}

/// Whether a classic pcap magic number (as read in the file's byte order) means nanosecond timestamps, and
/// whether it is the modified format.
fn pcap_kind(magic: u32) -> Option<(bool, bool)> {
    match magic {
        PCAP_MICRO => Some((false, false)),
        PCAP_NANO => Some((true, false)),
        PCAP_MODIFIED => Some((false, true)),
        _ => None,
    }
}

fn read_up_to(f: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match f.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

fn read_u32(b: &[u8], swapped: bool) -> u32 {
    let w = [b[0], b[1], b[2], b[3]];
    if swapped {
        u32::from_be_bytes(w)
    } else {
        u32::from_le_bytes(w)
    }
}

/// Where and how a file is damaged: the first packet record that is cut short or has an impossible length.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Damage {
    pub record: u64,
    pub offset: u64,
    pub kind: DamageKind,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DamageKind {
    Truncated {
        needed: u64,
        got: u64,
    },
    Absurd {
        caplen: u64,
        max: u64,
    },
    /// A pcapng block (the `block`-th of the file, 1-based) whose length field cannot be right.
    BadBlock {
        block: u64,
        length: u64,
        fault: BlockFault,
    },
}

impl Damage {
    pub(crate) fn into_error(self, path: &Path) -> Error {
        let kind = match self.kind {
            DamageKind::Truncated { needed, got } => FileErrorKind::TruncatedRecord { needed, got },
            DamageKind::Absurd { caplen, max } => FileErrorKind::AbsurdRecordLength { caplen, max },
            DamageKind::BadBlock { block, length, fault } => FileErrorKind::BadBlockLength { block, length, fault },
        };
        Error::new(path, kind).at(self.record, Some(self.offset))
    }
}

/// Scans the record headers for the first damaged record, in the file's first `within` bytes when given
/// (what a reader saw of a file that has grown since); `None` when every record is whole (the error was
/// something else) or the file cannot be read again.
pub(crate) fn locate_damage(path: &Path, format: Format, within: Option<u64>) -> Option<Damage> {
    let file = File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let size = within.map_or(len, |w| w.min(len));
    let mut r = BufReader::with_capacity(64 * 1024, file);
    match format {
        Format::Pcap {
            swapped,
            modified,
            linktype,
            ..
        } => {
            let header = if modified {
                MODIFIED_RECORD_HEADER_LEN
            } else {
                RECORD_HEADER_LEN
            };
            scan_pcap(&mut r, size, swapped, header, max_snaplen(linktype))
        }
        Format::PcapNg => scan_pcapng(&mut r, size),
    }
}

/// Classic pcap's records: a header of `header` bytes (its captured length at 8..12), then the data.
fn scan_pcap(r: &mut BufReader<File>, size: u64, swapped: bool, header: u64, max: u64) -> Option<Damage> {
    let mut offset = GLOBAL_HEADER_LEN;
    r.seek(SeekFrom::Start(offset)).ok()?;
    let mut record = 1;
    let mut hdr = [0u8; MODIFIED_RECORD_HEADER_LEN as usize];
    let hdr = &mut hdr[..header as usize];
    while offset < size {
        let damage = |kind| Some(Damage { record, offset, kind });
        let left = size - offset;
        if left < header {
            return damage(DamageKind::Truncated {
                needed: header,
                got: left,
            });
        }
        r.read_exact(hdr).ok()?;
        let caplen = u64::from(read_u32(&hdr[8..12], swapped));
        if caplen > max {
            return damage(DamageKind::Absurd { caplen, max });
        }
        if header + caplen > left {
            return damage(DamageKind::Truncated {
                needed: header + caplen,
                got: left,
            });
        }
        r.seek_relative(caplen as i64).ok()?;
        offset += header + caplen;
        record += 1;
    }
    None
}

/// pcapng: blocks of `type, total length, body, total length`; a Section Header Block sets the byte order of
/// its section. Enhanced (6), Simple (3) and obsolete (2) packet blocks are the records counted.
fn scan_pcapng(r: &mut BufReader<File>, size: u64) -> Option<Damage> {
    let mut offset = 0u64;
    let mut record = 1;
    let mut block = 1;
    let mut swapped = false;
    let mut hdr = [0u8; 12];
    while offset < size {
        let left = size - offset;
        let got = read_up_to(r, &mut hdr[..left.min(12) as usize]).ok()?;
        let btype = u32::from_le_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
        if btype == PCAPNG_SHB && got == 12 {
            // The byte-order magic 0x1A2B3C4D follows the block length.
            swapped = u32::from_le_bytes([hdr[8], hdr[9], hdr[10], hdr[11]]) != 0x1a2b_3c4d;
        }
        let is_packet = matches!(read_u32(&hdr[..4], swapped), 2 | 3 | 6);
        let damage = |kind| Some(Damage { record, offset, kind });
        if got < 8 {
            return damage(DamageKind::Truncated { needed: 12, got: left });
        }
        let total = u64::from(read_u32(&hdr[4..8], swapped));
        let fault = length_fault(total);
        if let Some(fault) = fault {
            return damage(DamageKind::BadBlock {
                block,
                length: total,
                fault,
            });
        }
        if total > left {
            return damage(DamageKind::Truncated {
                needed: total,
                got: left,
            });
        }
        r.seek_relative(total as i64 - got as i64).ok()?;
        offset += total;
        record += u64::from(is_packet);
        block += 1;
    }
    None
}
