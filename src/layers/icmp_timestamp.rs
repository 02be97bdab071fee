//! ICMP timestamps (RFC 792): milliseconds since midnight UTC, shown as `h:m:s.ms` like Scapy's
//! `ICMPTimeStampField`.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::packet::{FieldValue, Layer};

/// The current time of day in milliseconds, Scapy's default for the three timestamps.
pub fn now(_: &Layer) -> FieldValue {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    FieldValue::Int((ms % 86_400_000) as u64)
}

/// `h:m:s.ms`, as Scapy shows an ICMP timestamp.
pub fn time_of_day(ms: u64) -> String {
    let (sec, milli) = (ms / 1000, ms % 1000);
    format!("{}:{}:{}.{}", sec / 3600, sec / 60 % 60, sec % 60, milli)
}
