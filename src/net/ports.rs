//! The ports a scan probes, read in one place from every form a person writes them in: a number, a list, an
//! inclusive range, or nmap's `-p` text (`"22,80,8000-8100"`, `"-"` for all of 1–65535, `"-1024"`,
//! `"60000-"`). Errors name the part that is wrong.

use std::fmt;

/// A set of TCP ports, in ascending order, each once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ports(Vec<u16>);

/// Why a port specification was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortError {
    /// A number past 65535 (or below 0).
    OutOfRange(i128),
    /// A range whose start lies after its end.
    Backwards(u16, u16),
    /// A part of the text that is no number.
    NotANumber(String),
    /// Nothing at all to scan.
    Empty,
}

impl fmt::Display for PortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortError::OutOfRange(p) => write!(f, "port {p} is out of range (0-65535)"),
            PortError::Backwards(lo, hi) => write!(f, "port range {lo}-{hi} runs backwards"),
            PortError::NotANumber(part) => write!(f, "{part:?} is not a port number or range"),
            PortError::Empty => f.write_str("no ports to scan"),
        }
    }
}

impl std::error::Error for PortError {}

/// One port number, checked.
fn port(n: i128) -> Result<u16, PortError> {
    u16::try_from(n).map_err(|_| PortError::OutOfRange(n))
}

impl Ports {
    /// Every port from `lo` to `hi`, both included (Scapy's `dport=(1, 1024)`).
    pub fn range(lo: i128, hi: i128) -> Result<Ports, PortError> {
        let (lo, hi) = (port(lo)?, port(hi)?);
        if lo > hi {
            return Err(PortError::Backwards(lo, hi));
        }
        Ok(Ports((lo..=hi).collect()))
    }

    /// The ports listed, in any order, repeats allowed.
    pub fn list(ports: impl IntoIterator<Item = i128>) -> Result<Ports, PortError> {
        let mut v = ports.into_iter().map(port).collect::<Result<Vec<_>, _>>()?;
        if v.is_empty() {
            return Err(PortError::Empty);
        }
        v.sort_unstable();
        v.dedup();
        Ok(Ports(v))
    }

    /// nmap's `-p` text: comma-separated numbers and ranges; a range missing its start begins at 1, one
    /// missing its end stops at 65535 (so `"-"` is every port but 0).
    pub fn parse(text: &str) -> Result<Ports, PortError> {
        let number = |s: &str, missing: i128| -> Result<i128, PortError> {
            match s.trim() {
                "" => Ok(missing),
                t => t.parse::<i128>().map_err(|_| PortError::NotANumber(t.to_string())),
            }
        };
        let mut all = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once('-') {
                Some((lo, hi)) => {
                    let (lo, hi) = (number(lo, 1)?, number(hi, 65535)?);
                    all.extend(Ports::range(lo, hi)?.0.into_iter().map(i128::from));
                }
                None => all.push(number(part, 0)?),
            }
        }
        Ports::list(all)
    }

    pub fn as_slice(&self) -> &[u16] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true for a parsed set (an empty one is refused), but asked by whoever holds a `Ports`.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_form_reads() {
        assert_eq!(
            Ports::parse("22,80,8000-8002").unwrap().as_slice(),
            [22, 80, 8000, 8001, 8002]
        );
        assert_eq!(Ports::parse("-").unwrap().len(), 65535);
        assert_eq!(Ports::parse("-").unwrap().as_slice()[0], 1);
        assert_eq!(Ports::parse("-3").unwrap().as_slice(), [1, 2, 3]);
        assert_eq!(Ports::parse("65534-").unwrap().as_slice(), [65534, 65535]);
        assert_eq!(Ports::parse(" 80 , 22,80 ").unwrap().as_slice(), [22, 80]);
        assert_eq!(Ports::range(1, 1024).unwrap().len(), 1024);
        assert_eq!(Ports::list([443, 22]).unwrap().as_slice(), [22, 443]);
    }

    #[test]
    fn bad_specifications_name_their_fault() {
        let e = |t: &str| Ports::parse(t).unwrap_err().to_string();
        assert_eq!(e("70000"), "port 70000 is out of range (0-65535)");
        assert_eq!(e("80-70000"), "port 70000 is out of range (0-65535)");
        assert_eq!(e("100-10"), "port range 100-10 runs backwards");
        assert_eq!(e("22,http"), "\"http\" is not a port number or range");
        assert_eq!(e("1-2-3"), "\"2-3\" is not a port number or range");
        assert_eq!(e(""), "no ports to scan");
        assert_eq!(
            Ports::list([-1]).unwrap_err().to_string(),
            "port -1 is out of range (0-65535)"
        );
    }
}
