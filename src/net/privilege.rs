//! Capabilities: live commands check them first, so a user without them gets one line with the fix instead of a
//! raw `EPERM` from deep inside libpcap.

use super::error::{Error, Result};

const CAP_NET_ADMIN: u32 = 12;
const CAP_NET_RAW: u32 = 13;

/// Fails with [`Error::Privilege`] unless the calling thread may open raw and packet sockets (CAP_NET_RAW).
/// CAP_NET_ADMIN is named too when missing, since promiscuous mode and some interfaces need it.
///
/// Capabilities are per thread on Linux, so `/proc/thread-self` is read, not `/proc/self`.
pub fn require() -> Result<()> {
    let status =
        std::fs::read_to_string("/proc/thread-self/status").map_err(|e| Error::io("/proc/thread-self/status", e))?;
    check(&status)
}

/// The decision, from the text of a `/proc/<pid>/status` file.
fn check(status: &str) -> Result<()> {
    let eff = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .unwrap_or(0);
    let has = |cap: u32| eff & (1 << cap) != 0;
    if has(CAP_NET_RAW) {
        return Ok(());
    }
    let mut missing = vec!["CAP_NET_RAW"];
    if !has(CAP_NET_ADMIN) {
        missing.push("CAP_NET_ADMIN");
    }
    Err(Error::Privilege { missing })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_what_is_missing_and_how_to_grant_it() {
        assert!(check("Name:\tx\nCapEff:\t000001ffffffffff\n").is_ok());
        assert!(
            check("CapEff:\t0000000000002000\n").is_ok(),
            "CAP_NET_RAW alone is enough"
        );
        let e = check("CapEff:\t0000000000000000\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "permission denied: live traffic needs CAP_NET_RAW and CAP_NET_ADMIN (run as root, or grant it once \
             with `sudo setcap cap_net_raw,cap_net_admin=eip $(which wirecraft)`)"
        );
    }
}
