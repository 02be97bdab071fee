//! Scapy's `PacketList`, stored compactly: every frame's bytes in one contiguous buffer and a 40-byte index
//! entry per frame. Nothing is dissected until a packet is asked for, so a million frames cost their bytes
//! plus 40 MB, not a million layer trees.

use std::fmt::{self, Write as _};
use std::ops::Add;
use std::path::Path;

use pcap::{Capture, Linktype};

use super::error::{Error, FileErrorKind};
use super::frame::Frame;
use crate::layers;
use crate::packet::Timestamp;
use crate::packet::{hexdump, LinkType, Packet};

/// Where one frame's bytes are in the buffer, and what pcap says about it.
#[derive(Clone, Copy, Debug)]
struct Entry {
    off: u64,
    secs: i64,
    caplen: u32,
    wirelen: u32,
    nanos: u32,
    /// The link type, in four bytes: see [`link_code`].
    link: u32,
    interface: u32,
}

/// Marks a link code that is a protocol's place in the registry; libpcap's LINKTYPE numbers never set it.
const PROTO_MARK: u32 = 1 << 31;

/// A link type in four bytes, so that an entry stays small: the pcap number, or for a packet with no link
/// layer (`DNS()`) its first protocol's place in the registry, marked.
fn link_code(link: LinkType) -> u32 {
    let protocols = crate::packet::registry::installed().protocols();
    match link {
        LinkType::Proto(p) => protocols
            .iter()
            .position(|q| *q == p)
            .map_or(link.dlt(), |i| PROTO_MARK | i as u32),
        l => l.dlt(),
    }
}

/// The link type of a [`link_code`].
fn code_link(code: u32) -> LinkType {
    let protocols = crate::packet::registry::installed().protocols();
    match protocols.get((code & !PROTO_MARK) as usize) {
        Some(p) if code & PROTO_MARK != 0 => LinkType::Proto(p),
        _ => LinkType::from_dlt(code),
    }
}

/// A list of captured frames, dissected on access.
///
/// ```
/// use wirecraft::pcapio::PacketList;
/// use wirecraft::Layer;
///
/// let mut pkts = PacketList::new("demo");
/// pkts.push_packet(&(Layer::named("IP")? / Layer::named("TCP")?));
/// pkts.push_packet(&(Layer::named("IP")? / Layer::named("UDP")?));
/// assert_eq!(pkts.len(), 2);
/// assert_eq!(pkts.to_string(), "<demo: TCP:1 UDP:1 ICMP:0 Other:0>");
/// assert_eq!(pkts.with_layer("UDP").to_string(), "<UDP from demo: TCP:0 UDP:1 ICMP:0 Other:0>");
/// assert_eq!(pkts.get(-1).unwrap().packet().summary(), "IP / UDP 127.0.0.1:domain > 127.0.0.1:domain");
/// # Ok::<(), wirecraft::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct PacketList {
    name: String,
    data: Vec<u8>,
    index: Vec<Entry>,
}

impl PacketList {
    /// An empty list; `name` shows in its repr (`rdpcap` names a list after its file).
    pub fn new(name: impl Into<String>) -> PacketList {
        PacketList {
            name: name.into(),
            ..PacketList::default()
        }
    }

    /// An empty list with room for `bytes` of frame data, so that loading a file does not reallocate.
    pub(crate) fn with_capacity(name: impl Into<String>, bytes: usize) -> PacketList {
        let data = Vec::with_capacity(bytes);
        huge_pages(&data);
        PacketList {
            name: name.into(),
            data,
            index: Vec::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn set_name(&mut self, name: impl Into<String>) {
        self.name = name.into();
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Appends a copy of a frame.
    pub fn push(&mut self, f: Frame<'_>) {
        self.index.push(Entry {
            off: self.data.len() as u64,
            secs: f.ts.secs,
            caplen: f.data.len() as u32,
            wirelen: f.wirelen,
            nanos: f.ts.nanos,
            link: link_code(f.link),
            interface: f.interface,
        });
        self.data.extend_from_slice(f.data);
    }

    /// Appends a crafted packet, built and stamped now (every packet of a packet set).
    pub fn push_packet(&mut self, p: &Packet) {
        for q in p.iter() {
            self.push(super::frame::FrameBuf::from_packet(&q).as_frame());
        }
    }

    /// The frame at `i`; a negative index counts from the end, as in Python.
    pub fn get(&self, i: isize) -> Option<Frame<'_>> {
        let i = if i < 0 {
            self.len().checked_sub(i.unsigned_abs())?
        } else {
            i as usize
        };
        self.index.get(i).map(|e| self.frame(e))
    }

    fn frame(&self, e: &Entry) -> Frame<'_> {
        let start = e.off as usize;
        Frame {
            data: &self.data[start..start + e.caplen as usize],
            ts: Timestamp {
                secs: e.secs,
                nanos: e.nanos,
            },
            wirelen: e.wirelen,
            link: code_link(e.link),
            interface: e.interface,
        }
    }

    /// The frames in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Frame<'_>> + ExactSizeIterator + '_ {
        self.index.iter().map(|e| self.frame(e))
    }

    /// Bytes of frame data held.
    pub(crate) fn byte_len(&self) -> usize {
        self.data.len()
    }

    /// All frames' bytes, back to back, with each frame's place in them: for sharing one copy among many
    /// packets.
    pub(crate) fn spans(&self) -> (&[u8], impl Iterator<Item = (std::ops::Range<usize>, Frame<'_>)> + '_) {
        let spans = self.index.iter().map(|e| {
            let start = e.off as usize;
            (start..start + e.caplen as usize, self.frame(e))
        });
        (&self.data, spans)
    }

    /// The frames dissected, one at a time.
    pub fn packets(&self) -> impl Iterator<Item = Packet> + '_ {
        self.iter().map(|f| f.packet())
    }

    /// Python's `pkts[start:stop:step]` (Scapy names the result `mod <name>`). A zero step gives an empty list.
    pub fn slice(&self, start: Option<isize>, stop: Option<isize>, step: isize) -> PacketList {
        self.pick(slice_indices(self.len(), start, stop, step))
    }

    /// The frames at these positions (each below `len()`), as a slice of this list is named.
    pub fn pick(&self, positions: impl IntoIterator<Item = usize>) -> PacketList {
        let mut out = PacketList::new(format!("mod {}", self.name));
        for i in positions {
            out.push(self.frame(&self.index[i]));
        }
        out
    }

    /// Scapy's `pkts[TCP]`: the packets that have a layer of exactly this protocol.
    pub fn with_layer(&self, layer: &str) -> PacketList {
        let mut out = self.filter(|p| p.has(layer));
        out.set_name(format!("{layer} from {}", self.name));
        out
    }

    /// Scapy's `pkts.filter(lambda p: …)`.
    pub fn filter(&self, keep: impl Fn(&Packet) -> bool) -> PacketList {
        let kept: Result<_, std::convert::Infallible> = self.try_filter(|f| Ok(keep(&f.packet())));
        kept.unwrap_or_else(|never| match never {})
    }

    /// [`PacketList::filter`] for a test that sees the whole frame (its time) and may fail, as a language's
    /// function can: the first error stops the filter and is returned.
    pub fn try_filter<E>(&self, mut keep: impl FnMut(Frame<'_>) -> Result<bool, E>) -> Result<PacketList, E> {
        let mut out = PacketList::new(format!("filtered {}", self.name));
        for f in self.iter() {
            if keep(f)? {
                out.push(f);
            }
        }
        Ok(out)
    }

    /// The packets a BPF expression accepts, compiled by libpcap once per link type in the list. The
    /// expression sees each frame's captured bytes; a snapped frame's `len` is its captured length.
    pub fn filter_bpf(&self, expr: &str) -> Result<PacketList, Error> {
        let mut out = self.pick(self.bpf_positions(expr)?);
        out.set_name(format!("filtered {}", self.name));
        Ok(out)
    }

    /// The positions of the frames a BPF expression accepts (see [`PacketList::filter_bpf`]).
    pub fn bpf_positions(&self, expr: &str) -> Result<Vec<usize>, Error> {
        let mut programs: Vec<(u32, pcap::BpfProgram)> = Vec::new();
        let mut out = Vec::new();
        for (i, e) in self.index.iter().enumerate() {
            let f = self.frame(e);
            let prog = match programs.iter().position(|(d, _)| *d == e.link) {
                Some(i) => &programs[i].1,
                None => {
                    programs.push((e.link, self.compile(expr, f.link)?));
                    &programs[programs.len() - 1].1
                }
            };
            if prog.filter(f.data) {
                out.push(i);
            }
        }
        Ok(out)
    }

    fn compile(&self, expr: &str, link: LinkType) -> Result<pcap::BpfProgram, Error> {
        let err = |why: String| {
            Error::new(
                Path::new(&self.name),
                FileErrorKind::Filter {
                    expr: expr.to_string(),
                    why,
                },
            )
        };
        // libpcap compiles for DLT numbers; raw IP's LINKTYPE (101) is DLT_RAW, whose number varies by OS.
        let dlt = match link {
            LinkType::RawIp => Linktype::from_name("RAW").map_err(|e| err(e.to_string()))?,
            l => Linktype(l.dlt() as i32),
        };
        let cap = Capture::dead(dlt).map_err(|e| err(e.to_string()))?;
        cap.compile(expr, true).map_err(|e| err(e.to_string()))
    }

    /// Scapy's `summary()`: one line per packet.
    pub fn summary(&self) -> String {
        self.packets().map(|p| p.summary() + "\n").collect()
    }

    /// Scapy's `nsummary()` (and `show()`): each summary after its index, `%04i`.
    pub fn nsummary(&self) -> String {
        let mut s = String::new();
        for (i, p) in self.packets().enumerate() {
            let _ = writeln!(s, "{i:04} {}", p.summary());
        }
        s
    }

    /// Scapy's `show()`, which is `nsummary()`.
    pub fn show(&self) -> String {
        self.nsummary()
    }

    /// Scapy's `hexdump()`: index, time of day (UTC; Scapy prints local time) and summary, then the bytes.
    pub fn hexdump(&self) -> String {
        let mut s = String::new();
        for (i, f) in self.iter().enumerate() {
            let _ = writeln!(
                s,
                "{i:04} {} {}\n{}",
                f.ts.time_of_day(),
                f.packet().summary(),
                hexdump(f.data)
            );
        }
        s
    }

    /// Counts of TCP, UDP, ICMP and other packets, as Scapy's repr shows them.
    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for p in self.packets() {
            t.add(&p);
        }
        t
    }

    /// Appends every frame of `other`.
    pub fn extend(&mut self, other: &PacketList) {
        let base = self.data.len() as u64;
        self.data.extend_from_slice(&other.data);
        let moved = other.index.iter().map(|e| Entry {
            off: e.off + base,
            ..*e
        });
        self.index.extend(moved);
    }
}

/// Scapy's `a + b`: a list named `a+b`.
impl Add<&PacketList> for &PacketList {
    type Output = PacketList;
    fn add(self, other: &PacketList) -> PacketList {
        let mut out = PacketList::with_capacity(
            format!("{}+{}", self.name, other.name),
            self.data.len() + other.data.len(),
        );
        out.extend(self);
        out.extend(other);
        out
    }
}

/// Scapy's repr: `<name: TCP:3 UDP:1 ICMP:0 Other:2>`.
impl fmt::Display for PacketList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.tally().render(&self.name))
    }
}

/// Scapy's tally of a list by `conf.stats_classic_protocols`: a packet counts under the first of TCP, UDP,
/// ICMP that it has as a layer of exactly that class (a TCP header quoted in an ICMP error is `TCPerror`, so
/// the packet counts as ICMP), else as Other.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub tcp: u64,
    pub udp: u64,
    pub icmp: u64,
    pub other: u64,
}

impl Tally {
    pub fn add(&mut self, p: &Packet) {
        // By protocol, not by name: a name is looked up among all protocols, and this runs for every packet.
        let has = |proto| p.index_of(proto).is_some();
        let n = if has(&layers::tcp::TCP) {
            &mut self.tcp
        } else if has(&layers::udp::UDP) {
            &mut self.udp
        } else if has(&layers::icmp::ICMP) {
            &mut self.icmp
        } else {
            &mut self.other
        };
        *n += 1;
    }

    /// `<name: TCP:… UDP:… ICMP:… Other:…>`.
    pub fn render(&self, name: &str) -> String {
        format!(
            "<{name}: TCP:{} UDP:{} ICMP:{} Other:{}>",
            self.tcp, self.udp, self.icmp, self.other
        )
    }
}

/// Asks the kernel to back a large buffer with transparent huge pages: loading a file is then bounded by
/// copying its bytes, not by a page fault every 4 KiB (a 500 MB load spends half its time faulting without).
/// A hint: when refused, nothing changes.
fn huge_pages(buf: &Vec<u8>) {
    const HUGE: usize = 2 << 20;
    let start = (buf.as_ptr() as usize).next_multiple_of(HUGE);
    let end = (buf.as_ptr() as usize + buf.capacity()) / HUGE * HUGE;
    if end > start {
        // SAFETY: the range lies inside the buffer's own allocation; MADV_HUGEPAGE changes how it is backed,
        // never its contents or its validity.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, o: Tally) {
        self.tcp += o.tcp;
        self.udp += o.udp;
        self.icmp += o.icmp;
        self.other += o.other;
    }
}

/// Python's slice semantics: the indices `range(len)[start:stop:step]` selects (the language's lists, strings
/// and bytes slice the same way).
pub fn slice_indices(len: usize, start: Option<isize>, stop: Option<isize>, step: isize) -> Vec<usize> {
    let len = len as isize;
    let clamp = |v: isize, lo: isize, hi: isize| {
        let v = if v < 0 { v + len } else { v };
        v.clamp(lo, hi)
    };
    let mut out = Vec::new();
    if step > 0 {
        let (mut i, stop) = (
            start.map_or(0, |s| clamp(s, 0, len)),
            stop.map_or(len, |s| clamp(s, 0, len)),
        );
        while i < stop {
            out.push(i as usize);
            i += step;
        }
    } else if step < 0 {
        let (mut i, stop) = (
            start.map_or(len - 1, |s| clamp(s, -1, len - 1)),
            stop.map_or(-1, |s| clamp(s, -1, len - 1)),
        );
        while i > stop {
            out.push(i as usize);
            i += step;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::slice_indices;

    #[test]
    fn slices_like_python() {
        let r = |a, b, s| slice_indices(5, a, b, s);
        assert_eq!(r(None, None, 1), [0, 1, 2, 3, 4]);
        assert_eq!(r(Some(1), Some(-1), 1), [1, 2, 3]);
        assert_eq!(r(Some(-2), None, 1), [3, 4]);
        assert_eq!(r(None, None, 2), [0, 2, 4]);
        assert_eq!(r(None, None, -1), [4, 3, 2, 1, 0]);
        assert_eq!(r(Some(3), Some(0), -2), [3, 1]);
        assert_eq!(r(Some(10), None, 1), Vec::<usize>::new());
        assert_eq!(r(Some(-10), Some(2), 1), [0, 1]);
        assert_eq!(r(None, None, 0), Vec::<usize>::new());
    }
}
