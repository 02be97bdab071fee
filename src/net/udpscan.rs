//! The UDP scan (nmap's `-sU`), over the raw scan engine: one datagram per port, with the payload of
//! [`super::udp_payloads`] for well-known ports. Any UDP answer → open; ICMP port unreachable (type 3 code 3,
//! ICMPv6 1/4) → closed; another unreachable → filtered; silence after the retries → open|filtered.
//!
//! Targets limit their port unreachables (Linux: about one a second per host unless
//! `net.ipv4.icmp_ratelimit` / `net.ipv6.icmp.ratelimit` say otherwise), so a closed port may look silent
//! for a round; the retries are what cover it.

use std::net::IpAddr;
use std::sync::atomic::AtomicBool;

use super::carried::Transport;
use super::ports::Ports;
use super::portscan::{PortState, Reason, ScanError, ScanReport};
use super::rawscan::{finish_frame, raw_scan, unreachable_reason, Answer, Layout, RawScanOptions, ScanKind};
use super::udp_payloads::payloads;
use crate::Layer;

/// Where UDP's checksum lies in its header.
const CHECKSUM: usize = 6;

/// Scans the UDP `ports` on every address of `targets`; needs raw privileges.
pub fn udpscan(
    targets: &[IpAddr],
    ports: &Ports,
    opts: &RawScanOptions,
    stop: &AtomicBool,
) -> Result<ScanReport, ScanError> {
    raw_scan(&Udp { payloads: payloads() }, targets, ports, opts, stop)
}

struct Udp {
    payloads: Vec<(u16, Vec<u8>)>,
}

impl ScanKind for Udp {
    const TRANSPORT: Transport = Transport::Udp;
    const PROTO: u8 = 17;
    const SILENT: PortState = PortState::OpenFiltered;

    fn transport(&self, sport: u16) -> Result<Layer, crate::Error> {
        Layer::named("UDP")?.with("sport", u64::from(sport))?.with("dport", 0)
    }

    fn patch(&self, frame: &mut Vec<u8>, at: &Layout, port: u16, cookie: u32) {
        let l4 = at.l4;
        frame.truncate(l4 + 8);
        if let Some((_, payload)) = self.payloads.iter().find(|(p, _)| *p == port) {
            frame.extend_from_slice(payload);
        }
        let len = (frame.len() - l4) as u16;
        frame[l4 + 2..l4 + 4].copy_from_slice(&port.to_be_bytes());
        frame[l4 + 4..l4 + 6].copy_from_slice(&len.to_be_bytes());
        finish_frame(frame, at, CHECKSUM, (cookie >> 16) as u16);
    }

    fn judge(&self, answer: &Answer<'_>, _cookie: u32) -> Option<(PortState, Reason, bool)> {
        Some(match *answer {
            Answer::Transport { .. } => (PortState::Open, Reason::UdpResponse, false),
            Answer::Unreachable { v6, code, .. } => match unreachable_reason(v6, code)? {
                Reason::PortUnreach => (PortState::Closed, Reason::PortUnreach, false),
                reason => (PortState::Filtered, reason, false),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_carries_its_ports_payload_and_a_right_checksum() {
        let udp = Udp { payloads: payloads() };
        let template = (Layer::named("IP")
            .unwrap()
            .with("src", "198.18.0.1")
            .unwrap()
            .with("dst", "198.18.0.2")
            .unwrap()
            / udp.transport(40_000).unwrap())
        .build();
        let at = Layout {
            ip: 0,
            l4: 20,
            src: "198.18.0.1".parse().unwrap(),
            dst: "198.18.0.2".parse().unwrap(),
        };
        let mut frame = template.clone();
        for port in [53u16, 7777, 123] {
            udp.patch(&mut frame, &at, port, 0x1234_5678);
            let payload = payloads()
                .into_iter()
                .find(|(p, _)| *p == port)
                .map(|(_, b)| b)
                .unwrap_or_default();
            let expected = (Layer::named("IP")
                .unwrap()
                .with("src", "198.18.0.1")
                .unwrap()
                .with("dst", "198.18.0.2")
                .unwrap()
                .with("id", 0x1234u64)
                .unwrap()
                / Layer::named("UDP")
                    .unwrap()
                    .with("sport", 40_000u64)
                    .unwrap()
                    .with("dport", u64::from(port))
                    .unwrap()
                / Layer::named("Raw").unwrap().with("load", payload).unwrap())
            .build();
            assert_eq!(frame, expected, "port {port}");
        }
    }
}
