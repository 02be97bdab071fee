//! Answers to layer-3 probes through raw IP sockets, where a capture would cost more than the exchange
//! itself: the kernel waits out an RCU grace period (8–24 ms on this machine) when a packet socket gets its
//! capture ring and again when it closes (see [`super::socket::L2Socket`]), while a raw socket opens and
//! closes at once — which is how Debian's `traceroute` and `mtr` listen. A raw socket gets a copy of every
//! datagram of its protocol addressed to this host; the kernel still handles the original.
//!
//! What a raw socket does not give, and a capture would: frames not addressed to this host, the link header
//! and, for IPv6, the IPv6 header itself, which is rebuilt here from what the kernel reports with each
//! datagram (source, destination, hop limit, traffic class and flow label; extension headers are not seen).
//! Frames come out as raw IP, timestamped by the kernel on arrival, filtered by a BPF program run here.

use std::io;
use std::mem::{size_of, zeroed};
use std::net::Ipv6Addr;
use std::time::Duration;

use super::capture::{Batch, CaptureStats};
use super::error::{Error, Result};
use super::socket::Fd;
use crate::packet::Timestamp;
use crate::pcapio::Frame;
use crate::LinkType;

/// The receive buffer asked for each socket: room for a burst of answers while the caller is busy.
const RECEIVE_BUFFER: i32 = 4 << 20;
/// The largest datagram.
const MAX_DATAGRAM: usize = 65_535;

/// Raw sockets for some IP protocols of one family, read together.
pub(crate) struct RawListener {
    sockets: Vec<Fd>,
    v6: bool,
    filter: Option<(String, pcap::BpfProgram)>,
    received: u64,
    buf: Vec<u8>,
}

impl RawListener {
    /// Listens for datagrams of `protocols` (IP protocol numbers) over IPv6 (`v6`) or IPv4, keeping those
    /// the BPF expression `filter` accepts (compiled for raw IP).
    pub(crate) fn open(v6: bool, protocols: &[u8], filter: Option<&str>) -> Result<RawListener> {
        let filter = match filter.filter(|f| !f.trim().is_empty()) {
            Some(f) => Some((f.to_string(), compile(f)?)),
            None => None,
        };
        let sockets = protocols.iter().map(|&p| open_one(v6, p)).collect::<Result<Vec<_>>>()?;
        Ok(RawListener {
            sockets,
            v6,
            filter,
            received: 0,
            buf: vec![0; MAX_DATAGRAM + 40],
        })
    }

    /// The datagrams that arrived, waiting at most `wait` for the first; `None` when none came.
    pub(crate) fn next(&mut self, wait: Duration) -> Option<Batch> {
        let mut fds: Vec<libc::pollfd> = self
            .sockets
            .iter()
            .map(|s| libc::pollfd {
                fd: s.0,
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        let ms = i32::try_from(wait.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: `fds` holds one valid pollfd per socket this listener owns.
        if unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) } <= 0 {
            return None;
        }
        let mut batch = Batch::default();
        for i in 0..self.sockets.len() {
            while let Some((len, ts)) = self.receive(i) {
                let data = &self.buf[..len];
                if self.filter.as_ref().is_none_or(|(_, p)| p.filter(data)) {
                    self.received += 1;
                    batch.push(Frame {
                        data,
                        ts,
                        wirelen: len as u32,
                        link: LinkType::RawIp,
                        interface: 0,
                    });
                }
            }
        }
        (!batch.is_empty()).then_some(batch)
    }

    /// Datagrams kept; a raw socket reports no drops of its own.
    pub(crate) fn stats(&self) -> CaptureStats {
        CaptureStats {
            received: self.received,
            ..CaptureStats::default()
        }
    }

    /// Reads one datagram of socket `i` into the buffer as a whole IP packet: its length and arrival time;
    /// `None` when nothing more is queued (or the read fails).
    fn receive(&mut self, i: usize) -> Option<(usize, Timestamp)> {
        // IPv6 datagrams arrive without their header: read after room for it.
        let at = if self.v6 { 40 } else { 0 };
        let mut from: libc::sockaddr_in6 = unsafe { zeroed() };
        let mut control = [0u64; 64];
        let mut iov = libc::iovec {
            iov_base: self.buf[at..].as_mut_ptr().cast(),
            iov_len: self.buf.len() - at,
        };
        // SAFETY: a zeroed msghdr pointing at buffers that live through the call, with their sizes.
        let mut msg: libc::msghdr = unsafe { zeroed() };
        msg.msg_name = (&mut from as *mut libc::sockaddr_in6).cast();
        msg.msg_namelen = size_of::<libc::sockaddr_in6>() as u32;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = size_of_val(&control);
        let n = loop {
            // SAFETY: as above; the socket is owned by this listener.
            let n = unsafe { libc::recvmsg(self.sockets[i].0, &mut msg, libc::MSG_DONTWAIT) };
            if n >= 0 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                break n;
            }
        };
        let n = usize::try_from(n).ok()?;
        let ancillary = Ancillary::read(&msg);
        if self.v6 {
            let header = ipv6_header(&ancillary, Ipv6Addr::from(from.sin6_addr.s6_addr), n, self.protocol(i));
            self.buf[..40].copy_from_slice(&header);
        }
        Some((at + n, ancillary.time.unwrap_or_else(Timestamp::now)))
    }

    /// The IP protocol socket `i` listens for.
    fn protocol(&self, i: usize) -> u8 {
        let mut p: libc::c_int = 0;
        let mut len = size_of::<libc::c_int>() as u32;
        // SAFETY: an int-sized option read into an int, on a socket this listener owns.
        unsafe {
            libc::getsockopt(
                self.sockets[i].0,
                libc::SOL_SOCKET,
                libc::SO_PROTOCOL,
                (&mut p as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        p as u8
    }
}

/// Compiles a BPF expression for raw IP frames.
fn compile(expr: &str) -> Result<pcap::BpfProgram> {
    let bad = |msg: String| Error::Filter {
        filter: expr.to_string(),
        msg,
    };
    let raw = pcap::Linktype::from_name("RAW").map_err(|e| bad(e.to_string()))?;
    let dead = pcap::Capture::dead(raw).map_err(|e| bad(e.to_string()))?;
    dead.compile(expr, true).map_err(|e| match e {
        pcap::Error::PcapError(m) => bad(m),
        e => bad(e.to_string()),
    })
}

/// One raw socket, non-blocking, with arrival times (and for IPv6 what its header held) reported.
fn open_one(v6: bool, protocol: u8) -> Result<Fd> {
    let family = if v6 { libc::AF_INET6 } else { libc::AF_INET };
    let kind = libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: a fresh descriptor, owned by the guard.
    let fd = unsafe { libc::socket(family, kind, i32::from(protocol)) };
    if fd < 0 {
        return Err(Error::io("raw socket", io::Error::last_os_error()));
    }
    let fd = Fd(fd);
    let on = |level, name, value: i32| {
        // SAFETY: an int option on a socket the guard owns.
        let r = unsafe {
            libc::setsockopt(
                fd.0,
                level,
                name,
                (&value as *const i32).cast(),
                size_of::<i32>() as u32,
            )
        };
        if r < 0 {
            Err(Error::io("raw socket option", io::Error::last_os_error()))
        } else {
            Ok(())
        }
    };
    on(libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, 1)?;
    // A larger buffer than the default needs CAP_NET_ADMIN; without it, the default serves.
    if on(libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, RECEIVE_BUFFER).is_err() {
        let _ = on(libc::SOL_SOCKET, libc::SO_RCVBUF, RECEIVE_BUFFER);
    }
    if v6 {
        on(libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, 1)?;
        on(libc::IPPROTO_IPV6, libc::IPV6_RECVHOPLIMIT, 1)?;
        on(libc::IPPROTO_IPV6, libc::IPV6_FLOWINFO, 1)?;
    }
    Ok(fd)
}

/// What the kernel said about a datagram beside its bytes.
#[derive(Default)]
struct Ancillary {
    time: Option<Timestamp>,
    /// IPv6: the destination, hop limit, and the first header word's traffic class and flow label.
    dst: Option<Ipv6Addr>,
    hop_limit: u8,
    flow_info: u32,
}

impl Ancillary {
    fn read(msg: &libc::msghdr) -> Ancillary {
        let mut a = Ancillary::default();
        // SAFETY: walking the control messages the kernel wrote into `msg`, reading each payload with
        // read_unaligned at the type its level and kind say it has.
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(msg);
            while !c.is_null() {
                let data = libc::CMSG_DATA(c);
                match ((*c).cmsg_level, (*c).cmsg_type) {
                    (libc::SOL_SOCKET, libc::SCM_TIMESTAMPNS) => {
                        let t = std::ptr::read_unaligned(data.cast::<libc::timespec>());
                        a.time = Some(Timestamp::new(t.tv_sec, t.tv_nsec as u32));
                    }
                    (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO) => {
                        let info = std::ptr::read_unaligned(data.cast::<libc::in6_pktinfo>());
                        a.dst = Some(Ipv6Addr::from(info.ipi6_addr.s6_addr));
                    }
                    (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT) => {
                        a.hop_limit = std::ptr::read_unaligned(data.cast::<libc::c_int>()) as u8;
                    }
                    (libc::IPPROTO_IPV6, libc::IPV6_FLOWINFO) => {
                        a.flow_info = u32::from_be(std::ptr::read_unaligned(data.cast::<u32>()));
                    }
                    _ => {}
                }
                c = libc::CMSG_NXTHDR(msg, c);
            }
        }
        a
    }
}

/// The IPv6 header a datagram of `len` bytes of `protocol` came with, rebuilt.
fn ipv6_header(a: &Ancillary, src: Ipv6Addr, len: usize, protocol: u8) -> [u8; 40] {
    let mut h = [0u8; 40];
    h[..4].copy_from_slice(&(0x6000_0000 | (a.flow_info & 0x0fff_ffff)).to_be_bytes());
    h[4..6].copy_from_slice(&(len as u16).to_be_bytes());
    h[6] = protocol;
    h[7] = a.hop_limit;
    h[8..24].copy_from_slice(&src.octets());
    h[24..40].copy_from_slice(&a.dst.unwrap_or(Ipv6Addr::UNSPECIFIED).octets());
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ipv6_header_is_rebuilt_from_what_the_kernel_reported() {
        let a = Ancillary {
            time: None,
            dst: Some("fd00::1".parse().unwrap()),
            hop_limit: 63,
            flow_info: 0x0a1_2345, // traffic class 10, flow label 0x12345
        };
        let h = ipv6_header(&a, "fd00::2".parse().unwrap(), 48, 58);
        let p = crate::Packet::dissect(&[&h[..], &[0u8; 48][..]].concat(), LinkType::RawIp);
        let ip = p.layer("IPv6").unwrap();
        let int = |f: &str| ip.get_int(f).unwrap();
        assert_eq!(
            (int("tc"), int("fl"), int("plen"), int("nh"), int("hlim")),
            (10, 0x12345, 48, 58, 63)
        );
        assert_eq!(ip.get("src").unwrap().to_string(), "'fd00::2'");
        assert_eq!(ip.get("dst").unwrap().to_string(), "'fd00::1'");
    }

    #[test]
    fn a_bad_filter_is_named() {
        let Err(Error::Filter { filter, .. }) = RawListener::open(false, &[], Some("icmp and and")) else {
            panic!("the filter compiled");
        };
        assert_eq!(filter, "icmp and and");
    }
}
