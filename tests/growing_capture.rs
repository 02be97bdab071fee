//! A capture file growing while it is read (tcpdump or a `PcapWriter` still writing it): what was complete
//! when the reader got there is read, no garbage record, and the record found cut short is the one named in
//! the warning — located in what the reader saw, not in what the file has become since.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wirecraft::pcapio::{self, ReadOptions, Reader, Warning};
use wirecraft::Layer;

/// ping.pcap: a 24-byte header, then six records of 16 + 98 bytes.
const HEADER: usize = 24;
const RECORD: usize = 114;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pcap").join(name)
}

fn append(path: &Path, bytes: &[u8]) {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(bytes).unwrap();
}

/// Half a record appended while a reader is between packets: the reader gives the six whole records, then
/// the seventh as cut short (its number, offset and lengths), then nothing; once the writer completes it, a
/// new read has all seven.
#[test]
fn half_a_record_appended_while_reading_ends_the_read_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("growing.pcap");
    let bytes = std::fs::read(fixture("ping.pcap")).unwrap();
    std::fs::write(&path, &bytes).unwrap();
    let seventh = &bytes[HEADER..HEADER + RECORD];

    let mut r = Reader::open(&path, &ReadOptions::default()).unwrap();
    let mut read = vec![r.next().unwrap().unwrap()];
    append(&path, &seventh[..50]);
    let mut rest: Vec<_> = r.by_ref().collect();
    assert!(r.next().is_none(), "the damage is given once, then the end");
    let e = rest.pop().unwrap().unwrap_err();
    read.extend(rest.into_iter().map(Result::unwrap));
    assert_eq!(read.len(), 6, "the six whole records");
    for (i, f) in read.iter().enumerate() {
        let at = HEADER + i * RECORD + 16;
        assert_eq!(f.data, &bytes[at..at + RECORD - 16], "record {} as written", i + 1);
    }
    let end = HEADER + 6 * RECORD;
    assert_eq!((e.record, e.offset), (Some(7), Some(end as u64)));
    assert_eq!(
        Warning::Damaged(e).to_string(),
        format!(
            "{}: record 7 at byte offset {end}: truncated record: needs 114 bytes, the file has 50 left; the \
             packets before it were read",
            path.display()
        )
    );

    append(&path, &seventh[50..]);
    let (pkts, warnings) = pcapio::read(&path, &ReadOptions::default()).unwrap();
    assert_eq!((pkts.len(), warnings.len()), (7, 0), "{warnings:?}");
}

/// Records written in two halves while `rdpcap` and the streaming listing read the file over and over:
/// every read gives only records exactly as written, in order, and a warning, when there is one, names
/// the record right after them, at its offset.
#[test]
fn a_file_written_while_read_gives_only_whole_records_and_names_the_cut_one() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("all.pcap");
    let packets: Vec<_> = (0..300)
        .map(|id| {
            Layer::named("Ether").unwrap()
                / Layer::named("IP")
                    .unwrap()
                    .with("dst", "198.18.0.2")
                    .unwrap()
                    .with("id", id)
                    .unwrap()
                / Layer::named("UDP").unwrap()
        })
        .collect();
    pcapio::write(&full, &packets, &Default::default()).unwrap();
    let bytes = std::fs::read(&full).unwrap();
    let record = (bytes.len() - HEADER) / packets.len();
    let path = dir.path().join("growing.pcap");
    std::fs::write(&path, &bytes[..HEADER]).unwrap();

    let done = AtomicBool::new(false);
    let (mut reads, mut cuts) = (0, 0);
    std::thread::scope(|s| {
        s.spawn(|| {
            for rec in bytes[HEADER..].chunks(record) {
                append(&path, &rec[..record / 2]);
                std::thread::sleep(Duration::from_micros(500));
                append(&path, &rec[record / 2..]);
                std::thread::sleep(Duration::from_micros(500));
            }
            done.store(true, Ordering::SeqCst);
        });
        // Bounded: the writer ends within a second or so; at most 5,000 reads.
        while !done.load(Ordering::SeqCst) && reads < 5_000 {
            reads += 1;
            let (pkts, warnings) = match reads % 2 {
                0 => pcapio::read(&path, &ReadOptions::default()).unwrap(),
                _ => {
                    let mut out = Vec::new();
                    let totals =
                        pcapio::stream_summaries(&path, &ReadOptions::default(), &mut out, &AtomicBool::new(false))
                            .unwrap();
                    let pkts = pcapio::read(&path, &ReadOptions::count(totals.packets as usize))
                        .unwrap()
                        .0;
                    (pkts, totals.warnings)
                }
            };
            let n = pkts.len();
            for (i, f) in pkts.iter().enumerate() {
                let at = HEADER + i * record + 16;
                assert_eq!(f.data, &bytes[at..at + record - 16], "record {} as written", i + 1);
            }
            match &warnings[..] {
                [] => {}
                [Warning::Damaged(e)] => {
                    cuts += 1;
                    assert_eq!(
                        (e.record, e.offset),
                        (Some(n as u64 + 1), Some((HEADER + n * record) as u64)),
                        "the record after the {n} read: {e}"
                    );
                    assert!(e.to_string().contains("truncated record: needs "), "{e}");
                }
                w => panic!("{w:?}"),
            }
        }
    });
    assert!(reads > 10, "the file was read while it grew ({reads} reads)");
    eprintln!("{reads} reads, {cuts} of them ending at a record cut short");
}
