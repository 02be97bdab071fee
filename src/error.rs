//! The engine's errors, each naming what went wrong in terms a user can act on.

use std::fmt;

use crate::packet::Proto;

/// An error from building or editing a packet.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// No protocol has this class name.
    UnknownLayer(String),
    /// The layer has no such field; `suggestion` is the closest field name, if any is close.
    NoField {
        layer: &'static str,
        field: String,
        suggestion: Option<&'static str>,
    },
    /// The value does not fit the field.
    BadValue {
        layer: &'static str,
        field: &'static str,
        why: String,
    },
    /// The packet has no layer of that protocol.
    NoLayer(String),
}

impl Error {
    pub(crate) fn no_field(proto: &'static Proto, field: &str) -> Error {
        let names: Vec<&'static str> = proto.fields.iter().map(|f| f.name).collect();
        let best = closest(field, &names);
        // A transport port typed on a network layer (`IP(dprot=…)`) means the address on the same side.
        let port_side = closest(field, &["sport", "dport"])
            .filter(|_| !names.contains(&"dport"))
            .filter(|(d, _)| best.is_none_or(|(b, _)| d < &b))
            .map(|(_, side)| if side == "sport" { "src" } else { "dst" })
            .filter(|addr| names.contains(addr));
        let suggestion = port_side.or(best.map(|(_, n)| n));
        Error::NoField {
            layer: proto.name,
            field: field.to_string(),
            suggestion,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownLayer(n) => write!(f, "unknown layer '{n}'"),
            Error::NoField {
                layer,
                field,
                suggestion: Some(s),
            } => {
                write!(f, "{layer} has no field '{field}'; did you mean '{s}'?")
            }
            Error::NoField {
                layer,
                field,
                suggestion: None,
            } => write!(f, "{layer} has no field '{field}'"),
            Error::BadValue { layer, field, why } => write!(f, "{layer}.{field}: {why}"),
            Error::NoLayer(n) => write!(f, "the packet has no {n} layer"),
        }
    }
}

impl std::error::Error for Error {}

/// The name nearest to `typed` and its distance, if it is close enough to be what was meant. Between names as
/// near, one that only adds letters to what was typed wins (`htp` is `http` before `ftp`).
pub(crate) fn closest<'a>(typed: &str, names: &[&'a str]) -> Option<(usize, &'a str)> {
    names
        .iter()
        .map(|n| (edit_distance(n, typed), *n))
        .filter(|(d, name)| *d <= 2.max(name.len() / 3) && *d < name.len().max(typed.len()))
        .min_by_key(|(d, name)| (*d, !is_subsequence(typed, name)))
}

/// Whether the characters of `short` appear in `long` in order.
fn is_subsequence(short: &str, long: &str) -> bool {
    let mut rest = long.chars();
    short.chars().all(|c| rest.any(|l| l == c))
}

/// Levenshtein distance, with transpositions counted as one edit (`dprot` is one edit from `dport`).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_names_on_network_layers_suggest_addresses() {
        let e =
            |layer: &str, f: &str| Error::no_field(crate::packet::Proto::by_name(layer).expect("layer"), f).to_string();
        assert_eq!(e("IP", "dprot"), "IP has no field 'dprot'; did you mean 'dst'?");
        assert_eq!(e("IP", "sport"), "IP has no field 'sport'; did you mean 'src'?");
        assert_eq!(e("TCP", "dprot"), "TCP has no field 'dprot'; did you mean 'dport'?");
        assert_eq!(e("IP", "tll"), "IP has no field 'tll'; did you mean 'ttl'?");
        assert_eq!(
            closest("htp", &["ftp", "http"]),
            Some((1, "http")),
            "letters added win a tie"
        );
    }

    #[test]
    fn transposition_is_one_edit() {
        assert_eq!(edit_distance("dprot", "dport"), 1);
        assert_eq!(edit_distance("dst", "dst"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
