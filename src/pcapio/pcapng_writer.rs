//! The blocks of a pcapng file, as Scapy's `PcapNgWriter` writes them (little-endian, a Section Header,
//! then an Interface Description before the first packet of each interface, Enhanced Packet Blocks), with
//! what Scapy's loses kept: one interface per (interface, link type) of the frames, so that frames of several
//! link types share a file, and each interface's time resolution — microseconds (no `if_tsresol`, as Scapy
//! and tcpdump write) unless one of its frames needs nanoseconds (`if_tsresol` 9). The file side (temporary
//! name, buffering, gzip, publishing) is [`super::Writer`]'s.

use std::collections::BTreeMap;

use super::error::FileErrorKind;
use super::format::max_snaplen;
use super::frame::Frame;

use super::pcapng::{BYTE_ORDER_MAGIC, ENHANCED_PACKET, IF_TSRESOL, INTERFACE, SECTION_HEADER};
use super::writer::SNAPLEN;

/// Which interfaces a file describes: for each, the frames' interface and link type, and its resolution.
#[derive(Clone, Debug)]
pub(crate) struct NgEncoder {
    described: Vec<Described>,
    /// The interfaces to describe after the Section Header, until it is written.
    known: Option<Interfaces>,
    /// Every interface counts nanoseconds (`nano=True`).
    nano: bool,
}

#[derive(Clone, Copy, Debug)]
struct Described {
    interface: u32,
    dlt: u32,
    nano: bool,
}

/// The (interface, link type) pairs of frames already captured, and whether a frame of each needs
/// nanoseconds (see [`super::Frames::interfaces`]).
pub type Interfaces = BTreeMap<(u32, u32), bool>;

impl NgEncoder {
    /// An encoder that describes `known` interfaces (a list's) first, in their order, so that a file read
    /// and written again numbers them as it did.
    pub(crate) fn new(known: Interfaces, nano: bool) -> NgEncoder {
        NgEncoder {
            described: Vec::new(),
            known: Some(known),
            nano,
        }
    }

    /// The Section Header Block that starts the file and the known interfaces, once.
    pub(crate) fn start(&mut self, out: &mut Vec<u8>) {
        let Some(known) = self.known.take() else {
            return;
        };
        let mut body = Vec::with_capacity(16);
        body.extend_from_slice(&BYTE_ORDER_MAGIC.to_le_bytes());
        body.extend_from_slice(&1u16.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        // The section's length: not given.
        body.extend_from_slice(&(-1i64).to_le_bytes());
        block(SECTION_HEADER, &[&body], out);
        for ((interface, dlt), needs) in known {
            self.describe(interface, dlt, needs || self.nano, out);
        }
    }

    /// Appends a frame's Enhanced Packet Block, after its interface's description if it is new (or if the
    /// frame needs nanoseconds its interface's microseconds cannot hold: then a second description of it, in
    /// nanoseconds), `dlt` its link type.
    pub(crate) fn frame(&mut self, f: Frame<'_>, dlt: u32, out: &mut Vec<u8>) -> Result<(), FileErrorKind> {
        self.start(out);
        let caplen = f.data.len() as u64;
        let max = max_snaplen(dlt);
        if caplen > max {
            return Err(FileErrorKind::AbsurdRecordLength { caplen, max });
        }
        let units = |nano: bool| -> Option<u64> {
            let per = if nano { 1_000_000_000 } else { 1_000_000 };
            let frac = if nano { f.ts.nanos } else { f.ts.nanos / 1000 };
            u64::try_from(f.ts.secs)
                .ok()?
                .checked_mul(per)?
                .checked_add(u64::from(frac))
        };
        let needs = f.ts.needs_nanos();
        let id = match self
            .described
            .iter()
            .position(|d| d.interface == f.interface && d.dlt == dlt && (d.nano || !needs))
        {
            Some(id) => id,
            None => self.describe(f.interface, dlt, needs || self.nano, out),
        };
        let nano = self.described[id].nano;
        let Some(ts) = units(nano) else {
            let max = u64::MAX / if nano { 1_000_000_000 } else { 1_000_000 };
            return Err(FileErrorKind::NgTimeOutOfRange { secs: f.ts.secs, max });
        };
        let mut fields = [0u8; 20];
        for (i, w) in [id as u32, (ts >> 32) as u32, ts as u32, caplen as u32, f.wirelen]
            .iter()
            .enumerate()
        {
            fields[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
        }
        block(ENHANCED_PACKET, &[&fields, f.data], out);
        Ok(())
    }

    /// Appends an Interface Description Block; its index in the section.
    fn describe(&mut self, interface: u32, dlt: u32, nano: bool, out: &mut Vec<u8>) -> usize {
        let mut body = Vec::with_capacity(24);
        // The link type is 16 bits in an interface description; pcap's upper bits carry FCS information.
        body.extend_from_slice(&(dlt as u16).to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&SNAPLEN.to_le_bytes());
        if nano {
            body.extend_from_slice(&IF_TSRESOL.to_le_bytes());
            body.extend_from_slice(&1u16.to_le_bytes());
            body.extend_from_slice(&[9, 0, 0, 0]);
            // opt_endofopt
            body.extend_from_slice(&[0; 4]);
        }
        block(INTERFACE, &[&body], out);
        self.described.push(Described { interface, dlt, nano });
        self.described.len() - 1
    }
}

/// Appends a block: type, total length, the body (its parts back to back) padded to 32 bits, total length
/// again.
fn block(kind: u32, body: &[&[u8]], out: &mut Vec<u8>) {
    let len: usize = body.iter().map(|p| p.len()).sum();
    let padded = len.div_ceil(4) * 4;
    let total = (12 + padded) as u32;
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    body.iter().for_each(|p| out.extend_from_slice(p));
    out.resize(out.len() + padded - len, 0);
    out.extend_from_slice(&total.to_le_bytes());
}
