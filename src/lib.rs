//! # wirecraft
//!
//! A fast, Scapy-compatible packet engine: build frames from layers with Scapy's defaults and automatic
//! fields, dissect bytes back into layers, and render them as Scapy does.
//!
//! ```
//! use wirecraft::{Layer, Packet, LinkType};
//!
//! let p = Layer::named("Ether")?.with("dst", "ff:ff:ff:ff:ff:ff")?.with("src", "02:00:00:00:00:01")?
//!     / Layer::named("IP")?.with("src", "198.18.0.1")?.with("dst", "198.18.0.2")?
//!     / Layer::named("TCP")?.with("dport", 80)?.with("flags", "S")?;
//! let bytes = p.build();
//! assert_eq!(bytes.len(), 54);
//! let q = Packet::dissect(&bytes, LinkType::Ethernet);
//! assert_eq!(q.summary(), "Ether / IP / TCP 198.18.0.1:ftp_data > 198.18.0.2:http S");
//! # Ok::<(), wirecraft::Error>(())
//! ```

pub mod error;
pub mod lang;
pub mod layers;
pub mod packet;

pub use error::Error;
pub use packet::{Layer, LinkType, Packet, Proto, Value};
