//! Driver for `benches/live_bench.sh`: the library's sendp, sniff and sr on the bench's namespaces.
//!
//!   live_bench sendp IFACE FILE.pcap       inject every stored frame of the file, print the send phase's pkt/s
//!   live_bench sniff IFACE SECONDS         capture quietly, print kept and libpcap's counters
//!   live_bench sr-syn SRC DST COUNT        SYN to ports 1..=COUNT, print time and answers matched

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use wirecraft::net::{self, Hooks, Outgoing, SendOptions, SniffOptions, SrOptions};
use wirecraft::{pcapio, Layer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let go = AtomicBool::new(false);
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["sendp", iface, file] => {
            // As `sendp(rdpcap(file))` does: the file loaded once, its stored frames sent as they are.
            let (list, _) = pcapio::read(file, &pcapio::ReadOptions::default())?;
            let o = SendOptions {
                iface: Some(iface.into()),
                verbose: false,
                progress: false,
                ..SendOptions::default()
            };
            let r = net::sendp_items(&[Outgoing::Stored(&list)], &o, &go)?;
            println!(
                "sent {} in {:.3}s: {:.0} pkt/s",
                r.sent,
                r.elapsed.as_secs_f64(),
                r.sent as f64 / r.elapsed.as_secs_f64()
            );
        }
        ["sniff", iface, secs] => {
            let o = SniffOptions {
                iface: vec![iface.into()],
                timeout: Some(Duration::from_secs(secs.parse()?)),
                store: false,
                quiet: true,
                ..SniffOptions::default()
            };
            let r = net::sniff(&o, Hooks::default(), &go)?;
            println!("kept {}; {}", r.kept, r.stats);
        }
        ["sr-syn", src, dst, count] => {
            let mut p = Layer::named("IP")?.with("src", src)?.with("dst", dst)?
                / Layer::named("TCP")?.with("sport", 40000)?.with("flags", "S")?;
            p.set("TCP", "dport", (1u64, count.parse::<u64>()?))?;
            let t = Instant::now();
            let o = SrOptions {
                timeout: Some(Duration::from_secs(2)),
                ..SrOptions::default()
            };
            let r = net::sr(&[p], &o, &go)?;
            println!("sr {} probes: {} answered, {} unanswered in {:.2}s (ends when all are answered, else 2 s after the last send)", count, r.ans.len(), r.unans.len(), t.elapsed().as_secs_f64());
        }
        _ => return Err("usage: live_bench sendp IFACE FILE | sniff IFACE SECONDS | sr-syn SRC DST COUNT".into()),
    }
    Ok(())
}
