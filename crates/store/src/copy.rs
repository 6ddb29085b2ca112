//! What `algoreg copy` moves between backends: every table that holds the register's data (runtime state
//! such as leases, counters, login throttling and ceremonies under way is left behind), in an order that
//! keeps references whole, with each column's kind. Both backends read and write rows through this one
//! description, so what one writes the other reads back the same.

use chrono::{DateTime, NaiveDate, Utc};

/// The kind of a column, as both backends keep it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
    Time,
    Bool,
    Date,
}
use Kind::*;

/// One value of a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    Time(DateTime<Utc>),
    Bool(bool),
    Date(NaiveDate),
}

impl Cell {
    /// The value as text for a digest (the same for both backends).
    pub fn digest_text(&self) -> String {
        match self {
            Cell::Null => "\u{0}".into(),
            Cell::Int(i) => i.to_string(),
            Cell::Text(s) => s.clone(),
            Cell::Time(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            Cell::Bool(b) => b.to_string(),
            Cell::Date(d) => d.to_string(),
        }
    }
}

/// A table to copy: its name, primary key (rows are read in its order), whether its `id` is generated
/// (the target's generator is moved past the copied IDs), and its columns.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub key: &'static [&'static str],
    pub identity: bool,
    pub columns: &'static [(&'static str, Kind)],
}

impl Table {
    /// `SELECT` of every column, ordered by the key, one page of `$1` rows: from the first, or (`after`)
    /// those whose key comes after `$2, $3, ...` (by key, not by offset: every page costs the same).
    pub fn select_page(&self, after: bool) -> String {
        let cols: Vec<&str> = self.columns.iter().map(|c| c.0).collect();
        let key = self.key.join(", ");
        let filter = if after {
            let marks: Vec<String> = (2..self.key.len() + 2).map(|i| format!("${i}")).collect();
            format!(" WHERE ({key}) > ({})", marks.join(", "))
        } else {
            String::new()
        };
        format!("SELECT {} FROM {}{filter} ORDER BY {key} LIMIT $1", cols.join(", "), self.name)
    }

    /// The key's cells of a row of this table, with their kinds (to ask for the page after it).
    pub fn key_of(&self, row: &[Cell]) -> Vec<(Kind, Cell)> {
        self.key
            .iter()
            .map(|k| {
                let i = self.columns.iter().position(|c| c.0 == *k).expect("a key column is one of the table's columns");
                (self.columns[i].1, row.get(i).cloned().unwrap_or(Cell::Null))
            })
            .collect()
    }

    /// `INSERT` of one row with every column.
    pub fn insert(&self) -> String {
        let cols: Vec<&str> = self.columns.iter().map(|c| c.0).collect();
        let marks: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
        format!("INSERT INTO {} ({}) VALUES ({})", self.name, cols.join(", "), marks.join(", "))
    }
}

/// Every table of the register's data, parents before children.
pub const TABLES: &[Table] = &[
    Table {
        name: "organisations",
        key: &["id"],
        identity: true,
        columns: &[
            ("id", Int),
            ("code", Text),
            ("name", Text),
            ("org_type", Text),
            ("tooi", Text),
            ("flow", Text),
            ("about", Text),
            ("contact", Text),
            ("created_at", Time),
            ("require_second_factor", Bool),
            ("require_sso", Bool),
            ("short_name", Text),
            ("parent_code", Text),
            ("ministry_code", Text),
        ],
    },
    Table {
        name: "users",
        key: &["id"],
        identity: true,
        columns: &[
            ("id", Int),
            ("email", Text),
            ("name", Text),
            ("password_hash", Text),
            ("central_operator", Bool),
            ("created_at", Time),
            ("password_temporary_until", Time),
            ("last_login_at", Time),
            ("last_login_method", Text),
            ("totp_secret", Text),
            ("totp_last_step", Int),
            ("totp_failures", Int),
            ("supervisor", Bool),
            ("password_by_admin", Bool),
        ],
    },
    Table {
        name: "memberships",
        key: &["user_id", "org_id", "role"],
        identity: false,
        columns: &[("user_id", Int), ("org_id", Int), ("role", Text)],
    },
    Table {
        name: "membership_periods",
        key: &["id"],
        identity: true,
        columns: &[("id", Int), ("org_id", Int), ("user_id", Int), ("since", Time), ("until", Time)],
    },
    Table {
        name: "api_tokens",
        key: &["id"],
        identity: true,
        columns: &[
            ("id", Int),
            ("org_id", Int),
            ("role", Text),
            ("name", Text),
            ("hash", Text),
            ("created_by", Int),
            ("created_at", Time),
            ("revoked_at", Time),
        ],
    },
    Table {
        name: "records",
        key: &["id"],
        identity: false,
        columns: &[
            ("id", Text),
            ("org_id", Int),
            ("created_at", Time),
            ("latest_version", Int),
            ("latest_state", Text),
            ("published_version", Int),
            ("first_published_at", Time),
            ("released_by", Text),
        ],
    },
    Table {
        name: "versions",
        key: &["id"],
        identity: true,
        columns: &[
            ("id", Int),
            ("record_id", Text),
            ("number", Int),
            ("state", Text),
            ("standard_version", Text),
            ("content", Text),
            ("missing", Text),
            ("provenance", Text),
            ("created_at", Time),
            ("created_by", Text),
            ("published_at", Time),
            ("withdrawn_at", Time),
        ],
    },
    Table {
        name: "history",
        key: &["id"],
        identity: true,
        columns: &[("id", Int), ("record_id", Text), ("version", Int), ("action", Text), ("actor", Text), ("reason", Text), ("at", Time)],
    },
    Table { name: "outbox", key: &["id"], identity: true, columns: &[("id", Int), ("record_id", Text), ("at", Time)] },
    Table {
        name: "preview_links",
        key: &["hash"],
        identity: false,
        columns: &[("hash", Text), ("record_id", Text), ("created_by", Text), ("created_at", Time), ("expires_at", Time)],
    },
    Table {
        name: "sessions",
        key: &["hash"],
        identity: false,
        columns: &[("hash", Text), ("user_id", Int), ("created_at", Time), ("expires_at", Time), ("method", Text)],
    },
    Table {
        name: "templates",
        key: &["id"],
        identity: true,
        columns: &[("id", Int), ("name", Text), ("source", Text), ("content", Text), ("created_at", Time)],
    },
    Table {
        name: "classifications",
        key: &["id"],
        identity: true,
        columns: &[
            ("id", Int),
            ("record_id", Text),
            ("version", Int),
            ("tree", Text),
            ("tree_version", Text),
            ("answers", Text),
            ("labels", Text),
            ("conclusion_id", Text),
            ("conclusion", Text),
            ("obligation", Text),
            ("created_at", Time),
            ("created_by", Text),
        ],
    },
    Table {
        name: "compliance",
        key: &["record_id", "urn", "version"],
        identity: false,
        columns: &[
            ("record_id", Text),
            ("urn", Text),
            ("version", Int),
            ("status", Text),
            ("reason", Text),
            ("evidence", Text),
            ("updated_at", Time),
            ("updated_by", Text),
        ],
    },
    Table {
        name: "sources",
        key: &["id"],
        identity: true,
        columns: &[
            ("id", Int),
            ("org_id", Int),
            ("url", Text),
            ("created_at", Time),
            ("etag", Text),
            ("last_modified", Text),
            ("last_attempt_at", Time),
            ("last_success_at", Time),
            ("last_outcome", Text),
            ("last_error", Text),
            ("failures", Int),
            ("next_due_at", Time),
            ("records", Int),
            ("rejected", Text),
            ("oai_url", Text),
        ],
    },
    Table {
        name: "source_records",
        key: &["source_id", "record_id"],
        identity: false,
        columns: &[("source_id", Int), ("record_id", Text), ("content_hash", Text), ("missing", Int)],
    },
    Table {
        name: "signals",
        key: &["id"],
        identity: true,
        columns: &[
            ("id", Int),
            ("code_hash", Text),
            ("record_id", Text),
            ("org_id", Int),
            ("kind", Text),
            ("text", Text),
            ("email", Text),
            ("status", Text),
            ("created_at", Time),
            ("due_at", Time),
            ("assigned_to", Int),
            ("answer", Text),
            ("answer_public", Bool),
            ("answered_at", Time),
            ("answered_by", Text),
            ("closed_at", Time),
            ("reminded_at", Time),
            ("erased_at", Time),
        ],
    },
    Table {
        name: "incidents",
        key: &["id"],
        identity: true,
        columns: &[
            ("id", Int),
            ("record_id", Text),
            ("deployer_org_id", Int),
            ("provider_name", Text),
            ("provider_org_id", Int),
            ("provider_email", Text),
            ("ack_hash", Text),
            ("class", Text),
            ("title", Text),
            ("what_happened", Text),
            ("noticed_at", Time),
            ("people_affected", Int),
            ("public", Bool),
            ("public_summary", Text),
            ("deadline_at", Time),
            ("status", Text),
            ("created_at", Time),
            ("created_by", Text),
        ],
    },
    Table {
        name: "incident_events",
        key: &["id"],
        identity: true,
        columns: &[("id", Int), ("incident_id", Int), ("at", Time), ("actor", Text), ("kind", Text), ("text", Text)],
    },
    Table {
        name: "evaluation_plans",
        key: &["record_id"],
        identity: false,
        columns: &[
            ("record_id", Text),
            ("interval_months", Int),
            ("next_due", Date),
            ("reminded_for", Date),
            ("updated_at", Time),
            ("updated_by", Text),
        ],
    },
    Table {
        name: "confirmations",
        key: &["record_id"],
        identity: false,
        columns: &[("record_id", Text), ("confirmed_at", Time), ("confirmed_by", Text)],
    },
    Table {
        name: "link_acceptances",
        key: &["url"],
        identity: false,
        columns: &[("url", Text), ("reason", Text), ("accepted_by", Text), ("accepted_at", Time)],
    },
    Table { name: "review_reminders", key: &["record_id"], identity: false, columns: &[("record_id", Text), ("reminded_for", Date)] },
    Table {
        name: "evaluations",
        key: &["id"],
        identity: true,
        columns: &[
            ("id", Int),
            ("record_id", Text),
            ("date", Date),
            ("by_whom", Text),
            ("findings", Text),
            ("report_url", Text),
            ("created_at", Time),
            ("created_by", Text),
        ],
    },
    Table {
        name: "mail_outbox",
        key: &["id"],
        identity: true,
        columns: &[
            ("id", Int),
            ("to_addr", Text),
            ("subject", Text),
            ("body", Text),
            ("created_at", Time),
            ("sent_at", Time),
            ("attempts", Int),
            ("last_error", Text),
            ("unsubscribe", Text),
        ],
    },
    Table {
        name: "alerts",
        key: &["id"],
        identity: false,
        columns: &[
            ("id", Text),
            ("email", Text),
            ("search", Text),
            ("frequency", Text),
            ("lang", Text),
            ("created_at", Time),
            ("confirmed_at", Time),
            ("sent_until", Time),
        ],
    },
    Table { name: "alert_key", key: &["id"], identity: false, columns: &[("id", Int), ("key", Text)] },
    Table {
        name: "log_entries",
        key: &["idx"],
        identity: false,
        columns: &[("idx", Int), ("record_id", Text), ("version", Int), ("event", Text), ("content_hash", Text), ("at", Time)],
    },
    Table { name: "log_state", key: &["id"], identity: false, columns: &[("id", Int), ("cursor", Int)] },
    Table {
        name: "source_logs",
        key: &["source_id"],
        identity: false,
        columns: &[("source_id", Int), ("key", Text), ("size", Int), ("root", Text)],
    },
    Table { name: "log_key", key: &["id"], identity: false, columns: &[("id", Int), ("pkcs8", Text)] },
    Table { name: "origin_keys", key: &["name"], identity: false, columns: &[("name", Text), ("key", Text)] },
    Table {
        name: "invitations",
        key: &["id"],
        identity: true,
        columns: &[
            ("id", Int),
            ("org_id", Int),
            ("user_id", Int),
            ("role", Text),
            ("invited_by", Int),
            ("created_at", Time),
            ("expires_at", Time),
        ],
    },
    Table {
        name: "password_resets",
        key: &["hash"],
        identity: false,
        columns: &[("hash", Text), ("user_id", Int), ("created_at", Time), ("expires_at", Time)],
    },
    Table {
        name: "signing_keys",
        key: &["kid"],
        identity: false,
        columns: &[("kid", Text), ("private_key", Text), ("public_key", Text), ("created_at", Time)],
    },
    Table {
        name: "audit_events",
        key: &["id"],
        identity: true,
        columns: &[
            ("id", Int),
            ("at", Time),
            ("kind", Text),
            ("org_id", Int),
            ("subject_user", Int),
            ("actor", Text),
            ("actor_name", Text),
            ("detail", Text),
            ("source", Text),
        ],
    },
    Table {
        name: "recovery_codes",
        key: &["user_id", "hash"],
        identity: false,
        columns: &[("user_id", Int), ("hash", Text), ("used_at", Time)],
    },
    Table {
        name: "passkeys",
        key: &["id"],
        identity: true,
        columns: &[
            ("id", Int),
            ("user_id", Int),
            ("credential_id", Text),
            ("public_key", Text),
            ("sign_count", Int),
            ("name", Text),
            ("created_at", Time),
            ("last_used_at", Time),
        ],
    },
    Table {
        name: "sso_subjects",
        key: &["issuer", "subject"],
        identity: false,
        columns: &[("issuer", Text), ("subject", Text), ("user_id", Int), ("created_at", Time)],
    },
];
