//! The SYN scan (nmap's `-sS`), over the raw scan engine: one SYN per port, its sequence number a keyed
//! cookie, so an answer is ours when it acknowledges cookie + 1 (a SYN-ACK or a RST) or quotes the cookie
//! (an ICMP unreachable). SYN-ACK → open, RST → closed, ICMP unreachable (types 3 codes 1, 2, 3, 9, 10, 13;
//! ICMPv6 type 1) → filtered, silence after the retries → filtered.
//!
//! A SYN-ACK is answered with our own RST at once. The scanning host's kernel knows nothing of the probe
//! and would usually reset it too — but not when a socket of its own happens to listen on our source port,
//! and not behind a firewall that drops it — so the scan does it explicitly and leaves nothing half-open.

use std::net::IpAddr;
use std::sync::atomic::AtomicBool;

use super::carried::Transport;
use super::ports::Ports;
use super::portscan::{PortState, Reason, ScanError, ScanReport};
use super::rawscan::{be32, finish_frame, raw_scan, unreachable_reason, Answer, Layout, RawScanOptions, ScanKind};
use crate::Layer;

const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;
/// Where TCP's checksum lies in its header.
const CHECKSUM: usize = 16;

/// Scans `ports` on every address of `targets` with SYNs; needs raw privileges.
pub fn synscan(
    targets: &[IpAddr],
    ports: &Ports,
    opts: &RawScanOptions,
    stop: &AtomicBool,
) -> Result<ScanReport, ScanError> {
    raw_scan(&Syn, targets, ports, opts, stop)
}

struct Syn;

impl Syn {
    /// Writes a segment to `port` with `seq` and `flags` over the template's header.
    fn segment(frame: &mut [u8], at: &Layout, port: u16, seq: u32, flags: u8) {
        let l4 = at.l4;
        frame[l4 + 2..l4 + 4].copy_from_slice(&port.to_be_bytes());
        frame[l4 + 4..l4 + 8].copy_from_slice(&seq.to_be_bytes());
        frame[l4 + 13] = flags;
        finish_frame(frame, at, CHECKSUM, (seq >> 16) as u16);
    }
}

impl ScanKind for Syn {
    const TRANSPORT: Transport = Transport::Tcp;
    const PROTO: u8 = 6;
    const SILENT: PortState = PortState::Filtered;

    fn transport(&self, sport: u16) -> Result<Layer, crate::Error> {
        Layer::named("TCP")?
            .with("sport", u64::from(sport))?
            .with("dport", 0)?
            .with("flags", "S")?
            .with("window", 1024)
    }

    fn patch(&self, frame: &mut Vec<u8>, at: &Layout, port: u16, cookie: u32) {
        Syn::segment(frame, at, port, cookie, SYN);
    }

    fn judge(&self, answer: &Answer<'_>, cookie: u32) -> Option<(PortState, Reason, bool)> {
        match *answer {
            Answer::Transport { l4 } => {
                let flags = *l4.get(13)?;
                if l4.len() < 20 || flags & ACK == 0 || be32(l4, 8) != cookie.wrapping_add(1) {
                    return None;
                }
                match flags {
                    f if f & RST != 0 => Some((PortState::Closed, Reason::Reset, false)),
                    f if f & SYN != 0 => Some((PortState::Open, Reason::SynAck, true)),
                    _ => None,
                }
            }
            Answer::Unreachable { v6, code, quoted, .. } => {
                if be32(quoted, 4) != cookie {
                    return None;
                }
                let reason = unreachable_reason(v6, code)?;
                Some((PortState::Filtered, reason, false))
            }
        }
    }

    /// The RST that closes what a SYN-ACK opened: its sequence number is the one the target acknowledged.
    fn reply(&self, frame: &mut Vec<u8>, at: &Layout, port: u16, cookie: u32) {
        Syn::segment(frame, at, port, cookie.wrapping_add(1), RST);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The frame a probe leaves as, built by wirecraft's layers from scratch with every field it patches.
    fn built(v6: bool, dport: u64, seq: u64, flags: &str) -> Vec<u8> {
        let (ip, src, dst) = match v6 {
            false => ("IP", "198.18.0.1", "198.18.0.2"),
            true => ("IPv6", "fd00:198:18::1", "fd00:198:18::2"),
        };
        let mut ip = Layer::named(ip)
            .unwrap()
            .with("src", src)
            .unwrap()
            .with("dst", dst)
            .unwrap();
        if !v6 {
            ip = ip.with("id", seq >> 16).unwrap();
        }
        let tcp = Layer::named("TCP")
            .unwrap()
            .with("sport", 40_000u64)
            .unwrap()
            .with("dport", dport)
            .unwrap();
        let tcp = tcp
            .with("seq", seq)
            .unwrap()
            .with("flags", flags)
            .unwrap()
            .with("window", 1024)
            .unwrap();
        (Layer::named("Ether").unwrap() / ip / tcp).build()
    }

    #[test]
    fn a_patched_template_is_the_probe_built_afresh() {
        for v6 in [false, true] {
            let mut frame = built(v6, 0, 0, "S");
            let at = Layout {
                ip: 14,
                l4: if v6 { 54 } else { 34 },
                src: if v6 { "fd00:198:18::1" } else { "198.18.0.1" }.parse().unwrap(),
                dst: if v6 { "fd00:198:18::2" } else { "198.18.0.2" }.parse().unwrap(),
            };
            // Patched over and over in place, as a scan does: each probe is exactly its own.
            for (port, cookie) in [(80u16, 0xdead_beefu32), (65535, 1), (1, 0xffff_ffff)] {
                Syn.patch(&mut frame, &at, port, cookie);
                assert_eq!(frame, built(v6, port.into(), cookie.into(), "S"), "v6 {v6} port {port}");
            }
            Syn.reply(&mut frame, &at, 443, 41);
            assert_eq!(frame, built(v6, 443, 42, "R"));
        }
    }

    #[test]
    fn answers_are_judged_by_their_cookie() {
        let segment = |flags: u8, ack: u32| {
            let mut l4 = vec![0u8; 20];
            l4[8..12].copy_from_slice(&ack.to_be_bytes());
            l4[13] = flags;
            l4
        };
        let judge = |l4: &[u8]| {
            Syn.judge(&Answer::Transport { l4 }, 99)
                .map(|(s, r, reply)| (s.name(), r.name(), reply))
        };
        assert_eq!(judge(&segment(SYN | ACK, 100)), Some(("open", "syn-ack", true)));
        assert_eq!(judge(&segment(RST | ACK, 100)), Some(("closed", "reset", false)));
        assert_eq!(judge(&segment(SYN | ACK, 99)), None, "not acknowledging our cookie");
        assert_eq!(judge(&segment(RST, 100)), None, "no ACK: not an answer to a SYN");
        let mut quoted = vec![0u8; 8];
        quoted[4..8].copy_from_slice(&99u32.to_be_bytes());
        let icmp = |v6, code| {
            Syn.judge(
                &Answer::Unreachable {
                    v6,
                    code,
                    quoted: &quoted,
                },
                99,
            )
            .map(|(s, r, _)| (s.name(), r.name()))
        };
        assert_eq!(icmp(false, 13), Some(("filtered", "admin-prohibited")));
        assert_eq!(icmp(false, 3), Some(("filtered", "port-unreach")));
        assert_eq!(icmp(true, 4), Some(("filtered", "port-unreach")));
        assert_eq!(icmp(false, 4), None, "fragmentation needed says nothing of the port");
    }
}
