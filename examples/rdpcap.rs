//! The pcap API from Rust: what `rdpcap file.pcap`, `len(rdpcap(file))` and a filtered count do in the
//! language, without it:
//!
//! ```text
//! cargo run --release --example rdpcap -- summary FILE        # numbered summaries, then the totals
//! cargo run --release --example rdpcap -- load FILE           # len(rdpcap(FILE))
//! cargo run --release --example rdpcap -- count FILE 'BPF'    # packets matching a filter
//! ```

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use wirecraft::pcapio::{self, ReadOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args[..] {
        ["summary", file] => pcapio::stream_summaries(
            file,
            &ReadOptions::default(),
            &mut std::io::stdout().lock(),
            &AtomicBool::new(false),
        )
        .map(|t| t.warnings.iter().for_each(|w| eprintln!("warning: {w}"))),
        ["load", file] => pcapio::read(file, &ReadOptions::default()).map(|(pkts, warnings)| {
            warnings.iter().for_each(|w| eprintln!("warning: {w}"));
            println!("{}", pkts.len());
        }),
        ["count", file, filter] => pcapio::Reader::open(file, &ReadOptions::filter(filter)).map(|mut r| {
            let mut n = 0u64;
            while let Some(f) = r.next_frame() {
                match f {
                    Ok(_) => n += 1,
                    Err(e) => eprintln!("warning: {e}"),
                }
            }
            println!("{n}");
        }),
        _ => {
            eprintln!("usage: rdpcap summary|load FILE | rdpcap count FILE FILTER");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rdpcap: {e}");
            ExitCode::FAILURE
        }
    }
}
