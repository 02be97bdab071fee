//! A throwaway test bed: two network namespaces joined by a veth pair whose ends are both created inside them
//! (nothing in the root namespace), 198.18.0.1 / fd00:198:18::1 in A and .2 / ::2 in B, no default route.
//! Names are unique per process and bed; everything is removed when the bed is dropped, panics included.
//! Without root the tests skip with a printed reason, unless `CI` is set, where that is a failure.

#![allow(dead_code)] // each test binary uses its own part of the helper

pub mod services;

use std::cell::RefCell;
use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::process::{Child, Command, Output, Stdio};
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};

pub const A4: &str = "198.18.0.1";
pub const B4: &str = "198.18.0.2";
pub const A6: &str = "fd00:198:18::1";
pub const B6: &str = "fd00:198:18::2";

static NEXT: AtomicU32 = AtomicU32::new(0);

pub struct Bed {
    pub a: String,
    pub b: String,
    pub if_a: String,
    pub if_b: String,
    children: Vec<Child>,
}

fn ip(args: &[&str]) {
    let st = Command::new("ip")
        .args(args)
        .stderr(Stdio::inherit())
        .status()
        .expect("run ip");
    assert!(st.success(), "ip {}", args.join(" "));
}

/// Whether `program` is installed; otherwise the reason `what` goes without it is printed — a failure under CI,
/// where `tests/bootstrap.sh` installs it.
pub fn installed(program: &str, what: &str) -> bool {
    let there = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !there {
        assert!(
            std::env::var_os("CI").is_none(),
            "{what}: {program} is missing (tests/bootstrap.sh installs it)"
        );
        eprintln!("{what}: skipped, {program} is not installed");
    }
    there
}

/// dnsmasq's command line as the live tests run it: in the foreground, with none of the machine's
/// configuration, resolvers or hosts file, bound to the `listen` addresses only, answering the
/// `--host-record` values in `records`.
pub fn dnsmasq(listen: &[&str], records: &[&str]) -> Vec<String> {
    let fixed = [
        "--keep-in-foreground",
        "--conf-file=/dev/null",
        "--no-resolv",
        "--no-hosts",
        "--bind-interfaces",
    ];
    let mut cmd: Vec<String> = std::iter::once("dnsmasq").chain(fixed).map(String::from).collect();
    cmd.extend(listen.iter().map(|a| format!("--listen-address={a}")));
    cmd.extend(records.iter().map(|r| format!("--host-record={r}")));
    cmd.extend(["--port=53", "--user=root", "--pid-file="].map(String::from));
    cmd
}

/// Root, or a reason to skip (a failure under CI).
pub fn privileged(test: &str) -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "{test}: live tests need root in CI");
    eprintln!("skipping {test}: needs root (CAP_NET_ADMIN to create namespaces, CAP_NET_RAW to capture)");
    false
}

impl Bed {
    /// Builds the bed, or `None` when the test must be skipped.
    pub fn new(test: &str) -> Option<Bed> {
        if !privileged(test) {
            return None;
        }
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let bed = Bed {
            a: format!("wct{pid}n{n}a"),
            b: format!("wct{pid}n{n}b"),
            if_a: format!("v{}n{n}a", pid % 100_000),
            if_b: format!("v{}n{n}b", pid % 100_000),
            children: Vec::new(),
        };
        // `bed` exists before anything is made: a step below that fails unwinds through its drop, which removes
        // whatever was made.
        ip(&["netns", "add", &bed.a]);
        ip(&["netns", "add", &bed.b]);
        ip(&[
            "link", "add", "name", &bed.if_a, "netns", &bed.a, "type", "veth", "peer", "name", &bed.if_b, "netns",
            &bed.b,
        ]);
        for (ns, ifc, v4, v6) in [(&bed.a, &bed.if_a, A4, A6), (&bed.b, &bed.if_b, B4, B6)] {
            ip(&["-n", ns, "link", "set", "lo", "up"]);
            ip(&["-n", ns, "addr", "add", &format!("{v4}/24"), "dev", ifc]);
            ip(&["-n", ns, "addr", "add", &format!("{v6}/64"), "dev", ifc, "nodad"]);
            ip(&["-n", ns, "link", "set", ifc, "up"]);
        }
        // Answer every probe: no ICMP rate limits inside the bed (the 1,000-probe test needs them all).
        for ns in [&bed.a, &bed.b] {
            let st = Command::new("ip")
                .args([
                    "netns",
                    "exec",
                    ns,
                    "sysctl",
                    "-qw",
                    "net.ipv4.icmp_ratelimit=0",
                    "net.ipv4.icmp_msgs_per_sec=1000000",
                    "net.ipv4.icmp_msgs_burst=100000",
                    "net.ipv6.icmp.ratelimit=0",
                ])
                .status();
            assert!(st.is_ok_and(|s| s.success()), "sysctl in {ns}");
        }
        // Wait for both ends to carry traffic (a veth reports NO-CARRIER for a moment after coming up).
        for _ in 0..100 {
            let up = [(&bed.a, &bed.if_a), (&bed.b, &bed.if_b)].iter().all(|(ns, ifc)| {
                let out = Command::new("ip")
                    .args(["-n", ns, "-br", "link", "show", ifc])
                    .output()
                    .map(|o| o.stdout)
                    .unwrap_or_default();
                String::from_utf8_lossy(&out).contains(" UP ")
            });
            if up {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(30));
        }
        // The veth must not exist in the root namespace.
        assert!(!Command::new("ip")
            .args(["link", "show", &bed.if_a])
            .stderr(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success());
        Some(bed)
    }

    /// Moves the calling thread into namespace A (or B) until the guard drops. Sockets and captures opened
    /// meanwhile stay in that namespace.
    pub fn enter(&self, ns: &str) -> Inside {
        enter_netns(ns)
    }

    /// Starts a command inside namespace `ns`; it is killed (by its PID) when the bed drops.
    pub fn spawn(&mut self, ns: &str, cmd: &[&str]) {
        self.children.push(spawn_in(ns, cmd));
    }
}

impl Drop for Bed {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for ns in [&self.a, &self.b] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// Moves the calling thread into namespace `ns` until the guard drops. Sockets and captures opened meanwhile
/// stay in that namespace.
pub fn enter_netns(ns: &str) -> Inside {
    let home = File::open("/proc/thread-self/ns/net").expect("own netns");
    let target = File::open(format!("/var/run/netns/{ns}")).expect("netns file");
    // SAFETY: setns on valid descriptors; affects only the calling thread.
    assert_eq!(
        unsafe { libc::setns(target.as_raw_fd(), libc::CLONE_NEWNET) },
        0,
        "setns {ns}"
    );
    wirecraft::net::resync();
    Inside { home }
}

/// Starts a command inside namespace `ns`, its output discarded.
fn spawn_in(ns: &str, cmd: &[&str]) -> Child {
    Command::new("ip")
        .args(["netns", "exec", ns])
        .args(cmd)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn in netns")
}

/// The calling thread is inside a test namespace until this drops.
pub struct Inside {
    home: File,
}

impl Drop for Inside {
    fn drop(&mut self) {
        // SAFETY: returning to the namespace the thread came from.
        unsafe { libc::setns(self.home.as_raw_fd(), libc::CLONE_NEWNET) };
        wirecraft::net::resync();
    }
}

/// A layer with fields given as text.
pub fn l(name: &str, fields: &[(&str, &str)]) -> wirecraft::Layer {
    fields.iter().fold(wirecraft::Layer::named(name).unwrap(), |l, (k, v)| {
        l.with(k, *v).unwrap()
    })
}

/// Clears CAP_NET_RAW and CAP_NET_ADMIN from the calling thread's effective set (capabilities are per thread,
/// so run it on a thread of the test's own).
pub fn drop_net_capabilities() {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    let mut h = Header {
        version: 0x2008_0522,
        pid: 0,
    };
    let mut d = [Data {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    }; 2];
    // SAFETY: capget/capset with the v3 header and two data words, on this thread only.
    unsafe {
        assert_eq!(libc::syscall(libc::SYS_capget, &mut h, d.as_mut_ptr()), 0);
        d[0].effective &= !((1 << 12) | (1 << 13));
        assert_eq!(libc::syscall(libc::SYS_capset, &mut h, d.as_ptr()), 0);
    }
}

/// An output a test reads back: give a clone to `Session::with_output`, then `take()` what was written.
#[derive(Clone, Default)]
pub struct Sink(Rc<RefCell<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Sink {
    /// What was written since the last call, as text.
    pub fn take(&self) -> String {
        String::from_utf8_lossy(&std::mem::take(&mut *self.0.borrow_mut())).into_owned()
    }
}

/// The chain bed's addresses: link `k` (1 to 3) is 198.18.k.0/24 and fd00:18:k::/64, its left end `.1` /
/// `::1`, its right end `.2` / `::2`.
pub const CHAIN_CLIENT4: &str = "198.18.1.1";
pub const CHAIN_CLIENT6: &str = "fd00:18:1::1";
/// What a traceroute from the client finds, in order: r1 and r2 (the address each answers from, on the link
/// back towards the client), then the server.
pub const CHAIN_HOPS4: [&str; 3] = ["198.18.1.2", "198.18.2.2", "198.18.3.2"];
pub const CHAIN_HOPS6: [&str; 3] = ["fd00:18:1::2", "fd00:18:2::2", "fd00:18:3::2"];

/// A routed path in four namespaces: client — r1 — r2 — server, three veth pairs with both ends inside
/// them, forwarding on in the routers, no ICMP rate limit anywhere in it, and a TCP listener (Python's
/// `http.server`) on port 80 of the server. Unique names; removed when dropped, panics included.
pub struct Chain {
    pub client: String,
    pub r1: String,
    pub r2: String,
    pub server: String,
    children: Vec<Child>,
}

/// `sysctl -qw` of each setting inside namespace `ns`.
fn sysctl(ns: &str, settings: &[&str]) {
    let st = Command::new("ip")
        .args(["netns", "exec", ns, "sysctl", "-qw"])
        .args(settings)
        .status();
    assert!(st.is_ok_and(|s| s.success()), "sysctl {settings:?} in {ns}");
}

impl Chain {
    /// Builds the chain, or `None` when the test must be skipped.
    pub fn new(test: &str) -> Option<Chain> {
        if !privileged(test) {
            return None;
        }
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let ns = |role: &str| format!("wct{pid}c{n}{role}");
        let mut chain = Chain {
            client: ns("c"),
            r1: ns("r1"),
            r2: ns("r2"),
            server: ns("s"),
            children: Vec::new(),
        };
        // `chain` exists before anything is made, so a failing step unwinds through its drop.
        let nodes = [
            chain.client.clone(),
            chain.r1.clone(),
            chain.r2.clone(),
            chain.server.clone(),
        ];
        for node in &nodes {
            ip(&["netns", "add", node]);
            ip(&["-n", node, "link", "set", "lo", "up"]);
        }
        let mut ends = Vec::new();
        for k in 1..=3 {
            let (left, right) = (&nodes[k - 1], &nodes[k]);
            let (if_l, if_r) = (
                format!("w{}c{n}l{k}a", pid % 100_000),
                format!("w{}c{n}l{k}b", pid % 100_000),
            );
            ip(&[
                "link", "add", "name", &if_l, "netns", left, "type", "veth", "peer", "name", &if_r, "netns", right,
            ]);
            for (node, ifc, end) in [(left, &if_l, 1), (right, &if_r, 2)] {
                ip(&["-n", node, "addr", "add", &format!("198.18.{k}.{end}/24"), "dev", ifc]);
                ip(&[
                    "-n",
                    node,
                    "addr",
                    "add",
                    &format!("fd00:18:{k}::{end}/64"),
                    "dev",
                    ifc,
                    "nodad",
                ]);
                ip(&["-n", node, "link", "set", ifc, "up"]);
                ends.push((node.clone(), ifc.clone()));
            }
        }
        // Each node reaches the links it is not on through its neighbour towards them.
        let routes: [(&str, &[u8], u8, u8); 4] = [
            (&chain.client, &[2, 3], 1, 2),
            (&chain.r1, &[3], 2, 2),
            (&chain.r2, &[1], 2, 1),
            (&chain.server, &[1, 2], 3, 1),
        ];
        for (node, links, via_link, via_end) in routes {
            for k in links {
                ip(&[
                    "-n",
                    node,
                    "route",
                    "add",
                    &format!("198.18.{k}.0/24"),
                    "via",
                    &format!("198.18.{via_link}.{via_end}"),
                ]);
                ip(&[
                    "-n",
                    node,
                    "-6",
                    "route",
                    "add",
                    &format!("fd00:18:{k}::/64"),
                    "via",
                    &format!("fd00:18:{via_link}::{via_end}"),
                ]);
            }
        }
        for node in &nodes {
            sysctl(
                node,
                &[
                    "net.ipv4.icmp_ratelimit=0",
                    "net.ipv4.icmp_msgs_per_sec=1000000",
                    "net.ipv4.icmp_msgs_burst=100000",
                    "net.ipv6.icmp.ratelimit=0",
                ],
            );
        }
        for router in [&chain.r1, &chain.r2] {
            sysctl(router, &["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"]);
        }
        chain.spawn(
            &nodes[3],
            &[
                "python3",
                "-m",
                "http.server",
                "80",
                "--bind",
                "::",
                "--directory",
                "/nonexistent-wirecraft-empty",
            ],
        );
        // Wait for every end to carry traffic and the listener to listen.
        for _ in 0..200 {
            let up = ends.iter().all(|(node, ifc)| {
                let out = Command::new("ip")
                    .args(["-n", node, "-br", "link", "show", ifc])
                    .output();
                String::from_utf8_lossy(&out.map(|o| o.stdout).unwrap_or_default()).contains(" UP ")
            });
            let out = Command::new("ip")
                .args(["netns", "exec", &nodes[3], "ss", "-Hltn", "sport = :80"])
                .output();
            let listening = !out.map(|o| o.stdout).unwrap_or_default().is_empty();
            if up && listening {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        // The path carries traffic end to end (IPv6 may drop the first packets while its neighbours settle).
        for server in [CHAIN_HOPS4[2], CHAIN_HOPS6[2]] {
            let answered = (0..20).any(|_| {
                let ping = Command::new("ip")
                    .args(["netns", "exec", &nodes[0], "ping", "-c1", "-W1", "-i0.2", server])
                    .stdout(Stdio::null())
                    .status();
                ping.is_ok_and(|s| s.success())
            });
            assert!(answered, "{server} never answered a ping through the chain");
        }
        Some(chain)
    }

    /// Moves the calling thread into namespace `ns` until the guard drops.
    pub fn enter(&self, ns: &str) -> Inside {
        enter_netns(ns)
    }

    /// Starts a command inside namespace `ns`; it is killed (by its PID) when the chain drops.
    pub fn spawn(&mut self, ns: &str, cmd: &[&str]) {
        self.children.push(spawn_in(ns, cmd));
    }
}

impl Drop for Chain {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for ns in [&self.client, &self.r1, &self.r2, &self.server] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// A throwaway LAN: a namespace holding a Linux bridge, a scanner namespace and host namespaces, each joined
/// to the bridge by a veth pair whose ends are both created inside those namespaces (nothing in the root
/// namespace). On 198.18.1.0/24 and fd00:198:1::/64: the scanner is .1 / ::1, the hosts take the addresses
/// and MACs given. Names are unique per process and bed; everything is removed on drop, panics included.
pub struct Lan {
    pub scanner: String,
    /// The scanner's interface on the LAN.
    pub if_scan: String,
    pub hosts: Vec<LanHost>,
    /// Every namespace made, the bridge's last: removed in this order.
    made: Vec<String>,
}

/// One host of a [`Lan`]: its namespace, MAC and addresses.
pub struct LanHost {
    pub ns: String,
    pub mac: String,
    pub v4: String,
    pub v6: String,
}

pub const LAN4: &str = "198.18.1.0/24";
pub const LAN_SCANNER4: &str = "198.18.1.1";
pub const LAN_SCANNER6: &str = "fd00:198:1::1";

impl Lan {
    /// A LAN whose hosts have these last address bytes and MACs, or `None` when the test must be skipped.
    pub fn new(test: &str, hosts: &[(u8, &str)]) -> Option<Lan> {
        if !privileged(test) {
            return None;
        }
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id() % 100_000;
        let switch = format!("wct{pid}l{n}sw");
        let mut lan = Lan {
            scanner: format!("wct{pid}l{n}s"),
            if_scan: format!("l{pid}n{n}s"),
            hosts: Vec::new(),
            made: Vec::new(),
        };
        // Each namespace is recorded before it is made, so a step that fails unwinds through the drop, which
        // removes whatever was made.
        let add_ns = |lan: &mut Lan, ns: &str| {
            lan.made.insert(0, ns.to_string());
            ip(&["netns", "add", ns]);
        };
        add_ns(&mut lan, &switch);
        ip(&["-n", &switch, "link", "add", "br0", "type", "bridge"]);
        ip(&["-n", &switch, "link", "set", "br0", "up"]);
        let mut ends = vec![(
            lan.scanner.clone(),
            lan.if_scan.clone(),
            None,
            LAN_SCANNER4.to_string(),
            LAN_SCANNER6.to_string(),
        )];
        for (i, (last, mac)) in hosts.iter().enumerate() {
            let host = LanHost {
                ns: format!("wct{pid}l{n}h{i}"),
                mac: mac.to_string(),
                v4: format!("198.18.1.{last}"),
                v6: format!("fd00:198:1::{last:x}"),
            };
            ends.push((
                host.ns.clone(),
                format!("l{pid}n{n}h{i}"),
                Some(host.mac.clone()),
                host.v4.clone(),
                host.v6.clone(),
            ));
            lan.hosts.push(host);
        }
        for (i, (ns, ifc, mac, v4, v6)) in ends.iter().enumerate() {
            add_ns(&mut lan, ns);
            let port = format!("l{pid}n{n}p{i}");
            ip(&[
                "link", "add", "name", &port, "netns", &switch, "type", "veth", "peer", "name", ifc, "netns", ns,
            ]);
            ip(&["-n", &switch, "link", "set", &port, "master", "br0", "up"]);
            if let Some(mac) = mac {
                ip(&["-n", ns, "link", "set", "dev", ifc, "address", mac]);
            }
            ip(&["-n", ns, "link", "set", "lo", "up"]);
            ip(&["-n", ns, "addr", "add", &format!("{v4}/24"), "dev", ifc]);
            ip(&["-n", ns, "addr", "add", &format!("{v6}/64"), "dev", ifc, "nodad"]);
            ip(&["-n", ns, "link", "set", ifc, "up"]);
        }
        // Wait for every link to carry traffic (a veth reports NO-CARRIER for a moment after coming up).
        for _ in 0..100 {
            let up = ends.iter().all(|(ns, ifc, ..)| {
                let out = Command::new("ip")
                    .args(["-n", ns, "-br", "link", "show", ifc])
                    .output()
                    .map(|o| o.stdout)
                    .unwrap_or_default();
                String::from_utf8_lossy(&out).contains(" UP ")
            });
            if up {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(30));
        }
        // The veths must not exist in the root namespace.
        assert!(!Command::new("ip")
            .args(["link", "show", &lan.if_scan])
            .stderr(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success());
        Some(lan)
    }

    /// Moves the calling thread into the scanner's namespace until the guard drops.
    pub fn enter(&self) -> Inside {
        enter_netns(&self.scanner)
    }

    /// Runs a command inside namespace `ns` to its end; its standard output.
    pub fn run(&self, ns: &str, cmd: &[&str]) -> String {
        let out = Command::new("ip")
            .args(["netns", "exec", ns])
            .args(cmd)
            .stderr(Stdio::inherit())
            .output()
            .expect("run in netns");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        for ns in &self.made {
            let _ = Command::new("ip")
                .args(["netns", "del", ns])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Runs a program (`wirecraft -c src`) in a child whose files may grow to 3 MiB, as on a disk that fills;
/// inside network namespace `netns` when given (a live capture streamed to a file).
pub fn under_a_3_mib_file_limit(netns: Option<&str>, src: &str) -> Output {
    use std::os::unix::process::CommandExt;
    let bin = env!("CARGO_BIN_EXE_wirecraft");
    let mut cmd = match netns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, bin]);
            c
        }
        None => Command::new(bin),
    };
    cmd.args(["-c", src]).stdin(Stdio::null());
    // SAFETY: setrlimit and signal are async-signal-safe and touch only the child (limit and ignored signal
    // carry over `ip netns exec` into the program).
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 3 << 20,
                rlim_max: 3 << 20,
            };
            libc::setrlimit(libc::RLIMIT_FSIZE, &limit);
            // Past the limit, write(2) fails with EFBIG instead of the signal killing the process.
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    cmd.output().expect("the binary runs")
}
