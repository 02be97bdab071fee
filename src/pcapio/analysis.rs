//! What a packet list says in aggregate: Scapy's `sessions()`, a table of IP conversations, and a protocol
//! hierarchy with top talkers (what `tshark -z io,phs` and `-z endpoints,ip` show).

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;

use super::list::PacketList;
use crate::packet::{field_repr, FieldValue, Packet};

/// Scapy's `haslayer("name")`: a layer whose class name or long name is `name`.
fn find(p: &Packet, name: &str) -> Option<usize> {
    p.layers()
        .iter()
        .position(|l| l.name() == name || l.proto().long_name == name)
}

/// Scapy's `%r,Layer.field%`: the raw number.
fn raw(p: &Packet, i: usize, field: &str) -> u64 {
    p.layers()[i].get_int(field).unwrap_or(0)
}

/// Scapy's session key (`PacketList._session_extractor` of 2.8.0), ports and types as numbers:
/// `TCP 198.18.0.1:1234 > 198.18.0.2:80`, `ICMP a > b type=8 code=0 id=0x1`, `ARP a > b`, `Other` when the
/// frame is not Ethernet.
pub fn session_key(p: &Packet) -> String {
    if find(p, "Ether").is_none() {
        return "Other".into();
    }
    let (ip, ip6) = (find(p, "IP"), find(p, "IPv6"));
    if ip.is_some() || ip6.is_some() {
        let addr = |f| {
            let mut s = String::new();
            for i in [ip, ip6].into_iter().flatten() {
                s.push_str(&field_repr(p, i, f));
            }
            s
        };
        let (src, dst) = (addr("src"), addr("dst"));
        let ports = |i| (raw(p, i, "sport"), raw(p, i, "dport"));
        return if let Some(t) = find(p, "TCP") {
            let (s, d) = ports(t);
            format!("TCP {src}:{s} > {dst}:{d}")
        } else if let Some(u) = find(p, "UDP") {
            let (s, d) = ports(u);
            format!("UDP {src}:{s} > {dst}:{d}")
        } else if let Some(c) = find(p, "ICMP") {
            format!(
                "ICMP {src} > {dst} type={} code={} id={}",
                raw(p, c, "type"),
                raw(p, c, "code"),
                field_repr(p, c, "id")
            )
        } else if let Some(c) = find(p, "ICMPv6") {
            format!(
                "ICMPv6 {src} > {dst} type={} code={}",
                raw(p, c, "type"),
                raw(p, c, "code")
            )
        } else if let Some(i) = ip6 {
            format!("IPv6 {src} > {dst} nh={}", field_repr(p, i, "nh"))
        } else {
            format!(
                "IP {src} > {dst} proto={}",
                ip.map_or_else(String::new, |i| field_repr(p, i, "proto"))
            )
        };
    }
    if let Some(a) = find(p, "ARP") {
        return format!("ARP {} > {}", field_repr(p, a, "psrc"), field_repr(p, a, "pdst"));
    }
    let ether = find(p, "Ether").unwrap_or(0);
    format!("Ethernet type={:04x}", raw(p, ether, "type"))
}

/// The source and destination of the first IP or IPv6 layer.
fn ip_pair(p: &Packet) -> Option<(IpAddr, IpAddr)> {
    let i = p.layers().iter().position(|l| matches!(l.name(), "IP" | "IPv6"))?;
    let l = &p.layers()[i];
    let addr = |f| match l.get(f) {
        Some(FieldValue::Ip4(a)) => Some(IpAddr::V4(a)),
        Some(FieldValue::Ip6(a)) => Some(IpAddr::V6(a)),
        _ => None,
    };
    Some((addr("src")?, addr("dst")?))
}

impl PacketList {
    /// Scapy's `sessions()`: the packets grouped by [`session_key`], in order of first appearance.
    pub fn sessions(&self) -> Vec<(String, PacketList)> {
        let group = |(key, positions): (String, Vec<usize>)| {
            let mut list = self.pick(positions);
            list.set_name("PacketList");
            (key, list)
        };
        self.session_positions().into_iter().map(group).collect()
    }

    /// [`PacketList::sessions`] as the positions of each session's frames.
    pub fn session_positions(&self) -> Vec<(String, Vec<usize>)> {
        let mut at: HashMap<String, usize> = HashMap::new();
        let mut out: Vec<(String, Vec<usize>)> = Vec::new();
        for (n, f) in self.iter().enumerate() {
            let key = session_key(&f.packet());
            let i = *at.entry(key.clone()).or_insert_with(|| {
                out.push((key, Vec::new()));
                out.len() - 1
            });
            out[i].1.push(n);
        }
        out
    }

    /// IP conversations: packets and bytes (on the wire) each way for every pair of addresses, the pair's
    /// first source as A, largest total first.
    pub fn conversations(&self) -> Conversations {
        let mut at: HashMap<(IpAddr, IpAddr), usize> = HashMap::new();
        let mut convs: Vec<Conversation> = Vec::new();
        for f in self.iter() {
            let Some((src, dst)) = ip_pair(&f.packet()) else {
                continue;
            };
            let key = if src <= dst { (src, dst) } else { (dst, src) };
            let i = *at.entry(key).or_insert_with(|| {
                convs.push(Conversation {
                    a: src,
                    b: dst,
                    packets_ab: 0,
                    bytes_ab: 0,
                    packets_ba: 0,
                    bytes_ba: 0,
                });
                convs.len() - 1
            });
            let c = &mut convs[i];
            let bytes = u64::from(f.wirelen);
            if src == c.a {
                c.packets_ab += 1;
                c.bytes_ab += bytes;
            } else {
                c.packets_ba += 1;
                c.bytes_ba += bytes;
            }
        }
        convs.sort_by_key(|c| std::cmp::Reverse(c.bytes_ab + c.bytes_ba));
        Conversations(convs)
    }

    /// A protocol hierarchy (frames and bytes under each chain of layers, as `tshark -z io,phs`) and the
    /// ten addresses that sent the most bytes.
    pub fn stats(&self) -> Stats {
        let mut tree = vec![Node::default()];
        let mut talkers: HashMap<IpAddr, (u64, u64)> = HashMap::new();
        for f in self.iter() {
            let p = f.packet();
            let bytes = u64::from(f.wirelen);
            let mut cur = 0;
            for l in p.layers().iter().filter(|l| l.name() != "Padding") {
                let next = match tree[cur].children.iter().find(|&&c| tree[c].name == l.name()) {
                    Some(&c) => c,
                    None => {
                        tree.push(Node {
                            name: l.name(),
                            ..Node::default()
                        });
                        let c = tree.len() - 1;
                        tree[cur].children.push(c);
                        c
                    }
                };
                tree[next].frames += 1;
                tree[next].bytes += bytes;
                cur = next;
            }
            if let Some((src, _)) = ip_pair(&p) {
                let t = talkers.entry(src).or_default();
                t.0 += 1;
                t.1 += bytes;
            }
        }
        let mut hierarchy = Vec::new();
        flatten(&tree, 0, 0, &mut hierarchy);
        let mut talkers: Vec<Talker> = talkers
            .into_iter()
            .map(|(addr, (packets, bytes))| Talker { addr, packets, bytes })
            .collect();
        talkers.sort_by(|x, y| y.bytes.cmp(&x.bytes).then(x.addr.cmp(&y.addr)));
        talkers.truncate(10);
        Stats { hierarchy, talkers }
    }
}

/// Traffic between two addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversation {
    pub a: IpAddr,
    pub b: IpAddr,
    pub packets_ab: u64,
    pub bytes_ab: u64,
    pub packets_ba: u64,
    pub bytes_ba: u64,
}

/// The conversations of a list, largest first; displays as a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversations(pub Vec<Conversation>);

impl fmt::Display for Conversations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<39} {:<39} {:>9} {:>12} {:>9} {:>12} {:>9} {:>12}",
            "Address A", "Address B", "Pkts A→B", "Bytes A→B", "Pkts B→A", "Bytes B→A", "Packets", "Bytes"
        )?;
        for c in &self.0 {
            writeln!(
                f,
                "{:<39} {:<39} {:>9} {:>12} {:>9} {:>12} {:>9} {:>12}",
                c.a.to_string(),
                c.b.to_string(),
                c.packets_ab,
                c.bytes_ab,
                c.packets_ba,
                c.bytes_ba,
                c.packets_ab + c.packets_ba,
                c.bytes_ab + c.bytes_ba
            )?;
        }
        Ok(())
    }
}

#[derive(Default)]
struct Node {
    name: &'static str,
    frames: u64,
    bytes: u64,
    children: Vec<usize>,
}

fn flatten(tree: &[Node], at: usize, depth: usize, out: &mut Vec<Level>) {
    for &c in &tree[at].children {
        let n = &tree[c];
        out.push(Level {
            depth,
            name: n.name,
            frames: n.frames,
            bytes: n.bytes,
        });
        flatten(tree, c, depth + 1, out);
    }
}

/// One line of the protocol hierarchy: the frames (and their bytes on the wire) whose layers start with the
/// chain leading here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Level {
    pub depth: usize,
    pub name: &'static str,
    pub frames: u64,
    pub bytes: u64,
}

/// An address and what it sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Talker {
    pub addr: IpAddr,
    pub packets: u64,
    pub bytes: u64,
}

/// `stats()`: the protocol hierarchy, in order of first appearance, and the top talkers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stats {
    pub hierarchy: Vec<Level>,
    pub talkers: Vec<Talker>,
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Protocol hierarchy")?;
        for l in &self.hierarchy {
            let name = format!("{}{}", "  ".repeat(l.depth), l.name);
            writeln!(f, "{name:<40} frames:{} bytes:{}", l.frames, l.bytes)?;
        }
        writeln!(f, "\nTop talkers (by bytes sent)")?;
        writeln!(f, "{:<39} {:>9} {:>12}", "Address", "Packets", "Bytes")?;
        for t in &self.talkers {
            writeln!(f, "{:<39} {:>9} {:>12}", t.addr.to_string(), t.packets, t.bytes)?;
        }
        Ok(())
    }
}
