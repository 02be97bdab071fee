//! The evaluator's loop speed: a comprehension over a list of dissected packets (issue #3 asks for at least
//! 1M iterations/s for simple bodies). `cargo bench --bench lang`; `WIRECRAFT_BENCH_N` sets the list length
//! (default 1,000,000).

use std::cell::RefCell;
use std::rc::Rc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wirecraft::lang::{Session, Value};
use wirecraft::{LinkType, Packet};

/// Ether / IP / TCP SYN, 54 bytes, as Scapy builds it.
const FRAME: &str =
    "ffffffffffff020000000001080045000028000100004006eea7c6120001c61200020014001400000000000000005002200003930000";

fn frame() -> Vec<u8> {
    (0..FRAME.len() / 2)
        .map(|i| u8::from_str_radix(&FRAME[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

fn lang(c: &mut Criterion) {
    let n: usize = std::env::var("WIRECRAFT_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let bytes = frame();
    let pkts: Vec<Value> = (0..n)
        .map(|_| Value::packet(Packet::dissect(&bytes, LinkType::Ethernet)))
        .collect();
    let mut s = Session::with_output(std::io::sink());
    s.set("pkts", Value::List(Rc::new(RefCell::new(pkts))));
    let mut g = c.benchmark_group("lang");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    for (name, src) in [
        ("comprehension_src_if_ip", "[p[IP].src for p in pkts if IP in p]"),
        ("for_loop_count_tcp", "n = 0\nfor p in pkts: n += TCP in p"),
    ] {
        g.bench_function(name, |b| b.iter(|| s.run(src, "<bench>").expect("runs")));
    }
    g.finish();
}

criterion_group!(benches, lang);
criterion_main!(benches);
