#![doc = include_str!("../README.md")]

pub mod error;
pub mod layers;
pub mod net;
pub mod packet;

pub use error::Error;
pub use packet::{Layer, LinkType, Packet, Proto, Value};
