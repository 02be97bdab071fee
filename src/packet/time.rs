//! When a packet was captured or made: Scapy's `p.time`, kept to the nanosecond. The engine's, so that a
//! packet's time travels with it between capture files, the live side and the language.

use std::fmt;

/// A capture timestamp, to the nanosecond.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    pub secs: i64,
    /// 0..1_000_000_000, except in a time read from a damaged classic pcap record (see
    /// [`Timestamp::as_recorded`]).
    pub nanos: u32,
}

impl Timestamp {
    pub fn new(secs: i64, nanos: u32) -> Timestamp {
        Timestamp {
            secs: secs + i64::from(nanos / 1_000_000_000),
            nanos: nanos % 1_000_000_000,
        }
    }

    /// A classic pcap record's time with its fraction as the record holds it, not carried into the seconds
    /// even when it is a second or more (a damaged record's microsecond field of 1500000): libpcap hands such
    /// a field over as it is, tcpdump (`-tt`) and tshark show it as it is (`1795593725.1500000`), Scapy's
    /// float adds it (`as_f64` too), and writing the record back gives the same bytes.
    pub fn as_recorded(secs: i64, nanos: u32) -> Timestamp {
        Timestamp { secs, nanos }
    }

    /// The time now to the microsecond, for packets crafted rather than captured (Scapy stamps a packet when
    /// it is made, with microseconds, so a file of crafted packets stays a microsecond file).
    pub fn now() -> Timestamp {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp::new(d.as_secs() as i64, d.subsec_micros() * 1000)
    }

    /// Seconds as a float, to the microsecond (what a float of today's seconds holds, and what libpcap
    /// gives): a time set as Scapy's `p.time = 1.5`, or a capture's. `None` for infinities and NaN, and for
    /// times outside 64-bit seconds.
    pub fn from_f64(t: f64) -> Option<Timestamp> {
        let secs = t.floor();
        if !secs.is_finite() || secs.abs() >= i64::MAX as f64 {
            return None;
        }
        Some(Timestamp::new(secs as i64, ((t - secs) * 1e6).round() as u32 * 1000))
    }

    /// Scapy's `p.time`: seconds as a float (nanoseconds beyond a float's precision stay in the timestamp).
    pub fn as_f64(self) -> f64 {
        self.secs as f64 + f64::from(self.nanos) / 1e9
    }

    /// True when the timestamp is not a whole number of microseconds (a pcap file then needs nanoseconds).
    pub fn needs_nanos(self) -> bool {
        self.nanos % 1000 != 0
    }

    /// Scapy's `sprintf("%.time%")` as its list dumps print it: `HH:MM:SS.micros`, in UTC (Scapy prints local
    /// time).
    pub fn time_of_day(self) -> String {
        let day = self.secs.rem_euclid(86_400);
        format!(
            "{:02}:{:02}:{:02}.{:06}",
            day / 3600,
            day / 60 % 60,
            day % 60,
            self.nanos / 1000
        )
    }

    /// `self - earlier`, in nanoseconds.
    pub fn nanos_since(self, earlier: Timestamp) -> i128 {
        (i128::from(self.secs) - i128::from(earlier.secs)) * 1_000_000_000 + i128::from(self.nanos)
            - i128::from(earlier.nanos)
    }
}

impl fmt::Display for Timestamp {
    /// `secs.nanos`, e.g. `1700000000.123456789`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:09}", self.secs, self.nanos)
    }
}
