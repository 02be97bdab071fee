//! Plain TCP: connections (`tcp_connect`) and listeners (`tcp_listen`, `accept`), over the kernel's sockets,
//! IPv4 and IPv6. Every socket is non-blocking and every call that waits is bounded by its timeout and by the
//! stop flag ([`super::wait`]), so Ctrl-C ends a connect, an accept or a recv within a slice.

use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::socket_error::{Doing, SocketError};
use super::wait::{until_ready, Want};

/// The most one `recv` reads: a read returns at most what the kernel holds, so a larger `n` (which may
/// always bring fewer bytes, as Python's `recv`) only costs memory.
const MAX_READ: usize = 1 << 20;

/// An established TCP connection. Its addresses stay known after `close`, for its `repr`.
#[derive(Debug)]
pub struct TcpConn {
    stream: Option<TcpStream>,
    local: SocketAddr,
    peer: SocketAddr,
}

/// Connects to `addr`, waiting at most `timeout` (None: until `stop`) for the handshake.
pub fn tcp_connect(addr: SocketAddr, timeout: Option<Duration>, stop: &AtomicBool) -> Result<TcpConn, SocketError> {
    let doing = Doing {
        what: "connecting to",
        addr,
        timeout,
    };
    let fail = |e| SocketError::from_io(&doing, e);
    let fd = start_connect(addr).map_err(fail)?;
    // The handshake is over once the socket is writable; SO_ERROR then says how it ended.
    until_ready(fd.as_fd(), Want::Write, timeout, stop, || connect_result(&fd)).map_err(fail)?;
    TcpConn::new(TcpStream::from(fd)).map_err(fail)
}

/// A non-blocking socket with its connect under way (or done, on loopback): the connect scan starts its
/// probes with it too.
pub(super) fn start_connect(addr: SocketAddr) -> io::Result<OwnedFd> {
    let (storage, len) = sockaddr(addr);
    let family = match addr {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    };
    // SAFETY: a fresh descriptor, owned by the guard at once; connect reads `len` bytes of `storage`.
    unsafe {
        let raw = libc::socket(family, libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0);
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        let fd = OwnedFd::from_raw_fd(raw);
        let r = libc::connect(raw, (&raw const storage).cast(), len);
        match io::Error::last_os_error() {
            e if r < 0 && e.raw_os_error() != Some(libc::EINPROGRESS) => Err(e),
            _ => Ok(fd),
        }
    }
}

/// The outcome of a connect in progress: `WouldBlock` while it lasts, the socket's error once it failed.
fn connect_result(fd: &OwnedFd) -> io::Result<()> {
    let mut p = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: a zero-timeout poll of one pollfd.
    if unsafe { libc::poll(&mut p, 1, 0) } == 0 {
        return Err(io::ErrorKind::WouldBlock.into());
    }
    connect_outcome(fd.as_fd())
}

/// How a finished connect ended, read from `SO_ERROR`: `Ok` once connected, else the socket's error.
pub(super) fn connect_outcome(fd: BorrowedFd<'_>) -> io::Result<()> {
    let mut err: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: SO_ERROR read into an int of the length given.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            (&raw mut err).cast(),
            &mut len,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    match err {
        0 => Ok(()),
        e => Err(io::Error::from_raw_os_error(e)),
    }
}

/// `addr` as the kernel's `sockaddr_in` / `sockaddr_in6`, in a storage big enough for either.
fn sockaddr(addr: SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: all-zero is a valid sockaddr_storage, and both address kinds fit inside it.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: storage is larger than sockaddr_in and suitably aligned for it.
            unsafe { (&raw mut storage).cast::<libc::sockaddr_in>().write(sin) };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: storage is larger than sockaddr_in6 and suitably aligned for it.
            unsafe { (&raw mut storage).cast::<libc::sockaddr_in6>().write(sin6) };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

impl TcpConn {
    fn new(stream: TcpStream) -> io::Result<TcpConn> {
        stream.set_nonblocking(true)?;
        Ok(TcpConn {
            local: stream.local_addr()?,
            peer: stream.peer_addr()?,
            stream: Some(stream),
        })
    }

    /// This end's address.
    pub fn local(&self) -> SocketAddr {
        self.local
    }

    /// The other end's address.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    pub fn is_closed(&self) -> bool {
        self.stream.is_none()
    }

    fn open(&self) -> Result<&TcpStream, SocketError> {
        self.stream.as_ref().ok_or(SocketError::Closed)
    }

    /// Sends all of `data`, waiting at most `timeout` each time the kernel's buffer is full.
    pub fn send(&self, data: &[u8], timeout: Option<Duration>, stop: &AtomicBool) -> Result<usize, SocketError> {
        let mut stream = self.open()?;
        let doing = Doing {
            what: "sending to",
            addr: self.peer,
            timeout,
        };
        let mut sent = 0;
        while sent < data.len() {
            let n = until_ready(stream.as_fd(), Want::Write, timeout, stop, || {
                stream.write(&data[sent..])
            })
            .map_err(|e| SocketError::from_io(&doing, e))?;
            sent += n;
        }
        Ok(sent)
    }

    /// At most `n` bytes (and at most a MiB), as soon as any arrive within `timeout` (None: until `stop`);
    /// empty at the end of the stream (the peer closed its side).
    pub fn recv(&self, n: usize, timeout: Option<Duration>, stop: &AtomicBool) -> Result<Vec<u8>, SocketError> {
        self.read(n, timeout, stop, Read::Take)
    }

    /// What [`TcpConn::recv`] would read, left in the kernel's buffer for the next read: Scapy's
    /// `StreamSocket` peeks to find where a message ends before it takes it.
    pub fn peek(&self, n: usize, timeout: Option<Duration>, stop: &AtomicBool) -> Result<Vec<u8>, SocketError> {
        self.read(n, timeout, stop, Read::Peek)
    }

    fn read(&self, n: usize, timeout: Option<Duration>, stop: &AtomicBool, how: Read) -> Result<Vec<u8>, SocketError> {
        let stream = self.open()?;
        let doing = Doing {
            what: "receiving from",
            addr: self.peer,
            timeout,
        };
        let mut buf = vec![0; n.min(MAX_READ)];
        let read = || match how {
            Read::Take => std::io::Read::read(&mut &*stream, &mut buf),
            Read::Peek => stream.peek(&mut buf),
        };
        let got = until_ready(stream.as_fd(), Want::Read, timeout, stop, read)
            .map_err(|e| SocketError::from_io(&doing, e))?;
        buf.truncate(got);
        Ok(buf)
    }

    /// Closes the connection (a FIN to the peer); later calls fail with [`SocketError::Closed`]. Closing
    /// twice is no error, as in Python.
    pub fn close(&mut self) {
        if let Some(s) = self.stream.take() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// Whether a read takes the bytes or leaves them for the next read.
#[derive(Clone, Copy)]
enum Read {
    Take,
    Peek,
}

/// A listening TCP socket.
#[derive(Debug)]
pub struct Listener {
    socket: Option<TcpListener>,
    local: SocketAddr,
}

/// Listens on `addr` (port 0: one the kernel picks, which [`Listener::local`] tells).
pub fn tcp_listen(addr: SocketAddr) -> Result<Listener, SocketError> {
    let doing = Doing {
        what: "listening on",
        addr,
        timeout: None,
    };
    let fail = |e| SocketError::from_io(&doing, e);
    let socket = TcpListener::bind(addr).map_err(fail)?;
    socket.set_nonblocking(true).map_err(fail)?;
    Ok(Listener {
        local: socket.local_addr().map_err(fail)?,
        socket: Some(socket),
    })
}

impl Listener {
    /// The address listened on.
    pub fn local(&self) -> SocketAddr {
        self.local
    }

    pub fn is_closed(&self) -> bool {
        self.socket.is_none()
    }

    /// The next connection, waiting at most `timeout` (None: until `stop`).
    pub fn accept(&self, timeout: Option<Duration>, stop: &AtomicBool) -> Result<TcpConn, SocketError> {
        let socket = self.socket.as_ref().ok_or(SocketError::Closed)?;
        let doing = Doing {
            what: "accepting on",
            addr: self.local,
            timeout,
        };
        let fail = |e| SocketError::from_io(&doing, e);
        let (stream, _) = until_ready(socket.as_fd(), Want::Read, timeout, stop, || socket.accept()).map_err(fail)?;
        TcpConn::new(stream).map_err(fail)
    }

    /// Stops listening; closing twice is no error.
    pub fn close(&mut self) {
        self.socket = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Option<Duration> = Some(Duration::from_secs(2));

    fn round_trip(host: &str) {
        let stop = AtomicBool::new(false);
        let l = tcp_listen(format!("{host}:0").parse().unwrap()).unwrap();
        let c = tcp_connect(l.local(), T, &stop).unwrap();
        let mut s = l.accept(T, &stop).unwrap();
        assert_eq!(s.peer(), c.local());
        assert_eq!(c.send(b"ping", T, &stop).unwrap(), 4);
        assert_eq!(s.recv(100, T, &stop).unwrap(), b"ping");
        s.send(b"pong", T, &stop).unwrap();
        assert_eq!(c.recv(100, T, &stop).unwrap(), b"pong");
        s.close();
        assert_eq!(c.recv(100, T, &stop).unwrap(), b"", "end of stream");
        assert!(matches!(s.recv(1, T, &stop), Err(SocketError::Closed)));
    }

    #[test]
    fn echo_over_ipv4_and_ipv6_loopback() {
        round_trip("127.0.0.1");
        round_trip("[::1]");
    }

    #[test]
    fn a_port_nobody_listens_on_refuses() {
        let stop = AtomicBool::new(false);
        let port = tcp_listen("127.0.0.1:0".parse().unwrap()).unwrap().local().port();
        let e = tcp_connect(SocketAddr::from(([127, 0, 0, 1], port)), T, &stop).unwrap_err();
        assert!(matches!(e, SocketError::Refused(_)), "{e}");
        assert!(e.to_string().starts_with("connection refused by 127.0.0.1:"), "{e}");
    }

    #[test]
    fn a_bound_port_is_in_use() {
        let l = tcp_listen("127.0.0.1:0".parse().unwrap()).unwrap();
        let e = tcp_listen(l.local()).unwrap_err();
        assert!(matches!(e, SocketError::AddrInUse(_)), "{e}");
    }

    #[test]
    fn a_silent_peer_times_out_and_accept_too() {
        let stop = AtomicBool::new(false);
        let l = tcp_listen("127.0.0.1:0".parse().unwrap()).unwrap();
        let c = tcp_connect(l.local(), T, &stop).unwrap();
        let short = Some(Duration::from_millis(100));
        let e = c.recv(10, short, &stop).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("timed out receiving from {} (after 0.1 s)", l.local())
        );
        let _first = l.accept(T, &stop).unwrap();
        assert!(matches!(l.accept(short, &stop), Err(SocketError::TimedOut { .. })));
    }
}
