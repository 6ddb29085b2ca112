//! Where a registration stands with the AI Act's requirements.

use serde::{Deserialize, Serialize};

code_enum!(
    /// Where a record stands with one requirement that follows from its classification.
    ComplianceStatus {
        NotStarted = "not_started" / "Nog niet begonnen" / "Not started",
        InProgress = "in_progress" / "Bezig" / "In progress",
        Done = "done" / "Voldaan" / "Done",
        NotApplicable = "not_applicable" / "Niet van toepassing" / "Not applicable",
    }
);

impl ComplianceStatus {
    /// Dealt with: met, or argued not to apply.
    pub fn is_dealt_with(self) -> bool {
        matches!(self, ComplianceStatus::Done | ComplianceStatus::NotApplicable)
    }
}
