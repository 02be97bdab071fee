//! Messages as a transport carries them: a packet sent over a TCP connection or a UDP socket is built as the
//! payload of that transport's header, and what arrives is dissected under such a header. So a field that
//! exists only over one transport is there: DNS over TCP has its two-byte length prefix (RFC 1035 §4.2.2,
//! Scapy's `DNSTCP`), over UDP it has none. The header itself never goes out; the kernel writes the real one.

use crate::layers::{tcp::TCP, udp::UDP};
use crate::packet::{Found, Layer, Packet, Proto, Target, PADDING, RAW};

/// The transport a message goes over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Udp,
}

impl Transport {
    fn proto(self) -> &'static Proto {
        match self {
            Transport::Tcp => &TCP,
            Transport::Udp => &UDP,
        }
    }
}

/// A message that arrived, dissected as its transport carried it: it starts at layer `at` of `packet`,
/// above the transport's header (or at 0 when no binding carries its class over that transport).
#[derive(Clone, Debug)]
pub struct Carried {
    pub packet: Packet,
    pub at: usize,
    pub fill: Fill,
}

/// How much of a message of the class the bytes hold: on a stream, the rest of one cut short is still to come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fill {
    /// A whole message.
    Whole,
    /// A message of the class of which a record did not parse: cut short by a byte or two (which DNS's own
    /// length check lets pass, as Scapy's does), or malformed.
    Ragged,
    /// Not a message of the class (yet): the packet is what the bytes are under the transport.
    Short,
}

impl Carried {
    /// How many of the `of` bytes dissected the message takes: those before the first bytes its class does
    /// not dissect (a `Raw` or `Padding` layer above it), which on a stream begin the next message.
    pub fn taken(&self, of: usize) -> usize {
        let layers = self.packet.layers();
        let rest = (self.at + 1..layers.len())
            .find(|&i| [&RAW, &PADDING].contains(&layers[i].proto()))
            .map_or(0, |i| self.packet.from_layer(i).wire().map_or(0, <[u8]>::len));
        of.saturating_sub(rest)
    }
}

/// The bytes of `message` as they go over `transport`: built under the transport's header, which is cut off.
pub fn carried_bytes(transport: Transport, message: &Packet) -> Vec<u8> {
    let header = Layer::new(transport.proto());
    let header_len = Packet::new(vec![header.clone()]).build().len();
    let layers = std::iter::once(header)
        .chain(message.layers().iter().cloned())
        .collect();
    let whole = Packet::new(layers).build();
    whole.get(header_len..).unwrap_or_default().to_vec()
}

/// `data` as a message of class `cls` arriving over `transport`: dissected under the header the bindings
/// give `cls` on that transport (TCP's source port 53 for DNS), or alone when no binding carries `cls` there.
pub fn dissect_carried(transport: Transport, cls: &'static Proto, data: &[u8]) -> Carried {
    let t = transport.proto();
    let stacked = Packet::new(vec![Layer::new(t), Layer::new(cls)]);
    let mut header = Layer::new(t);
    let mut bound = false;
    for (f, field) in t.fields.iter().enumerate() {
        if let Some(v) = stacked.overload(0, f) {
            // A value the bindings imply always fits its field.
            bound |= header.set(field.name, v).is_ok();
        }
    }
    let whole = Packet::new(vec![header, crate::packet::raw(data)]).build();
    let packet = Packet::dissect_as(t, &whole);
    let is_cls = packet.layers().get(1).is_some_and(|l| l.proto() == cls);
    let (packet, at) = match (is_cls, bound) {
        (false, false) => (Packet::dissect_as(cls, data), 0),
        _ => (packet, 1),
    };
    let fill = match (is_cls || !bound, unparsed_record(&packet, at)) {
        (false, _) => Fill::Short,
        (true, true) => Fill::Ragged,
        (true, false) => Fill::Whole,
    };
    Carried { packet, at, fill }
}

/// Whether a record of the message from layer `at` is bytes that did not parse (a `Raw` found among the
/// records before any `Raw` layer, which is what follows the message).
fn unparsed_record(p: &Packet, at: usize) -> bool {
    let raw = |l: &Layer| l.proto() == &RAW;
    matches!(p.find(at, 1, Target::Any, &raw), Some(Found::Record(_)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::dns::DNS;
    use crate::packet::FieldValue;

    fn query() -> Packet {
        Packet::new(vec![Layer::new(&DNS).with("id", 7).unwrap()])
    }

    #[test]
    fn dns_over_tcp_has_its_length_prefix_and_over_udp_none() {
        let udp = carried_bytes(Transport::Udp, &query());
        let tcp = carried_bytes(Transport::Tcp, &query());
        assert_eq!(udp, query().build());
        assert_eq!(tcp[..2], (udp.len() as u16).to_be_bytes());
        assert_eq!(tcp[2..], udp[..]);
    }

    #[test]
    fn a_stream_message_is_read_under_its_header_and_what_follows_is_left() {
        let one = carried_bytes(Transport::Tcp, &query());
        let two = [one.clone(), one.clone()].concat();
        let got = dissect_carried(Transport::Tcp, &DNS, &two);
        assert_eq!(got.at, 1);
        assert_eq!(got.packet.layers()[1].get("id"), Some(FieldValue::Int(7)));
        assert_eq!(got.taken(two.len()), one.len());
        assert_eq!(got.fill, Fill::Whole);
        for (cut, fill) in [(1, Fill::Ragged), (2, Fill::Ragged), (3, Fill::Short)] {
            let got = dissect_carried(Transport::Tcp, &DNS, &one[..one.len() - cut]);
            assert_eq!(got.fill, fill, "cut by {cut}");
        }
        let raw = dissect_carried(Transport::Udp, &RAW, b"hello");
        assert_eq!((raw.at, raw.taken(5), raw.fill), (1, 5, Fill::Whole));
    }
}
