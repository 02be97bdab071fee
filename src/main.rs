//! The `wirecraft` command. Until the REPL lands it exposes the engine directly: list layers, show a layer's
//! fields, and dissect a frame given in hex.

use std::process::ExitCode;

use wirecraft::packet::LinkType;
use wirecraft::{layers, Packet, Proto};

const USAGE: &str = "usage:
  wirecraft ls                     list the layers
  wirecraft ls LAYER               a layer's fields, kinds and defaults (Scapy's ls)
  wirecraft dissect [--link L] HEX show a frame: L is ether (default), raw, sll, sll2, null or a LINKTYPE number
  wirecraft --version | --help";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match run(&args) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("wirecraft: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[&str]) -> Result<String, String> {
    match args {
        [] | ["--help" | "-h"] => Ok(format!("{USAGE}\n")),
        ["--version" | "-V"] => Ok(format!("wirecraft {}\n", env!("CARGO_PKG_VERSION"))),
        ["ls"] => Ok(layers::ALL
            .iter()
            .map(|p| format!("{:<22}: {}\n", p.name, p.long_name))
            .collect()),
        ["ls", name] => Proto::by_name(name)
            .map(|p| p.ls())
            .ok_or_else(|| format!("unknown layer '{name}'")),
        ["dissect", "--link", link, hex] => dissect(parse_link(link)?, hex),
        ["dissect", hex] => dissect(LinkType::Ethernet, hex),
        _ => Err(format!("cannot understand {:?}\n{USAGE}", args.join(" "))),
    }
}

fn parse_link(s: &str) -> Result<LinkType, String> {
    Ok(match s {
        "ether" | "ethernet" | "en10mb" => LinkType::Ethernet,
        "raw" | "ip" => LinkType::RawIp,
        "sll" => LinkType::LinuxSll,
        "sll2" => LinkType::LinuxSll2,
        "null" | "loopback" => LinkType::Null,
        n => LinkType::from_dlt(n.parse().map_err(|_| format!("unknown link type '{n}'"))?),
    })
}

fn dissect(link: LinkType, hex: &str) -> Result<String, String> {
    let hex: String = hex.chars().filter(|c| !c.is_whitespace() && *c != ':').collect();
    if hex.len() % 2 != 0 {
        return Err(format!("odd number of hex digits ({})", hex.len()));
    }
    let bytes = (0..hex.len() / 2)
        .map(|i| {
            u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| format!("not hex: '{}'", &hex[2 * i..2 * i + 2]))
        })
        .collect::<Result<Vec<u8>, String>>()?;
    let p = Packet::dissect(&bytes, link);
    Ok(format!("{}\n{}{}\n", p.summary(), p.show(), p.hexdump()))
}
