//! Errors reading and writing capture files: each names the file and, where it applies, the record number
//! (1-based, counting packet records) and the byte offset where the damage starts.

use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong with a capture file.
#[derive(Debug)]
pub enum FileErrorKind {
    /// The file does not exist.
    NotFound,
    /// The path is a directory.
    IsDirectory,
    /// The directory a file is to be written in does not exist.
    NoDirectory(PathBuf),
    /// The operating system refused (permissions, I/O errors).
    Io(std::io::Error),
    /// A stream's file could not take more (disk full, quota, I/O error): what was written whole before is
    /// published under the file's name, `kept` packets of this writer's.
    StreamCut { kept: u64, cause: std::io::Error },
    /// A stream's writer is used again after it was cut.
    WriterCut,
    /// The stop flag (Ctrl-C) ended the write; the file was left as it was.
    Stopped,
    /// The file does not start with a pcap or pcapng magic number.
    NotCapture { magic: Option<u32> },
    /// The file ends inside the 24-byte pcap global header.
    TruncatedGlobalHeader { got: u64 },
    /// The file ends inside a record header or a record's data.
    TruncatedRecord { needed: u64, got: u64 },
    /// A record header claims more bytes than any capture can hold.
    AbsurdRecordLength { caplen: u64, max: u64 },
    /// A pcapng block's length field is impossible: the block (1-based, every kind counted) and why.
    BadBlockLength { block: u64, length: u64, fault: BlockFault },
    /// A pcapng block whose length is right but whose content cannot be read: the block (1-based) and why.
    BadBlock { block: u64, fault: BlockContent },
    /// libpcap could not compile the BPF filter.
    Filter { expr: String, why: String },
    /// Frames of different link types cannot share a classic pcap file (a pcapng file holds them).
    MixedLinkTypes { file: u32, frame: u32 },
    /// A packet's time is before 1970 or past 2106: a classic pcap record holds its seconds in 32 bits.
    TimeOutOfRange { secs: i64 },
    /// A packet's time is before 1970 or past what a pcapng timestamp counts at its interface's resolution
    /// (`max` seconds).
    NgTimeOutOfRange { secs: i64, max: u64 },
    /// The file to append to is not a classic pcap file this writer can extend.
    CannotAppend(String),
    /// Any other error reported by libpcap, in its words.
    Libpcap(String),
}

/// An error reading or writing a capture file.
#[derive(Debug)]
pub struct Error {
    pub path: PathBuf,
    /// The packet record (1-based) where the damage is, when the error concerns one.
    pub record: Option<u64>,
    /// The byte offset in the file where that record starts.
    pub offset: Option<u64>,
    pub kind: FileErrorKind,
}

impl Error {
    pub(crate) fn new(path: &Path, kind: FileErrorKind) -> Error {
        Error {
            path: path.to_path_buf(),
            record: None,
            offset: None,
            kind,
        }
    }

    pub(crate) fn at(mut self, record: u64, offset: Option<u64>) -> Error {
        self.record = Some(record);
        self.offset = offset;
        self
    }

    pub(crate) fn io(path: &Path, e: std::io::Error) -> Error {
        let kind = match e.kind() {
            std::io::ErrorKind::NotFound => FileErrorKind::NotFound,
            std::io::ErrorKind::IsADirectory => FileErrorKind::IsDirectory,
            _ => FileErrorKind::Io(e),
        };
        Error::new(path, kind)
    }
}

impl fmt::Display for FileErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileErrorKind::NotFound => f.write_str("no such file"),
            FileErrorKind::IsDirectory => f.write_str("is a directory, not a capture file"),
            FileErrorKind::NoDirectory(dir) => write!(f, "no such directory: {}", dir.display()),
            FileErrorKind::Io(e) => write!(f, "{e}"),
            FileErrorKind::StreamCut { kept, cause } => {
                write!(f, "{cause}; the file keeps the {kept} packets written before it")
            }
            FileErrorKind::Stopped => f.write_str("interrupted; the file was left as it was"),
            FileErrorKind::WriterCut => f.write_str("the file was already cut short by an earlier error"),
            FileErrorKind::NotCapture { magic: Some(m) } => {
                write!(f, "not a pcap or pcapng capture file (starts with {m:#010x})")
            }
            FileErrorKind::NotCapture { magic: None } => {
                f.write_str("not a pcap or pcapng capture file (shorter than a magic number)")
            }
            FileErrorKind::TruncatedGlobalHeader { got } => {
                write!(f, "truncated pcap global header: {got} of 24 bytes")
            }
            FileErrorKind::TruncatedRecord { needed, got } => {
                write!(f, "truncated record: needs {needed} bytes, the file has {got} left")
            }
            FileErrorKind::BadBlockLength { block, length, fault } => {
                write!(f, "pcapng block {block} has length {length}, {fault}")
            }
            FileErrorKind::BadBlock { block, fault } => write!(f, "pcapng block {block}: {fault}"),
            FileErrorKind::AbsurdRecordLength { caplen, max } => {
                write!(
                    f,
                    "record length {caplen} is absurd (the most a capture can hold is {max})"
                )
            }
            FileErrorKind::Filter { expr, why } => write!(f, "bad filter {expr:?}: {why}"),
            FileErrorKind::TimeOutOfRange { secs } => write!(
                f,
                "time {secs} s is outside what a pcap record holds (0 to 4294967295 s after 1970)"
            ),
            FileErrorKind::NgTimeOutOfRange { secs, max } => write!(
                f,
                "time {secs} s is outside what a pcapng timestamp holds (0 to {max} s after 1970)"
            ),
            FileErrorKind::MixedLinkTypes { file, frame } => write!(
                f,
                "a frame of link type {frame} cannot go in a pcap file of link type {file}: a classic pcap file \
                 holds one link type (write a pcapng file with wrpcapng to keep both, or pass linktype= to force one)"
            ),
            FileErrorKind::CannotAppend(why) => write!(f, "cannot append: {why}"),
            FileErrorKind::Libpcap(m) => write!(f, "{m}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.path.display())?;
        match (self.record, self.offset) {
            (Some(r), Some(o)) => write!(f, "record {r} at byte offset {o}: ")?,
            (Some(r), None) => write!(f, "record {r}: ")?,
            _ => {}
        }
        write!(f, "{}", self.kind)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            FileErrorKind::Io(e) | FileErrorKind::StreamCut { cause: e, .. } => Some(e),
            _ => None,
        }
    }
}

/// What is wrong with a pcapng block's length, each fault in words of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockFault {
    /// Below the 12 bytes of a block's type, length and trailing length.
    TooShort,
    /// Blocks are padded to 32 bits.
    NotMultipleOf4,
    /// Over libpcap's largest block.
    OverLimit { max: u64 },
}

impl fmt::Display for BlockFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockFault::TooShort => f.write_str("shorter than the 12 bytes every block has"),
            BlockFault::NotMultipleOf4 => f.write_str("not a multiple of 4"),
            BlockFault::OverLimit { max } => write!(f, "more than libpcap's largest block, {max} bytes"),
        }
    }
}

/// What is wrong inside a pcapng block whose length is sound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockContent {
    /// The body is shorter than the fixed fields of its kind.
    BodyTooShort { kind: &'static str, needed: u64, got: u64 },
    /// A packet's captured length runs past the end of its block.
    CaplenPastBlock { caplen: u64, room: u64 },
    /// A packet names an interface its section has not described.
    UnknownInterface { id: u32, known: usize },
    /// A section header whose byte-order magic is neither 0x1a2b3c4d nor its swap.
    ByteOrderMagic(u32),
    /// A section of a pcapng version libpcap does not read (it reads 1.0, and 1.2 as 1.0).
    Version { major: u16, minor: u16 },
    /// An `if_tsresol` too fine for a 64-bit count: 10^-n past n = 19, 2^-n past n = 63.
    TsResolution(u8),
}

impl fmt::Display for BlockContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockContent::BodyTooShort { kind, needed, got } => {
                write!(
                    f,
                    "{kind} too short: its fields need {needed} bytes, the block has {got}"
                )
            }
            BlockContent::CaplenPastBlock { caplen, room } => write!(
                f,
                "captured length {caplen} runs past the block's end ({room} bytes of packet data fit)"
            ),
            BlockContent::UnknownInterface { id, known } => write!(
                f,
                "a packet on interface {id}, but the section describes {known} interface(s)"
            ),
            BlockContent::ByteOrderMagic(m) => {
                write!(f, "section header byte-order magic {m:#010x} is not 0x1a2b3c4d")
            }
            BlockContent::Version { major, minor } => {
                write!(f, "pcapng version {major}.{minor} is not one libpcap reads (1.0)")
            }
            BlockContent::TsResolution(r) => {
                let (base, n) = if r & 0x80 != 0 { (2, r & 0x7f) } else { (10, *r) };
                write!(f, "if_tsresol {base}^-{n} is finer than a 64-bit timestamp can count")
            }
        }
    }
}
