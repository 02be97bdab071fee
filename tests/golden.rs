//! Golden vectors recorded from Scapy 2.8.0 (tests/data/scripts/gen_vectors.py): the same layers built through
//! wirecraft's API must give the same bytes and the same `summary()`, `show()`, `show2()`, `repr()` and
//! `command()`; the same bytes dissected must give the same layers, summary and `show()`.
//!
//! `GOLDEN=substring cargo test --test golden` runs only the cases whose id contains the substring and prints
//! every difference in full.

mod vectors;

use serde_json::Value as Json;
use vectors::cases;
use wirecraft::packet::Generator;
use wirecraft::{FieldValue, Layer, LinkType, Packet};

/// Decodes the vector files' value encoding (see tests/data/README.md) into a field value.
fn value(j: &Json) -> Result<FieldValue, String> {
    Ok(match j {
        Json::Null => FieldValue::None,
        Json::Bool(b) => FieldValue::Int(u64::from(*b)),
        Json::Number(n) => match (n.as_u64(), n.as_f64()) {
            (Some(i), _) => FieldValue::Int(i),
            (None, Some(x)) if n.is_f64() => FieldValue::Float(x),
            _ => return Err(format!("not a u64 or a float: {n}")),
        },
        Json::String(s) => FieldValue::from(s.as_str()),
        Json::Object(o) => {
            let (k, v) = o.iter().next().ok_or("empty object")?;
            match k.as_str() {
                "bytes" => FieldValue::Bytes(hex(v.as_str().ok_or("bytes is hex text")?)),
                "range" => {
                    let a = v[0].as_u64().ok_or("range start")?;
                    let b = v[1].as_u64().ok_or("range end")?;
                    FieldValue::gen(Generator::Range(a, b))
                }
                "list" => FieldValue::List(values(v)?),
                "tuple" => FieldValue::Tuple(values(v)?),
                "layers" => FieldValue::Layers(
                    v.as_array()
                        .ok_or("layers")?
                        .iter()
                        .map(|l| layer(l).map_err(|e| e.to_string()))
                        .collect::<Result<_, _>>()?,
                ),
                other => return Err(format!("unknown value encoding {other}")),
            }
        }
        Json::Array(_) => return Err(format!("bare array {j}")),
    })
}

/// The elements of an encoded list or tuple.
fn values(j: &Json) -> Result<Vec<FieldValue>, String> {
    j.as_array().ok_or("a list of values")?.iter().map(value).collect()
}

fn layer(j: &Json) -> Result<Layer, String> {
    let name = j[0].as_str().ok_or("layer name")?;
    let mut l = Layer::named(name).map_err(|e| e.to_string())?;
    if let Some(fields) = j[1].as_object() {
        for (k, v) in fields {
            l.set(k, value(v)?).map_err(|e| e.to_string())?;
        }
    }
    Ok(l)
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Collects the differences of one case; `verbose` prints them whole.
struct Report {
    failures: Vec<String>,
    verbose: bool,
}

impl Report {
    /// An empty report; `GOLDEN=<id>` in the environment asks for differences in full.
    fn new() -> Report {
        Report {
            failures: Vec::new(),
            verbose: std::env::var("GOLDEN").is_ok(),
        }
    }

    fn check(&mut self, id: &str, what: &str, got: &str, want: &Json) {
        let Some(want) = want.as_str() else { return };
        if got != want {
            let msg = if self.verbose {
                format!("{id} {what}:\n--- scapy\n{want}\n--- wirecraft\n{got}")
            } else {
                format!("{id} {what}")
            };
            self.failures.push(msg);
        }
    }

    fn finish(self, total: usize) {
        let n = self.failures.len();
        for f in &self.failures {
            eprintln!("{f}");
        }
        eprintln!("{n} differences in {total} cases");
        assert_eq!(
            n, 0,
            "{n} differences from Scapy 2.8.0 (run with GOLDEN=<id> to see one in full)"
        );
    }
}

#[test]
fn build_vectors_match_scapy() {
    let cases = cases("build.jsonl");
    let mut r = Report::new();
    for c in &cases {
        let id = c["id"].as_str().unwrap();
        let layers: Result<Vec<Layer>, String> = c["layers"].as_array().unwrap().iter().map(layer).collect();
        let p = match layers {
            Ok(l) => Packet::new(l),
            Err(e) => {
                r.failures.push(format!("{id}: cannot construct: {e}"));
                continue;
            }
        };
        r.check(id, "hex", &to_hex(&p.build()), &c["hex"]);
        if let Some(n) = c["count"].as_u64() {
            r.check(id, "count", &p.count().to_string(), &Json::String(n.to_string()));
        }
        if let Some(all) = c["all_hex"].as_array() {
            let got: Vec<String> = p.iter().map(|q| to_hex(&q.build())).collect();
            let want: Vec<String> = all.iter().map(|h| h.as_str().unwrap().to_string()).collect();
            r.check(id, "all_hex", &got.join("\n"), &Json::String(want.join("\n")));
        }
        r.check(id, "summary", &p.summary(), &c["summary"]);
        r.check(id, "show", &p.show(), &c["show"]);
        r.check(id, "show2", &p.show2(), &c["show2"]);
        r.check(id, "repr", &p.repr(), &c["repr"]);
        r.check(id, "command", &p.command(), &c["command"]);
    }
    r.finish(cases.len());
}

/// Cases where wirecraft deliberately differs from Scapy, with the reason; README.md lists them for users.
/// Each is checked against wirecraft's own documented behaviour instead.
const DISSECT_DEVIATIONS: &[(&str, &str)] = &[
    (
        "empty_input_ether",
        "empty input: Scapy invents a default 14-byte Ether(); wirecraft keeps an empty Raw",
    ),
    (
        "rawip_empty",
        "empty input: Scapy invents a default IP(); wirecraft keeps an empty Raw",
    ),
    (
        "null_empty",
        "empty input: Scapy invents a default Loopback(); wirecraft keeps an empty Raw",
    ),
    (
        "ipv6_jumbo_no_option_scan_ends",
        "a jumbogram without a Jumbo option whose payload is 4n + 2 bytes: Scapy's search for the option reads \
         past the payload (IndexError) and the whole IPv6 becomes Raw; wirecraft takes the jumbo length as 0, \
         as Scapy does for other lengths (ipv6::tests::a_jumbogram_without_its_option_keeps_its_header)",
    ),
];

#[test]
fn empty_input_is_an_empty_raw() {
    for link in [
        LinkType::Ethernet,
        LinkType::RawIp,
        LinkType::Null,
        LinkType::LinuxSll,
        LinkType::LinuxSll2,
    ] {
        let p = Packet::dissect(&[], link);
        let names: Vec<&str> = p.layers().iter().map(|l| l.name()).collect();
        assert_eq!(names, ["Raw"], "{link:?}");
        assert_eq!(p.len(), 0);
        assert_eq!(p.summary(), "Raw");
    }
}

#[test]
fn dissect_vectors_match_scapy() {
    let cases = cases("dissect.jsonl");
    let mut r = Report::new();
    for c in &cases {
        let id = c["id"].as_str().unwrap();
        if let Some((_, why)) = DISSECT_DEVIATIONS.iter().find(|(d, _)| *d == id) {
            eprintln!("{id}: deliberate deviation: {why}");
            continue;
        }
        let bytes = hex(c["hex"].as_str().unwrap());
        let link = LinkType::from_dlt(c["linktype"].as_u64().unwrap() as u32);
        let p = Packet::dissect(&bytes, link);
        let names: Vec<&str> = p.layers().iter().map(|l| l.name()).collect();
        let want: Vec<&str> = c["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        r.check(id, "layers", &names.join(" / "), &Json::String(want.join(" / ")));
        r.check(id, "summary", &p.summary(), &c["summary"]);
        r.check(id, "show", &p.show(), &c["show"]);
        r.check(id, "len", &p.len().to_string(), &Json::String(c["len"].to_string()));
        // An unedited dissected packet rebuilds to exactly the bytes it came from.
        r.check(id, "rebuild", &to_hex(&p.build()), &c["hex"]);
    }
    r.finish(cases.len());
}

/// `ls(Class)` prints what Scapy's does for every class in ls.txt: field class names, `(Cond)` and
/// `MultipleTypeField` markers, bit widths and Scapy's defaults.
#[test]
fn ls_matches_scapy() {
    let path = format!("{}/tests/data/vectors/ls.txt", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut r = Report::new();
    let mut total = 0;
    for block in text.split("=== ").filter(|b| !b.is_empty()) {
        let (name, want) = block.split_once('\n').unwrap();
        total += 1;
        match wirecraft::packet::Proto::by_name(name) {
            Some(p) => r.check(name, "ls", &p.ls(), &Json::String(want.to_string())),
            None => r.failures.push(format!("{name}: no such protocol")),
        }
    }
    assert!(total > 80, "ls.txt holds {total} classes");
    r.finish(total);
}
