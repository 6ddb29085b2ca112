//! Organisations, roles, publication flows and the workflow state machine. Pure: no I/O.
//!
//! The rules of who may do what live here and nowhere else; services ask [`workflow::plan`] and
//! [`workflow::authorize`] and the store only records the outcome.

/// An enum of codes with Dutch and English labels: `code()`, `parse()`, `ALL`, serde by code.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($var:ident = $code:literal / $nl:literal / $en:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $code)] $var),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            pub fn code(self) -> &'static str { match self { $($name::$var => $code),+ } }
            pub fn parse(s: &str) -> Option<$name> { match s { $($code => Some($name::$var),)+ _ => None } }
            pub fn label_nl(self) -> &'static str { match self { $($name::$var => $nl),+ } }
            pub fn label_en(self) -> &'static str { match self { $($name::$var => $en),+ } }
            pub fn codes() -> Vec<&'static str> { Self::ALL.iter().map(|v| v.code()).collect() }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.code()) }
        }
    };
}

pub mod aiact;
pub mod alerts;
pub mod audit;
pub mod federation;
pub mod feedback;
pub mod ids;
pub mod org;
pub mod quality;
pub mod statistics;
pub mod throttle;
pub mod time;
pub mod workflow;

pub use ids::{OrgId, UserId};
pub use org::{OrgType, PublicationFlow, Role};
pub use workflow::{Action, Principal, VersionState, WorkflowError};
