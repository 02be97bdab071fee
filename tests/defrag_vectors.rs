//! `defrag`, `defragment` and `defragment6` against Scapy 2.8.0's results on the same frames
//! (`tests/data/vectors/defrag.jsonl`, made by `tests/data/scripts/gen_defrag_vectors.py`): the same packets
//! out, byte for byte, with the same summaries and the same warnings.

use serde_json::Value as Json;
use wirecraft::layers::defragment::{defrag, defragment, defragment6, Sourced};
use wirecraft::{LinkType, Packet};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hex_of(p: &Packet) -> String {
    p.build().iter().map(|b| format!("{b:02x}")).collect()
}

fn strings(v: &Json) -> Vec<String> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|s| s.as_str().expect("a string").to_string())
        .collect()
}

fn hexes(ps: &[Sourced]) -> Vec<String> {
    ps.iter().map(|(p, _)| hex_of(p)).collect()
}

/// `[hex, summary]` as the vectors write a packet out.
fn shown(p: &Packet) -> Json {
    Json::from(vec![hex_of(p), p.summary()])
}

#[test]
fn defragmentation_gives_scapys_packets_and_warnings() {
    let text = std::fs::read_to_string("tests/data/vectors/defrag.jsonl").expect("vectors");
    let mut cases = 0;
    for (n, line) in text.lines().enumerate() {
        let c: Json = serde_json::from_str(line).expect("json");
        let link = match c["link"].as_str() {
            Some("ether") => LinkType::Ethernet,
            _ => LinkType::RawIp,
        };
        let input: Vec<Packet> = strings(&c["input"])
            .iter()
            .map(|h| Packet::dissect(&hex(h), link))
            .collect();
        let warnings = match c["func"].as_str().expect("func") {
            "defragment" => {
                let out = defragment(&input).expect("defragment");
                let got: Vec<Json> = out.packets.iter().map(|(p, _)| shown(p)).collect();
                assert_eq!(Json::from(got), c["out"], "case {n}: defragment");
                out.warnings
            }
            "defrag" => {
                let out = defrag(&input).expect("defrag");
                assert_eq!(hexes(&out.unfragmented), strings(&c["nofrag"]), "case {n}: nofrag");
                assert_eq!(hexes(&out.reassembled), strings(&c["defrag"]), "case {n}: defrag");
                assert_eq!(hexes(&out.bad), strings(&c["missfrag"]), "case {n}: missfrag");
                out.warnings
            }
            _ => {
                let out = defragment6(&input).expect("defragment6");
                let got = out.packet.as_ref().map_or(Json::Null, |(p, _)| shown(p));
                assert_eq!(got, c["out"], "case {n}: defragment6");
                out.warnings
            }
        };
        assert_eq!(warnings, strings(&c["warnings"]), "case {n}: warnings");
        cases += 1;
    }
    assert!(cases >= 100, "{cases} cases");
}
