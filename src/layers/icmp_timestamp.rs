//! ICMP timestamps (RFC 792): milliseconds since midnight UTC, shown as `h:m:s.ms` like Scapy's
//! `ICMPTimeStampField`.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::packet::{Codec, Layer, Value};

pub struct Timestamp;
pub static TIMESTAMP: Timestamp = Timestamp;

/// The current time of day in milliseconds, Scapy's default for the three timestamps.
pub fn now(_: &Layer) -> Value {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Value::Int((ms % 86_400_000) as u64)
}

impl Codec for Timestamp {
    fn encode(&self, v: &Value, out: &mut Vec<u8>) {
        out.extend_from_slice(&(v.as_int().unwrap_or(0) as u32).to_be_bytes());
    }

    fn decode(&self, data: &[u8], pos: usize, _end: usize, _layer: &Layer) -> Option<(Value, usize)> {
        let b: [u8; 4] = data.get(pos..pos + 4)?.try_into().ok()?;
        Some((Value::Int(u64::from(u32::from_be_bytes(b))), 4))
    }

    fn coerce(&self, v: Value) -> Result<Value, String> {
        match v {
            Value::Int(i) if i <= u64::from(u32::MAX) => Ok(Value::Int(i)),
            other => Err(format!("an ICMP timestamp is milliseconds since midnight, got {other}")),
        }
    }

    fn repr(&self, v: &Value) -> String {
        let ms = v.as_int().unwrap_or(0);
        let (sec, milli) = (ms / 1000, ms % 1000);
        format!("{}:{}:{}.{}", sec / 3600, sec / 60 % 60, sec % 60, milli)
    }

    fn kind_name(&self) -> &'static str {
        "ICMPTimeStampField"
    }
}
