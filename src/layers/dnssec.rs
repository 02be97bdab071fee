//! DNSSEC resource records (RFC 4034, RFC 5155) that Scapy dissects into their own classes: `DNSRRDNSKEY`,
//! `DNSRRDS`, `DNSRRNSEC`, `DNSRRNSEC3` and `DNSRRNSEC3PARAM`. `DNSRRRSIG` is with the other records.

use super::dns::NAME_KIND;
use super::dns_records::{length_prefixed, rdata_left, record, RecordBytes, DNSSEC_ALGORITHMS, RR_BASE};
use super::well_known::DNS_TYPES;
use crate::packet::{Codec, Dflt, Field, FieldValue, Kind, Layer, Proto};

/// `DNSRRDNSKEY` (RFC 4034 §2): a zone's public key.
pub static DNSRRDNSKEY: Proto = Proto {
    name: "DNSRRDNSKEY",
    long_name: "DNS DNSKEY Resource Record",
    fields: &record!(48;
        Field::u16("flags", 256)
            .flags(DNSKEY_FLAGS, "")
            .doc("S: secure entry point, Z: zone key"),
        Field::u8("protocol", 3),
        Field::u8("algorithm", 5).names(DNSSEC_ALGORITHMS),
        Field::new("publickey", Kind::Custom(&REST_AFTER_FOUR), Dflt::Bytes(b"")),
    ),
    ..RR_BASE
};

/// Scapy's `"S???????Z???????"`, lowest bit first.
static DNSKEY_FLAGS: &[&str] = &[
    "S", "?", "?", "?", "?", "?", "?", "?", "Z", "?", "?", "?", "?", "?", "?", "?",
];

/// The rest of the record data after 4 bytes of fixed fields: DNSKEY's key (after flags, protocol and
/// algorithm) and DS's digest (after key tag, algorithm and digest type).
static REST_AFTER_FOUR: RecordBytes = RecordBytes {
    len: rdata_left,
    kind: "StrField",
};

/// `DNSRRDS` (RFC 4034 §5): the digest of a child zone's key.
pub static DNSRRDS: Proto = Proto {
    name: "DNSRRDS",
    long_name: "DNS DS Resource Record",
    fields: &record!(43;
        Field::u16("keytag", 0),
        Field::u8("algorithm", 5).names(DNSSEC_ALGORITHMS),
        Field::u8("digesttype", 5).names(DNSSEC_DIGESTS),
        Field::new("digest", Kind::Custom(&REST_AFTER_FOUR), Dflt::Bytes(b"")),
    ),
    ..RR_BASE
};

/// DS digest algorithms, Scapy's `dnssecdigesttypes` (IANA, 12/2023).
static DNSSEC_DIGESTS: &[(u64, &str)] = &[
    (0, "Reserved"),
    (1, "SHA-1"),
    (2, "SHA-256"),
    (3, "GOST R 34.11-94"),
    (4, "SHA-384"),
];

/// `DNSRRNSEC` (RFC 4034 §4): the next owner name and the types present at this one.
pub static DNSRRNSEC: Proto = Proto {
    name: "DNSRRNSEC",
    long_name: "DNS NSEC Resource Record",
    fields: &record!(47;
        Field::new("nextname", NAME_KIND, Dflt::Bytes(b".")),
        Field::new("typebitmaps", Kind::Custom(&NSEC_TYPES), Dflt::Empty)
            .doc("record types, as a list of numbers or the bitmap's bytes"),
    ),
    ..RR_BASE
};

/// The bitmap is the rest of the record data, after the next name as it is on the wire: RFC 4034 forbids
/// compressing it, but a compressed one is read as Scapy reads it.
static NSEC_TYPES: TypeBitmap = TypeBitmap(RecordBytes {
    len: rdata_left,
    kind: "RRlistField",
});

/// `DNSRRNSEC3` (RFC 5155 §3): the next hashed owner name and the types present at this one.
pub static DNSRRNSEC3: Proto = Proto {
    name: "DNSRRNSEC3",
    long_name: "DNS NSEC3 Resource Record",
    fields: &record!(50;
        Field::u8("hashalg", 0),
        Field::bits("flags", 8, 0).names(&[(1, "Opt-Out")]),
        Field::u16("iterations", 0),
        Field::u8("saltlength", 0).scapy_class("FieldLenField").doc("length of the salt; not computed"),
        Field::new("salt", Kind::Custom(&SALT), Dflt::Bytes(b"")),
        Field::u8("hashlength", 0).scapy_class("FieldLenField").doc("length of the next hashed owner name; not computed"),
        Field::new(
            "nexthashedownername",
            Kind::Custom(&NEXT_HASHED_OWNER),
            Dflt::Bytes(b""),
        ),
        Field::new("typebitmaps", Kind::Custom(&NSEC3_TYPES), Dflt::Empty)
            .doc("record types, as a list of numbers or the bitmap's bytes"),
    ),
    ..RR_BASE
};

/// `saltlength` bytes, cut at the record's end. NSEC3 and NSEC3PARAM both have 5 bytes before the salt.
static SALT: RecordBytes = RecordBytes {
    len: length_prefixed,
    kind: "StrLenField",
};

/// `hashlength` bytes, cut at the record's end; the record fails when it ends before `hashlength`.
static NEXT_HASHED_OWNER: RecordBytes = RecordBytes {
    len: length_prefixed,
    kind: "StrLenField",
};

/// The bitmap is the rest of the record data.
static NSEC3_TYPES: TypeBitmap = TypeBitmap(RecordBytes {
    len: rdata_left,
    kind: "RRlistField",
});

/// `DNSRRNSEC3PARAM` (RFC 5155 §4): the hash parameters of a zone's NSEC3 records.
pub static DNSRRNSEC3PARAM: Proto = Proto {
    name: "DNSRRNSEC3PARAM",
    long_name: "DNS NSEC3PARAM Resource Record",
    fields: &record!(51;
        Field::u8("hashalg", 0),
        Field::u8("flags", 0),
        Field::u16("iterations", 0),
        Field::u8("saltlength", 0).scapy_class("FieldLenField").doc("length of the salt; not computed"),
        Field::new("salt", Kind::Custom(&SALT), Dflt::Bytes(b"")),
    ),
    ..RR_BASE
};

/// Scapy's `RRlistField`, the NSEC type bitmaps (RFC 4034 §4.1.2): held as the bitmap's bytes, set from a
/// list of type numbers, shown as the list of type names. On the wire, the bytes that [`RecordBytes`] reads.
struct TypeBitmap(RecordBytes);

impl Codec for TypeBitmap {
    fn encode(&self, v: &FieldValue, out: &mut Vec<u8>) {
        self.0.encode(v, out)
    }

    fn decode(&self, data: &[u8], start: usize, pos: usize, end: usize, layer: &Layer) -> Option<(FieldValue, usize)> {
        self.0.decode(data, start, pos, end, layer)
    }

    fn measure(&self, data: &[u8], start: usize, pos: usize, end: usize, layer: &Layer) -> Option<usize> {
        self.0.measure(data, start, pos, end, layer)
    }

    /// Scapy's `h2i`: a non-empty list of numbers becomes its bitmap; an empty list stays a list.
    fn coerce(&self, v: FieldValue) -> Result<FieldValue, String> {
        match v {
            FieldValue::Bytes(_) | FieldValue::Str(_) => self.0.coerce(v),
            FieldValue::List(items) if items.is_empty() => Ok(FieldValue::List(items)),
            FieldValue::List(items) => {
                let types = items
                    .iter()
                    .map(|i| i.as_int().ok_or_else(|| format!("expected type numbers, got {i}")))
                    .collect::<Result<Vec<_>, _>>()?;
                encode_bitmap(&types)
                    .map(FieldValue::Bytes)
                    .ok_or_else(|| "expected a type number up to 65535".to_string())
            }
            other => Err(format!("expected a list of type numbers or bytes, got {other}")),
        }
    }

    /// Scapy's `i2repr`: the types' names, or the bytes when they are not a well-formed bitmap of some type.
    fn repr(&self, v: &FieldValue) -> String {
        let bitmap = v.as_bytes().unwrap_or(&[]);
        if bitmap.is_empty() {
            return "[]".into();
        }
        match decode_bitmap(bitmap) {
            Some(types) if !types.is_empty() => {
                let names: Vec<String> = types
                    .iter()
                    .map(|&t| match crate::packet::field::lookup(DNS_TYPES, t) {
                        Some(name) => crate::packet::value::py_str(name),
                        None => t.to_string(),
                    })
                    .collect();
                format!("[{}]", names.join(", "))
            }
            _ => v.to_string(),
        }
    }

    fn kind_name(&self) -> &'static str {
        self.0.kind_name()
    }

    fn list_default(&self) -> bool {
        true
    }
}

/// Scapy's `RRlist2bitmap`: for each 256-type window holding a type, its number, its length and its bits.
/// Types above 65535 are left out; `None` when none is left.
fn encode_bitmap(types: &[u64]) -> Option<Vec<u8>> {
    let mut types: Vec<u64> = types.iter().copied().filter(|&t| t <= 0xffff).collect();
    types.sort_unstable();
    types.dedup();
    types.last()?;
    let mut out = Vec::new();
    for window in types.chunk_by(|a, b| a >> 8 == b >> 8) {
        let last = window.last().map_or(0, |t| t & 0xff);
        let mut bits = vec![0u8; (last / 8 + 1) as usize];
        for t in window {
            bits[((t & 0xff) / 8) as usize] |= 0x80 >> (t % 8);
        }
        out.push((window[0] >> 8) as u8);
        out.push(bits.len() as u8);
        out.extend_from_slice(&bits);
    }
    Some(out)
}

/// Scapy's `bitmap2RRlist`: the types a bitmap holds; `None` when a window's header is cut short or its length
/// is not 1 to 32. A window's bits cut short are read as far as they go.
fn decode_bitmap(mut bitmap: &[u8]) -> Option<Vec<u64>> {
    let mut types = Vec::new();
    while !bitmap.is_empty() {
        let [window, len, ..] = *bitmap else {
            return None;
        };
        if !(1..=32).contains(&len) {
            return None;
        }
        let bits = bitmap.get(2..).unwrap_or(&[]);
        let bits = &bits[..bits.len().min(usize::from(len))];
        for (i, byte) in bits.iter().enumerate() {
            for bit in 0..8 {
                if byte & (0x80 >> bit) != 0 {
                    types.push(u64::from(window) * 256 + (i * 8 + bit) as u64);
                }
            }
        }
        bitmap = &bitmap[(2 + bits.len()).min(bitmap.len())..];
    }
    Some(types)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitmaps_encode_as_scapy() {
        // RRlist2bitmap's outputs, recorded from Scapy 2.8.0.
        assert_eq!(encode_bitmap(&[0, 1]), Some(vec![0, 1, 0xc0]));
        assert_eq!(encode_bitmap(&[8]), Some(vec![0, 2, 0, 0x80]));
        assert_eq!(encode_bitmap(&[256]), Some(vec![1, 1, 0x80]));
        assert_eq!(
            encode_bitmap(&[600, 1, 1]),
            Some(vec![0, 1, 0x40, 2, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80])
        );
        assert_eq!(encode_bitmap(&[70000]), None);
    }

    /// A record dissected on its own ends at its `rdlen`, as it does inside a message (README: Scapy's last
    /// field takes the trailing bytes instead).
    #[test]
    fn a_lone_record_ends_at_its_rdlen() {
        use crate::packet::Packet;
        for proto in [
            &DNSRRNSEC,
            &DNSRRNSEC3,
            &DNSRRDNSKEY,
            &DNSRRDS,
            &super::super::dns_svcb::DNSRRSVCB,
        ] {
            let mut data = Packet::from(Layer::new(proto)).build();
            data.extend_from_slice(&[0, 0, 1, 0x40]);
            let p = Packet::dissect_as(proto, &data);
            let names: Vec<&str> = p.layers().iter().map(|l| l.name()).collect();
            assert_eq!(names, [proto.name, "Padding"]);
            assert_eq!(p.build(), data, "{}", proto.name);
        }
    }

    #[test]
    fn malformed_bitmaps_show_as_bytes() {
        assert_eq!(decode_bitmap(&[0]), None);
        assert_eq!(decode_bitmap(&[0, 33, 0xff]), None);
        assert_eq!(decode_bitmap(&[0, 4, 0x60]), Some(vec![1, 2]));
        assert_eq!(NSEC_TYPES.repr(&FieldValue::Bytes(vec![0, 1, 0])), "b'\\x00\\x01\\x00'");
        assert_eq!(
            NSEC_TYPES.repr(&FieldValue::Bytes(vec![0, 1, 0x60, 1, 1, 0x80])),
            "['A', 'NS', 'URI']"
        );
    }
}
