//! Scapy's `report_ports(target, ports)` (scapy/layers/inet.py): a SYN `sr` of the ports, written out as a
//! LaTeX `tabular` — the open ports (SYN-ACK), the closed ones (any other TCP answer, or an ICMP error), the
//! unanswered — with Scapy's text line for line.

use std::sync::atomic::AtomicBool;

use super::error::Result;
use super::sr::{sr, SndRcv, SrOptions};
use crate::packet::sprintf;
use crate::Packet;

/// Sends the SYN `probes` (Scapy's `IP(dst=target)/TCP(dport=ports)`) with `sr` and returns the table.
pub fn report_ports(probes: &[Packet], opts: &SrOptions, stop: &AtomicBool) -> Result<String> {
    Ok(ports_table(&sr(probes, opts, stop)?))
}

/// The LaTeX table of an exchange's answers and unanswered probes, as Scapy's `report_ports` writes it.
///
/// ```
/// use wirecraft::{net::{ports_table, SndRcv}, Layer, LinkType, Packet};
/// let probe = Layer::named("IP")?.with("dst", "198.18.0.2")? / Layer::named("TCP")?.with("dport", 22)?;
/// let answer = Layer::named("IP")?.with("src", "198.18.0.2")? / Layer::named("TCP")?.with("sport", 22)?.with("flags", "SA")?;
/// let res = SndRcv { ans: vec![(probe, answer)], ..SndRcv::default() };
/// assert_eq!(ports_table(&res), "\\begin{tabular}{|r|l|l|}\n\\hline\nssh & open & SA \\\\\n\\hline\n\\hline\n\\hline\n\\end{tabular}\n");
/// # Ok::<(), wirecraft::Error>(())
/// ```
pub fn ports_table(res: &SndRcv) -> String {
    let line = |p: &Packet, template: &str| {
        let mut out = String::new();
        sprintf(&mut out, p, p.layers().len().saturating_sub(1), template);
        out
    };
    let syn_ack = |r: &Packet| r.get("TCP", "flags").and_then(|f| f.as_int()) == Some(0x12);
    let mut rep = String::from("\\begin{tabular}{|r|l|l|}\n\\hline\n");
    for (_, r) in &res.ans {
        if !r.has("ICMP") && syn_ack(r) {
            rep += &line(r, "%TCP.sport% & open & SA \\\\\n");
        }
    }
    rep += "\\hline\n";
    for (_, r) in &res.ans {
        if r.has("ICMP") {
            rep += &line(
                r,
                "%TCPerror.dport% & closed & ICMP type %ICMP.type%/%ICMP.code% from %IP.src% \\\\\n",
            );
        } else if !syn_ack(r) {
            rep += &line(r, "%TCP.sport% & closed & TCP %TCP.flags% \\\\\n");
        }
    }
    rep += "\\hline\n";
    for q in &res.unans {
        rep += &line(q, "%TCP.dport% & ? & unanswered \\\\\n");
    }
    rep + "\\hline\n\\end{tabular}\n"
}
