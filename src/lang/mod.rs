//! The wirecraft language: Scapy's Python subset for packets, plus a command form (`ls IP`, `help sniff`).
//! The normative grammar is `grammar/wirecraft.ebnf`.
//!
//! ```
//! use wirecraft::lang::Session;
//!
//! let mut s = Session::new();
//! let v = s.run("p = IP(dst='198.18.0.2')/TCP(dport=(20, 22)); len(list(p))", "<doc>")?;
//! assert_eq!(v.map(|v| v.repr()), Some("3".to_string()));
//! # Ok::<(), wirecraft::lang::LangError>(())
//! ```
//!
//! What the REPL needs is here too: [`is_complete`] for multi-line input, [`Session::completions`] and
//! [`Session::signature_at`] for tab completion and hints, [`highlight_tokens`] for colouring.

pub mod args;
mod assist;
pub mod ast;
mod async_sniffer;
mod banner;
mod banner_report;
mod builtins;
mod discover;
pub mod error;
mod eval;
mod exception;
mod hexcap;
mod live;
mod live_tools;
mod load_dumps;
mod make_table;
mod manufdb;
mod memory;
mod net;
mod net_table;
mod ops;
mod packet_list;
mod packet_sockets;
mod packet_tools;
pub mod parse;
mod parser;
mod pcap;
mod pcap_reader;
mod pcap_writer;
mod ping_result;
mod portscan;
mod portscan_result;
mod python;
mod results;
pub mod rows;
#[cfg(test)]
mod rows_test;
mod session;
mod set;
mod sockets;
mod sprintf;
mod steps;
pub mod table;
mod traceroute;
mod traceroute_result;
pub mod value;

pub use assist::{highlight_tokens, is_complete, Candidate, CandidateKind, TokenClass};
pub use error::{ErrorKind, LangError};
pub use session::Session;
pub use value::Value;
