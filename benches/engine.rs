//! Per-packet costs of the engine: building and dissecting the two frames of issue #2's targets.
//! `cargo bench --bench engine`; Scapy's figures for the same frames come from `benches/scapy_engine.py`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use wirecraft::{Layer, LinkType, Packet};

fn layer(name: &str, fields: &[(&str, &str)]) -> Layer {
    let mut l = Layer::named(name).expect("known layer");
    for (k, v) in fields {
        l.set(k, *v).expect("valid field");
    }
    l
}

/// Ether / IP / TCP with a 20-byte payload.
fn tcp_frame() -> Packet {
    layer("Ether", &[("dst", "02:00:00:00:00:02"), ("src", "02:00:00:00:00:01")])
        / layer("IP", &[("src", "198.18.0.1"), ("dst", "198.18.0.2")])
        / layer("TCP", &[("sport", "1234"), ("dport", "80"), ("flags", "PA")])
        / &b"GET / HTTP/1.1\r\nHost:"[..]
}

/// Ether / IP / UDP / DNS query for www.example.com.
fn dns_frame() -> Packet {
    let mut dns = layer("DNS", &[("id", "4660")]);
    dns.set("qd", layer("DNSQR", &[("qname", "www.example.com")]))
        .expect("qd takes records");
    layer("Ether", &[("dst", "02:00:00:00:00:02"), ("src", "02:00:00:00:00:01")])
        / layer("IP", &[("src", "198.18.0.1"), ("dst", "198.18.0.2")])
        / layer("UDP", &[("sport", "5353"), ("dport", "53")])
        / dns
}

fn engine(c: &mut Criterion) {
    let frames: Vec<(&str, Packet)> = if Layer::named("DNS").is_ok() {
        vec![("tcp", tcp_frame()), ("dns", dns_frame())]
    } else {
        vec![("tcp", tcp_frame())]
    };
    for (name, p) in frames {
        c.bench_function(&format!("build/{name}"), |b| b.iter(|| black_box(&p).build()));
        let bytes = p.build();
        c.bench_function(&format!("dissect/{name}"), |b| {
            b.iter(|| Packet::dissect(black_box(&bytes), LinkType::Ethernet))
        });
        c.bench_function(&format!("dissect+field/{name}"), |b| {
            b.iter(|| Packet::dissect(black_box(&bytes), LinkType::Ethernet).get("IP", "dst"))
        });
    }
}

criterion_group!(benches, engine);
criterion_main!(benches);
