//! DNS (RFC 1035) over UDP and TCP, Scapy's `DNS`, with its question record `DNSQR` and Scapy's `DNSStrField`
//! names: bytes with a trailing dot, never compressed when built, decompressed when dissected. The resource
//! records are in `dns_records`.

use super::dns_records::{rr_dispatch, DNSRR};
use super::tcp::TCP;
use super::udp::UDP;
use super::well_known::{DNS_OPCODES, DNS_QCLASSES, DNS_QTYPES, DNS_RCODES};
use crate::packet::{int, sprintf, Bound, Built, Codec, Dflt, Field, FieldValue, Kind, Layer, Packet, Proto, Records};

/// Indices of the fields the dissection hot path reads (checked by a test below).
/// Scapy's class of the four record lists, for `ls()`.
const RECORDS_CLASS: &str = "_DNSPacketListField";

const LENGTH: usize = 0;
const QDCOUNT: usize = 12;

static FIELDS: &[Field] = &[
    Field::new("length", Kind::Custom(&TCP_LENGTH), Dflt::Auto)
        .when(|_, under| under == Some(&TCP))
        .doc("message length, only over TCP; computed"),
    Field::u16("id", 0).doc("query identifier"),
    Field::bits("qr", 1, 0).doc("1 in a response"),
    Field::bits("opcode", 4, 0).names(DNS_OPCODES),
    Field::bits("aa", 1, 0).doc("authoritative answer"),
    Field::bits("tc", 1, 0).doc("truncated"),
    Field::bits("rd", 1, 1).doc("recursion desired"),
    Field::bits("ra", 1, 0).doc("recursion available"),
    Field::bits("z", 1, 0),
    Field::bits("ad", 1, 0).doc("authentic data"),
    Field::bits("cd", 1, 0).doc("checking disabled"),
    Field::bits("rcode", 4, 0).names(DNS_RCODES),
    Field::u16("qdcount", 0)
        .auto()
        .scapy_class("FieldLenField")
        .doc("number of questions; computed"),
    Field::u16("ancount", 0)
        .auto()
        .scapy_class("FieldLenField")
        .doc("number of answers; computed"),
    Field::u16("nscount", 0)
        .auto()
        .scapy_class("FieldLenField")
        .doc("number of authority records; computed"),
    Field::u16("arcount", 0)
        .auto()
        .scapy_class("FieldLenField")
        .doc("number of additional records; computed"),
    Field::new(
        "qd",
        Kind::Records(&QD),
        Dflt::Dyn(|_| FieldValue::Layers(vec![Layer::new(&DNSQR)])),
    )
    .scapy_class(RECORDS_CLASS)
    .scapy_default("[<DNSQR  |>]")
    .doc("questions (DNSQR(qname=..., qtype=...))"),
    Field::new("an", Kind::Records(&AN), Dflt::Empty)
        .scapy_class(RECORDS_CLASS)
        .doc("answers (DNSRR, DNSRRMX, ...)"),
    Field::new("ns", Kind::Records(&NS), Dflt::Empty)
        .scapy_class(RECORDS_CLASS)
        .doc("authority records"),
    Field::new("ar", Kind::Records(&AR), Dflt::Empty)
        .scapy_class(RECORDS_CLASS)
        .doc("additional records (DNSRROPT, ...)"),
];

/// `DNS`, over UDP, or over TCP with a 2-byte length prefix.
pub static DNS: Proto = Proto {
    name: "DNS",
    long_name: "DNS",
    fields: FIELDS,
    post_build: Some(post_build),
    summary: Some(summary),
    // Over TCP, compression pointers count from after the length prefix (Scapy's `get_full`).
    message_start: Some(|l| if l.int_at(LENGTH).is_some() { 2 } else { 0 }),
    // Scapy's `DNS.answers`: a response with the query's id.
    answers: Some(|r, i, q, j, _| {
        crate::packet::layer_of(q, j, &[&DNS]).is_some()
            && int(r, i, "id") == int(q, j, "id")
            && int(r, i, "qr") == 1
            && int(q, j, "qr") == 0
    }),
    ..Proto::BASE
};

/// `DNSQR`, a question.
pub static DNSQR: Proto = Proto {
    name: "DNSQR",
    long_name: "DNS Question Record",
    fields: &[
        Field::new("qname", NAME_KIND, Dflt::Bytes(b"www.example.com.")),
        Field::u16("qtype", 1).names(DNS_QTYPES),
        Field::bits("unicastresponse", 1, 0).doc("mDNS: unicast response wanted"),
        Field::bits("qclass", 15, 1).names(DNS_QCLASSES),
    ],
    message_base: true,
    payload_len: Some(super::dns_records::no_payload),
    ..Proto::BASE
};

static QD: Records = Records {
    dispatch: |_| &DNSQR,
    bound: Bound::Count(|l| count(l, QDCOUNT)),
};
static AN: Records = Records {
    dispatch: rr_dispatch,
    bound: Bound::Count(|l| count(l, QDCOUNT + 1)),
};
static NS: Records = Records {
    dispatch: rr_dispatch,
    bound: Bound::Count(|l| count(l, QDCOUNT + 2)),
};
static AR: Records = Records {
    dispatch: rr_dispatch,
    bound: Bound::Count(|l| count(l, QDCOUNT + 3)),
};

/// The record count in field `i`: `QDCOUNT` and the three counters after it.
fn count(l: &Layer, i: usize) -> usize {
    l.int_at(i).unwrap_or(0) as usize
}

fn post_build(b: &mut Built) {
    // Present only over TCP.
    if b.is_auto_at(LENGTH) {
        b.put_rest_len(LENGTH);
    }
    // Each counter is followed, four fields later, by its record list.
    for k in 0..4 {
        if b.is_auto_at(QDCOUNT + k) {
            let n = match &*b.layer().value_ref(QDCOUNT + 4 + k) {
                FieldValue::Layers(records) => records.len(),
                _ => 0,
            };
            b.put_int(QDCOUNT + k, n as u64);
        }
    }
}

/// Scapy's `mysummary`: `DNS Qry <first qname>`, `DNS Ans <first rdata>` (or the rcode), `mDNS` on port 5353.
fn summary(p: &Packet, i: usize, out: &mut String) {
    let layer = &p.layers()[i];
    let mdns = i
        .checked_sub(1)
        .map(|u| &p.layers()[u])
        .is_some_and(|u| u.proto() == &UDP && u.get_int("dport") == Some(5353));
    out.push_str(if mdns { "mDNS" } else { "DNS" });
    // Only the first record of a list is shown: the others are not decoded for it.
    if layer.get_int("qr").unwrap_or(0) != 0 {
        out.push_str(" Ans");
        match layer.first_record(QDCOUNT + 5) {
            Some(rr) if rr.proto() == &DNSRR => write_record_field(out, &rr, "rdata"),
            _ if layer.get_int("rcode").unwrap_or(0) != 0 => sprintf(out, p, i, " %rcode%"),
            _ => {}
        }
    } else {
        out.push_str(" Qry");
        if let Some(q) = layer.first_record(QDCOUNT + 4).filter(|q| q.proto() == &DNSQR) {
            write_record_field(out, &q, "qname");
        }
    }
}

/// A space and a record's field as Python's `str` prints it inside the summary.
fn write_record_field(out: &mut String, record: &Layer, name: &str) {
    if let (Some(f), Some(v)) = (record.field_index(name), record.get(name)) {
        out.push(' ');
        out.push_str(&record.proto().fields[f].repr(&v, record));
    }
}

/// DNS over TCP's length prefix. Like Scapy's `pre_dissect`, a message shorter than a header or longer than the
/// data is not DNS.
struct TcpLength;
static TCP_LENGTH: TcpLength = TcpLength;

impl Codec for TcpLength {
    fn encode(&self, v: &FieldValue, out: &mut Vec<u8>) {
        out.extend_from_slice(&(v.as_int().unwrap_or(0) as u16).to_be_bytes());
    }

    fn decode(
        &self,
        data: &[u8],
        _start: usize,
        pos: usize,
        end: usize,
        _layer: &Layer,
    ) -> Option<(FieldValue, usize)> {
        let b = data.get(pos..pos + 2)?;
        let n = usize::from(u16::from_be_bytes([b[0], b[1]]));
        (n >= 14 && end.saturating_sub(pos) >= n).then_some((FieldValue::Int(n as u64), 2))
    }

    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        match v {
            FieldValue::Int(i) if i <= 0xffff => Ok(FieldValue::Int(i)),
            other => Err(format!("expected a 16-bit length, got {other}")),
        }
    }

    fn kind_name(&self) -> &'static str {
        "ShortField"
    }
}

/// A domain name: Scapy's `DNSStrField`.
pub struct DnsName;
pub static NAME: DnsName = DnsName;
/// The field kind of a domain name.
pub const NAME_KIND: Kind = Kind::Custom(&NAME);

impl Codec for DnsName {
    fn encode(&self, v: &FieldValue, out: &mut Vec<u8>) {
        encode_name(v.as_bytes().unwrap_or(b"."), out);
    }

    fn decode(
        &self,
        data: &[u8],
        _start: usize,
        pos: usize,
        end: usize,
        _layer: &Layer,
    ) -> Option<(FieldValue, usize)> {
        let (name, used) = decode_name(data, pos, end);
        Some((FieldValue::Bytes(name), used))
    }

    fn measure(&self, data: &[u8], _start: usize, pos: usize, end: usize, _layer: &Layer) -> Option<usize> {
        Some(walk_name(data, pos, end, None))
    }

    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        match v.as_bytes() {
            Some(b) => Ok(FieldValue::Bytes(normalize_name(b))),
            None => Err(format!("expected a domain name, got {v}")),
        }
    }

    fn kind_name(&self) -> &'static str {
        "DNSStrField"
    }
}

/// Scapy's `DNSStrField.h2i`: empty is the root `.`, and a trailing dot is added unless the name is already in
/// wire form.
pub(crate) fn normalize_name(b: &[u8]) -> Vec<u8> {
    let mut name = if b.is_empty() { b".".to_vec() } else { b.to_vec() };
    if !name.ends_with(b".") && !is_wire(&name) {
        name.push(b'.');
    }
    name
}

/// Scapy's `_is_ptr`: the name looks already encoded (ends in a zero byte or a compression pointer).
fn is_wire(x: &[u8]) -> bool {
    x.last() == Some(&0) || (x.len() >= 2 && x[x.len() - 2] & 0xc0 == 0xc0)
}

/// Scapy's `dns_encode`: length-prefixed labels cut to 63 bytes, a zero byte at the end; names already in wire
/// form are sent as they are.
pub(crate) fn encode_name(x: &[u8], out: &mut Vec<u8>) {
    if x.is_empty() || x == b"." {
        out.push(0);
        return;
    }
    if is_wire(x) {
        out.extend_from_slice(x);
        return;
    }
    out.reserve(x.len() + 2);
    let mut rest = x;
    loop {
        let end = rest.iter().position(|&c| c == b'.').unwrap_or(rest.len());
        let label = &rest[..end.min(63)];
        out.push(label.len() as u8);
        out.extend_from_slice(label);
        match rest.get(end + 1..) {
            Some(after) => rest = after,
            None => break,
        }
    }
    if out.last() != Some(&0) {
        out.push(0);
    }
}

/// Scapy's `dns_get_str`: reads the name at `msg[start..end]`, following compression pointers into the whole
/// message. Returns the name (`.` when empty) and the bytes it takes at `start`. A pointer seen twice, more
/// than 20 jumps, or data running out ends the name with what was read so far.
pub(crate) fn decode_name(msg: &[u8], start: usize, end: usize) -> (Vec<u8>, usize) {
    // Without pointers the name is one byte shorter than its wire form: one allocation, no growing.
    let mut name = Vec::with_capacity(end.min(msg.len()).saturating_sub(start).min(256));
    let used = walk_name(msg, start, end, Some(&mut name));
    if name.is_empty() {
        name.push(b'.');
    }
    (name, used)
}

/// Walks the name at `msg[start..end]` as [`decode_name`] reads it, appending its labels to `name` when
/// given; returns the bytes it takes at `start`.
fn walk_name(msg: &[u8], start: usize, end: usize, mut name: Option<&mut Vec<u8>>) -> usize {
    let own = msg.get(start..end.min(msg.len())).unwrap_or(&[]);
    let mut s = own;
    let mut p = 0usize;
    let mut after_pointer = None;
    let mut jumps: Vec<usize> = Vec::new();
    while let Some(&cur) = s.get(p) {
        p += 1;
        if cur & 0xc0 != 0 {
            after_pointer.get_or_insert(p + 1);
            let Some(&low) = s.get(p) else { break };
            p = (usize::from(cur & 0x3f) << 8) + usize::from(low);
            if jumps.contains(&p) || jumps.len() >= 20 {
                break;
            }
            jumps.push(p);
            s = msg;
        } else if cur > 0 {
            let n = usize::from(cur);
            if let Some(name) = name.as_deref_mut() {
                name.extend_from_slice(s.get(p..(p + n).min(s.len())).unwrap_or(&[]));
                name.push(b'.');
            }
            p += n;
        } else {
            break;
        }
    }
    after_pointer.unwrap_or(p).min(own.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_path_indices_name_their_fields() {
        let names: Vec<&str> = (LENGTH..=QDCOUNT + 7).map(|i| FIELDS[i].name).collect();
        let counts = ["qdcount", "ancount", "nscount", "arcount", "qd", "an", "ns", "ar"];
        assert_eq!((names[LENGTH], &names[QDCOUNT..]), ("length", &counts[..]));
    }

    #[test]
    fn name_pointer_to_itself_stops() {
        // "ab" then a pointer back to offset 0: the loop is cut, the labels read so far are kept.
        let msg = [2, b'a', b'b', 0xc0, 0x00];
        assert_eq!(decode_name(&msg, 0, msg.len()), (b"ab.ab.".to_vec(), 5));
    }

    #[test]
    fn tcp_pointers_count_from_after_the_length_prefix() {
        // TCP header (sport 53, dataofs 5), then the length prefix and a response whose answer's owner name is a
        // pointer to offset 12 of the message: the question's name.
        let mut bytes = vec![
            0, 53, 0x13, 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x18, 0x20, 0, 0, 0, 0, 0,
        ];
        let mut msg = vec![0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
        msg.extend_from_slice(b"\x07example\x03com\x00\x00\x01\x00\x01");
        msg.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 18, 1, 1]);
        bytes.extend_from_slice(&(msg.len() as u16).to_be_bytes());
        bytes.extend_from_slice(&msg);
        let p = Packet::dissect_as(&TCP, &bytes);
        let Some(FieldValue::Layers(an)) = p.get("DNS", "an") else {
            panic!("no answers in {}", p.show())
        };
        assert_eq!(an[0].get("rrname"), Some(FieldValue::Bytes(b"example.com.".to_vec())));
    }

    #[test]
    fn name_encoding_matches_scapy() {
        let mut out = Vec::new();
        encode_name(b"www.example.com.", &mut out);
        assert_eq!(out, b"\x03www\x07example\x03com\x00");
        assert_eq!(normalize_name(b""), b".");
        assert_eq!(normalize_name(b"a.b"), b"a.b.");
    }
}
