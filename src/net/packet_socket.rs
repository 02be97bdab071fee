//! Scapy's `StreamSocket` and `SimpleSocket`: packets over a plain TCP connection or UDP socket, sent as
//! their transport carries them and dissected as a class (`basecls`), with `sr1` matching the answer by
//! Scapy's `answers()`. DNS over TCP is framed by its length prefix ([`super::carried`]).

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::carried::{carried_bytes, dissect_carried, Carried, Transport};
use super::datagram::UdpSock;
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

/// Packets of class `cls` over a socket.
#[derive(Debug)]
pub struct PacketSocket<'a> {
    pub link: Link<'a>,
    pub cls: &'static Proto,
    pub framing: Framing,
}

impl PacketSocket<'_> {
    fn transport(&self) -> Transport {
        match self.link {
            Link::Tcp(_) => Transport::Tcp,
            Link::Udp(_) => Transport::Udp,
        }
    }

    /// Sends `message` as its transport carries it; a UDP socket must be connected.
    pub fn send(
        &mut self,
        message: &Packet,
        timeout: Option<Duration>,
        stop: &AtomicBool,
    ) -> Result<usize, SocketError> {
        let bytes = carried_bytes(self.transport(), message);
        match &mut self.link {
            Link::Tcp(c) => c.send(&bytes, timeout, stop),
            Link::Udp(u) => u.send(&bytes, timeout, stop),
        }
    }

    /// The next message, of at most `max` bytes, within `timeout` (None: until `stop`); None once the peer
    /// closed the stream.
    pub fn recv(
        &mut self,
        max: usize,
        timeout: Option<Duration>,
        stop: &AtomicBool,
    ) -> Result<Option<Carried>, SocketError> {
        let (cls, framing) = (self.cls, self.framing);
        let c = match &mut self.link {
            Link::Udp(u) => {
                let (data, _) = u.recv_from(max, timeout, stop)?;
                return Ok(Some(dissect_carried(Transport::Udp, cls, &data)));
            }
            Link::Tcp(c) => *c,
        };
        let data = match framing {
            Framing::Message => c.peek(max, timeout, stop)?,
            Framing::Read => c.recv(max, timeout, stop)?,
        };
        if data.is_empty() {
            return Ok(None);
        }
        let message = dissect_carried(Transport::Tcp, cls, &data);
        if framing == Framing::Message {
            // Takes the message's bytes, all peeked already; a message of nothing takes what was there, so
            // that every read moves on.
            let mut left = match message.taken(data.len()) {
                0 => data.len(),
                n => n,
            };
            while left > 0 {
                match c.recv(left, timeout, stop)?.len() {
                    0 => break,
                    n => left -= n.min(left),
                }
            }
        }
        Ok(Some(message))
    }

    /// Sends `message` and returns the first message that answers it (Scapy's `answers()`, under `rules`)
    /// within `timeout`; None when none did, or the peer closed the stream first. Others are dropped.
    pub fn sr1(
        &mut self,
        message: &Packet,
        timeout: Option<Duration>,
        stop: &AtomicBool,
        rules: MatchRules,
    ) -> Result<Option<Carried>, SocketError> {
        self.send(message, timeout, stop)?;
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            match self.recv(MAX_MESSAGE, left, stop) {
                Ok(Some(m)) if answers_at(&m.packet, m.at, message, 0, rules) => return Ok(Some(m)),
                Ok(Some(_)) => {}
                Ok(None) | Err(SocketError::TimedOut { .. }) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
    }
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
    fn sr1_over_tcp_frames_by_the_length_prefix_and_matches_the_id() {
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
        let mut ss = PacketSocket {
            link: Link::Tcp(&c),
            cls: &DNS,
            framing: Framing::Message,
        };
        let got = ss.sr1(&dns(9, 0), T, &stop, MatchRules::default()).unwrap().unwrap();
        assert_eq!(got.packet.layers()[got.at].get("id"), Some(FieldValue::Int(9)));
        let asked = server.recv(1000, T, &stop).unwrap();
        assert_eq!(
            asked,
            carried_bytes(Transport::Tcp, &dns(9, 0)),
            "the query went with its length prefix"
        );
        let none = ss.sr1(
            &dns(10, 0),
            Some(Duration::from_millis(100)),
            &stop,
            MatchRules::default(),
        );
        assert!(none.unwrap().is_none(), "no answer within the timeout");
    }

    #[test]
    fn a_simple_socket_over_udp_is_one_message_a_datagram() {
        let stop = AtomicBool::new(false);
        let mut server = udp_socket(Some("127.0.0.1:0".parse().unwrap()), None).unwrap();
        let mut u = udp_socket(None, server.local()).unwrap();
        let mut ss = PacketSocket {
            link: Link::Udp(&mut u),
            cls: &DNS,
            framing: Framing::Read,
        };
        ss.send(&dns(3, 0), T, &stop).unwrap();
        let (query, from) = server.recv_from(1000, T, &stop).unwrap();
        assert_eq!(query, dns(3, 0).build());
        server.send_to(&dns(3, 1).build(), from, T, &stop).unwrap();
        let got = ss.recv(MAX_MESSAGE, T, &stop).unwrap().unwrap();
        assert_eq!(got.packet.layers()[got.at].get("qr"), Some(FieldValue::Int(1)));
    }
}
