//! Sockets that frames leave through: raw IP sockets for layer 3 (the kernel routes, loopback works) and
//! packet sockets for layer 2. Both send bytes exactly as given.

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

/// Layer-2 injection on one interface: frames leave exactly as given, through a packet socket. Its own
/// socket is bound with protocol 0, so it receives nothing: unlike a libpcap handle, it has no capture ring
/// for the kernel to set up and copy every frame on the interface into. Beside a running capture on the same
/// interface, the capture's socket sends instead ([`super::capture::Live::socket`]): the kernel waits out an
/// RCU grace period (8–24 ms here) each time a packet socket gets a ring and each time one closes, which a
/// short exchange would otherwise spend mostly waiting.
pub(crate) struct L2Socket {
    fd: Fd,
    iface: String,
}

impl L2Socket {
    fn new(iface: &str) -> Result<L2Socket> {
        let index = interface_index(iface)?;
        // SAFETY: socket/bind on a fresh descriptor owned by the returned guard, with a zeroed sockaddr_ll
        // filled with the family and the interface, passed with its size.
        unsafe {
            let fd = libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0);
            if fd < 0 {
                return Err(Error::io("packet socket", std::io::Error::last_os_error()));
            }
            let fd = Fd(fd);
            let mut at: libc::sockaddr_ll = std::mem::zeroed();
            at.sll_family = libc::AF_PACKET as u16;
            at.sll_ifindex = index;
            let r = libc::bind(
                fd.0,
                (&at as *const libc::sockaddr_ll).cast(),
                std::mem::size_of_val(&at) as u32,
            );
            if r < 0 {
                return Err(Error::io(format!("bind to {iface}"), std::io::Error::last_os_error()));
            }
            Ok(L2Socket {
                fd,
                iface: iface.to_string(),
            })
        }
    }

    /// Sends through a capture's socket on `iface`, by a descriptor of its own (the socket closes with the
    /// last of them).
    pub(crate) fn sharing(capture: &Fd, iface: &str) -> Result<L2Socket> {
        Ok(L2Socket {
            fd: Fd::duplicate(capture.0)?,
            iface: iface.to_string(),
        })
    }

    /// Sends one frame. A full send buffer or transmit queue (EAGAIN, ENOBUFS) is transient: waited out
    /// briefly (at most about a second) rather than lose the frame.
    fn send(&mut self, frame: &[u8]) -> Result<()> {
        let mut waits = 0;
        loop {
            // SAFETY: the frame's bytes, with their length, on a descriptor this socket owns.
            let r = unsafe { libc::send(self.fd.0, frame.as_ptr().cast(), frame.len(), 0) };
            if r >= 0 {
                return Ok(());
            }
            let err = std::io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::EINTR) => {}
                Some(libc::EAGAIN | libc::ENOBUFS) if waits < 1000 => {
                    waits += 1;
                    let mut fds = libc::pollfd {
                        fd: self.fd.0,
                        events: libc::POLLOUT,
                        revents: 0,
                    };
                    // SAFETY: one valid pollfd for a descriptor this socket owns.
                    unsafe { libc::poll(&mut fds, 1, 1) };
                }
                Some(libc::ENETDOWN) => return Err(Error::Unsendable(format!("interface {:?} is down", self.iface))),
                _ => return Err(Error::io(format!("send on {}", self.iface), err)),
            }
        }
    }
}

/// The kernel's index of interface `name`.
fn interface_index(name: &str) -> Result<i32> {
    let c = std::ffi::CString::new(name).map_err(|_| Error::NoInterface(name.to_string()))?;
    // SAFETY: a NUL-terminated name.
    match unsafe { libc::if_nametoindex(c.as_ptr()) } {
        0 => Err(Error::NoInterface(name.to_string())),
        i => Ok(i as i32),
    }
}

/// Closes a descriptor on every exit path.
pub(crate) struct Fd(pub(crate) i32);

impl Fd {
    /// Another descriptor for the open file behind `fd` (closed on exec, as every descriptor here), which
    /// the caller keeps open for the call.
    pub(crate) fn duplicate(fd: i32) -> Result<Fd> {
        // SAFETY: F_DUPFD_CLOEXEC on an open descriptor; the new one gets a guard of its own.
        match unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) } {
            fd if fd >= 0 => Ok(Fd(fd)),
            _ => Err(Error::io("dup", std::io::Error::last_os_error())),
        }
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: the descriptor is owned by this guard and closed once.
        unsafe { libc::close(self.0) };
    }
}
