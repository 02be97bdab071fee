//! Plain sockets in the language, over [`crate::net`]'s `stream` and `datagram`: `tcp_connect`, `tcp_listen`
//! (whose `accept` gives connections) and `udp_socket`, each a kind of value with Python's socket methods
//! (`send`, `recv`, `sendto`, `recvfrom`, `close`, `getsockname`, …).
//!
//! As Python's sockets, each has a timeout (`tcp_connect`'s, or `settimeout`'s) that its calls use unless
//! given their own; a call that outlasts it raises `TimeoutError`, a refused connection
//! `ConnectionRefusedError`, other failures `OSError`, each naming the address. Every wait also ends on
//! Ctrl-C (`KeyboardInterrupt`). Host names come from `/etc/hosts` only: naming a host sends nothing.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::args::{opt, req, Args, Const};
use super::error::{ErrorKind, LangError};
use super::rows::{builtin, method, Builtin, MethodDef};
use super::session::Session;
use super::value::{HostValue, Value};
use crate::net::{self, Listener, SocketError, TcpConn, UdpSock};

/// The socket builtins, in the order `lsc()` lists them.
pub(crate) static BUILTINS: &[Builtin] = &[
    builtin!(
        "tcp_connect",
        [req("host"), req("port"), opt("timeout", Const::Int(2))],
        "Open a TCP connection to host (an IPv4 or IPv6 address, or a name in /etc/hosts) and port, waiting at \
         most timeout seconds (None: until Ctrl-C); the timeout stays the connection's for send and recv. \
         s.send(b), s.recv(n), s.close().",
        b_tcp_connect
    ),
    builtin!(
        "tcp_listen",
        [
            req("port"),
            opt("host", Const::Str("127.0.0.1")),
            opt("timeout", Const::None)
        ],
        "Listen for TCP connections on host:port (port 0: one the system picks, see getsockname()); \
         l.accept(timeout=) gives each connection. timeout: the listener's and its connections' (None: wait \
         until Ctrl-C).",
        b_tcp_listen
    ),
    builtin!(
        "udp_socket",
        [
            opt("port", Const::None),
            opt("host", Const::None),
            opt("timeout", Const::None)
        ],
        "A UDP socket, bound to host:port when either is given (host None: every address; port None: one the \
         system picks), else on its first sendto. u.sendto(b, (host, port)), u.recvfrom(n), u.connect((host, \
         port)) then u.send(b) / u.recv(n). timeout: seconds a call waits (None: until Ctrl-C).",
        b_udp_socket
    ),
];

/// The library's error as the language's, with Python's exception for each.
fn lang_error(e: SocketError) -> LangError {
    let kind = match e {
        SocketError::TimedOut { .. } => ErrorKind::Timeout,
        SocketError::Refused(_) => ErrorKind::ConnectionRefused,
        SocketError::Reset(_) => ErrorKind::ConnectionReset,
        SocketError::Stopped => ErrorKind::Interrupted,
        _ => ErrorKind::Io,
    };
    LangError::new(kind, e.to_string())
}

/// Runs a socket call with the session's interrupt flag as its stop, then clears the flag: Ctrl-C ended
/// the call, which raises `KeyboardInterrupt`.
pub(super) fn waiting<T>(s: &Session, run: impl FnOnce(&AtomicBool) -> Result<T, SocketError>) -> Result<T, LangError> {
    let flag = s.interrupt_flag();
    let r = run(&flag);
    flag.store(false, Ordering::Relaxed);
    r.map_err(lang_error)
}

/// A port argument: an int from 0 to 65535.
fn port(v: &Value) -> Result<u16, LangError> {
    v.as_int()
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| LangError::value_err(format!("port must be 0-65535, not {}", v.repr())))
}

/// The socket address of a host argument and a port argument.
pub(super) fn address(host: &Value, port_arg: &Value) -> Result<SocketAddr, LangError> {
    let Value::Str(h) = host else {
        return Err(LangError::type_err(format!(
            "host must be text (an address or a name), not {}",
            host.type_name()
        )));
    };
    net::resolve(h, port(port_arg)?).map_err(lang_error)
}

/// Python's address tuple: `(host, port)`, or IPv6's `(host, port, flowinfo, scope_id)` as `getsockname()`
/// gives it (flow label and scope are taken from the address itself, so they are not read).
fn address_tuple(v: &Value) -> Result<SocketAddr, LangError> {
    match v {
        Value::Tuple(t) if t.len() == 2 || t.len() == 4 => address(&t[0], &t[1]),
        v => Err(LangError::type_err(format!(
            "an address is a (host, port) tuple, not {}",
            v.repr()
        ))),
    }
}

/// The address as Python's `getsockname()` gives it: `(host, port)` for IPv4, `(host, port, flowinfo,
/// scope_id)` for IPv6.
fn tuple_of(addr: SocketAddr) -> Value {
    let (host, port) = (Value::str(&addr.ip().to_string()), Value::Int(i128::from(addr.port())));
    Value::Tuple(match addr {
        SocketAddr::V4(_) => Rc::from([host, port]),
        SocketAddr::V6(a) => Rc::from([
            host,
            port,
            Value::Int(i128::from(a.flowinfo())),
            Value::Int(i128::from(a.scope_id())),
        ]),
    })
}

/// The data argument of a send: bytes, as Python's sockets take.
fn data(v: &Value) -> Result<Rc<[u8]>, LangError> {
    match v {
        Value::Bytes(b) => Ok(b.clone()),
        v => Err(LangError::type_err(format!(
            "a bytes-like object is required, not '{}'",
            v.type_name()
        ))),
    }
}

/// The number of bytes a `recv` reads at most: parameter `name`, None for no limit.
pub(super) fn size(a: &Args, name: &str) -> Result<usize, LangError> {
    Ok(a.count(name)?
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX)))
}

/// A socket's own timeout (`settimeout`), which its calls use unless given theirs.
#[derive(Debug)]
pub(super) struct Timeout(Cell<Option<Duration>>);

impl Timeout {
    /// A call's timeout: its own argument, else the socket's.
    pub(super) fn of(&self, a: &Args) -> Result<Option<Duration>, LangError> {
        Ok(a.seconds("timeout")?.or(self.0.get()))
    }

    /// The socket's own timeout, for calls that take none (sends).
    pub(super) fn own(&self) -> Option<Duration> {
        self.0.get()
    }

    fn set(&self, a: &Args) -> Result<Value, LangError> {
        self.0.set(a.seconds("timeout")?);
        Ok(Value::None)
    }

    /// `gettimeout()`: seconds as a float, or None.
    fn get(&self) -> Value {
        self.0.get().map_or(Value::None, |t| Value::Float(t.as_secs_f64()))
    }
}

/// The `[closed]` mark of a closed socket's repr, as Python's.
fn closed_mark(closed: bool) -> &'static str {
    if closed {
        " [closed]"
    } else {
        ""
    }
}

fn b_tcp_connect(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let timeout = a.seconds("timeout")?;
    let addr = address(a.get("host"), a.get("port"))?;
    let conn = waiting(s, |stop| net::tcp_connect(addr, timeout, stop))?;
    Ok(TcpConnection::value(conn, timeout))
}

fn b_tcp_listen(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let timeout = a.seconds("timeout")?;
    let addr = address(a.get("host"), a.get("port"))?;
    let listener = waiting(s, |_| net::tcp_listen(addr))?;
    Ok(Value::host(TcpListener {
        listener: RefCell::new(listener),
        timeout: Timeout(Cell::new(timeout)),
    }))
}

fn b_udp_socket(s: &mut Session, a: &Args) -> Result<Value, LangError> {
    let timeout = a.seconds("timeout")?;
    let bind = match (a.get("host"), a.get("port")) {
        (Value::None, Value::None) => None,
        (Value::None, p) => Some(address(&Value::str("0.0.0.0"), p)?),
        (h, Value::None) => Some(address(h, &Value::Int(0))?),
        (h, p) => Some(address(h, p)?),
    };
    let socket = waiting(s, |_| net::udp_socket(bind, None))?;
    Ok(Value::host(UdpSocket {
        socket: RefCell::new(socket),
        timeout: Timeout(Cell::new(timeout)),
    }))
}

/// A TCP connection, from `tcp_connect` or `accept`.
#[derive(Debug)]
pub struct TcpConnection {
    pub(super) conn: RefCell<TcpConn>,
    pub(super) timeout: Timeout,
}

impl TcpConnection {
    fn value(conn: TcpConn, timeout: Option<Duration>) -> Value {
        Value::host(TcpConnection {
            conn: RefCell::new(conn),
            timeout: Timeout(Cell::new(timeout)),
        })
    }
}

/// `<TCPConnection 127.0.0.1:5000 -> 127.0.0.1:80>`: this end, then the peer.
impl fmt::Display for TcpConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.conn.borrow();
        write!(
            f,
            "<TCPConnection {} -> {}{}>",
            c.local(),
            c.peer(),
            closed_mark(c.is_closed())
        )
    }
}

impl HostValue for TcpConnection {
    fn type_name(&self) -> &'static str {
        "TCPConnection"
    }

    fn methods(&self) -> &'static [MethodDef] {
        TCP_METHODS
    }
}

static TCP_METHODS: &[MethodDef] = &[
    method!(
        "send",
        [req("data")],
        "Send all of the bytes, waiting for room at most the timeout; returns how many were sent.",
        |s, r, a| {
            let c = r.receiver::<TcpConnection>();
            let (data, timeout) = (data(a.get("data"))?, c.timeout.own());
            let sent = waiting(s, |stop| c.conn.borrow().send(&data, timeout, stop))?;
            Ok(Value::Int(sent as i128))
        }
    ),
    method!(
        "recv",
        [opt("n", Const::Int(65535)), opt("timeout", Const::None)],
        "At most n bytes, as soon as some arrive; b\"\" once the peer closed. timeout: seconds (None: the \
         connection's); past it, TimeoutError.",
        |s, r, a| {
            let c = r.receiver::<TcpConnection>();
            let (n, timeout) = (size(a, "n")?, c.timeout.of(a)?);
            let got = waiting(s, |stop| c.conn.borrow().recv(n, timeout, stop))?;
            Ok(Value::bytes(&got))
        }
    ),
    method!(
        "close",
        [],
        "Close the connection (the peer reads b\"\").",
        |_, r, _| {
            r.receiver::<TcpConnection>().conn.borrow_mut().close();
            Ok(Value::None)
        }
    ),
    method!(
        "getsockname",
        [],
        "This end's address: (host, port), or IPv6's (host, port, flowinfo, scope_id).",
        |_, r, _| { Ok(tuple_of(r.receiver::<TcpConnection>().conn.borrow().local())) }
    ),
    method!(
        "getpeername",
        [],
        "The peer's address: (host, port), or IPv6's (host, port, flowinfo, scope_id).",
        |_, r, _| { Ok(tuple_of(r.receiver::<TcpConnection>().conn.borrow().peer())) }
    ),
    method!(
        "settimeout",
        [req("timeout")],
        "Seconds send and recv wait (None: until Ctrl-C).",
        |_, r, a| r.receiver::<TcpConnection>().timeout.set(a)
    ),
    method!("gettimeout", [], "Seconds send and recv wait, or None.", |_, r, _| {
        Ok(r.receiver::<TcpConnection>().timeout.get())
    }),
];

/// A listening TCP socket, from `tcp_listen`.
#[derive(Debug)]
pub struct TcpListener {
    listener: RefCell<Listener>,
    timeout: Timeout,
}

/// `<TCPListener 127.0.0.1:8000>`.
impl fmt::Display for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = self.listener.borrow();
        write!(f, "<TCPListener {}{}>", l.local(), closed_mark(l.is_closed()))
    }
}

impl HostValue for TcpListener {
    fn type_name(&self) -> &'static str {
        "TCPListener"
    }

    fn methods(&self) -> &'static [MethodDef] {
        LISTENER_METHODS
    }
}

static LISTENER_METHODS: &[MethodDef] = &[
    method!(
        "accept",
        [opt("timeout", Const::None)],
        "The next connection (a TCPConnection with the listener's timeout). timeout: seconds (None: the \
         listener's); past it, TimeoutError.",
        |s, r, a| {
            let l = r.receiver::<TcpListener>();
            let timeout = l.timeout.of(a)?;
            let conn = waiting(s, |stop| l.listener.borrow().accept(timeout, stop))?;
            Ok(TcpConnection::value(conn, l.timeout.own()))
        }
    ),
    method!("close", [], "Stop listening.", |_, r, _| {
        r.receiver::<TcpListener>().listener.borrow_mut().close();
        Ok(Value::None)
    }),
    method!("getsockname", [], "The (host, port) listened on.", |_, r, _| {
        Ok(tuple_of(r.receiver::<TcpListener>().listener.borrow().local()))
    }),
    method!(
        "settimeout",
        [req("timeout")],
        "Seconds accept waits (None: until Ctrl-C).",
        |_, r, a| r.receiver::<TcpListener>().timeout.set(a)
    ),
    method!("gettimeout", [], "Seconds accept waits, or None.", |_, r, _| {
        Ok(r.receiver::<TcpListener>().timeout.get())
    }),
];

/// A UDP socket, from `udp_socket`.
#[derive(Debug)]
pub struct UdpSocket {
    pub(super) socket: RefCell<UdpSock>,
    pub(super) timeout: Timeout,
}

/// `<UDPSocket 0.0.0.0:5353>`, `<UDPSocket 127.0.0.1:40000 -> 127.0.0.1:53>` once connected,
/// `<UDPSocket unbound>` before its first use.
impl fmt::Display for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = self.socket.borrow();
        let closed = closed_mark(u.is_closed());
        match (u.local(), u.peer()) {
            (Some(local), Some(peer)) => write!(f, "<UDPSocket {local} -> {peer}{closed}>"),
            (Some(local), None) => write!(f, "<UDPSocket {local}{closed}>"),
            (None, _) => write!(f, "<UDPSocket unbound{closed}>"),
        }
    }
}

impl HostValue for UdpSocket {
    fn type_name(&self) -> &'static str {
        "UDPSocket"
    }

    fn methods(&self) -> &'static [MethodDef] {
        UDP_METHODS
    }
}

impl UdpSocket {
    /// The next datagram and its sender.
    fn receive(&self, s: &Session, a: &Args) -> Result<(Vec<u8>, SocketAddr), LangError> {
        let (n, timeout) = (size(a, "n")?, self.timeout.of(a)?);
        waiting(s, |stop| self.socket.borrow().recv_from(n, timeout, stop))
    }
}

static UDP_METHODS: &[MethodDef] = &[
    method!(
        "sendto",
        [req("data"), req("address")],
        "Send the bytes as one datagram to address, a (host, port) tuple; returns how many were sent.",
        |s, r, a| {
            let u = r.receiver::<UdpSocket>();
            let (data_arg, to_arg) = (a.get("data"), a.get("address"));
            let (data, to, timeout) = (data(data_arg)?, address_tuple(to_arg)?, u.timeout.own());
            let sent = waiting(s, |stop| u.socket.borrow_mut().send_to(&data, to, timeout, stop))?;
            Ok(Value::Int(sent as i128))
        }
    ),
    method!(
        "recvfrom",
        [opt("n", Const::Int(65535)), opt("timeout", Const::None)],
        "The next datagram (at most n bytes of it) and its sender: (data, (host, port)). timeout: seconds \
         (None: the socket's); past it, TimeoutError.",
        |s, r, a| {
            let (got, from) = r.receiver::<UdpSocket>().receive(s, a)?;
            Ok(Value::Tuple(Rc::from([Value::bytes(&got), tuple_of(from)])))
        }
    ),
    method!(
        "connect",
        [req("address")],
        "Fix the peer, a (host, port) tuple: send goes to it, recv hears only it (and its refusals).",
        |_, r, a| {
            let to = address_tuple(a.get("address"))?;
            r.receiver::<UdpSocket>()
                .socket
                .borrow_mut()
                .connect(to)
                .map_err(lang_error)?;
            Ok(Value::None)
        }
    ),
    method!(
        "send",
        [req("data")],
        "Send the bytes as one datagram to the connected peer; returns how many were sent.",
        |s, r, a| {
            let u = r.receiver::<UdpSocket>();
            let (data, timeout) = (data(a.get("data"))?, u.timeout.own());
            let sent = waiting(s, |stop| u.socket.borrow_mut().send(&data, timeout, stop))?;
            Ok(Value::Int(sent as i128))
        }
    ),
    method!(
        "recv",
        [opt("n", Const::Int(65535)), opt("timeout", Const::None)],
        "The next datagram, at most n bytes of it. timeout: seconds (None: the socket's); past it, TimeoutError.",
        |s, r, a| Ok(Value::bytes(&r.receiver::<UdpSocket>().receive(s, a)?.0))
    ),
    method!("close", [], "Close the socket.", |_, r, _| {
        r.receiver::<UdpSocket>().socket.borrow_mut().close();
        Ok(Value::None)
    }),
    method!(
        "getsockname",
        [],
        "This end's address, as getsockname() of a TCP socket gives it; None before it is bound.",
        |_, r, _| {
            Ok(r.receiver::<UdpSocket>()
                .socket
                .borrow()
                .local()
                .map_or(Value::None, tuple_of))
        }
    ),
    method!(
        "getpeername",
        [],
        "The connected peer's (host, port), or None.",
        |_, r, _| {
            Ok(r.receiver::<UdpSocket>()
                .socket
                .borrow()
                .peer()
                .map_or(Value::None, tuple_of))
        }
    ),
    method!(
        "settimeout",
        [req("timeout")],
        "Seconds sends and receives wait (None: until Ctrl-C).",
        |_, r, a| r.receiver::<UdpSocket>().timeout.set(a)
    ),
    method!(
        "gettimeout",
        [],
        "Seconds sends and receives wait, or None.",
        |_, r, _| { Ok(r.receiver::<UdpSocket>().timeout.get()) }
    ),
];
