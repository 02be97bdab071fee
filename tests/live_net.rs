//! The live side's own mechanisms against the real stack, in namespaces the test builds (see `common`): the
//! raw exchange core under a caller's matching rule, the events hook (library calls write nothing
//! themselves), and stored frames sent as they are.

mod common;

use std::io::Write;
use std::os::fd::AsRawFd;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{l, Bed, Sink, A4, B4};
use wirecraft::lang::Session;
use wirecraft::net::{
    self, Event, Events, ExchangeOptions, Listen, Outgoing, SendOptions, SniffOptions, SrOptions, Via,
};
use wirecraft::pcapio::{self, PacketList, Timestamp};
use wirecraft::{FieldValue, LinkType, Packet};

static GO: AtomicBool = AtomicBool::new(false);

/// A hook that keeps every event, and what it kept.
fn collected() -> (Events, Arc<Mutex<Vec<Event>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    (Events::to(move |e| keep.lock().unwrap().push(*e)), seen)
}

#[test]
fn the_exchange_core_matches_by_the_callers_rule_and_resends_the_unanswered() {
    let Some(bed) = Bed::new("the_exchange_core_matches") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    // Echo requests 1..=3 to B, and 4 to an address nobody holds.
    let requests: Vec<Vec<u8>> = [(B4, "1"), (B4, "2"), (B4, "3"), ("198.18.0.77", "4")]
        .iter()
        .map(|(dst, id)| (l("IP", &[("src", A4), ("dst", dst)]) / l("ICMP", &[("id", id)])).build())
        .collect();
    let (events, seen) = collected();
    let opts = ExchangeOptions {
        via: Via::Ip(None),
        listen: Listen::Capture(bed.if_a.clone()),
        filter: Some("icmp".into()),
        timeout: Some(Duration::from_millis(300)),
        retry: 2,
        inter: Duration::ZERO,
        multi: false,
        first_only: false,
        verbose: true,
        events,
    };
    // The toy rule: an echo reply answers the request whose number is its id.
    let mut looked_at = 0;
    let done = net::exchange(
        &requests,
        &opts,
        |frame, answered| {
            looked_at += 1;
            let p = frame.packet();
            if p.get("ICMP", "type") != Some(FieldValue::Int(0)) {
                return None;
            }
            let i = p.get("ICMP", "id")?.as_int()? as usize - 1;
            (i < answered.len() && !answered[i]).then_some(i)
        },
        &GO,
    )
    .unwrap();
    assert_eq!(done.answered, [true, true, true, false]);
    assert!(
        looked_at >= 3 && done.stats.received >= 3,
        "{looked_at} {:?}",
        done.stats
    );
    // All four go out, then the unanswered one again in each of the two retries.
    assert_eq!(
        *seen.lock().unwrap(),
        [
            Event::BeginEmission,
            Event::FinishedSending(4),
            Event::FinishedSending(1),
            Event::FinishedSending(1)
        ]
    );
}

/// Points the process's stdout and stderr at a file until dropped, so that anything written to them, by
/// any thread, is seen.
struct Redirect {
    file: std::fs::File,
    saved: [i32; 2],
}

impl Redirect {
    fn start() -> Redirect {
        let file = tempfile::tempfile().unwrap();
        std::io::stdout().flush().unwrap();
        // SAFETY: dup/dup2 on the process's own standard descriptors and a file this guard owns.
        let saved = unsafe { [libc::dup(1), libc::dup(2)] };
        unsafe {
            libc::dup2(file.as_raw_fd(), 1);
            libc::dup2(file.as_raw_fd(), 2);
        }
        Redirect { file, saved }
    }

    /// Restores the descriptors; what was written meanwhile.
    fn finish(self) -> String {
        std::io::stdout().flush().unwrap();
        // SAFETY: putting back the descriptors saved by `start`.
        unsafe {
            libc::dup2(self.saved[0], 1);
            libc::dup2(self.saved[1], 2);
            libc::close(self.saved[0]);
            libc::close(self.saved[1]);
        }
        let mut f = self.file;
        std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(0)).unwrap();
        std::io::read_to_string(f).unwrap()
    }
}

#[test]
fn library_calls_hand_their_lines_to_the_hook_and_write_nothing() {
    // The test harness captures what test threads print through `print!`, so the check runs in a child
    // process that does not capture: there, a library line would reach the descriptors redirected below.
    if std::env::var_os("WIRECRAFT_QUIET_CHILD").is_none() {
        let o = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "library_calls_hand_their_lines_to_the_hook_and_write_nothing",
                "--nocapture",
            ])
            .env("WIRECRAFT_QUIET_CHILD", "1")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success() && text.contains("1 passed"), "{text}");
        return;
    }
    let Some(bed) = Bed::new("library_calls_write_nothing") else {
        return;
    };
    let _in = bed.enter(&bed.a);
    let (l2_events, l2_seen) = collected();
    let (sr_events, sr_seen) = collected();
    let (send_events, send_seen) = collected();
    let sr = SrOptions {
        timeout: Some(Duration::from_millis(500)),
        iface: Some(bed.if_a.clone()),
        verbose: true,
        ..SrOptions::default()
    };
    let ping = l("IP", &[("src", A4), ("dst", B4)]) / l("ICMP", &[]);
    let udp = l("IP", &[("src", A4), ("dst", B4)]) / l("UDP", &[("dport", "9")]);
    let redirect = Redirect::start();
    // First, while the kernel knows no neighbour: the Ether destination is resolved by ARP through the
    // exchange core, quietly.
    let answered_l2 = net::srp1(
        &[l("Ether", &[]) / l("IP", &[("src", A4), ("dst", B4)]) / l("ICMP", &[])],
        &SrOptions {
            events: l2_events,
            ..sr.clone()
        },
        &GO,
    );
    let answered = net::sr(
        &[ping],
        &SrOptions {
            events: sr_events,
            ..sr.clone()
        },
        &GO,
    );
    // Long enough (4,096 packets at 3,000 a second) for a progress event.
    let sent = net::send(
        &[udp],
        &SendOptions {
            count: 4096,
            rate: Some(3000.0),
            events: send_events,
            ..SendOptions::default()
        },
        &GO,
    );
    let sniffed = net::sniff(
        &SniffOptions {
            iface: vec![bed.if_a.clone()],
            timeout: Some(Duration::from_millis(300)),
            ..SniffOptions::default()
        },
        Default::default(),
        &GO,
    );
    let written = redirect.finish();
    assert_eq!(written, "", "library calls wrote to stdout or stderr");
    assert!(answered_l2.unwrap().is_some());
    assert_eq!(answered.unwrap().ans.len(), 1);
    assert_eq!(sent.unwrap().sent, 4096);
    sniffed.unwrap();

    let l2_seen = l2_seen.lock().unwrap();
    assert_eq!(l2_seen.first(), Some(&Event::BeginEmission), "{l2_seen:?}");
    assert!(
        matches!(
            l2_seen.last(),
            Some(Event::Received {
                answers: 1,
                remaining: 0,
                ..
            })
        ),
        "{l2_seen:?}"
    );
    let sr_seen = sr_seen.lock().unwrap();
    assert!(
        matches!(
            sr_seen[..],
            [
                Event::BeginEmission,
                Event::FinishedSending(1),
                Event::Received {
                    answers: 1,
                    remaining: 0,
                    ..
                }
            ]
        ),
        "{sr_seen:?}"
    );
    let send_seen = send_seen.lock().unwrap();
    let (progress, rest): (Vec<&Event>, Vec<&Event>) =
        send_seen.iter().partition(|e| matches!(e, Event::Progress { .. }));
    assert!(!progress.is_empty(), "{send_seen:?}");
    let done = Event::Sent {
        sent: 4096,
        interrupted: false,
    };
    assert_eq!(rest, [&Event::ProgressDone, &done], "{send_seen:?}");
    assert_eq!(done.to_string(), "Sent 4096 packets.");
}

/// A frame whose stored bytes a rebuild would change: wrong IP and UDP checksums, and padding.
fn odd_frame() -> Vec<u8> {
    let p = l("Ether", &[("src", "02:00:00:00:00:01"), ("dst", "02:00:00:00:00:02")])
        / l("IP", &[("src", A4), ("dst", B4), ("chksum", "0xdead")])
        / l("UDP", &[("sport", "4000"), ("dport", "9"), ("chksum", "0xbeef")])
        / l("Raw", &[("load", "stored frame")]);
    let mut frame = p.build();
    frame.extend([0xee; 6]);
    frame
}

/// An IP datagram with a right IP checksum (the kernel rewrites that one on a raw socket) and a wrong UDP one.
fn odd_datagram() -> Vec<u8> {
    (l("IP", &[("src", A4), ("dst", B4)]) / l("UDP", &[("sport", "4001"), ("dport", "9"), ("chksum", "0xbeef")]))
        .build()
}

/// Rebuilt from its layers alone, as if edited.
fn rebuilt(p: &Packet) -> Vec<u8> {
    Packet::new(p.layers().to_vec()).build()
}

#[test]
fn unedited_dissected_packets_go_out_as_stored_and_edited_ones_rebuilt() {
    let Some(bed) = Bed::new("unedited_dissected_packets_go_out_as_stored") else {
        return;
    };
    let (frame, datagram) = (odd_frame(), odd_datagram());
    let stored = Packet::dissect(&frame, LinkType::Ethernet);
    let stored3 = Packet::dissect(&datagram, LinkType::RawIp);
    assert_ne!(rebuilt(&stored), frame, "a rebuild would change the frame");
    assert_ne!(rebuilt(&stored3), datagram, "a rebuild would change the datagram");
    let mut edited = stored.clone();
    edited.set("IP", "ttl", 9).unwrap();
    let mut list = PacketList::new("stored");
    list.push(pcapio::Frame {
        data: &frame,
        ts: Timestamp::new(1, 0),
        wirelen: frame.len() as u32,
        link: LinkType::Ethernet,
        interface: 0,
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stored.pcap");
    pcapio::write(&file, &list, &pcapio::WriteOptions::default()).unwrap();

    let on_b = SniffOptions {
        iface: vec![bed.if_b.clone()],
        filter: Some("udp and dst port 9".into()),
        count: 7,
        timeout: Some(Duration::from_secs(10)),
        quiet: true,
        ..SniffOptions::default()
    };
    let quiet = SendOptions {
        iface: Some(bed.if_a.clone()),
        verbose: false,
        progress: false,
        ..SendOptions::default()
    };
    let sr = SrOptions {
        iface: Some(bed.if_a.clone()),
        timeout: Some(Duration::from_millis(200)),
        ..SrOptions::default()
    };
    let captured = std::thread::scope(|s| {
        let capture = s.spawn(|| {
            let _in = bed.enter(&bed.b);
            net::sniff(&on_b, Default::default(), &GO).unwrap().packets
        });
        let _in = bed.enter(&bed.a);
        // Well after the capture is open (its ring takes a moment to set up).
        std::thread::sleep(Duration::from_millis(1000));
        net::sendp_items(&[Outgoing::Stored(&list)], &quiet, &GO).unwrap();
        net::sendp(std::slice::from_ref(&stored), &quiet, &GO).unwrap();
        net::srp1(std::slice::from_ref(&stored), &sr, &GO).unwrap();
        net::send(std::slice::from_ref(&stored3), &quiet, &GO).unwrap();
        net::sr1(std::slice::from_ref(&stored3), &sr, &GO).unwrap();
        net::sendp(std::slice::from_ref(&edited), &quiet, &GO).unwrap();
        let mut session = Session::with_output(Sink::default());
        let code = format!(
            "sendp(rdpcap({:?}), iface={:?}, verbose=0)",
            file.to_str().unwrap(),
            bed.if_a
        );
        session.run(&code, "<test>").unwrap();
        capture.join().unwrap()
    });
    let got: Vec<&[u8]> = captured.iter().map(|f| &f.data[..]).collect();
    assert_eq!(got.len(), 7, "{got:02x?}");
    for (i, what) in [
        (0, "sendp_items of a stored list"),
        (1, "sendp"),
        (2, "srp1"),
        (6, "the language's sendp(rdpcap(…))"),
    ] {
        assert_eq!(got[i], &frame[..], "{what} sends the stored frame");
    }
    for (i, what) in [(3, "send"), (4, "sr1")] {
        assert_eq!(&got[i][14..], &datagram[..], "{what} sends the stored datagram");
    }
    // (Its Ether addresses are filled in for the interface, as for any packet whose addresses are unset.)
    assert_eq!(got[5][14..], edited.build()[14..], "an edited packet is rebuilt");
    assert_ne!(got[5][24..26], frame[24..26], "with its IP checksum computed afresh");
}

#[test]
fn wrpcap_writes_an_unedited_dissected_packet_as_stored() {
    let frame = odd_frame();
    let stored = Packet::dissect(&frame, LinkType::Ethernet);
    let dir = tempfile::tempdir().unwrap();
    let (lib, lang) = (dir.path().join("lib.pcap"), dir.path().join("lang.pcap"));
    pcapio::write(&lib, &stored, &pcapio::WriteOptions::default()).unwrap();
    let mut s = Session::with_output(Sink::default());
    let code = format!(
        "p = rdpcap({0:?})[0]\nwrpcap({1:?}, p)\nwrpcap({1:?}, rdpcap({0:?}), append=True)",
        lib.to_str().unwrap(),
        lang.to_str().unwrap()
    );
    s.run(&code, "<test>").unwrap();
    let (back, _) = pcapio::read(&lib, &pcapio::ReadOptions::default()).unwrap();
    assert_eq!(back.get(0).unwrap().data, &frame[..]);
    let (back, _) = pcapio::read(&lang, &pcapio::ReadOptions::default()).unwrap();
    let frames: Vec<&[u8]> = back.iter().map(|f| f.data).collect();
    assert_eq!(frames, [&frame[..], &frame[..]]);
}
