//! Organisations, roles, publication flows and the workflow state machine. Pure: no I/O.
//!
//! The rules of who may do what live here and nowhere else; services ask [`workflow::plan`] and
//! [`workflow::authorize`] and the store only records the outcome.

pub mod feedback;
pub mod org;
pub mod workflow;

pub use org::{OrgType, PublicationFlow, Role};
pub use workflow::{Action, Principal, VersionState, WorkflowError};
