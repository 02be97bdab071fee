//! Sockets that frames leave through: raw IP sockets for layer 3 (the kernel routes, loopback works) and
//! libpcap injection for layer 2. Both send bytes exactly as given.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::error::{Error, Result};

/// Where frames go out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// Injected on this interface, link header included (`sendp`, `srp`).
    Link(String),
    /// IP or IPv6 datagrams through raw sockets, routed by the kernel; bound to the interface when one is
    /// given (`send`, `sr`).
    Ip(Option<String>),
}

/// An open socket of either layer.
pub(crate) enum Socket {
    L3(L3Socket),
    L2(L2Socket),
}

impl Socket {
    pub(crate) fn open(via: &Via) -> Result<Socket> {
        Ok(match via {
            Via::Link(iface) => Socket::L2(L2Socket::new(iface)?),
            Via::Ip(iface) => Socket::L3(L3Socket::new(iface.as_deref())),
        })
    }

    /// Sends one frame (layer 2) or datagram (layer 3).
    pub(crate) fn send(&mut self, frame: &[u8]) -> Result<()> {
        match self {
            Socket::L3(s) => s.send(frame),
            Socket::L2(s) => s.send(frame),
        }
    }
}

/// Raw IP sockets (`IPPROTO_RAW`: the header is ours, the kernel routes), opened on first use per family.
pub(crate) struct L3Socket {
    iface: Option<String>,
    v4: Option<Fd>,
    v6: Option<Fd>,
}

impl L3Socket {
    fn new(iface: Option<&str>) -> L3Socket {
        L3Socket {
            iface: iface.map(str::to_string),
            v4: None,
            v6: None,
        }
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
    fn send(&mut self, datagram: &[u8]) -> Result<()> {
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
    fn new(iface: &str) -> Result<L2Socket> {
        let cap = pcap::Capture::from_device(iface)
            .and_then(|c| c.snaplen(64).buffer_size(SEND_RING).promisc(false).timeout(1).open())
            .map_err(|e| Error::pcap(iface, e))?;
        Ok(L2Socket {
            cap,
            iface: iface.to_string(),
        })
    }

    /// Sends one frame. A full transmit queue (ENOBUFS) is transient: retried briefly rather than lose it.
    fn send(&mut self, frame: &[u8]) -> Result<()> {
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

/// Closes a descriptor on every exit path.
pub(crate) struct Fd(pub(crate) i32);

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: the descriptor is owned by this guard and closed once.
        unsafe { libc::close(self.0) };
    }
}
