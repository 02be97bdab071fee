#![doc = include_str!("../README.md")]

pub mod error;
pub mod lang;
pub mod layers;
pub mod net;
pub mod packet;
pub mod pcapio;

pub use error::Error;
pub use packet::{FieldValue, Layer, LinkType, Packet, Proto};
