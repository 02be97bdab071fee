//! Host discovery for real, on a bridged LAN of namespaces (see `common::Lan`): `arping` of the /24 and the
//! ping sweep over IPv4 and IPv6 find exactly the hosts present, with the MACs they were given and the
//! vendors the IEEE data names; an absent address is unanswered; bad networks and an interface that is down
//! are named within the timeout. The table `ans.show()` prints is compared with what Scapy prints for the
//! same answers (run offline, when installed), and the hosts found with `nmap -sn` (when installed).

mod common;

use std::net::IpAddr;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::{Lan, Sink, LAN4, LAN_SCANNER4};
use wirecraft::lang::{LangError, Session};
use wirecraft::net::{self, DiscoverOptions};

/// Two Intel NICs, a locally administered address and a Cisco one; .9 is absent.
const HOSTS: [(u8, &str); 4] = [
    (2, "00:1b:21:00:01:02"),
    (3, "00:1b:21:00:01:03"),
    (7, "02:00:00:00:01:07"),
    (20, "00:00:0c:00:01:14"),
];

fn val(s: &mut Session, src: &str) -> Result<String, LangError> {
    s.run(src, "<t>")
        .map(|v| v.map(|v| s.repr(&v)).unwrap_or_else(|| "None".into()))
}

fn lan(test: &str) -> Option<Lan> {
    Lan::new(test, &HOSTS)
}

/// `[(ip, mac), …]` of the hosts, as the language prints such a list, sorted by address as text.
fn expected_pairs(lan: &Lan, v6: bool) -> String {
    let mut pairs: Vec<(String, String)> = lan
        .hosts
        .iter()
        .map(|h| (if v6 { h.v6.clone() } else { h.v4.clone() }, h.mac.clone()))
        .collect();
    pairs.sort();
    let items: Vec<String> = pairs.iter().map(|(a, m)| format!("('{a}', '{m}')")).collect();
    format!("[{}]", items.join(", "))
}

#[test]
fn arping_finds_exactly_the_hosts_with_their_macs() {
    let Some(lan) = lan("arping_finds_exactly_the_hosts_with_their_macs") else {
        return;
    };
    let _in = lan.enter();
    let out = Sink::default();
    let mut s = Session::with_output(out.clone());
    // Answers stop coming within milliseconds: the wait settles long before the timeout.
    let started = Instant::now();
    val(&mut s, &format!("ans, unans = arping('{LAN4}', timeout=5)")).unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    let printed = out.take();
    assert_eq!(val(&mut s, "len(ans), len(unans)").unwrap(), "(4, 252)");
    assert_eq!(
        val(&mut s, "sorted([(r.psrc, r.hwsrc) for s, r in ans])").unwrap(),
        expected_pairs(&lan, false)
    );
    assert_eq!(val(&mut s, "'198.18.1.9' in [q.pdst for q in unans]").unwrap(), "True");
    // Printed when verbose, and again by ans.show(); Scapy's table for the same answers when it is installed.
    val(&mut s, "ans.show()").unwrap();
    let shown = out.take();
    assert_eq!(printed, shown);
    if let Some(scapy) = scapy_table(&lan) {
        assert_eq!(shown, scapy);
    }
    assert!(shown.contains("00:1b:21:00:01:02  IntelCor  198.18.1.2 "), "{shown}");
    assert!(shown.contains("02:00:00:00:01:07  unknown   198.18.1.7 "), "{shown}");
    // settle=None waits the whole timeout, as Scapy does, and finds the same.
    let started = Instant::now();
    val(
        &mut s,
        &format!("ans, unans = arping('{LAN4}', timeout=1, settle=None, verbose=0)"),
    )
    .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());
    assert_eq!(val(&mut s, "len(ans)").unwrap(), "4");
}

/// What Scapy's `ARPingResult.show()` prints for the LAN's hosts' answers, run with no network
/// (`unshare -n`); `None` without Scapy.
fn scapy_table(lan: &Lan) -> Option<String> {
    let answers: Vec<String> = lan
        .hosts
        .iter()
        .map(|h| {
            format!(
                "(Ether()/ARP(pdst='{ip}'), Ether(src='{mac}')/ARP(op=2, hwsrc='{mac}', psrc='{ip}'))",
                ip = h.v4,
                mac = h.mac
            )
        })
        .collect();
    let script = format!(
        "from scapy.all import *\nfrom scapy.layers.l2 import ARPingResult\nARPingResult([{}]).show()\n",
        answers.join(", ")
    );
    let out = Command::new("unshare")
        .args(["-n", "python3", "-c", &script])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn the_library_reports_hosts_with_vendors_and_round_trips() {
    let Some(lan) = lan("the_library_reports_hosts_with_vendors_and_round_trips") else {
        return;
    };
    let _in = lan.enter();
    let targets: Vec<IpAddr> = ["198.18.1.2", "198.18.1.7", "198.18.1.9", "198.18.1.20"]
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
    let opts = DiscoverOptions {
        timeout: Duration::from_millis(500),
        ..DiscoverOptions::default()
    };
    let report = net::arping(&targets, &opts, &AtomicBool::new(false)).unwrap();
    let found: Vec<(String, Option<String>)> = report
        .alive()
        .map(|h| (h.addr.to_string(), h.vendor.map(|v| v.name.clone())))
        .collect();
    assert_eq!(
        found,
        [
            ("198.18.1.2".to_string(), Some("Intel Corporate".to_string())),
            ("198.18.1.7".to_string(), None),
            ("198.18.1.20".to_string(), Some("Cisco Systems, Inc".to_string())),
        ]
    );
    assert!(!report.hosts[2].alive() && report.hosts[2].sent == 1);
    for h in report.alive() {
        let (min, _, max) = h.rtt_stats().unwrap();
        assert!(min <= max && max < Duration::from_millis(500), "{h:?}");
    }
    assert_eq!(report.exchange.unans.len(), 1);
}

#[test]
fn the_ping_sweep_finds_the_hosts_over_ipv4_and_ipv6() {
    let Some(lan) = lan("the_ping_sweep_finds_the_hosts_over_ipv4_and_ipv6") else {
        return;
    };
    let _in = lan.enter();
    let mut s = Session::with_output(Sink::default());
    for (net, v6) in [(LAN4, false), ("fd00:198:1::/120", true)] {
        let started = Instant::now();
        val(&mut s, &format!("r = ping('{net}')")).unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{net}: {:?}",
            started.elapsed()
        );
        assert_eq!(
            val(&mut s, "sorted([(h[0], h[1]) for h in r])").unwrap(),
            expected_pairs(&lan, v6),
            "{net}"
        );
        assert_eq!(val(&mut s, "len(r), len(r.dead)").unwrap(), "(4, 252)", "{net}");
        let table = val(&mut s, "str(r)").unwrap();
        assert!(table.contains("Intel Corporate"), "{table}");
        assert!(table.contains("4 of 256 hosts up (1 echo request each)"), "{table}");
    }
    val(&mut s, "r = ping(['198.18.1.2', '198.18.1.9'], count=3, timeout=0.5)").unwrap();
    assert_eq!(
        val(&mut s, "r.alive, r.dead").unwrap(),
        "(['198.18.1.2'], ['198.18.1.9'])"
    );
    assert_eq!(val(&mut s, "r['198.18.1.2'][2]").unwrap(), "'Intel Corporate'");
    assert_eq!(val(&mut s, "0 < r['198.18.1.2'][3] < 0.5").unwrap(), "True");
    assert_eq!(
        val(&mut s, "r['198.18.1.9']").unwrap_err().message,
        "198.18.1.9 did not answer"
    );
}

#[test]
fn bad_networks_and_a_down_interface_are_named_in_time() {
    let Some(lan) = lan("bad_networks_and_a_down_interface_are_named_in_time") else {
        return;
    };
    // A second interface, left down.
    let st = Command::new("ip")
        .args([
            "-n",
            &lan.scanner,
            "link",
            "add",
            "dn0",
            "type",
            "veth",
            "peer",
            "name",
            "dn1",
        ])
        .status()
        .unwrap();
    assert!(st.success());
    let _in = lan.enter();
    let mut s = Session::with_output(Sink::default());
    let mut e = |src: &str| {
        let started = Instant::now();
        let msg = val(&mut s, src).unwrap_err().message;
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{src}: {:?}",
            started.elapsed()
        );
        msg
    };
    assert_eq!(
        e("arping('198.18.1.0/33')"),
        "invalid network \"198.18.1.0/33\": the prefix is longer than the address"
    );
    assert_eq!(
        e("ping('198.18.1.x/24')"),
        "invalid network \"198.18.1.x/24\": not an IPv4 or IPv6 address"
    );
    assert!(e("arping('fd00:198:1::2')").starts_with("arping asks ARP"));
    assert_eq!(e("arping('198.18.1.0/24', iface='dn0')"), "interface \"dn0\" is down");
    assert_eq!(e("ping('198.18.1.2', iface='dn0')"), "interface \"dn0\" is down");
    // Frames sent on a down interface say so too.
    assert_eq!(
        e("sendp(Ether(dst='02:00:00:00:00:01')/IP(dst='198.18.1.2'), iface='dn0')"),
        "interface \"dn0\" is down"
    );
    assert_eq!(
        e("ping('198.18.1.2', count=0)"),
        "count is a number of echo requests from 1 to 100"
    );
    assert_eq!(e("ping('203.0.113.1')"), "no route to 203.0.113.1");
}

#[test]
fn nmap_finds_the_same_hosts() {
    if Command::new("nmap").arg("--version").output().is_err() {
        eprintln!("skipping nmap_finds_the_same_hosts: nmap is not installed");
        return;
    }
    let Some(lan) = lan("nmap_finds_the_same_hosts") else {
        return;
    };
    let grepable = lan.run(&lan.scanner, &["nmap", "-sn", "-n", "-oG", "-", LAN4]);
    let mut theirs: Vec<String> = grepable
        .lines()
        .filter(|l| l.contains("Status: Up"))
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
        .filter(|a| a != LAN_SCANNER4)
        .collect();
    theirs.sort();
    let _in = lan.enter();
    let mut s = Session::with_output(Sink::default());
    val(&mut s, &format!("ans, unans = arping('{LAN4}', timeout=1, verbose=0)")).unwrap();
    let ours = val(&mut s, "sorted([r.psrc for s, r in ans])").unwrap();
    let theirs: Vec<String> = theirs.iter().map(|a| format!("'{a}'")).collect();
    assert_eq!(ours, format!("[{}]", theirs.join(", ")), "{grepable}");
}

/// `conf.manufdb` answers as Scapy's does: the expected lines are Scapy's own, run offline, when it is
/// installed (with the same `manuf` file); offline and without privileges either way.
#[test]
fn conf_manufdb_answers_as_scapys() {
    let calls = "print(conf.manufdb); print(conf.manufdb._get_manuf('00:1b:21:01:02:03')); \
                 print(conf.manufdb._get_short_manuf('00:1B:21:01:02:03')); \
                 print(conf.manufdb.lookup('02:1b:21:01:02:03')); \
                 print(conf.manufdb._resolve_MAC('00:1b:21:01:02:03'))";
    let out = Sink::default();
    let mut s = Session::with_output(out.clone());
    s.run(calls, "<t>").unwrap();
    let ours = out.take();
    assert!(ours.contains("Intel"), "{ours}");
    let scapy = Command::new("unshare")
        .args(["-n", "python3", "-c", &format!("from scapy.all import conf\n{calls}")])
        .output();
    match scapy {
        Ok(o) if o.status.success() => assert_eq!(ours, String::from_utf8_lossy(&o.stdout)),
        _ => eprintln!("Scapy is not installed: compared with nothing"),
    }
}
