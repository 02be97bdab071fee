//! MAC address → vendor, from the IEEE registry as the system packages it — never from a table typed here.
//! Wireshark's `manuf` (shipped with tshark; what Scapy's `conf.manufdb` reads) is read first, for it has the
//! short names Scapy prints; else Debian's `ieee-data` (`oui.csv`, `mam.csv`, `oui36.csv`, `iab.csv`), whose
//! organisation name then serves as both names. The data is read at first use, once, and a prefix is matched
//! longest first (a 36-bit MA-S block before the 24-bit MA-L one that holds it). Locally administered
//! addresses (`02:…`) and group addresses belong to no vendor. No data is no failure: every vendor is unknown,
//! and [`MISSING_DATA`] says which package to install.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Wireshark's file: `00:1B:21<TAB>IntelCor<TAB>Intel Corporate`, with `/28` and `/36` prefixes.
const MANUF: &str = "/usr/share/wireshark/manuf";

/// Debian's `ieee-data` directory, and its files with the prefix length of their assignments.
const IEEE_DIR: &str = "/usr/share/ieee-data";
const IEEE_FILES: [(&str, u32); 4] = [("oui.csv", 24), ("mam.csv", 28), ("oui36.csv", 36), ("iab.csv", 36)];

/// What to say when neither source is installed.
pub const MISSING_DATA: &str = "no IEEE OUI data (/usr/share/wireshark/manuf or /usr/share/ieee-data/oui.csv): \
                                MAC vendors are unknown; install the ieee-data package (or Wireshark's tshark)";

/// A vendor's names: Wireshark's short one (`IntelCor`, what Scapy's `arping` table shows) and the
/// registered organisation (`Intel Corporate`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vendor {
    pub short: String,
    pub name: String,
}

/// The registry's prefixes, by length, longest first.
#[derive(Debug, Default)]
pub struct OuiDb {
    by_len: Vec<(u32, HashMap<u64, Vendor>)>,
    /// The file (or `ieee-data` directory) the prefixes were read from.
    source: Option<PathBuf>,
}

/// The system's data, read on first call.
pub fn vendors() -> &'static OuiDb {
    static DB: OnceLock<OuiDb> = OnceLock::new();
    DB.get_or_init(|| OuiDb::read(Path::new(MANUF), Path::new(IEEE_DIR)))
}

/// The vendor of `mac` in the system's data.
pub fn vendor(mac: &[u8; 6]) -> Option<&'static Vendor> {
    vendors().lookup(mac)
}

impl OuiDb {
    /// Wireshark's `manuf` file when it reads, else the `ieee-data` directory's files; empty when neither.
    pub fn read(manuf: &Path, ieee_dir: &Path) -> OuiDb {
        if let Ok(text) = std::fs::read_to_string(manuf) {
            return OuiDb {
                source: Some(manuf.to_path_buf()),
                ..OuiDb::from_manuf(&text)
            };
        }
        let mut db = OuiDb::default();
        for (file, bits) in IEEE_FILES {
            if let Ok(text) = std::fs::read_to_string(ieee_dir.join(file)) {
                db.add_ieee_csv(&text, bits);
                db.source = Some(ieee_dir.to_path_buf());
            }
        }
        db
    }

    /// Where the data was read from: Wireshark's `manuf` file or the `ieee-data` directory.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }

    /// How many prefixes are known.
    pub fn len(&self) -> usize {
        self.by_len.iter().map(|(_, m)| m.len()).sum()
    }

    /// True when no data was found: every vendor is unknown.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The vendor of `mac`, the longest registered prefix first; none for a locally administered or group
    /// address.
    pub fn lookup(&self, mac: &[u8; 6]) -> Option<&Vendor> {
        if mac[0] & 0x03 != 0 {
            return None;
        }
        let whole = mac.iter().fold(0u64, |n, b| n << 8 | u64::from(*b));
        self.by_len.iter().find_map(|(bits, m)| m.get(&(whole >> (48 - bits))))
    }

    /// Wireshark's format: prefix, short name, long name (a `#` comment after it is dropped), tab-separated.
    pub fn from_manuf(text: &str) -> OuiDb {
        let mut db = OuiDb::default();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let mut cols = line.split('\t');
            let (Some(prefix), Some(short)) = (cols.next(), cols.next()) else {
                continue;
            };
            let name = cols.next().map(str::trim).filter(|n| !n.is_empty()).unwrap_or(short);
            let (hex, bits) = match prefix.split_once('/') {
                Some((hex, bits)) => (hex, bits.parse().ok()),
                None => (prefix, None),
            };
            let digits: String = hex.chars().filter(char::is_ascii_hexdigit).collect();
            let bits = bits.unwrap_or(digits.len() as u32 * 4);
            db.add(&digits, bits, short.trim(), name);
        }
        db
    }

    /// The IEEE's CSV: `Registry,Assignment,Organization Name,Organization Address`, the assignment in hex.
    pub fn add_ieee_csv(&mut self, text: &str, bits: u32) {
        for line in text.lines().skip(1) {
            let cols = csv_fields(line);
            if let [_, assignment, org, ..] = cols.as_slice() {
                self.add(assignment, bits, org, org);
            }
        }
    }

    /// One prefix: `digits` in hex, of which the first `bits` count; a malformed one is skipped.
    fn add(&mut self, digits: &str, bits: u32, short: &str, name: &str) {
        if !(1..=48).contains(&bits) || digits.len() > 12 {
            return;
        }
        let Ok(n) = u64::from_str_radix(&format!("{digits:0<12}"), 16) else {
            return;
        };
        let at = match self.by_len.iter().position(|(b, _)| *b <= bits) {
            Some(i) if self.by_len[i].0 == bits => i,
            Some(i) => {
                self.by_len.insert(i, (bits, HashMap::new()));
                i
            }
            None => {
                self.by_len.push((bits, HashMap::new()));
                self.by_len.len() - 1
            }
        };
        self.by_len[at].1.entry(n >> (48 - bits)).or_insert_with(|| Vendor {
            short: short.to_string(),
            name: name.to_string(),
        });
    }
}

/// The fields of one CSV line: commas split, double quotes enclose, `""` inside them is a quote.
fn csv_fields(line: &str) -> Vec<String> {
    let (mut fields, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANUF_TEXT: &str = "# comment\n00:1B:21\tIntelCor\tIntel Corporate\n00:00:18\tWebsterC\tWebster Computer \
                              Corporation\t# Appletalk/Ethernet Gateway\n00:00:13\tCamex\n00:1B:C5\tIEEERegi\tIEEE \
                              Registration Authority\n00:1B:C5:00:10:00/36\tOpenRBco\tOpenRB.com, Direct SIA\n";

    fn names(db: &OuiDb, mac: [u8; 6]) -> Option<(String, String)> {
        db.lookup(&mac).map(|v| (v.short.clone(), v.name.clone()))
    }

    #[test]
    fn manuf_lines_give_short_and_long_names_longest_prefix_first() {
        let db = OuiDb::from_manuf(MANUF_TEXT);
        let v = |s: &str, n: &str| Some((s.to_string(), n.to_string()));
        assert_eq!(names(&db, [0, 0x1b, 0x21, 1, 2, 3]), v("IntelCor", "Intel Corporate"));
        assert_eq!(
            names(&db, [0, 0, 0x18, 0, 0, 0]),
            v("WebsterC", "Webster Computer Corporation")
        );
        assert_eq!(names(&db, [0, 0, 0x13, 0, 0, 0]), v("Camex", "Camex"));
        assert_eq!(
            names(&db, [0, 0x1b, 0xc5, 0, 0x1f, 0xff]),
            v("OpenRBco", "OpenRB.com, Direct SIA")
        );
        assert_eq!(
            names(&db, [0, 0x1b, 0xc5, 0, 0x20, 0]),
            v("IEEERegi", "IEEE Registration Authority")
        );
        assert_eq!(names(&db, [0, 0x1b, 0x22, 0, 0, 0]), None);
    }

    #[test]
    fn local_and_group_addresses_have_no_vendor() {
        let db = OuiDb::from_manuf("02:1B:21\tLocal\n01:1B:21\tGroup\n");
        assert_eq!(db.lookup(&[2, 0x1b, 0x21, 0, 0, 1]), None);
        assert_eq!(db.lookup(&[1, 0x1b, 0x21, 0, 0, 1]), None);
    }

    #[test]
    fn ieee_csv_with_quoted_commas() {
        let mut db = OuiDb::default();
        db.add_ieee_csv(
            "Registry,Assignment,Organization Name,Organization Address\nMA-L,F4BD9E,\"Cisco Systems, Inc\",\"80 \
             West Tasman, San Jose\"\n",
            24,
        );
        db.add_ieee_csv("h\nMA-S,70B3D5F2F,\"The \"\"Q\"\" Co\",x\n", 36);
        assert_eq!(
            db.lookup(&[0xf4, 0xbd, 0x9e, 9, 9, 9]).unwrap().name,
            "Cisco Systems, Inc"
        );
        assert_eq!(
            db.lookup(&[0x70, 0xb3, 0xd5, 0xf2, 0xf7, 1]).unwrap().short,
            "The \"Q\" Co"
        );
    }

    #[test]
    fn missing_files_leave_every_vendor_unknown() {
        let db = OuiDb::read(Path::new("/nonexistent/manuf"), Path::new("/nonexistent"));
        assert!(db.is_empty());
        assert_eq!(db.lookup(&[0, 0x1b, 0x21, 1, 2, 3]), None);
    }

    #[test]
    fn the_installed_ieee_data_reads_when_present() {
        let db = OuiDb::read(Path::new("/nonexistent/manuf"), Path::new(IEEE_DIR));
        if Path::new(IEEE_DIR).join("oui.csv").exists() {
            assert_eq!(db.lookup(&[0, 0x1b, 0x21, 1, 2, 3]).unwrap().name, "Intel Corporate");
        }
    }
}
