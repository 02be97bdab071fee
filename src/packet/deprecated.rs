//! Field names a protocol has renamed but still accepts, Scapy's `deprecated_fields`: scripts written for an
//! older Scapy (`Dot1Q(id=1)`, now `dei`) keep working, with a warning that names the new field.

use std::fmt;

use super::Proto;

/// An old field name and the field it now means.
#[derive(Debug)]
pub struct DeprecatedField {
    pub old: &'static str,
    pub new: &'static str,
    /// The Scapy version that renamed it, for the warning.
    pub since: &'static str,
}

impl Proto {
    /// The renamed field `name` stands for, if it is an old name of this protocol's.
    pub fn deprecated(&self, name: &str) -> Option<&'static DeprecatedField> {
        self.deprecated_fields.iter().find(|d| d.old == name)
    }
}

impl fmt::Display for DeprecatedField {
    /// Scapy's warning text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} has been deprecated in favor of {} since {} !",
            self.old, self.new, self.since
        )
    }
}
