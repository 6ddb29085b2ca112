//! Harvesting other registers: how an attempt ended.

use serde::{Deserialize, Serialize};

code_enum!(
    /// How the last harvest of a source ended.
    HarvestOutcome {
        Changed = "changed" / "bijgewerkt" / "updated",
        NotModified = "not_modified" / "ongewijzigd" / "unchanged",
        Failed = "failed" / "mislukt" / "failed",
    }
);

#[allow(clippy::derivable_impls)] // the enum comes from a macro
impl Default for HarvestOutcome {
    fn default() -> Self {
        HarvestOutcome::Changed
    }
}
