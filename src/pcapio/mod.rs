//! Capture files: Scapy's `rdpcap`, `wrpcap`, `PcapReader`, `PcapWriter` and `PacketList`.
//!
//! Reading classic pcap goes through libpcap (micro- or nanoseconds, either byte order); pcapng is read by our
//! own reader, which keeps each packet's interface and link type (several in one file) and each interface's
//! time resolution; from a file, a gzipped file or a pipe, with BPF filters compiled by libpcap and applied
//! offline, without privileges. Writing gives classic pcap or, as Scapy's `wrpcapng`, pcapng. Writing can gzip, as Scapy's `gz=1`. Frames are kept
//! as bytes and dissected when asked for. Damaged files fail with errors naming the file, the record and its
//! byte offset; a file cut short still gives every packet before the cut, with a warning.
//!
//! ```
//! use wirecraft::pcapio::{self, ReadOptions};
//! use wirecraft::Layer;
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("web.pcap");
//!
//! let web = Layer::named("Ether")? / Layer::named("IP")?.with("dst", "198.18.0.2")?
//!     / Layer::named("TCP")?.with("dport", 80)?;
//! let dns = Layer::named("Ether")? / Layer::named("IP")?.with("dst", "198.18.0.2")?
//!     / Layer::named("UDP")?;
//! pcapio::write(&path, &[web, dns], &Default::default())?;
//!
//! let (pkts, warnings) = pcapio::read(&path, &ReadOptions::filter("tcp port 80"))?;
//! assert!(warnings.is_empty());
//! assert_eq!(pkts.to_string(), "<web.pcap: TCP:1 UDP:0 ICMP:0 Other:0>");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod analysis;
mod error;
mod format;
mod frame;
mod list;
mod pcapng;
mod pcapng_writer;
mod reader;
mod source;
mod stream;
mod writer;

use std::path::Path;

pub use crate::packet::Timestamp;
pub use analysis::{session_key, Conversation, Conversations, Level, Stats, Talker};
pub use error::{BlockFault, Error, FileErrorKind};
pub use format::Format;
pub use frame::{link_of, Frame, FrameBuf};
pub use list::{slice_indices, PacketList, Tally};
pub use pcapng_writer::Interfaces;
pub use reader::{ReadOptions, Reader, Warning};
pub(crate) use source::libpcap_message;
pub use stream::{stream_summaries, Totals};
pub use writer::{write, write_or_stop, Frames, WriteOptions, Writer};

/// Scapy's `rdpcap`: loads a file into a [`PacketList`] named after it. Damage after the first packets is a
/// warning (the packets before it are returned); a file that cannot be read at all is an error.
pub fn read(path: impl AsRef<Path>, opts: &ReadOptions) -> Result<(PacketList, Vec<Warning>), Error> {
    let path = path.as_ref();
    let mut r = Reader::open(path, opts)?;
    // Frames take at most the file's size; reserving it up front means no copy while loading. A filtered
    // read reserves it too: the pages it never fills are address space, not memory.
    let room = match opts.count {
        None => std::fs::metadata(path).map_or(0, |m| m.len() as usize),
        Some(_) => 0,
    };
    let mut list = PacketList::with_capacity(list_name(path), room);
    let mut warnings = r.take_notes();
    while let Some(f) = r.next_frame() {
        match f {
            Ok(f) => list.push(f),
            Err(e) => warnings.push(Warning::Damaged(e)),
        }
    }
    // Notes of interfaces described after the first packet of a pcapng file.
    warnings.extend(r.take_notes());
    Ok((list, warnings))
}

/// The name Scapy gives a list read from a file: its base name.
pub(crate) fn list_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}
