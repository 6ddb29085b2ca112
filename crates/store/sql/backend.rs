// The start of each SQL backend's crate root (included by `crates/store-sqlite/src/lib.rs` and
// `crates/store-postgres/src/lib.rs`): the area implementations both share, and what they use.

/// Binds an organisation's details as nine parameters in a row, in the order of `ORG_DETAILS` (a new
/// organisation and a changed one have the same fields).
macro_rules! bind_org_details {
    ($query:expr, $org:expr) => {
        $query
            .bind(&$org.name)
            .bind($org.org_type.code())
            .bind(&$org.tooi)
            .bind($org.flow.code())
            .bind(&$org.about)
            .bind(&$org.contact)
            .bind(&$org.relations.short_name)
            .bind(&$org.relations.parent)
            .bind(&$org.relations.ministry)
    };
}

/// The area implementations both SQL backends share (`crates/store/sql/`: the same SQL, which SQLite and
/// PostgreSQL both understand), compiled here against this backend's helpers: [`ts`] (how a time is
/// bound), [`backend`] (errors), `begin`, `all`, `optional`, [`insert_mails`], [`Changed`] and the row decoders.
mod shared {
    use super::*;
    include!("areas.rs");
}

use algoreg_domain::feedback::{IncidentStatus, SignalStatus};
use algoreg_domain::ids::{OrgId, UserId};
use algoreg_domain::org::Role;
use algoreg_domain::workflow::VersionState;
use algoreg_standard::AlgorithmId;
use algoreg_store::*;
use async_trait::async_trait;
use rows::*;
use sqlx::{QueryBuilder, Row, Transaction};
use std::str::FromStr;
use std::time::Duration;
