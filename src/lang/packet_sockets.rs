//! Scapy's `StreamSocket` and `SimpleSocket` in the language: packets over a `tcp_connect` / `accept`
//! connection or a `udp_socket`, over [`crate::net::PacketSocket`]. `ss = StreamSocket(s, basecls=DNS)`;
//! `ss.send(p)`, `ss.recv()`, `ss.sr1(p, timeout=)`. Packets go as their transport carries them, so a DNS
//! message over TCP has its length prefix, and what arrives is a packet of `basecls` (Raw by default).

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use super::args::{opt, req, Args, Const};
use super::error::{ErrorKind, LangError};
use super::live;
use super::packet_list::PacketListValue;
use super::pcap;
use super::results::Results;
use super::rows::{builtin, method, Builtin, MethodDef};
use super::session::Session;
use super::sockets::{size, waiting, TcpConnection, Timeout, UdpSocket};
use super::value::{HostValue, Pkt, Value};
use crate::net::{Carried, Events, Framing, Link, PacketSocket, SocketError};
use crate::packet::{raw, Packet, RAW};
use crate::pcapio::PacketList;

pub(crate) static BUILTINS: &[Builtin] = &[
    builtin!(
        "StreamSocket",
        [req("sock"), opt("basecls", Const::None)],
        "Packets over a TCP connection (or a UDP socket): each message received is dissected as basecls \
         (default Raw) and only its own bytes are taken, the rest being the next; DNS over TCP is framed by its \
         length prefix. ss.send(p), ss.recv(), ss.sr1(p, timeout=).",
        |_, a| wrap(a, Framing::Message)
    ),
    builtin!(
        "SimpleSocket",
        [req("sock"), opt("basecls", Const::None)],
        "Packets over a connected UDP socket (or a TCP connection): each datagram (each read) received is one \
         packet of basecls (default Raw). ss.send(p), ss.recv(), ss.sr1(p, timeout=).",
        |_, a| wrap(a, Framing::Read)
    ),
];

fn wrap(a: &Args, framing: Framing) -> Result<Value, LangError> {
    let sock = a.get("sock");
    let cls = match a.get("basecls") {
        Value::None => &RAW,
        Value::Class(p) => *p,
        v => {
            return Err(LangError::type_err(format!(
                "basecls must be a layer class, as DNS, not {}",
                v.type_name()
            )))
        }
    };
    if sock.as_host::<TcpConnection>().is_none() && sock.as_host::<UdpSocket>().is_none() {
        return Err(LangError::type_err(format!(
            "{} wraps a socket of tcp_connect, accept or udp_socket, not {}",
            framing_name(framing),
            sock.type_name()
        )));
    }
    Ok(Value::host(PacketSocketValue {
        sock: sock.clone(),
        ps: RefCell::new(PacketSocket::new(cls, framing)),
    }))
}

fn framing_name(framing: Framing) -> &'static str {
    match framing {
        Framing::Message => "StreamSocket",
        Framing::Read => "SimpleSocket",
    }
}

/// A `StreamSocket` or `SimpleSocket`: the socket value it wraps (shared with the program, as Scapy's wraps
/// the Python socket) and the library's packet socket (the class, the framing, what a stream brought past
/// the last message).
#[derive(Debug)]
pub struct PacketSocketValue {
    sock: Value,
    ps: RefCell<PacketSocket>,
}

impl PacketSocketValue {
    /// Runs `f` on the packet socket and the wrapped socket, with that socket's timeout.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut PacketSocket, &mut Link<'_>, &Timeout) -> Result<T, SocketError>,
    ) -> Result<T, SocketError> {
        let ps = &mut self.ps.borrow_mut();
        if let Some(t) = self.sock.as_host::<TcpConnection>() {
            let conn = t.conn.borrow();
            return f(ps, &mut Link::Tcp(&conn), &t.timeout);
        }
        let u = self.sock.receiver::<UdpSocket>();
        let mut socket = u.socket.borrow_mut();
        f(ps, &mut Link::Udp(&mut socket), &u.timeout)
    }
}

/// `<StreamSocket DNS over <TCPConnection 127.0.0.1:5000 -> 127.0.0.1:53>>`.
impl fmt::Display for PacketSocketValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ps = self.ps.borrow();
        write!(
            f,
            "<{} {} over {}>",
            framing_name(ps.framing),
            ps.cls.name,
            self.sock.repr()
        )
    }
}

impl HostValue for PacketSocketValue {
    fn type_name(&self) -> &'static str {
        framing_name(self.ps.borrow().framing)
    }

    fn methods(&self) -> &'static [MethodDef] {
        METHODS
    }
}

/// A packet to send: a packet, or bytes sent as they are.
fn message(v: &Value) -> Result<Packet, LangError> {
    match v {
        Value::Packet(p) => Ok(p.owned()),
        Value::Bytes(b) => Ok(Packet::new(vec![raw(b)])),
        v => Err(LangError::type_err(format!(
            "send a packet or bytes, not {}",
            v.type_name()
        ))),
    }
}

/// A received message as a packet, from its class's layer up.
fn received_pkt(m: Carried) -> Pkt {
    let mut v = Pkt::new(m.packet);
    v.start = m.at;
    v
}

fn received(m: Carried) -> Value {
    Value::Packet(received_pkt(m))
}

/// What `ss.sr` found: the answered (request, answer) pairs in the order the answers came, and the requests
/// left unanswered, in the order given.
type Exchanged = (Vec<(Pkt, Pkt)>, Vec<Packet>);

/// `ss.sr(x, timeout, verbose)` and `sr1`'s body.
fn socket_sr(s: &mut Session, r: &Value, a: &Args) -> Result<Exchanged, LangError> {
    let requests: Vec<Packet> = match a.get("x") {
        Value::Bytes(_) => vec![message(a.get("x"))?],
        x => pcap::packets(s, x, "sr")?.iter().flat_map(|p| p.iter()).collect(),
    };
    let timeout = a.seconds("timeout")?;
    let events = match live::verbose(s, a.get("verbose")) {
        true => live::stderr_events(),
        false => Events::default(),
    };
    let ss = r.receiver::<PacketSocketValue>();
    let rules = s.match_rules();
    let got = waiting(s, |stop| {
        ss.with(|ps, link, t| ps.sr(link, &requests, timeout.or(t.own()), stop, rules, &events))
    })?;
    let mut answered = vec![false; requests.len()];
    let pairs = got
        .answered
        .into_iter()
        .map(|(i, m)| {
            answered[i] = true;
            (Pkt::new(requests[i].clone()), received_pkt(m))
        })
        .collect();
    let unanswered = requests
        .into_iter()
        .zip(answered)
        .filter(|(_, a)| !a)
        .map(|(p, _)| p)
        .collect();
    Ok((pairs, unanswered))
}

static METHODS: &[MethodDef] = &[
    method!(
        "send",
        [req("x")],
        "Send the packet (or bytes) as the socket's transport carries it; returns the bytes sent.",
        |s, r, a| {
            let p = message(a.get("x"))?;
            let ss = r.receiver::<PacketSocketValue>();
            let sent = waiting(s, |stop| ss.with(|ps, link, t| ps.send(link, &p, t.own(), stop)))?;
            Ok(Value::Int(sent as i128))
        }
    ),
    method!(
        "recv",
        [opt("x", Const::Int(65535)), opt("timeout", Const::None)],
        "The next packet (of at most x bytes), dissected as basecls. timeout: seconds (None: the socket's); \
         past it, TimeoutError; once the peer closed, EOFError, as Scapy raises.",
        |s, r, a| {
            let ss = r.receiver::<PacketSocketValue>();
            let max = size(a, "x")?;
            let timeout = a.seconds("timeout")?;
            let got = waiting(s, |stop| {
                ss.with(|ps, link, t| ps.recv(link, max, timeout.or(t.own()), stop))
            })?;
            got.map(received)
                .ok_or_else(|| LangError::new(ErrorKind::Eof, "the peer closed the connection"))
        }
    ),
    method!(
        "sr",
        [req("x"), opt("timeout", Const::None), opt("verbose", Const::None)],
        "Send the packets and read until each has its answer (Scapy's answers()) or timeout seconds pass \
         (None: the socket's); (ans, unans) as sr gives them. verbose: the emission lines (None: conf.verb).",
        |s, r, a| {
            let (ans, unans) = socket_sr(s, r, a)?;
            let mut list = PacketList::new("Unanswered");
            unans.iter().for_each(|p| list.push_packet(p));
            Ok(Value::Tuple(Rc::from([
                Value::host(Results::of(ans)),
                Value::host(PacketListValue::new(list)),
            ])))
        }
    ),
    method!(
        "sr1",
        [req("x"), opt("timeout", Const::None), opt("verbose", Const::None)],
        "Send the packet and return the first packet that answers it (Scapy's answers()), or None when none \
         came within timeout seconds (None: the socket's). verbose: the emission lines (None: conf.verb).",
        |s, r, a| {
            let (ans, _) = socket_sr(s, r, a)?;
            Ok(ans
                .into_iter()
                .next()
                .map_or(Value::None, |(_, answer)| Value::Packet(answer)))
        }
    ),
    method!("close", [], "Close the socket it wraps.", |s, r, _| {
        let close = s.get_attr(r.receiver::<PacketSocketValue>().sock.clone(), "close")?;
        s.call(&close, Vec::new(), Vec::new())
    }),
];
