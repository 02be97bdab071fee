//! `send` (layer 3, raw IP socket: the kernel routes, loopback works) and `sendp` (layer 2, libpcap injection).
//! One socket per call; every frame is built before the first is sent, so the send loop only sends.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::neigh::{self, Fd};
use super::{conf, Conf, Error, Result};
use crate::Packet;

/// Scapy's `send` / `sendp` parameters.
#[derive(Clone, Debug)]
pub struct SendOptions {
    /// Send the whole list this many times.
    pub count: u64,
    /// Pause between packets.
    pub inter: Duration,
    /// Repeat until `stop` is set.
    pub looping: bool,
    /// Layer 3: bind the socket to this interface. Layer 2: inject here (default: the route's interface).
    pub iface: Option<String>,
    /// Print `Sent N packets.` on stderr at the end.
    pub verbose: bool,
    /// Print a progress line on stderr, at most once a second, while a long send runs.
    pub progress: bool,
    /// Packets per second (overrides `inter`).
    pub rate: Option<f64>,
}

impl Default for SendOptions {
    fn default() -> SendOptions {
        SendOptions {
            count: 1,
            inter: Duration::ZERO,
            looping: false,
            iface: None,
            verbose: true,
            progress: true,
            rate: None,
        }
    }
}

/// What a send did.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SendReport {
    pub sent: u64,
    pub bytes: u64,
    pub elapsed: Duration,
    /// True when `stop` ended it early.
    pub interrupted: bool,
}

impl std::fmt::Display for SendReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sent {} packets.", self.sent)?;
        if self.interrupted {
            f.write_str(" (interrupted)")?;
        }
        Ok(())
    }
}

/// Every packet of every set, built.
pub(crate) fn build_all(pkts: &[Packet]) -> Vec<Vec<u8>> {
    pkts.iter().flat_map(|p| p.iter().map(|q| q.build())).collect()
}

/// Scapy's `send`: IP or IPv6 packets through a raw socket.
pub fn send(pkts: &[Packet], opts: &SendOptions, stop: &AtomicBool) -> Result<SendReport> {
    super::require_privileges()?;
    let frames = build_all(pkts);
    let mut sock = L3Socket::new(opts.iface.as_deref())?;
    pace(&frames, opts, stop, |f| sock.send(f))
}

/// Scapy's `sendp`: frames injected on an interface. Unset `Ether` source and destination are filled from the
/// interface and neighbour resolution (see [`neigh::resolve`]); dissected frames are sent exactly as read.
pub fn sendp(pkts: &[Packet], opts: &SendOptions, stop: &AtomicBool) -> Result<SendReport> {
    super::require_privileges()?;
    let c = conf();
    let iface = match &opts.iface {
        Some(i) => i.clone(),
        None => pkts
            .first()
            .and_then(l3_dst)
            .and_then(|d| c.route_to(d))
            .map_or_else(|| c.iface().to_string(), |h| h.iface),
    };
    let filled = pkts
        .iter()
        .map(|p| fill_ether(&c, &iface, p, stop))
        .collect::<Result<Vec<_>>>()?;
    let frames = build_all(&filled);
    let mut sock = L2Socket::new(&iface)?;
    pace(&frames, opts, stop, |f| sock.send(f))
}

/// The destination of the packet's first IP or IPv6 layer.
pub(crate) fn l3_dst(p: &Packet) -> Option<IpAddr> {
    p.layers().iter().find_map(|l| match (l.name(), l.get("dst")) {
        ("IP", Some(crate::Value::Ip4(a))) => Some(IpAddr::V4(a)),
        ("IPv6", Some(crate::Value::Ip6(a))) => Some(IpAddr::V6(a)),
        _ => None,
    })
}

/// Fills an `Ether` layer's unset source (the interface's MAC) and destination (the next hop's MAC).
pub(crate) fn fill_ether(c: &Conf, iface: &str, p: &Packet, stop: &AtomicBool) -> Result<Packet> {
    let mut p = p.clone();
    if p.wire().is_some() || p.layers().first().is_none_or(|l| l.name() != "Ether") {
        return Ok(p);
    }
    let (src_set, dst_set) = (p.layers()[0].is_set("src"), p.layers()[0].is_set("dst"));
    let dst_mac = match (dst_set, l3_dst(&p)) {
        (false, Some(dst)) => {
            let hop = c.route_to(dst).map_or(dst, |h| h.next_hop(dst));
            Some(neigh::resolve(c, iface, hop, stop)?)
        }
        _ => None,
    };
    let mac = c.iface_named(iface)?.mac;
    let l = &mut p.layers_mut()[0];
    let set = |l: &mut crate::Layer, f: &str, m: [u8; 6]| {
        l.set(f, crate::Value::Mac(m))
            .map(|_| ())
            .map_err(|e| Error::Unsendable(e.to_string()))
    };
    if let (false, Some(m)) = (src_set, mac) {
        set(l, "src", m)?;
    }
    if let Some(m) = dst_mac {
        set(l, "dst", m)?;
    }
    Ok(p)
}

/// The send loop: `count` rounds (or until `stop` when looping), paced by `rate` or `inter`, with a progress
/// line every second on long verbose sends.
fn pace(
    frames: &[Vec<u8>],
    opts: &SendOptions,
    stop: &AtomicBool,
    mut send_one: impl FnMut(&[u8]) -> Result<()>,
) -> Result<SendReport> {
    let gap = opts
        .rate
        .filter(|r| *r > 0.0)
        .map_or(opts.inter, |r| Duration::from_secs_f64(1.0 / r));
    let start = Instant::now();
    let mut report = SendReport::default();
    let mut last_progress = start;
    let mut round = 0;
    'rounds: while opts.looping || round < opts.count {
        round += 1;
        for f in frames {
            if stop.load(Ordering::Relaxed) {
                report.interrupted = true;
                break 'rounds;
            }
            if !gap.is_zero() {
                let due = start + gap.saturating_mul(report.sent as u32);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
            }
            send_one(f)?;
            report.sent += 1;
            report.bytes += f.len() as u64;
            if opts.progress && report.sent % 1024 == 0 && last_progress.elapsed() >= Duration::from_secs(1) {
                last_progress = Instant::now();
                let rate = report.sent as f64 / start.elapsed().as_secs_f64();
                eprint!("\rSent {} packets ({rate:.0} pkt/s)", report.sent);
            }
        }
        if frames.is_empty() {
            break;
        }
    }
    report.elapsed = start.elapsed();
    if opts.progress && last_progress > start {
        eprint!("\r\x1b[K"); // the progress line gives way to what follows
    }
    if opts.verbose {
        eprintln!("{report}");
    }
    Ok(report)
}

/// Raw IP sockets (`IPPROTO_RAW`: the header is ours, the kernel routes), opened on first use per family.
pub(crate) struct L3Socket {
    iface: Option<String>,
    v4: Option<Fd>,
    v6: Option<Fd>,
}

impl L3Socket {
    pub(crate) fn new(iface: Option<&str>) -> Result<L3Socket> {
        Ok(L3Socket {
            iface: iface.map(str::to_string),
            v4: None,
            v6: None,
        })
    }

    fn open(family: i32, iface: Option<&str>) -> Result<Fd> {
        // SAFETY: socket/setsockopt on a fresh descriptor owned by the returned guard.
        unsafe {
            let fd = libc::socket(family, libc::SOCK_RAW | libc::SOCK_CLOEXEC, libc::IPPROTO_RAW);
            if fd < 0 {
                return Err(Error::io("raw socket", std::io::Error::last_os_error()));
            }
            let fd = Fd(fd);
            if let Some(name) = iface {
                let r = libc::setsockopt(
                    fd.0,
                    libc::SOL_SOCKET,
                    libc::SO_BINDTODEVICE,
                    name.as_ptr().cast(),
                    name.len() as u32,
                );
                if r < 0 {
                    return Err(Error::io(format!("bind to {name}"), std::io::Error::last_os_error()));
                }
            }
            Ok(fd)
        }
    }

    /// Sends one IPv4 or IPv6 datagram (chosen by its version nibble) to the destination in its header.
    pub(crate) fn send(&mut self, datagram: &[u8]) -> Result<()> {
        let bad = || Error::Unsendable("send() needs IP or IPv6 packets; use sendp() for layer 2".into());
        let r = match datagram.first().map(|b| b >> 4) {
            Some(4) if datagram.len() >= 20 => {
                if self.v4.is_none() {
                    self.v4 = Some(Self::open(libc::AF_INET, self.iface.as_deref())?);
                }
                let dst = Ipv4Addr::from(<[u8; 4]>::try_from(&datagram[16..20]).map_err(|_| bad())?);
                // SAFETY: a zeroed sockaddr_in filled with the family and address, passed with its size.
                unsafe {
                    let mut sa: libc::sockaddr_in = std::mem::zeroed();
                    sa.sin_family = libc::AF_INET as libc::sa_family_t;
                    sa.sin_addr.s_addr = u32::from_ne_bytes(dst.octets());
                    let fd = self.v4.as_ref().map_or(-1, |f| f.0);
                    libc::sendto(
                        fd,
                        datagram.as_ptr().cast(),
                        datagram.len(),
                        0,
                        (&sa as *const libc::sockaddr_in).cast(),
                        std::mem::size_of_val(&sa) as u32,
                    )
                }
            }
            Some(6) if datagram.len() >= 40 => {
                if self.v6.is_none() {
                    self.v6 = Some(Self::open(libc::AF_INET6, self.iface.as_deref())?);
                }
                let dst = Ipv6Addr::from(<[u8; 16]>::try_from(&datagram[24..40]).map_err(|_| bad())?);
                // SAFETY: as above, for sockaddr_in6.
                unsafe {
                    let mut sa: libc::sockaddr_in6 = std::mem::zeroed();
                    sa.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                    sa.sin6_addr.s6_addr = dst.octets();
                    let fd = self.v6.as_ref().map_or(-1, |f| f.0);
                    libc::sendto(
                        fd,
                        datagram.as_ptr().cast(),
                        datagram.len(),
                        0,
                        (&sa as *const libc::sockaddr_in6).cast(),
                        std::mem::size_of_val(&sa) as u32,
                    )
                }
            }
            _ => return Err(bad()),
        };
        if r < 0 {
            return Err(Error::io("sendto", std::io::Error::last_os_error()));
        }
        Ok(())
    }
}

/// Layer-2 injection through libpcap on one interface: frames leave exactly as given. libpcap sets up a
/// capture ring for every handle, which sending never reads; this handle's is kept small (with the capture's
/// 128 MiB ring, opening took about 50 ms per `sendp`).
pub(crate) struct L2Socket {
    cap: pcap::Capture<pcap::Active>,
    iface: String,
}

/// The capture ring of an injection handle: libpcap's minimum is enough, nothing reads it.
const SEND_RING: i32 = 1 << 16;

impl L2Socket {
    pub(crate) fn new(iface: &str) -> Result<L2Socket> {
        let cap = pcap::Capture::from_device(iface)
            .and_then(|c| c.snaplen(64).buffer_size(SEND_RING).promisc(false).timeout(1).open())
            .map_err(|e| Error::pcap(iface, e))?;
        Ok(L2Socket {
            cap,
            iface: iface.to_string(),
        })
    }

    /// Sends one frame. A full transmit queue (ENOBUFS) is transient: retried briefly rather than lose it.
    pub(crate) fn send(&mut self, frame: &[u8]) -> Result<()> {
        let mut tries = 0;
        loop {
            match self.cap.sendpacket(frame) {
                Ok(()) => return Ok(()),
                Err(_) if tries < 1000 => {
                    tries += 1;
                    std::thread::yield_now();
                }
                Err(e) => return Err(Error::pcap(&self.iface, e)),
            }
        }
    }
}
