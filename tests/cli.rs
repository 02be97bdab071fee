//! End-to-end tests of the `wirecraft` binary: `-c`, scripts, piped stdin, exit codes, and every offline
//! example.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn wirecraft(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirecraft"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let input = stdin.unwrap_or("").to_string();
    let mut pipe = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().expect("finishes");
    writer.join().expect("stdin written");
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const ACCEPTANCE: &str = r#"p = Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:01")/IP(src="198.18.0.1", dst="198.18.0.2")/TCP(dport=(20,22), flags="S"); print(raw(p).hex()); print(len(list(p)))"#;

/// The frames Scapy 2.8.0 prints for `for q in p: print(raw(q).hex())`.
const SCAPY_FRAMES: [&str; 3] = [
    "ffffffffffff020000000001080045000028000100004006eea7c6120001c61200020014001400000000000000005002200003930000",
    "ffffffffffff020000000001080045000028000100004006eea7c6120001c61200020014001500000000000000005002200003920000",
    "ffffffffffff020000000001080045000028000100004006eea7c6120001c61200020014001600000000000000005002200003910000",
];

#[test]
fn acceptance_from_the_issue() {
    let o = wirecraft(&["-c", ACCEPTANCE], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), format!("{}\n3\n", SCAPY_FRAMES[0]));
    let looped = format!(
        "{}\nfor q in p: print(raw(q).hex())",
        ACCEPTANCE.split(';').next().unwrap_or("")
    );
    let o = wirecraft(&["-c", &looped], None);
    assert_eq!(text(&o.stdout), SCAPY_FRAMES.map(|f| format!("{f}\n")).concat());
}

#[test]
fn a_mistyped_statement_exits_non_zero_with_a_caret() {
    let o = wirecraft(&["-c", "p = IP(dst='198.18.0.2'))"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert_eq!(
        text(&o.stderr),
        "<string>:1:25: SyntaxError: expected an operator, ';' or the end of the line, found ')'\n    p = IP(dst='198.18.0.2'))\n                            ^\n"
    );
    let o = wirecraft(&["-c", "print(1)\np = IP(tll=3)\nprint(2)"], None);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stdout), "1\n", "statements before the error ran, none after");
    assert!(text(&o.stderr).starts_with("<string>:2:8: AttributeError: IP has no field 'tll'; did you mean 'ttl'?\n"));
}

#[test]
fn only_explicit_output_in_batch_mode() {
    let o = wirecraft(&["-c", "1 + 1; x = IP(); x; ls(ICMP)"], None);
    assert!(o.status.success());
    assert!(
        text(&o.stdout).starts_with("type       : ByteEnumField"),
        "{}",
        text(&o.stdout)
    );
    assert!(!text(&o.stdout).contains("<IP"));
}

#[test]
fn pass_is_quiet_and_exit_codes_pass_through() {
    let o = wirecraft(&["-c", "pass"], None);
    assert!(o.status.success() && o.stdout.is_empty() && o.stderr.is_empty());
    assert_eq!(wirecraft(&["-c", "exit(4)"], None).status.code(), Some(4));
    assert_eq!(wirecraft(&["-c", "print(1); exit; print(2)"], None).stdout, b"1\n");
}

#[test]
fn scripts_and_piped_stdin() {
    let dir = std::env::temp_dir().join(format!("wirecraft-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let script = dir.join("s.wc");
    std::fs::write(&script, "# a script\nfor i in range(3):\n    print(i)\n").expect("written");
    let o = wirecraft(&[script.to_str().expect("utf-8 path")], None);
    assert_eq!(text(&o.stdout), "0\n1\n2\n");
    let o = wirecraft(&[], Some("x = 6 * 7\nprint(x)\n"));
    assert_eq!(text(&o.stdout), "42\n");
    let o = wirecraft(&["-"], Some("print('dash')"));
    assert_eq!(text(&o.stdout), "dash\n");
    let o = wirecraft(&["/nonexistent/x.wc"], None);
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn interactive_after_a_command() {
    let o = wirecraft(
        &["-i", "-c", "x = 5"],
        Some("x * 2\nfor i in range(2):\n  print(i)\n\nTPC\nexit(7)\n"),
    );
    assert_eq!(text(&o.stdout), "10\n0\n1\n");
    assert!(text(&o.stderr).contains("NameError: name 'TPC' is not defined; did you mean 'TCP'?"));
    assert_eq!(o.status.code(), Some(7));
}

#[test]
fn version_and_help() {
    let o = wirecraft(&["--version"], None);
    assert_eq!(text(&o.stdout), format!("wirecraft {}\n", env!("CARGO_PKG_VERSION")));
    let o = wirecraft(&["--help"], None);
    assert!(o.status.success());
    assert!(text(&o.stdout).contains("-c <STATEMENTS>"));
}

#[test]
fn offline_examples_run() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let mut ran = 0;
    for entry in std::fs::read_dir(dir).expect("examples/") {
        let path = entry.expect("entry").path();
        let src = std::fs::read_to_string(&path).unwrap_or_default();
        if path.extension().is_none_or(|e| e != "wc") || src.lines().any(|l| l.starts_with("# needs:")) {
            continue;
        }
        let o = wirecraft(&[path.to_str().expect("utf-8 path")], None);
        assert!(o.status.success(), "{}: {}", path.display(), text(&o.stderr));
        assert!(!o.stdout.is_empty(), "{} printed nothing", path.display());
        ran += 1;
    }
    assert!(ran >= 3, "only {ran} offline examples");
}

#[test]
fn an_old_field_name_warns_once_on_stderr() {
    let o = wirecraft(
        &["-c", "for i in range(3): q = Dot1Q(id=1); q.id = 0; print(q.dei, q.id)"],
        None,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "0 0\n0 0\n0 0\n");
    assert_eq!(
        text(&o.stderr),
        "warning: id has been deprecated in favor of dei since 2.5.0 !\n"
    );
}

/// Scapy keeps a TCP option name it does not know and skips it when building, with its warning; here once a
/// session, when the value is set.
#[test]
fn an_unknown_tcp_option_warns_once_and_is_skipped() {
    let o = wirecraft(
        &[
            "-c",
            "for i in range(2): p = TCP(options=[('Foo', b'x'), ('MSS', 1460)]); p.options = p.options; \
             print(raw(p).hex())",
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        "0014005000000000000000006002200000000000020405b4\n".repeat(2)
    );
    assert_eq!(text(&o.stderr), "warning: Option [Foo] unknown. Skipped.\n");
}

/// Scapy's `import_hexcap`: a dump's text back to bytes (`hexdump(p, dump=True)` gives `raw(p)` again), and
/// without text the dump read from standard input up to an empty line, the next call reading on from there.
#[test]
fn import_hexcap_reads_a_dump_given_or_from_standard_input() {
    let o = wirecraft(
        &[
            "-c",
            "p = IP(src='198.18.0.1', dst='198.18.0.2')/UDP()/Raw(b'hello world, this is a test'); \
             print(import_hexcap(hexdump(p, dump=True)) == raw(p)); print(import_hexcap()); print(import_hexcap())",
        ],
        Some("\t0x0000:  4500 001c 0000 4000  E.....@.\n0x0010:  4601\n\n0000  47 00\n"),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        "True\nb'E\\x00\\x00\\x1c\\x00\\x00@\\x00F\\x01'\nb'G\\x00'\n"
    );
}
