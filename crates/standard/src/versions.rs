//! The standard versions algoreg knows. A record keeps the version it was written in.

use crate::fields::{FieldDef, Group};
use crate::{legacy_tables as lt, v1_0};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum StandardVersion {
    #[serde(rename = "0.1")]
    V0_1,
    #[serde(rename = "0.2.3")]
    V0_2_3,
    #[serde(rename = "0.3.1")]
    V0_3_1,
    #[serde(rename = "0.4")]
    V0_4,
    #[serde(rename = "1.0")]
    V1_0,
}

impl StandardVersion {
    pub const ALL: [StandardVersion; 5] =
        [StandardVersion::V0_1, StandardVersion::V0_2_3, StandardVersion::V0_3_1, StandardVersion::V0_4, StandardVersion::V1_0];
    /// The version new registrations are written in.
    pub const CURRENT: StandardVersion = StandardVersion::V1_0;

    pub fn as_str(self) -> &'static str {
        match self {
            StandardVersion::V0_1 => "0.1",
            StandardVersion::V0_2_3 => "0.2.3",
            StandardVersion::V0_3_1 => "0.3.1",
            StandardVersion::V0_4 => "0.4",
            StandardVersion::V1_0 => "1.0",
        }
    }

    /// Accepts the spellings in use: `1.0`, `1.0.0`, `0.4.0`, `v0_4`, ...
    pub fn parse(s: &str) -> Option<StandardVersion> {
        let s = s.trim().trim_start_matches(['v', 'V']).replace('_', ".");
        match s.as_str() {
            "0.1" | "0.1.0" => Some(StandardVersion::V0_1),
            "0.2" | "0.2.3" => Some(StandardVersion::V0_2_3),
            "0.3" | "0.3.0" | "0.3.1" => Some(StandardVersion::V0_3_1),
            "0.4" | "0.4.0" => Some(StandardVersion::V0_4),
            "1.0" | "1.0.0" | "1" => Some(StandardVersion::V1_0),
            _ => None,
        }
    }

    pub fn fields(self) -> &'static [FieldDef] {
        match self {
            StandardVersion::V0_1 => lt::V0_1_FIELDS,
            StandardVersion::V0_2_3 => lt::V0_2_3_FIELDS,
            StandardVersion::V0_3_1 => lt::V0_3_1_FIELDS,
            StandardVersion::V0_4 => lt::V0_4_FIELDS,
            StandardVersion::V1_0 => v1_0::FIELDS,
        }
    }

    pub fn groups(self) -> &'static [Group] {
        match self {
            StandardVersion::V0_1 => lt::V0_1_GROUPS,
            StandardVersion::V0_2_3 => lt::V0_2_3_GROUPS,
            StandardVersion::V0_3_1 => lt::V0_3_1_GROUPS,
            StandardVersion::V0_4 => lt::V0_4_GROUPS,
            StandardVersion::V1_0 => v1_0::GROUPS,
        }
    }

    pub fn field(self, key: &str) -> Option<&'static FieldDef> {
        self.fields().iter().find(|f| f.key == key)
    }

    /// Whether new registrations and changes may be written in this version (only the current one).
    pub fn is_writable(self) -> bool {
        self == StandardVersion::CURRENT
    }
}

impl std::fmt::Display for StandardVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
