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

#[cfg(test)]
mod tests {
    use crate::packet::registry::installed;
    use crate::packet::{FieldValue, Layer};

    #[test]
    fn every_old_name_means_a_field_of_its_protocol() {
        for proto in installed().protocols() {
            for d in proto.deprecated_fields {
                assert!(
                    proto.fields.iter().any(|f| f.is_named(d.new)),
                    "{}.{} -> {}",
                    proto.name,
                    d.old,
                    d.new
                );
                assert!(
                    !proto.fields.iter().any(|f| f.is_named(d.old)),
                    "{}.{} is a field",
                    proto.name,
                    d.old
                );
            }
        }
    }

    #[test]
    fn an_old_name_sets_reads_and_unsets_the_new_field() {
        let mut tag = Layer::named("Dot1Q").unwrap();
        tag.set("id", 1u64).unwrap();
        assert_eq!((tag.get_int("dei"), tag.get("id")), (Some(1), Some(FieldValue::Int(1))));
        tag.unset("id").unwrap();
        assert_eq!(tag.get_int("dei"), Some(0));
        assert_eq!(
            installed()
                .by_name("Dot1Q")
                .unwrap()
                .deprecated("id")
                .unwrap()
                .to_string(),
            "id has been deprecated in favor of dei since 2.5.0 !"
        );
    }
}
