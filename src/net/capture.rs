//! Capture through libpcap, decoupled from whatever consumes the frames: one reader thread per interface
//! (a large kernel ring, a short delivery timeout) copies frames into batches as fast as they come and hands
//! each batch over a channel, so dissection, printing or matching on the other side never makes the kernel
//! drop a burst.
//!
//! Why not libpcap's immediate mode: on Linux it switches to TPACKET_V2, whose ring has fixed slots sized by
//! the snapshot length; with a GRO-capable interface (veth) a 64 MiB ring then holds only ~256 frames and a
//! 1,000-probe `sr` lost answers. TPACKET_V3 packs frames into blocks, and a 2 ms block timeout keeps the
//! delivery delay (what `sr1` waits beyond the answer) at 2 ms.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::error::{Error, Result};
use super::privilege;
use super::socket::{Fd, L2Socket, Socket, Via};
use crate::pcapio::{self, PacketList, Timestamp};
use crate::LinkType;

/// Kernel ring per interface: large enough to absorb a burst while the reader thread is descheduled (64 MiB
/// still dropped answers of a 1,000-probe `sr` on a busy 2-core machine; 128 MiB did not).
pub(crate) const BUFFER: usize = 128 << 20;
/// The smallest ring an exchange asks for. The kernel allocates a ring when the capture opens and frees it
/// when it closes, in time that grows with its size (128 MiB: 30 ms to 300 ms), which a short exchange
/// (`sr1`, a traceroute) would otherwise spend mostly there.
pub(crate) const MIN_BUFFER: usize = 4 << 20;
/// The ring for a capture that expects `answers` frames of about `each` bytes: room for all of them at once,
/// between `MIN_BUFFER` and `BUFFER` (setting up and tearing down a large ring is much of a short call's time).
pub(crate) fn ring_for(answers: usize, each: usize) -> usize {
    answers.saturating_mul(each).clamp(MIN_BUFFER, BUFFER)
}

/// Scapy's snapshot length. libpcap sizes ring blocks by it, so a larger one means fewer, emptier blocks.
const SNAPLEN: i32 = 65_535;
/// The block timeout: the longest a captured frame waits before delivery, and how often a blocked reader
/// looks at the halt flag.
const POLL_MS: i32 = 2;

/// A batch is handed over when it holds this many bytes, or earlier, as soon as libpcap has nothing more
/// queued (so a lone answer waits for no other frame).
const BATCH_BYTES: usize = 1 << 20;

/// One captured frame.
#[derive(Clone, Debug, PartialEq)]
pub struct CapturedFrame {
    /// Seconds since the epoch.
    pub time: f64,
    pub link: LinkType,
    pub data: Vec<u8>,
}

impl From<pcapio::Frame<'_>> for CapturedFrame {
    fn from(f: pcapio::Frame<'_>) -> CapturedFrame {
        CapturedFrame {
            time: f.time(),
            link: f.link,
            data: f.data.to_vec(),
        }
    }
}

/// Frames captured in a row, stored back to back in a PacketList: one allocation and one channel message for
/// many frames (an allocation and a message per frame took about twice the CPU time to capture a 1M-frame
/// burst).
pub(crate) type Batch = PacketList;

/// Appends a captured frame to a batch.
fn push(batch: &mut Batch, p: &pcap::Packet<'_>, link: LinkType) {
    batch.push(pcapio::Frame {
        data: p.data,
        ts: Timestamp::new(p.header.ts.tv_sec, p.header.ts.tv_usec as u32 * 1000),
        wirelen: p.header.len,
        link,
        interface: 0,
    });
}

/// libpcap's counters, summed over the interfaces: what `sniff` reports at the end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Frames the filter accepted.
    pub received: u64,
    /// Dropped by the kernel: the buffer was full.
    pub dropped: u64,
    /// Dropped by the interface or its driver.
    pub if_dropped: u64,
}

impl std::fmt::Display for CaptureStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} packets received, {} dropped by kernel, {} dropped by interface",
            self.received, self.dropped, self.if_dropped
        )
    }
}

/// Running captures on some interfaces.
pub(crate) struct Live {
    rx: Receiver<Batch>,
    halt: Arc<AtomicBool>,
    readers: Vec<JoinHandle<CaptureStats>>,
    /// Each interface's capture socket, by a descriptor of its own, to send through ([`Live::socket`]).
    sockets: Vec<(String, Fd)>,
    /// The first interface whose capture failed (gone down or away) and why; its reader has ended.
    failed: Arc<Mutex<Option<Error>>>,
}

/// Opens one capture on `iface` with the filter compiled by libpcap (its error message is kept).
fn open_one(
    iface: &str,
    filter: Option<&str>,
    promisc: bool,
    inbound: bool,
    ring: usize,
) -> Result<pcap::Capture<pcap::Active>> {
    let mut cap = pcap::Capture::from_device(iface)
        .and_then(|c| {
            // Not immediate mode: it would mean TPACKET_V2 (see above).
            c.immediate_mode(false)
                .buffer_size(i32::try_from(ring).unwrap_or(i32::MAX))
                .promisc(promisc)
                .snaplen(SNAPLEN)
                .timeout(POLL_MS)
                .open()
        })
        .map_err(|e| Error::pcap(iface, e))?;
    if inbound {
        cap.direction(pcap::Direction::In).map_err(|e| Error::pcap(iface, e))?;
    }
    if let Some(f) = filter.filter(|f| !f.trim().is_empty()) {
        cap.filter(f, true).map_err(|e| Error::Filter {
            filter: f.to_string(),
            msg: pcapio::libpcap_message(e),
        })?;
    }
    Ok(cap)
}

impl Live {
    /// Opens every interface first (so an error leaves nothing running), then starts the readers.
    pub(crate) fn start(ifaces: &[String], filter: Option<&str>, promisc: bool, inbound: bool) -> Result<Live> {
        Live::start_with_ring(ifaces, filter, promisc, inbound, BUFFER)
    }

    /// As [`Live::start`], with a kernel ring of `ring` bytes per interface: a caller that knows how much
    /// it will capture (a port scan: one small answer per probe) spares the time the kernel takes to set up
    /// and tear down the default 128 MiB.
    pub(crate) fn start_with_ring(
        ifaces: &[String],
        filter: Option<&str>,
        promisc: bool,
        inbound: bool,
        ring: usize,
    ) -> Result<Live> {
        privilege::require()?;
        let caps = ifaces
            .iter()
            .map(|i| open_one(i, filter, promisc, inbound, ring))
            .collect::<Result<Vec<_>>>()?;
        let (tx, rx) = mpsc::channel();
        let halt = Arc::new(AtomicBool::new(false));
        let failed = Arc::new(Mutex::new(None));
        // Non-blocking, polled here: libpcap's own timeout does not end a blocking read on an idle
        // interface (TPACKET_V3 in immediate mode waits for the first frame), so a quiet `sniff(timeout=1)`
        // never returned.
        let caps = caps
            .into_iter()
            .map(|c| c.setnonblock().map_err(|e| Error::pcap("capture", e)))
            .collect::<Result<Vec<_>>>()?;
        let sockets = ifaces
            .iter()
            .zip(&caps)
            .map(|(i, c)| Ok((i.clone(), Fd::duplicate(std::os::fd::AsRawFd::as_raw_fd(c))?)))
            .collect::<Result<Vec<_>>>()?;
        let readers = caps
            .into_iter()
            .zip(ifaces)
            .map(|(cap, iface)| {
                let reader = Reader {
                    iface: iface.clone(),
                    link: LinkType::from_dlt(cap.get_datalink().0 as u32),
                    tx: tx.clone(),
                    halt: halt.clone(),
                    failed: failed.clone(),
                };
                std::thread::spawn(move || reader.run(cap))
            })
            .collect();
        Ok(Live {
            rx,
            halt,
            readers,
            sockets,
            failed,
        })
    }

    /// A socket to send through `via`: on an interface this capture reads, the capture's own socket (a
    /// packet socket of its own would cost the kernel two more RCU grace periods, see [`L2Socket`]); else a
    /// new one.
    pub(crate) fn socket(&self, via: &Via) -> Result<Socket> {
        match via {
            Via::Link(iface) => match self.sockets.iter().find(|(i, _)| i == iface) {
                Some((_, fd)) => Ok(Socket::L2(L2Socket::sharing(fd, iface)?)),
                None => Socket::open(via),
            },
            Via::Ip(_) => Socket::open(via),
        }
    }

    /// The next batch of frames, waiting at most `wait`; `None` on timeout.
    pub(crate) fn next(&self, wait: Duration) -> Option<Batch> {
        match self.rx.recv_timeout(wait) {
            Ok(batch) => Some(batch),
            Err(RecvTimeoutError::Timeout) => None,
            // Every reader has ended (its interface failed): the wait is kept, so a caller's loop does not spin.
            Err(RecvTimeoutError::Disconnected) => {
                std::thread::sleep(wait);
                None
            }
        }
    }

    /// The capture that failed (its interface went down or away), once: the error names the interface. The
    /// frames it took before are still delivered.
    pub(crate) fn failure(&self) -> Option<Error> {
        self.failed.lock().ok()?.take()
    }

    /// Stops the readers and returns their counters, with the frames still queued (not lost: the caller
    /// decides whether to consume them).
    pub(crate) fn finish(self) -> (CaptureStats, Vec<Batch>) {
        self.halt.store(true, Ordering::Relaxed);
        let mut total = CaptureStats::default();
        for r in self.readers {
            let s = r.join().unwrap_or_default();
            total.received += s.received;
            total.dropped += s.dropped;
            total.if_dropped += s.if_dropped;
        }
        (total, self.rx.try_iter().collect())
    }
}

/// How often an idle reader checks that its interface is still up: libpcap keeps waiting on an interface
/// taken down (it reports only one that disappears), where Scapy's socket fails with "Network is down".
const UP_CHECK: Duration = Duration::from_millis(100);

/// Whether `iface` is up (`IFF_UP`), asked on the capture's own socket, so in its network namespace; `None`
/// when it cannot be asked.
fn is_up(fd: std::os::fd::RawFd, iface: &str) -> Option<bool> {
    // SAFETY: a zeroed ifreq is valid; the name is copied within its bounds, NUL-terminated.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    let name = iface.as_bytes();
    if name.len() >= req.ifr_name.len() {
        return None;
    }
    for (d, s) in req.ifr_name.iter_mut().zip(name) {
        *d = *s as libc::c_char;
    }
    // SAFETY: SIOCGIFFLAGS reads the name and writes the flags of one valid ifreq.
    if unsafe { libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req) } != 0 {
        return None;
    }
    // SAFETY: SIOCGIFFLAGS filled the flags member of the union.
    let flags = unsafe { req.ifr_ifru.ifru_flags };
    Some(flags & libc::IFF_UP as libc::c_short != 0)
}

/// A reader thread's side of the capture of one interface.
struct Reader {
    iface: String,
    link: LinkType,
    tx: Sender<Batch>,
    halt: Arc<AtomicBool>,
    failed: Arc<Mutex<Option<Error>>>,
}

impl Reader {
    /// Batches frames until `halt`, the consumer is gone or the capture fails (recorded in `failed`): libpcap
    /// reports an interface that disappears, this reader one taken down. Then returns libpcap's counters.
    fn run(self, mut cap: pcap::Capture<pcap::Active>) -> CaptureStats {
        let mut fds = libc::pollfd {
            fd: std::os::fd::AsRawFd::as_raw_fd(&cap),
            events: libc::POLLIN,
            revents: 0,
        };
        // Only an interface that was up can go down: one captured on while down is waited on, as before.
        let was_up = is_up(fds.fd, &self.iface) == Some(true);
        let mut checked = Instant::now();
        let mut batch = Batch::default();
        while !self.halt.load(Ordering::Relaxed) {
            let idle = match cap.next_packet() {
                Ok(p) => {
                    push(&mut batch, &p, self.link);
                    false
                }
                Err(pcap::Error::TimeoutExpired) => true,
                Err(e) => {
                    self.fail(pcapio::libpcap_message(e));
                    break;
                }
            };
            if idle && was_up && checked.elapsed() >= UP_CHECK {
                checked = Instant::now();
                if is_up(fds.fd, &self.iface) == Some(false) {
                    self.fail("The interface went down".into());
                    break;
                }
            }
            if (idle || batch.byte_len() >= BATCH_BYTES)
                && !batch.is_empty()
                && self.tx.send(std::mem::take(&mut batch)).is_err()
            {
                break;
            }
            if idle {
                // Nothing queued: wait for the socket, at most POLL_MS.
                // SAFETY: one valid pollfd for the capture's descriptor, which `cap` keeps open.
                unsafe { libc::poll(&mut fds, 1, POLL_MS) };
            }
        }
        if !batch.is_empty() {
            // Read before the end: queued for `finish`, which hands it to the caller.
            let _ = self.tx.send(batch);
        }
        cap.stats()
            .map(|s| CaptureStats {
                received: s.received.into(),
                dropped: s.dropped.into(),
                if_dropped: s.if_dropped.into(),
            })
            .unwrap_or_default()
    }

    /// Records why this interface's capture ended, unless another's failure came first.
    fn fail(&self, msg: String) {
        if let Ok(mut first) = self.failed.lock() {
            first.get_or_insert(Error::CaptureEnded {
                iface: self.iface.clone(),
                msg,
            });
        }
    }
}
