//! The Dutch algorithm register publication standard ("publicatiestandaard"), as pure data and functions.
//!
//! * [`fields`]: what a field is (key, labels, group, kind, length, required-ness).
//! * [`versions`]: the field tables of every standard version algoreg reads (1.0 in full; 0.1, 0.2.3,
//!   0.3.1 and 0.4 for reading and display).
//! * [`codes`]: the code lists (themes, status, publication categories, impact assessments, languages).
//! * [`id`]: the register's 8-digit algorithm IDs with their check digit.
//! * [`validate`]: validation that reports every failing field at once, in Dutch and English.
//! * [`extensions`]: what algoreg adds to a registration (withheld fields with their legal ground,
//!   translations written by editors, the EU database entry and the cost).
//! * [`sanitize`]: the rich-text allow-list and length counting without HTML.
//!
//! Nothing here performs I/O.

pub mod codes;
pub mod content;
pub mod extensions;
pub mod fields;
pub mod id;
mod legacy_tables;
pub mod mappings;
pub mod migrate;
pub mod sanitize;
pub mod schema;
pub mod text;
pub mod v1_0;
pub mod validate;
pub mod versions;

pub use content::Content;
pub use fields::{FieldDef, FieldKind, Group, Lang};
pub use id::AlgorithmId;
pub use validate::{FieldError, Mode, Rule};
pub use versions::StandardVersion;
