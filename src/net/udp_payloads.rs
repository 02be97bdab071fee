//! What a UDP scan sends to a well-known port, as nmap's `nmap-payloads` does: a service stays silent to an
//! empty datagram (and the port would look open|filtered), but answers a request in its own protocol. One
//! table, port → payload; DNS is built with wirecraft's own layers, the rest are their protocols' fixed
//! requests. Every other port gets an empty datagram.

use crate::packet::FieldValue;
use crate::{Layer, Packet};

/// A payload and the ports it is sent to.
struct Probe {
    ports: &'static [u16],
    payload: fn() -> Vec<u8>,
}

static PROBES: &[Probe] = &[
    Probe {
        ports: &[53, 5353],
        payload: dns_version_bind,
    },
    Probe {
        ports: &[123],
        payload: ntp_client,
    },
    Probe {
        ports: &[137],
        payload: netbios_status,
    },
    Probe {
        ports: &[161],
        payload: snmp_sysdescr,
    },
    Probe {
        ports: &[1900],
        payload: ssdp_search,
    },
];

/// The payload for every port of the table, each built once.
pub(crate) fn payloads() -> Vec<(u16, Vec<u8>)> {
    PROBES
        .iter()
        .flat_map(|p| {
            let payload = (p.payload)();
            p.ports.iter().map(move |&port| (port, payload.clone()))
        })
        .collect()
}

/// A CHAOS TXT query for `version.bind`, which names the server's software where it answers, and is a
/// plain query that any server answers (with an error at worst).
fn dns_version_bind() -> Vec<u8> {
    let built = || -> Result<Vec<u8>, crate::Error> {
        let question = Layer::named("DNSQR")?
            .with("qname", "version.bind.")?
            .with("qtype", "TXT")?
            .with("qclass", "CH")?;
        let dns = Layer::named("DNS")?
            .with("id", 0x5757)?
            .with("rd", 0)?
            .with("qd", FieldValue::Layers(vec![question]))?;
        Ok(Packet::from(dns).build())
    };
    built().unwrap_or_default()
}

/// An NTP version 4 client request (mode 3), everything else zero.
fn ntp_client() -> Vec<u8> {
    let mut p = vec![0u8; 48];
    p[0] = 0x23;
    p
}

/// A NetBIOS node status request for the wildcard name `*` (nmap's payload).
fn netbios_status() -> Vec<u8> {
    let mut p = vec![0x80, 0xf0, 0x00, 0x10, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x20];
    // `*` and fifteen NULs, each nibble as a letter from 'A'.
    p.extend_from_slice(b"CK");
    p.extend(std::iter::repeat_n(b'A', 30));
    p.extend_from_slice(&[0x00, 0x00, 0x21, 0x00, 0x01]);
    p
}

/// An SNMPv1 GetRequest for sysDescr.0 (1.3.6.1.2.1.1.1.0) with the community `public`.
fn snmp_sysdescr() -> Vec<u8> {
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut v = vec![tag, content.len() as u8];
        v.extend_from_slice(content);
        v
    }
    let int = |n: u8| tlv(0x02, &[n]);
    let varbind = tlv(
        0x30,
        &[tlv(0x06, &[0x2b, 6, 1, 2, 1, 1, 1, 0]), tlv(0x05, &[])].concat(),
    );
    let pdu = tlv(
        0xa0,
        &[
            tlv(0x02, &[0x57, 0x43, 0x52, 0x46]),
            int(0),
            int(0),
            tlv(0x30, &varbind),
        ]
        .concat(),
    );
    tlv(0x30, &[int(0), tlv(0x04, b"public"), pdu].concat())
}

/// An SSDP search for root devices, as UPnP control points send it.
fn ssdp_search() -> Vec<u8> {
    b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: upnp:rootdevice\r\n\r\n"
        .to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_payload_is_its_protocols_request() {
        let all = payloads();
        let of = |port| all.iter().find(|(p, _)| *p == port).map(|(_, b)| b.clone()).unwrap();
        let dns = of(53);
        assert_eq!(
            &dns[..6],
            &[0x57, 0x57, 0x00, 0x00, 0x00, 0x01],
            "id, no flags, one question"
        );
        assert!(dns.ends_with(b"\x07version\x04bind\x00\x00\x10\x00\x03"), "{dns:?}");
        assert_eq!(of(123).len(), 48);
        assert_eq!(of(137).len(), 50);
        let snmp = of(161);
        assert_eq!(
            usize::from(snmp[1]) + 2,
            snmp.len(),
            "the outer length covers the message"
        );
        assert_eq!(&snmp[2..13], b"\x02\x01\x00\x04\x06public");
        assert!(of(1900).starts_with(b"M-SEARCH * HTTP/1.1\r\n"));
    }
}
