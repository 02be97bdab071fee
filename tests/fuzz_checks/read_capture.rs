//! The capture readers on any file: pcap in either byte order and time resolution, pcapng with any blocks
//! (several interfaces, several link types), and either gzipped. libpcap parses the records and wirecraft's
//! own code sniffs the format, decompresses, reports damage and dissects the frames; a read may fail, with an
//! error naming the problem, but must not panic or hang.
//!
//! Input: the file's bytes, written to a file in memory (the readers open paths, as libpcap does), then read
//! whole with `pcapio::read` and one frame at a time with `Reader`, each with and without a BPF filter, and
//! the packets read rendered and analysed as `rdpcap` users do.

use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::OnceLock;

use wirecraft::pcapio::{self, ReadOptions, Reader};

/// A file in memory (a memfd), rewritten for each input and opened by its /proc path, as the readers open
/// paths: nothing is left on disk however the process ends.
fn capture_file() -> &'static (File, PathBuf) {
    static FILE: OnceLock<(File, PathBuf)> = OnceLock::new();
    FILE.get_or_init(|| {
        // SAFETY: memfd_create takes a NUL-terminated name and returns a new descriptor or -1.
        let fd = unsafe { libc::memfd_create(c"wirecraft-fuzz-capture".as_ptr(), 0) };
        assert!(fd >= 0, "memfd_create: {}", std::io::Error::last_os_error());
        // SAFETY: `fd` is a new descriptor that nothing else owns.
        let file = unsafe { File::from_raw_fd(fd) };
        let path = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
        (file, path)
    })
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

/// One input, as the fuzz target and the regression tests run it.
pub fn check(data: &[u8]) {
    let (file, path) = capture_file();
    if file.set_len(0).and_then(|()| file.write_all_at(data, 0)).is_err() {
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
}
