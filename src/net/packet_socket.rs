//! Scapy's `StreamSocket` and `SimpleSocket`: packets over a plain TCP connection or UDP socket, sent as
//! their transport carries them and dissected as a class (`basecls`), with `sr` matching the answers by
//! Scapy's `answers()`. DNS over TCP is framed by its length prefix ([`super::carried`]).

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::carried::{carried_bytes, dissect_carried, Carried, Fill, Transport};
use super::datagram::UdpSock;
use super::events::{Event, Events};
use super::socket_error::SocketError;
use super::stream::TcpConn;
use crate::packet::{answers_at, MatchRules, Packet, Proto};

/// The most a message read brings: Scapy's `MTU`.
pub const MAX_MESSAGE: usize = 65_535;

/// The socket the packets go over.
#[derive(Debug)]
pub enum Link<'a> {
    Tcp(&'a TcpConn),
    Udp(&'a mut UdpSock),
}

/// How what a TCP connection brings is cut into messages (a UDP datagram is always one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// Scapy's `StreamSocket`: a message is dissected from what has arrived, and only its own bytes are
    /// taken; what follows it (its padding) is the next message.
    Message,
    /// Scapy's `SimpleSocket`: what one read brings is one message.
    Read,
}

/// Packets of class `cls` over a socket given to each call; on a stream, the bytes received past the last
/// message wait here as the start of the next.
#[derive(Debug)]
pub struct PacketSocket {
    pub cls: &'static Proto,
    pub framing: Framing,
    pending: Vec<u8>,
}

impl PacketSocket {
    pub fn new(cls: &'static Proto, framing: Framing) -> PacketSocket {
        PacketSocket {
            cls,
            framing,
            pending: Vec::new(),
        }
    }

    /// Sends `message` as its transport carries it; a UDP socket must be connected.
    pub fn send(
        &self,
        link: &mut Link<'_>,
        message: &Packet,
        timeout: Option<Duration>,
        stop: &AtomicBool,
    ) -> Result<usize, SocketError> {
        match link {
            Link::Tcp(c) => c.send(&carried_bytes(Transport::Tcp, message), timeout, stop),
            Link::Udp(u) => u.send(&carried_bytes(Transport::Udp, message), timeout, stop),
        }
    }

    /// The next message, read `max` bytes at a time, within `timeout` (None: until `stop`); None once the
    /// peer closed the stream. A stream message is whole when its bytes dissect as the class under the
    /// transport (DNS: all its length prefix says) with every record parsed; one that stays ragged until the
    /// timeout comes as it is, and one the stream ends inside comes as the bytes it has.
    pub fn recv(
        &mut self,
        link: &mut Link<'_>,
        max: usize,
        timeout: Option<Duration>,
        stop: &AtomicBool,
    ) -> Result<Option<Carried>, SocketError> {
        let c = match link {
            Link::Udp(u) => {
                let (data, _) = u.recv_from(max, timeout, stop)?;
                return Ok(Some(dissect_carried(Transport::Udp, self.cls, &data)));
            }
            Link::Tcp(c) => *c,
        };
        if self.framing == Framing::Read {
            let data = c.recv(max, timeout, stop)?;
            return Ok((!data.is_empty()).then(|| dissect_carried(Transport::Tcp, self.cls, &data)));
        }
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            let pending = (!self.pending.is_empty()).then(|| dissect_carried(Transport::Tcp, self.cls, &self.pending));
            if let Some(m) = pending.as_ref().filter(|m| m.fill == Fill::Whole) {
                return Ok(Some(self.take(m.clone())));
            }
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            let data = match (c.recv(max, left, stop), pending) {
                (Err(SocketError::TimedOut { .. }), Some(m)) if m.fill == Fill::Ragged => {
                    return Ok(Some(self.take(m)))
                }
                (r, _) => r?,
            };
            if data.is_empty() {
                let rest = std::mem::take(&mut self.pending);
                return Ok((!rest.is_empty()).then(|| dissect_carried(Transport::Tcp, self.cls, &rest)));
            }
            self.pending.extend_from_slice(&data);
        }
    }

    /// Takes the message `m`, dissected from the pending bytes, out of them: its own bytes (at least one,
    /// so every message moves on), dissected again alone if others follow.
    fn take(&mut self, m: Carried) -> Carried {
        let n = match m.taken(self.pending.len()) {
            0 => self.pending.len(),
            n => n,
        };
        let rest = self.pending.split_off(n);
        let whole = std::mem::replace(&mut self.pending, rest);
        if self.pending.is_empty() {
            m
        } else {
            dissect_carried(Transport::Tcp, self.cls, &whole)
        }
    }

    /// Sends `messages`, then reads until each has its answer (Scapy's `answers()`, under `rules`), the
    /// timeout passes, the peer closes the stream or `stop` is set — what was answered is kept in every
    /// case, as Scapy's `sr` keeps it. Messages that answer nothing, or a request already answered, are
    /// counted and dropped. `events` hears Scapy's emission lines.
    pub fn sr(
        &mut self,
        link: &mut Link<'_>,
        messages: &[Packet],
        timeout: Option<Duration>,
        stop: &AtomicBool,
        rules: MatchRules,
        events: &Events,
    ) -> Result<SocketAnswers, SocketError> {
        events.emit(Event::BeginEmission);
        for m in messages {
            self.send(link, m, timeout, stop)?;
        }
        events.emit(Event::FinishedSending(messages.len() as u64));
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut got = SocketAnswers {
            answered: Vec::new(),
            received: 0,
        };
        while got.answered.len() < messages.len() {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            let m = match self.recv(link, MAX_MESSAGE, left, stop) {
                Ok(Some(m)) => m,
                Ok(None) | Err(SocketError::TimedOut { .. } | SocketError::Stopped) => break,
                Err(e) => return Err(e),
            };
            got.received += 1;
            let open = (0..messages.len()).filter(|i| got.answered.iter().all(|(a, _)| a != i));
            if let Some(i) = open
                .into_iter()
                .find(|&i| answers_at(&m.packet, m.at, &messages[i], 0, rules))
            {
                got.answered.push((i, m));
            }
        }
        events.emit(Event::Received {
            received: got.received,
            answers: got.answered.len(),
            remaining: messages.len() - got.answered.len(),
        });
        Ok(got)
    }
}

/// What [`PacketSocket::sr`] found: each answered request's index with its answer, in the order the answers
/// came, and how many messages came in all.
#[derive(Debug)]
pub struct SocketAnswers {
    pub answered: Vec<(usize, Carried)>,
    pub received: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::dns::{DNS, DNSQR};
    use crate::net::{tcp_connect, tcp_listen, udp_socket};
    use crate::packet::{FieldValue, Layer};

    const T: Option<Duration> = Some(Duration::from_secs(2));

    /// A DNS message with one question.
    fn dns(id: u16, qr: u8) -> Packet {
        let qd = Layer::new(&DNSQR).with("qname", "wirecraft.test.").unwrap();
        let m = Layer::new(&DNS).with("id", id).unwrap().with("qr", qr).unwrap();
        Packet::new(vec![m.with("qd", FieldValue::Layers(vec![qd])).unwrap()])
    }

    /// Over TCP, two answers in one segment are two messages, and the one that answers is the one kept.
    #[test]
    fn sr_over_tcp_frames_by_the_length_prefix_and_matches_the_id() {
        let stop = AtomicBool::new(false);
        let l = tcp_listen("127.0.0.1:0".parse().unwrap()).unwrap();
        let c = tcp_connect(l.local(), T, &stop).unwrap();
        let server = l.accept(T, &stop).unwrap();
        let replies = [
            carried_bytes(Transport::Tcp, &dns(1, 1)),
            carried_bytes(Transport::Tcp, &dns(9, 1)),
        ]
        .concat();
        server.send(&replies, T, &stop).unwrap();
        let (mut ss, mut link) = (PacketSocket::new(&DNS, Framing::Message), Link::Tcp(&c));
        let quiet = Events::default();
        let got = ss
            .sr(&mut link, &[dns(9, 0)], T, &stop, MatchRules::default(), &quiet)
            .unwrap();
        assert_eq!(got.received, 2, "the answer to another query came first");
        let (i, m) = &got.answered[0];
        assert_eq!((*i, m.packet.layers()[m.at].get("id")), (0, Some(FieldValue::Int(9))));
        let asked = server.recv(1000, T, &stop).unwrap();
        assert_eq!(
            asked,
            carried_bytes(Transport::Tcp, &dns(9, 0)),
            "the query went with its length prefix"
        );
        let short = Some(Duration::from_millis(100));
        let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let events = {
            let heard = heard.clone();
            Events::to(move |e| heard.lock().unwrap().push(e.to_string()))
        };
        let none = ss.sr(&mut link, &[dns(10, 0)], short, &stop, MatchRules::default(), &events);
        assert!(none.unwrap().answered.is_empty(), "no answer within the timeout");
        assert_eq!(
            *heard.lock().unwrap(),
            [
                "Begin emission",
                "Finished sending 1 packets",
                "Received 0 packets, got 0 answers, remaining 1 packets"
            ],
            "Scapy's emission lines"
        );
    }

    /// A message cut across segments waits for its rest (a timeout in between keeps what came), and a
    /// stream that ends inside one gives the bytes it has.
    #[test]
    fn a_stream_message_waits_for_its_rest() {
        let stop = AtomicBool::new(false);
        let l = tcp_listen("[::1]:0".parse().unwrap()).unwrap();
        let c = tcp_connect(l.local(), T, &stop).unwrap();
        let mut server = l.accept(T, &stop).unwrap();
        let (mut ss, mut link) = (PacketSocket::new(&DNS, Framing::Message), Link::Tcp(&c));
        let m = carried_bytes(Transport::Tcp, &dns(4, 1));
        server.send(&m[..10], T, &stop).unwrap();
        let short = Some(Duration::from_millis(100));
        assert!(matches!(
            ss.recv(&mut link, 4, short, &stop),
            Err(SocketError::TimedOut { .. })
        ));
        server.send(&m[10..], T, &stop).unwrap();
        let got = ss.recv(&mut link, 4, T, &stop).unwrap().unwrap();
        assert_eq!((got.at, got.fill), (1, Fill::Whole));
        assert_eq!(got.packet.layers()[1].get("id"), Some(FieldValue::Int(4)));
        // Cut a byte short: ragged, so the rest is waited for; what stays ragged comes at the timeout.
        let (most, last) = m.split_at(m.len() - 1);
        server.send(most, T, &stop).unwrap();
        std::thread::scope(|t| {
            t.spawn(|| {
                std::thread::sleep(Duration::from_millis(50));
                server.send(last, T, &stop).unwrap();
            });
            assert_eq!(
                ss.recv(&mut link, MAX_MESSAGE, T, &stop).unwrap().unwrap().fill,
                Fill::Whole
            );
        });
        server.send(most, T, &stop).unwrap();
        assert_eq!(
            ss.recv(&mut link, MAX_MESSAGE, short, &stop).unwrap().unwrap().fill,
            Fill::Ragged
        );
        server.send(&m[..5], T, &stop).unwrap();
        server.close();
        let cut = ss.recv(&mut link, MAX_MESSAGE, T, &stop).unwrap().unwrap();
        assert_eq!(cut.fill, Fill::Short);
        assert!(
            ss.recv(&mut link, MAX_MESSAGE, T, &stop).unwrap().is_none(),
            "then the end of the stream"
        );
    }

    #[test]
    fn a_simple_socket_over_udp_is_one_message_a_datagram() {
        let stop = AtomicBool::new(false);
        let mut server = udp_socket(Some("127.0.0.1:0".parse().unwrap()), None).unwrap();
        let mut u = udp_socket(None, server.local()).unwrap();
        let (mut ss, mut link) = (PacketSocket::new(&DNS, Framing::Read), Link::Udp(&mut u));
        ss.send(&mut link, &dns(3, 0), T, &stop).unwrap();
        let (query, from) = server.recv_from(1000, T, &stop).unwrap();
        assert_eq!(query, dns(3, 0).build());
        server.send_to(&dns(3, 1).build(), from, T, &stop).unwrap();
        let got = ss.recv(&mut link, MAX_MESSAGE, T, &stop).unwrap().unwrap();
        assert_eq!(got.packet.layers()[got.at].get("qr"), Some(FieldValue::Int(1)));
    }
}
