//! The capture readers on any file: pcap in either byte order and time resolution, pcapng with any blocks
//! (several interfaces, several link types), and either gzipped. libpcap parses the records and wirecraft's
//! own code sniffs the format, decompresses, reports damage and dissects the frames; a read may fail, with an
//! error naming the problem, but must not panic or hang.
//!
//! Input: the file's bytes, written to a file in a temporary directory (the readers open paths, as libpcap
//! does), then read whole with `pcapio::read` and one frame at a time with `Reader`, each with and without a
//! BPF filter, and the packets read rendered and analysed as `rdpcap` users do.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wirecraft::pcapio::{self, ReadOptions, Reader};

/// One file, rewritten for each input, in a directory removed when the fuzzer exits normally.
fn capture_path() -> &'static PathBuf {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("input.pcap");
        (dir, path)
    });
    path
}

/// Without a filter, the first packets only (a listing over the whole file is what the analyses cost), and
/// with one that reads addresses and ports.
fn options() -> [ReadOptions; 3] {
    [
        ReadOptions::default(),
        ReadOptions::count(3),
        ReadOptions::filter("ip or ip6 or arp or (udp and port 53)"),
    ]
}

fuzz_target!(|data: &[u8]| {
    let path = capture_path();
    if std::fs::write(path, data).is_err() {
        return;
    }
    for opts in options() {
        if let Ok((list, warnings)) = pcapio::read(path, &opts) {
            let _ = warnings.iter().map(ToString::to_string).count();
            let _ = (
                list.to_string(),
                list.summary(),
                list.nsummary(),
                list.show(),
                list.hexdump(),
            );
            let _ = (
                list.stats().to_string(),
                list.conversations().to_string(),
                list.sessions().len(),
            );
        }
        let Ok(mut reader) = Reader::open(path, &opts) else {
            continue;
        };
        let _ = (reader.link(), reader.format(), reader.take_notes().len());
        while let Some(frame) = reader.next_frame() {
            match frame {
                Ok(frame) => {
                    let p = frame.packet();
                    let _ = (frame.time(), p.summary(), frame.to_owned().packet().build());
                }
                Err(e) => {
                    let _ = e.to_string();
                }
            }
        }
    }
});
