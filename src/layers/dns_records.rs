//! DNS resource records (RFC 1035 §4.1.3): Scapy's `DNSRR` with its type-dependent `rdata`, the classes Scapy
//! picks by type when dissecting (`DNSRRHINFO`, `DNSRRMX`, `DNSRRNAPTR`, `DNSRRSOA`, `DNSRRSRV`, `DNSRROPT`,
//! `DNSRRRSIG`, `DNSRRTSIG`; the other DNSSEC ones are in `dnssec`, SVCB and HTTPS in `dns_svcb`), and the EDNS0
//! options (RFC 6891) inside an OPT record.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::dns::{decode_name, encode_name, NAME, NAME_KIND};
use super::dns_svcb::{DNSRRHTTPS, DNSRRSVCB};
use super::dnssec::{DNSRRDNSKEY, DNSRRDS, DNSRRNSEC, DNSRRNSEC3, DNSRRNSEC3PARAM};
use super::well_known::{DNS_CLASSES, DNS_TYPES, EDNS0_OPTCODES};
use crate::packet::{Bound, Built, Codec, Dflt, Field, FieldValue, Kind, Layer, Len, Proto, Records, RAW};

/// Scapy's `_DNSRR`: the record's class from its type, read past the owner name (pointers not followed);
/// `Raw` when the fixed part is cut short.
pub fn rr_dispatch(data: &[u8]) -> &'static Proto {
    let mut p = 0;
    let mut after_pointer = None;
    while let Some(&cur) = data.get(p) {
        p += 1;
        if cur & 0xc0 != 0 {
            after_pointer.get_or_insert(p + 1);
            p += 1;
        } else if cur > 0 {
            p += usize::from(cur);
        } else {
            break;
        }
    }
    let p = after_pointer.unwrap_or(p);
    if data.len() < p + 10 {
        return &RAW;
    }
    match u16::from_be_bytes([data[p], data[p + 1]]) {
        6 => &DNSRRSOA,
        13 => &DNSRRHINFO,
        15 => &DNSRRMX,
        33 => &DNSRRSRV,
        35 => &DNSRRNAPTR,
        41 => &DNSRROPT,
        43 => &DNSRRDS,
        46 => &DNSRRRSIG,
        47 => &DNSRRNSEC,
        48 => &DNSRRDNSKEY,
        50 => &DNSRRNSEC3,
        51 => &DNSRRNSEC3PARAM,
        64 => &DNSRRSVCB,
        65 => &DNSRRHTTPS,
        250 => &DNSRRTSIG,
        _ => &DNSRR,
    }
}

/// A record class's fields: the [`header`] every record of type `rtype` starts with, then the class's own.
macro_rules! record {
    ($rtype:expr; $($field:expr),* $(,)?) => {{
        let [name, rtype, cacheflush, rclass, ttl, rdlen] = $crate::layers::dns_records::header($rtype);
        [name, rtype, cacheflush, rclass, ttl, rdlen, $($field),*]
    }};
}
pub(super) use record;

/// Owner name, type, class, TTL and data length, the start of every record but OPT and SOA.
pub(super) const fn header(rtype: u64) -> [Field; 6] {
    [
        Field::new("rrname", NAME_KIND, Dflt::Bytes(b".")),
        Field::u16("type", rtype).names(DNS_TYPES),
        Field::bits("cacheflush", 1, 0).doc("mDNS: replaces cached records"),
        Field::bits("rclass", 15, 1).names(DNS_CLASSES),
        Field::u32("ttl", 0),
        Field::u16("rdlen", 0).auto().doc("length of the record data; computed"),
    ]
}

/// `DNSRR`: `rdata` is an address, a name, a list of strings or bytes, depending on `type`.
pub static DNSRR: Proto = Proto {
    name: "DNSRR",
    long_name: "DNS Resource Record",
    fields: &{
        let [name, rtype, cacheflush, rclass, ttl, rdlen] = header(1);
        // Only the generic record's length is Scapy's `FieldLenField` (of `rdata`); the others' are `ShortField`s.
        [
            name,
            rtype,
            cacheflush,
            rclass,
            ttl,
            rdlen.scapy_class("FieldLenField"),
            Field::new("rdata", Kind::Custom(&RDATA), Dflt::Dyn(rdata_default))
                .encode_with(write_rdata)
                .scapy_class("MultipleTypeField (IPField, IP6Field, DNSStrField, DNSTextField, StrLenField)")
                .scapy_default("b''")
                .doc("A: IPv4, AAAA: IPv6, NS/CNAME/PTR: a name, TXT: a list of strings, else bytes"),
        ]
    },
    ..RR_BASE
};

pub static DNSRRMX: Proto = Proto {
    name: "DNSRRMX",
    long_name: "DNS MX Resource Record",
    fields: &record!(15;
        Field::u16("preference", 0),
        Field::new("exchange", NAME_KIND, Dflt::Bytes(b".")),
    ),
    ..RR_BASE
};

pub static DNSRRSRV: Proto = Proto {
    name: "DNSRRSRV",
    long_name: "DNS SRV Resource Record",
    fields: &record!(33;
        Field::u16("priority", 0),
        Field::u16("weight", 0),
        Field::u16("port", 0),
        Field::new("target", NAME_KIND, Dflt::Bytes(b".")),
    ),
    ..RR_BASE
};

/// `DNSRRSOA`: no mDNS cache-flush bit, the class is a whole 16 bits.
pub static DNSRRSOA: Proto = Proto {
    name: "DNSRRSOA",
    long_name: "DNS SOA Resource Record",
    fields: &[
        Field::new("rrname", NAME_KIND, Dflt::Bytes(b".")),
        Field::u16("type", 6).names(DNS_TYPES),
        Field::u16("rclass", 1).names(DNS_CLASSES),
        Field::u32("ttl", 0),
        Field::u16("rdlen", 0).auto().doc("length of the record data; computed"),
        Field::new("mname", NAME_KIND, Dflt::Bytes(b".")).doc("primary name server"),
        Field::new("rname", NAME_KIND, Dflt::Bytes(b".")).doc("mailbox of the person responsible"),
        Field::u32("serial", 0),
        Field::u32("refresh", 0),
        Field::u32("retry", 0),
        Field::u32("expire", 0),
        Field::u32("minimum", 0),
    ],
    ..RR_BASE
};

/// `DNSRROPT`, the EDNS0 pseudo-record: the class is the UDP payload size, the TTL holds the extended rcode,
/// version and flags.
pub static DNSRROPT: Proto = Proto {
    name: "DNSRROPT",
    long_name: "DNS OPT Resource Record",
    fields: &[
        Field::new("rrname", NAME_KIND, Dflt::Bytes(b".")),
        Field::u16("type", 41).names(DNS_TYPES),
        Field::u16("rclass", 4096)
            .names(DNS_CLASSES)
            .doc("requestor's UDP payload size"),
        Field::u8("extrcode", 0),
        Field::u8("version", 0),
        Field::bits("z", 16, 32768).names(&[(32768, "D0")]).doc("D0: DNSSEC OK"),
        Field::u16("rdlen", 0)
            .auto()
            .scapy_class("FieldLenField")
            .doc("length of the options; computed"),
        Field::new("rdata", Kind::Records(&EDNS0_OPTIONS), Dflt::Empty).doc("EDNS0 options (EDNS0TLV, ...)"),
    ],
    // Scapy's DNSRROPT is a plain packet: what follows it alone is Raw.
    payload_len: None,
    ..RR_BASE
};

/// `DNSRRHINFO` (RFC 1035 §3.3.2): the host's CPU and operating system.
pub static DNSRRHINFO: Proto = Proto {
    name: "DNSRRHINFO",
    long_name: "DNS HINFO Resource Record",
    fields: &record!(13;
        Field::u8("cpulen", 0).auto().scapy_class("FieldLenField").doc("length of cpu; computed"),
        Field::new("cpu", Kind::Custom(&HINFO_CPU), Dflt::Bytes(b"")),
        Field::u8("oslen", 0).auto().scapy_class("FieldLenField").doc("length of os; computed"),
        Field::new("os", Kind::Custom(&HINFO_OS), Dflt::Bytes(b"")),
    ),
    post_build: Some(|b| {
        put_len_of(b, "cpulen", "cpu");
        put_len_of(b, "oslen", "os");
        rdlen_post_build(b);
    }),
    ..RR_BASE
};

static HINFO_CPU: RecordBytes = RecordBytes {
    len: length_prefixed,
    kind: "StrLenField",
};
static HINFO_OS: RecordBytes = RecordBytes {
    len: length_prefixed,
    kind: "StrLenField",
};

/// How many bytes a length-prefixed string at `pos` takes: the length byte just before it (a record read from
/// its frame does not keep the fields after its run, so the length is read there), cut at the end of the record
/// data (see [`rdata_left`]).
pub(super) fn length_prefixed(l: &Layer, data: &[u8], start: usize, pos: usize) -> Option<usize> {
    let length = usize::from(*data.get(pos.checked_sub(1)?)?);
    Some(rdata_left(l, data, start, pos)?.min(length))
}

/// `DNSRRNAPTR` (RFC 3403 §4.1): a rewrite rule.
pub static DNSRRNAPTR: Proto = Proto {
    name: "DNSRRNAPTR",
    long_name: "DNS NAPTR Resource Record",
    fields: &record!(35;
        Field::u16("order", 0),
        Field::u16("preference", 0),
        Field::u8("flags_len", 0).auto().scapy_class("FieldLenField").doc("length of flags; computed"),
        Field::new("flags", Kind::Custom(&NAPTR_FLAGS), Dflt::Bytes(b"")),
        Field::u8("services_len", 0).auto().scapy_class("FieldLenField").doc("length of services; computed"),
        Field::new("services", Kind::Custom(&NAPTR_SERVICES), Dflt::Bytes(b"")),
        Field::u8("regexp_len", 0).auto().scapy_class("FieldLenField").doc("length of regexp; computed"),
        Field::new("regexp", Kind::Custom(&NAPTR_REGEXP), Dflt::Bytes(b"")),
        Field::new("replacement", Kind::Custom(&NAPTR_REPLACEMENT), Dflt::Bytes(b".")),
    ),
    post_build: Some(|b| {
        put_len_of(b, "flags_len", "flags");
        put_len_of(b, "services_len", "services");
        put_len_of(b, "regexp_len", "regexp");
        rdlen_post_build(b);
    }),
    ..RR_BASE
};

static NAPTR_FLAGS: RecordBytes = RecordBytes {
    len: length_prefixed,
    kind: "StrLenField",
};
static NAPTR_SERVICES: RecordBytes = RecordBytes {
    len: length_prefixed,
    kind: "StrLenField",
};
static NAPTR_REGEXP: RecordBytes = RecordBytes {
    len: length_prefixed,
    kind: "StrLenField",
};
static NAPTR_REPLACEMENT: RecordName = RecordName;

/// A name ending the record data, read no further than the record's end (see [`rdata_left`]), as Scapy's
/// `DNSStrField` reads a record cut at its `rdlen`.
struct RecordName;

impl Codec for RecordName {
    fn encode(&self, v: &FieldValue, out: &mut Vec<u8>) {
        NAME.encode(v, out);
    }

    fn decode(&self, data: &[u8], start: usize, pos: usize, end: usize, layer: &Layer) -> Option<(FieldValue, usize)> {
        let left = rdata_left(layer, data, start, pos)?;
        NAME.decode(data, start, pos, end.min(pos + left), layer)
    }

    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        NAME.coerce(v)
    }

    fn repr(&self, v: &FieldValue) -> String {
        NAME.repr(v)
    }

    fn kind_name(&self) -> &'static str {
        NAME.kind_name()
    }
}

/// `DNSRRTSIG` (RFC 2845 §2.3): a transaction signature. No mDNS cache-flush bit, as in Scapy.
pub static DNSRRTSIG: Proto = Proto {
    name: "DNSRRTSIG",
    long_name: "DNS TSIG Resource Record",
    fields: &[
        Field::new("rrname", NAME_KIND, Dflt::Bytes(b".")),
        Field::u16("type", 250).names(DNS_TYPES),
        Field::u16("rclass", 1).names(DNS_CLASSES),
        Field::u32("ttl", 0),
        Field::u16("rdlen", 0).auto().doc("length of the record data; computed"),
        Field::new("algo_name", NAME_KIND, Dflt::Bytes(b"hmac-sha1.")),
        Field::new("time_signed", Kind::Custom(&TIME_SIGNED), Dflt::Int(0)).doc("seconds since 1970, 48 bits"),
        Field::u16("fudge", 0).doc("seconds of error permitted in time_signed"),
        Field::u16("mac_len", 0)
            .auto()
            .scapy_class("FieldLenField")
            .doc("length of mac_data; computed"),
        Field::new("mac_data", Kind::Custom(&TSIG_MAC), Dflt::Bytes(b"")),
        Field::u16("original_id", 0),
        Field::u16("error", 0),
        Field::u16("other_len", 0)
            .auto()
            .scapy_class("FieldLenField")
            .doc("length of other_data; computed"),
        Field::new("other_data", Kind::Custom(&TSIG_OTHER), Dflt::Bytes(b"")),
    ],
    post_build: Some(|b| {
        put_len_of(b, "mac_len", "mac_data");
        put_len_of(b, "other_len", "other_data");
        rdlen_post_build(b);
    }),
    ..RR_BASE
};

/// Everything after the algorithm's name is kept only once the whole record is decoded: a record read from its
/// frame decodes it to read `mac_len`, and a record that fails to decode has none, so it fails here too.
static TSIG_MAC: RecordBytes = RecordBytes {
    len: |l, data, start, pos| Some(rdata_left(l, data, start, pos)?.min(l.get_int("mac_len")? as usize)),
    kind: "StrLenField",
};
static TSIG_OTHER: RecordBytes = RecordBytes {
    len: |l, data, start, pos| Some(rdata_left(l, data, start, pos)?.min(l.get_int("other_len")? as usize)),
    kind: "StrLenField",
};

/// Scapy's `TimeSignedField`: 48 bits of seconds, written as a 16-bit high part and a 32-bit low part (higher
/// bits dropped). Scapy reads it back as the sum of the two parts, and so does this; it shows as `gmtime`'s
/// `"%a %b %d %H:%M:%S %Y"`.
struct TimeSigned;
static TIME_SIGNED: TimeSigned = TimeSigned;

impl Codec for TimeSigned {
    fn encode(&self, v: &FieldValue, out: &mut Vec<u8>) {
        let t = v.as_int().unwrap_or(0);
        out.extend_from_slice(&((t >> 32) as u16).to_be_bytes());
        out.extend_from_slice(&(t as u32).to_be_bytes());
    }

    fn decode(
        &self,
        data: &[u8],
        _start: usize,
        pos: usize,
        _end: usize,
        _layer: &Layer,
    ) -> Option<(FieldValue, usize)> {
        let b = data.get(pos..pos + 6)?;
        let high = u64::from(u16::from_be_bytes([b[0], b[1]]));
        let low = u64::from(u32::from_be_bytes([b[2], b[3], b[4], b[5]]));
        Some((FieldValue::Int(high + low), 6))
    }

    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        match v {
            FieldValue::Int(_) => Ok(v),
            other => Err(format!("expected seconds since 1970, got {other}")),
        }
    }

    fn repr(&self, v: &FieldValue) -> String {
        match v.as_int() {
            Some(t) => {
                let d = Utc::at(t);
                format!(
                    "{} {} {:02} {:02}:{:02}:{:02} {}",
                    d.weekday, d.month, d.day, d.hour, d.minute, d.second, d.year
                )
            }
            None => v.to_string(),
        }
    }

    fn kind_name(&self) -> &'static str {
        "TimeSignedField"
    }
}

/// `DNSRRRSIG` (RFC 4034 §3): a signature over a record set.
pub static DNSRRRSIG: Proto = Proto {
    name: "DNSRRRSIG",
    long_name: "DNS RRSIG Resource Record",
    fields: &record!(46;
        Field::u16("typecovered", 1).names(DNS_TYPES),
        Field::u8("algorithm", 5).names(DNSSEC_ALGORITHMS),
        Field::u8("labels", 0),
        Field::u32("originalttl", 0),
        Field::u32("expiration", 0).fmt(utc_date).scapy_class("UTCTimeField"),
        Field::u32("inception", 0).fmt(utc_date).scapy_class("UTCTimeField"),
        Field::u16("keytag", 0),
        Field::new("signersname", NAME_KIND, Dflt::Bytes(b".")),
        Field::new("signature", Kind::Custom(&SIGNATURE), Dflt::Bytes(b"")),
    ),
    ..RR_BASE
};

/// The signature is the rest of the record data, after the signer's name as it is on the wire (RFC 4034 forbids
/// compressing it; Scapy reads a compressed one); nothing when the name ran past the data.
static SIGNATURE: RecordBytes = RecordBytes {
    len: |l, data, start, pos| Some(rdata_left(l, data, start, pos).unwrap_or(0)),
    kind: "StrField",
};

/// The built length of a name field's value: names in record data are not compressed when built.
pub(super) fn name_len(l: &Layer, field: &str) -> usize {
    match l.get(field) {
        Some(FieldValue::Bytes(b)) => wire_name_len(&b),
        _ => 1,
    }
}

/// The length of a name's uncompressed wire form.
pub(super) fn wire_name_len(name: &[u8]) -> usize {
    let mut wire = Vec::new();
    encode_name(name, &mut wire);
    wire.len()
}

/// Record data read up to a length worked out from the fields before it: Scapy's `StrField` and `StrLenField`
/// in a record that `_DNSRR` cut at its `rdlen`. `len` gets the layer, the message, where the record starts and
/// where the field starts; it gives `None` where the fields before already overran `rdlen`: Scapy fails on such
/// a record, which becomes `Raw`.
pub(super) struct RecordBytes {
    pub(super) len: fn(&Layer, &[u8], usize, usize) -> Option<usize>,
    pub(super) kind: &'static str,
}

impl Codec for RecordBytes {
    fn encode(&self, v: &FieldValue, out: &mut Vec<u8>) {
        out.extend_from_slice(v.as_bytes().unwrap_or(&[]));
    }

    fn decode(&self, data: &[u8], start: usize, pos: usize, end: usize, layer: &Layer) -> Option<(FieldValue, usize)> {
        let n = self.measure(data, start, pos, end, layer)?;
        Some((FieldValue::Bytes(data.get(pos..pos + n)?.to_vec()), n))
    }

    fn measure(&self, data: &[u8], start: usize, pos: usize, end: usize, layer: &Layer) -> Option<usize> {
        Some((self.len)(layer, data, start, pos)?.min(end.saturating_sub(pos)))
    }

    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        match v {
            FieldValue::Bytes(_) => Ok(v),
            FieldValue::Str(s) => Ok(FieldValue::Bytes(s.into_owned().into_bytes())),
            other => Err(format!("expected bytes, got {other}")),
        }
    }

    fn kind_name(&self) -> &'static str {
        self.kind
    }
}

/// How much of the record's data is left at `pos`; `None` when the fields before overran `rdlen`. The data
/// starts after the owner name (as it is on the wire, compressed or not) and the 10 bytes of type, class, TTL
/// and rdlen of the record that starts at `start` in the message `data`: the same whether the fields before
/// were kept or only measured.
pub(super) fn rdata_left(l: &Layer, data: &[u8], start: usize, pos: usize) -> Option<usize> {
    let rdlen = l.get_int("rdlen")? as usize;
    let owner = NAME.measure(data, start, start, data.len(), l)?;
    (start + owner + 10 + rdlen).checked_sub(pos)
}

/// The length of a bytes field's value.
pub(super) fn bytes_len(l: &Layer, name: &str) -> usize {
    l.get(name).and_then(|v| v.as_bytes().map(<[u8]>::len)).unwrap_or(0)
}

/// DNSSEC algorithm numbers, Scapy's `dnssecalgotypes` (IANA, 12/2023).
pub(super) static DNSSEC_ALGORITHMS: &[(u64, &str)] = &[
    (0, "Reserved"),
    (1, "RSA/MD5"),
    (2, "Diffie-Hellman"),
    (3, "DSA/SHA-1"),
    (4, "Reserved"),
    (5, "RSA/SHA-1"),
    (6, "DSA-NSEC3-SHA1"),
    (7, "RSASHA1-NSEC3-SHA1"),
    (8, "RSA/SHA-256"),
    (9, "Reserved"),
    (10, "RSA/SHA-512"),
    (11, "Reserved"),
    (12, "GOST R 34.10-2001"),
    (13, "ECDSA Curve P-256 with SHA-256"),
    (14, "ECDSA Curve P-384 with SHA-384"),
    (15, "Ed25519"),
    (16, "Ed448"),
    (252, "Reserved for Indirect Keys"),
    (253, "Private algorithms - domain name"),
    (254, "Private algorithms - OID"),
    (255, "Reserved"),
];

/// Seconds since 1970 shown as a UTC date, as Scapy's `UTCTimeField`: `strftime("%a, %d %b %Y %H:%M:%S %z")` of a
/// naive date (so `%z` is empty), then the seconds.
fn utc_date(t: u64) -> String {
    let d = Utc::at(t);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02}  ({t})",
        d.weekday, d.day, d.month, d.year, d.hour, d.minute, d.second
    )
}

/// A UTC date and time of day.
struct Utc {
    weekday: &'static str,
    day: u64,
    month: &'static str,
    year: u64,
    hour: u64,
    minute: u64,
    second: u64,
}

impl Utc {
    /// The date `t` seconds after 1970 began.
    fn at(t: u64) -> Utc {
        let (days, secs) = (t / 86400, t % 86400);
        // Howard Hinnant's civil-from-days, for days since 1970-01-01 (never negative here).
        let z = days + 719_468;
        let (era, doe) = (z / 146_097, z % 146_097);
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        Utc {
            weekday: WEEKDAYS[(days % 7) as usize],
            day: doy - (153 * mp + 2) / 5 + 1,
            month: MONTHS[(month - 1) as usize],
            year: era * 400 + yoe + u64::from(month <= 2),
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
        }
    }
}

/// What every record class shares: names may point into the message, `rdlen` is computed, and Scapy forgets
/// the dissected `rdlen` of a record in a DNS section.
// Used only as `..RR_BASE` in statics, each of which gets its own layout cell (see `Proto::BASE`).
#[allow(clippy::declare_interior_mutable_const)]
pub(super) const RR_BASE: Proto = Proto {
    post_build: Some(rdlen_post_build),
    payload_len: Some(no_payload),
    message_base: true,
    unset_in_list: &["rdlen"],
    ..Proto::BASE
};

/// Scapy's records (`default_payload_class`, `extract_padding`): what follows one read alone is Padding.
pub(super) fn no_payload(_: &Layer, _: &[u8]) -> usize {
    0
}

/// Fills an automatic `rdlen`: the length of the record data, everything after it.
fn rdlen_post_build(b: &mut Built) {
    if let Some(f) = b.auto_field("rdlen") {
        b.put_rest_len(f);
    }
}

/// Fills automatic length field `len` with the length of bytes field `of`.
fn put_len_of(b: &mut Built, len: &str, of: &str) {
    if let Some(f) = b.auto_field(len) {
        b.put_int(f, bytes_len(b.layer(), of) as u64);
    }
}

/// Record types whose data is a domain name: NS, MD, MF, CNAME, PTR, DNAME.
const NAME_TYPES: [u64; 6] = [2, 3, 4, 5, 12, 39];

/// The `rdata` Scapy gives each record type by default.
fn rdata_default(l: &Layer) -> FieldValue {
    match l.get_int("type").unwrap_or(1) {
        1 => FieldValue::Ip4(Ipv4Addr::UNSPECIFIED),
        28 => FieldValue::Ip6(Ipv6Addr::UNSPECIFIED),
        16 => FieldValue::List(vec![FieldValue::Str("".into())]),
        t if NAME_TYPES.contains(&t) => FieldValue::Bytes(b".".to_vec()),
        _ => FieldValue::Bytes(Vec::new()),
    }
}

/// `DNSRR.rdata`, Scapy's `MultipleTypeField`: one field whose wire form follows the record's `type`. The value
/// keeps the shape it was given (an address as text, bytes, a list of strings), so setting it before `type`
/// works.
struct Rdata;
static RDATA: Rdata = Rdata;

/// Writes `rdata` as the record's `type` says; other types by the value's shape.
fn write_rdata(layer: &Layer, v: &FieldValue, out: &mut Vec<u8>) {
    match layer.get_int("type").unwrap_or(1) {
        16 => encode_texts(v, out),
        t if NAME_TYPES.contains(&t) => encode_name(v.as_bytes().unwrap_or(b"."), out),
        _ => RDATA.encode(v, out),
    }
}

impl Codec for Rdata {
    /// Without the record's type: by the value's shape.
    fn encode(&self, v: &FieldValue, out: &mut Vec<u8>) {
        match v {
            FieldValue::List(_) => encode_texts(v, out),
            v => match parse_addr(v) {
                Some(a) => out.extend_from_slice(&a),
                None => out.extend_from_slice(v.as_bytes().unwrap_or(&[])),
            },
        }
    }

    fn decode(&self, data: &[u8], _start: usize, pos: usize, end: usize, layer: &Layer) -> Option<(FieldValue, usize)> {
        let rdlen = (layer.get_int("rdlen").unwrap_or(0) as usize).min(end.saturating_sub(pos));
        let rdata = data.get(pos..pos + rdlen)?;
        Some(match layer.get_int("type").unwrap_or(1) {
            1 => {
                let a: [u8; 4] = data.get(pos..pos + 4)?.try_into().ok()?;
                (FieldValue::Ip4(Ipv4Addr::from(a)), 4)
            }
            28 => {
                let a: [u8; 16] = data.get(pos..pos + 16)?.try_into().ok()?;
                (FieldValue::Ip6(Ipv6Addr::from(a)), 16)
            }
            16 => (decode_texts(rdata), rdlen),
            t if NAME_TYPES.contains(&t) => {
                let (name, used) = decode_name(data, pos, pos + rdlen);
                (FieldValue::Bytes(name), used)
            }
            _ => (FieldValue::Bytes(rdata.to_vec()), rdlen),
        })
    }

    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        match v {
            FieldValue::Str(s) if s.parse::<Ipv4Addr>().is_ok() || s.parse::<Ipv6Addr>().is_ok() => {
                Ok(FieldValue::Str(s))
            }
            FieldValue::Str(s) => Ok(FieldValue::Bytes(s.into_owned().into_bytes())),
            FieldValue::Bytes(_) | FieldValue::Ip4(_) | FieldValue::Ip6(_) => Ok(v),
            FieldValue::List(items) if items.iter().all(|i| i.as_bytes().is_some()) => Ok(FieldValue::List(items)),
            other => Err(format!(
                "expected an address, a name, bytes or a list of strings, got {other}"
            )),
        }
    }

    /// As Scapy's `MultipleTypeField`, the record's type picks the field: a TXT record's text is a list of
    /// strings (`"x"` is `["x"]`), a name type's data a name (`b"example.com."`).
    fn coerce_in(&self, v: FieldValue, layer: &Layer) -> Result<FieldValue, String> {
        match (layer.get_int("type").unwrap_or(1), v) {
            (16, v @ (FieldValue::Str(_) | FieldValue::Bytes(_))) => Ok(FieldValue::List(vec![v])),
            (t, v @ (FieldValue::Str(_) | FieldValue::Bytes(_))) if NAME_TYPES.contains(&t) => NAME.coerce(v),
            (_, v) => self.coerce(v),
        }
    }

    /// As Python's `str`: addresses bare, bytes and lists as their repr.
    fn repr(&self, v: &FieldValue) -> String {
        match v {
            FieldValue::Str(s) => s.to_string(),
            FieldValue::Ip4(a) => a.to_string(),
            FieldValue::Ip6(a) => a.to_string(),
            v => v.to_string(),
        }
    }

    fn kind_name(&self) -> &'static str {
        "MultipleTypeField"
    }
}

/// An address given as text or as an address value, in wire form.
fn parse_addr(v: &FieldValue) -> Option<Vec<u8>> {
    match v {
        FieldValue::Ip4(a) => Some(a.octets().to_vec()),
        FieldValue::Ip6(a) => Some(a.octets().to_vec()),
        FieldValue::Str(s) => match s.parse::<Ipv4Addr>() {
            Ok(a) => Some(a.octets().to_vec()),
            Err(_) => s.parse::<Ipv6Addr>().ok().map(|a| a.octets().to_vec()),
        },
        _ => None,
    }
}

/// Scapy's `DNSTextField.i2m`: each string length-prefixed, split into 255-byte pieces; an empty one is a
/// zero byte. A single string is one text.
pub(super) fn encode_texts(v: &FieldValue, out: &mut Vec<u8>) {
    let texts = match v {
        FieldValue::List(items) => items.iter().filter_map(FieldValue::as_bytes).collect(),
        v => v.as_bytes().into_iter().collect::<Vec<_>>(),
    };
    for text in texts {
        if text.is_empty() {
            out.push(0);
        }
        for piece in text.chunks(255) {
            out.push(piece.len() as u8);
            out.extend_from_slice(piece);
        }
    }
}

/// Scapy's `DNSTextField.m2i`: length-prefixed strings, the last one cut short if the data ends.
pub(super) fn decode_texts(mut s: &[u8]) -> FieldValue {
    let mut texts = Vec::new();
    while let Some(&n) = s.first() {
        let end = (usize::from(n) + 1).min(s.len());
        texts.push(FieldValue::Bytes(s[1..end].to_vec()));
        s = &s[end..];
    }
    FieldValue::List(texts)
}

/// `DNSRROPT.rdata`: options up to `rdlen`.
static EDNS0_OPTIONS: Records = Records {
    dispatch: edns0_dispatch,
    bound: Bound::Bytes(Len::From(|l| l.get_int("rdlen").unwrap_or(0) as usize)),
};

/// Scapy's `EDNS0TLV.dispatch_hook`: the option's class by its code.
fn edns0_dispatch(data: &[u8]) -> &'static Proto {
    match data.get(..2) {
        None => &RAW,
        Some([0, 10]) => &EDNS0COOKIE,
        Some(_) => &EDNS0TLV,
    }
}

/// Option code and length, the start of every option.
const fn option_header(code: u64) -> [Field; 2] {
    [
        Field::u16("optcode", code).names(EDNS0_OPTCODES),
        Field::u16("optlen", 0)
            .scapy_class("FieldLenField")
            .auto()
            .doc("length of the option data; computed"),
    ]
}

/// `EDNS0TLV`, any option as code, length and bytes; bytes given to `EDNS0TLV(...)` are dissected as their
/// option's class, as Scapy's `dispatch_hook` does.
pub static EDNS0TLV: Proto = Proto {
    dispatch: Some(edns0_dispatch),
    name: "EDNS0TLV",
    long_name: "DNS EDNS0 TLV",
    fields: &{
        let [a, b] = option_header(0);
        [
            a,
            b,
            Field::new(
                "optdata",
                Kind::Bytes(Len::From(|l| l.get_int("optlen").unwrap_or(0) as usize)),
                Dflt::Bytes(b""),
            ),
        ]
    },
    post_build: Some(optlen_post_build),
    payload_len: Some(no_payload),
    ..Proto::BASE
};

/// `EDNS0COOKIE` (RFC 7873): an 8-byte client cookie and an optional server cookie.
pub static EDNS0COOKIE: Proto = Proto {
    name: "EDNS0COOKIE",
    long_name: "DNS EDNS0 COOKIE",
    fields: &{
        let [a, b] = option_header(10);
        [
            a,
            b,
            Field::new("client_cookie", Kind::Custom(&CLIENT_COOKIE), Dflt::Bytes(&[0; 8]))
                .scapy_class("XStrFixedLenField"),
            Field::new("server_cookie", Kind::Custom(&SERVER_COOKIE), Dflt::Bytes(b"")),
        ]
    },
    post_build: Some(optlen_post_build),
    payload_len: Some(no_payload),
    ..Proto::BASE
};

/// Fills an automatic `optlen` with the length of the option data.
fn optlen_post_build(b: &mut Built) {
    if let Some(f) = b.auto_field("optlen") {
        b.put_rest_len(f);
    }
}

/// Bytes shown in hex, Scapy's `XStrFixedLenField` / `XStrLenField`.
struct HexBytes(Len);
static CLIENT_COOKIE: HexBytes = HexBytes(Len::Fixed(8));
static SERVER_COOKIE: HexBytes = HexBytes(Len::From(|l| {
    (l.get_int("optlen").unwrap_or(0) as usize).saturating_sub(8)
}));

impl Codec for HexBytes {
    fn encode(&self, v: &FieldValue, out: &mut Vec<u8>) {
        out.extend_from_slice(v.as_bytes().unwrap_or(&[]));
    }

    fn decode(&self, data: &[u8], _start: usize, pos: usize, end: usize, layer: &Layer) -> Option<(FieldValue, usize)> {
        let n = self
            .0
            .resolve(layer, end.saturating_sub(pos))
            .min(end.saturating_sub(pos));
        Some((FieldValue::Bytes(data.get(pos..pos + n)?.to_vec()), n))
    }

    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        match v.as_bytes() {
            Some(b) => Ok(FieldValue::Bytes(b.to_vec())),
            None => Err(format!("expected bytes, got {v}")),
        }
    }

    fn repr(&self, v: &FieldValue) -> String {
        v.as_bytes()
            .map(|b| b.iter().map(|x| format!("{x:02x}")).collect())
            .unwrap_or_else(|| v.to_string())
    }

    fn kind_name(&self) -> &'static str {
        "XStrLenField"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::Packet;

    /// A record read alone ends where its fields do: what follows is Padding, as Scapy's records say (its
    /// DNSRROPT, a plain packet, leaves it Raw). The classes and results are Scapy 2.8.0's for
    /// `cls(raw(cls()) + b"xx").lastlayer()`.
    #[test]
    fn what_follows_a_record_read_alone_is_padding() {
        use super::super::{dns::DNSQR, dns_svcb::SVC_PARAM};
        let cases: [(&'static Proto, &str); 7] = [
            (&DNSQR, "Padding"),
            (&DNSRR, "Padding"),
            (&DNSRRMX, "Padding"),
            (&DNSRRSOA, "Padding"),
            (&EDNS0TLV, "Padding"),
            (&SVC_PARAM, "Padding"),
            (&DNSRROPT, "Raw"),
        ];
        for (proto, last) in cases {
            let bytes = [Packet::from(Layer::new(proto)).build(), b"xx".to_vec()].concat();
            let p = Packet::dissect_as(proto, &bytes);
            let names: Vec<&str> = p.layers().iter().map(|l| l.name()).collect();
            assert_eq!(names, [proto.name, last], "{}", proto.name);
        }
    }

    #[test]
    fn utc_time_shows_as_scapy() {
        assert_eq!(utc_date(1_700_000_000), "Tue, 14 Nov 2023 22:13:20  (1700000000)");
        assert_eq!(utc_date(0), "Thu, 01 Jan 1970 00:00:00  (0)");
    }

    #[test]
    fn tsig_time_drops_high_bits_and_reads_back_as_the_sum_of_its_parts() {
        let mut wire = Vec::new();
        TIME_SIGNED.encode(&FieldValue::Int((1 << 50) + (1 << 32) + 7), &mut wire);
        assert_eq!(wire, [0, 1, 0, 0, 0, 7]);
        let read = TIME_SIGNED.decode(&wire, 0, 0, wire.len(), &Layer::new(&DNSRRTSIG));
        assert_eq!(read, Some((FieldValue::Int(8), 6)));
        assert_eq!(
            TIME_SIGNED.repr(&FieldValue::Int(1_700_000_000)),
            "Tue Nov 14 22:13:20 2023"
        );
    }

    #[test]
    fn rrsig_signature_stops_at_rdlen() {
        // An RRSIG with a 2-byte signature, then bytes that belong to the next record.
        let mut rr = vec![0, 0, 46, 0, 1, 0, 0, 0, 0, 0, 21];
        rr.extend_from_slice(&[
            0, 1, 8, 2, 0, 0, 0, 60, 0, 0, 0, 2, 0, 0, 0, 1, 0, 7, 0, 0xab, 0xcd, 0xee,
        ]);
        let p = crate::packet::Packet::dissect_as(&DNSRRRSIG, &rr);
        assert_eq!(
            p.get("DNSRRRSIG", "signature"),
            Some(FieldValue::Bytes(vec![0xab, 0xcd]))
        );
    }
}
