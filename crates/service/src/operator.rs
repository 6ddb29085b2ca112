//! The operator at the machine: what the command line does. Whoever runs it can read and change the
//! data directory anyway, so these functions take no principal; nothing on the network reaches them.
//! The background work a server runs (search index, harvest schedule, mail and reminders) starts here too.

use crate::error::{Result, ServiceError};
use crate::import::{FileBytes, ImportOptions, ImportReport};
use crate::App;
use algoreg_domain::audit::AuditKind;
use algoreg_domain::org::{OrgType, PublicationFlow, Role};
use algoreg_domain::workflow::Principal;
use algoreg_search::SearchIndex;
use algoreg_store::{OrgId, Organisation, UserId};
use std::sync::Arc;

pub struct Operator<'a> {
    pub(crate) app: &'a App,
}

/// What the demo seed made: the accounts' shared password stem and the four-eyes organisation.
pub struct DemoSeed {
    pub organisations: usize,
    pub records: usize,
    /// Each demo account's password is this stem, a dash and its role (`beheer`, `redacteur`, `goedkeurder`).
    pub password: String,
    /// The organisation of the editor and approver accounts.
    pub four_eyes: Option<Organisation>,
}

impl Operator<'_> {
    pub async fn count_published(&self) -> Result<u64> {
        Ok(self.app.store.count_published().await?)
    }

    /// Copies the whole register into `target`, which must be empty, all or nothing; then reads every
    /// table back on both sides and compares its rows (count and a digest of every row).
    pub async fn copy_into(&self, target: &App) -> Result<Vec<CopiedTable>> {
        let empty = || {
            ServiceError::bad(
                "to",
                "Het doel bevat al gegevens: kopieer naar een nieuwe, lege database.",
                "The target holds data already: copy into a new, empty database.",
            )
        };
        if self.app.store.is_empty().await? {
            return Err(ServiceError::bad(
                "from",
                "De bron bevat geen gegevens (klopt het adres of de map?).",
                "The source holds no data (is the address or folder right?).",
            ));
        }
        if !target.store.is_empty().await? {
            return Err(empty());
        }
        let counts = match target.store.copy_from(self.app.store.as_ref()).await {
            Err(algoreg_store::StoreError::Conflict("target")) => return Err(empty()),
            r => r?,
        };
        let mut out = Vec::with_capacity(counts.len());
        for (table, (name, rows)) in algoreg_store::copy::TABLES.iter().zip(counts) {
            let (here, there) = (digest(self.app.store.as_ref(), table).await?, digest(target.store.as_ref(), table).await?);
            out.push(CopiedTable { table: name, rows, verified: here == there && here.0 == rows });
        }
        Ok(out)
    }

    /// A consistent copy of the database in the new file `to` (SQLite), made while the server runs.
    pub async fn backup(&self, to: &std::path::Path) -> Result<()> {
        if to.exists() {
            return Err(ServiceError::bad(
                "out",
                format!("{} bestaat al; kies een nieuw bestand", to.display()),
                format!("{} exists already; choose a new file", to.display()),
            ));
        }
        Ok(self.app.store.backup(to).await?)
    }

    /// The store's own consistency check: the problems found and the number of records.
    pub async fn check_integrity(&self) -> Result<(Vec<String>, u64)> {
        Ok(self.app.store.check_integrity().await?)
    }

    pub async fn organisations(&self) -> Result<Vec<Organisation>> {
        Ok(self.app.store.organisations().await?)
    }

    /// Gives an account a role in an organisation at once (the operator needs no consent step: the
    /// account is made by the same command).
    pub async fn add_role(&self, user_id: UserId, org_id: OrgId, role: Role) -> Result<()> {
        self.app.store.set_membership(user_id, org_id, role).await?;
        let note = crate::audit::Note {
            kind: AuditKind::RoleGranted,
            org: Some(org_id),
            subject: Some(user_id),
            detail: role.code(),
            source: None,
        };
        crate::audit::write(self.app.store.as_ref(), crate::audit::Actor::Principal(&Principal::system()), note).await;
        Ok(())
    }

    /// Makes the account with this address a supervisor (reads across every organisation, changes
    /// nothing) or no longer one; the role is written to the audit log.
    pub async fn set_supervisor(&self, email: &str, on: bool) -> Result<algoreg_store::User> {
        let user = self.app.store.user_by_email(email).await?.ok_or(ServiceError::NotFound("user"))?;
        if user.supervisor == on {
            return Ok(user);
        }
        if on && (user.password_by_admin || user.password_temporary_until.is_some()) {
            // An admin chose the password and may hold the account: only the holder of the mailbox
            // takes it across every organisation.
            return Err(ServiceError::forbidden(
                "Het wachtwoord van dit account is gekozen door een beheerder. De houder kiest eerst zelf een nieuw met 'Wachtwoord vergeten' (een link per e-mail).",
                "This account's password was chosen by an administrator. Its holder first chooses a new one with 'Forgot password' (a link by e-mail).",
            ));
        }
        self.app.store.set_supervisor(user.id, on).await?;
        let kind = if on { AuditKind::RoleGranted } else { AuditKind::RoleRevoked };
        let note = crate::audit::Note { kind, org: None, subject: Some(user.id), detail: "supervisor", source: None };
        crate::audit::write(self.app.store.as_ref(), crate::audit::Actor::Principal(&Principal::system()), note).await;
        Ok(algoreg_store::User { supervisor: on, ..user })
    }

    /// Undoes the pins of the account with this address to persons at identity providers (when a
    /// provider has handed the address on, or the person's subject there changed): the next login through
    /// a provider pins it again. How many there were; written to the audit log.
    pub async fn unpin_sso(&self, email: &str) -> Result<(algoreg_store::User, u64)> {
        let user = self.app.store.user_by_email(email).await?.ok_or(ServiceError::NotFound("user"))?;
        let n = self.app.store.unpin_subjects(user.id).await?;
        if n > 0 {
            let detail = format!("{n}");
            let note =
                crate::audit::Note { kind: AuditKind::SsoUnpinned, org: None, subject: Some(user.id), detail: &detail, source: None };
            crate::audit::write(self.app.store.as_ref(), crate::audit::Actor::Principal(&Principal::system()), note).await;
        }
        Ok((user, n))
    }

    /// Builds the search index again from the published register.
    pub async fn rebuild_index(&self, index: &SearchIndex) -> Result<usize> {
        crate::search::rebuild(self.app.store.as_ref(), index).await
    }

    /// Imports one file (every format `algoreg import` reads).
    pub async fn import(
        &self,
        bytes: impl Into<FileBytes>,
        opts: &ImportOptions,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<ImportReport> {
        crate::import::import_bytes(self.app.store.as_ref(), bytes, opts, progress).await
    }

    /// Loads templates from a supplier file: (loaded, skipped with reasons).
    pub async fn import_templates(&self, bytes: &[u8], source: &str) -> Result<(usize, Vec<String>)> {
        crate::import::import_templates(self.app.store.as_ref(), bytes, source).await
    }

    /// The register feed, rendered now.
    pub async fn render_feed(&self) -> Result<crate::federation::feed::Rendered> {
        crate::federation::feed::render(self.app.store.as_ref()).await
    }

    pub async fn export_json(&self) -> Result<serde_json::Value> {
        crate::export::export_json(self.app.store.as_ref()).await
    }

    pub async fn export_csv(&self, out: &mut dyn std::io::Write) -> Result<()> {
        crate::export::export_csv(self.app.store.as_ref(), &self.app.feedback.config.public_url, out).await
    }

    pub async fn export_mapped(&self, m: &algoreg_standard::mappings::Mapping) -> Result<serde_json::Value> {
        crate::export::export_mapped(self.app.store.as_ref(), m).await
    }

    /// A harvester over this store.
    pub fn harvester(&self, mut config: crate::federation::harvest::HarvestConfig) -> Result<crate::federation::harvest::Harvester> {
        // Records that came through this register's own feed are loops.
        config.own_feed.get_or_insert_with(|| format!("{}/{}", self.app.public_url(), crate::federation::feed::PATH));
        crate::federation::harvest::Harvester::new(self.app.store.clone(), config)
    }

    /// At a graceful stop: lets the running rounds of background work finish (20 s at most), then gives
    /// up this node's leases (see [`crate::runtime::Node::stop`]).
    pub async fn release_leases(&self) {
        self.app.node.stop(self.app.store.as_ref(), std::time::Duration::from_secs(20)).await;
    }

    /// Keeps the search index in step with the store: newly published versions are searchable within a
    /// second. Runs until the process ends.
    pub fn spawn_index_sync(&self, index: Arc<SearchIndex>) {
        let store = self.app.store.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = crate::search::sync(store.as_ref(), &index).await {
                    tracing::error!(error = %e, "search index sync failed");
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        });
    }

    /// Sends queued mail, reminders and evaluation notices, and erases personal data past retention,
    /// every `every`. Runs until the process ends.
    pub fn spawn_feedback_loop(&self, mailer: Arc<crate::feedback::Mailer>, every: std::time::Duration) {
        tokio::spawn(crate::feedback::run_background(
            self.app.store.clone(),
            self.app.node.clone(),
            self.app.feedback.clone(),
            mailer,
            every,
        ));
    }

    /// Fills an empty store with demo organisations, records, templates and three demo accounts (an
    /// operator, and an editor and an approver of a four-eyes municipality). Nothing when the store has
    /// data already.
    pub async fn seed_demo(&self) -> Result<Option<DemoSeed>> {
        let store = self.app.store.as_ref();
        if store.count_published().await? > 0 || !store.organisations().await?.is_empty() {
            return Ok(None);
        }
        let orgs = crate::demo::organisations(300);
        let mut ids = Vec::with_capacity(orgs.len());
        for o in &orgs {
            ids.push(store.create_organisation(o).await?.id);
        }
        let records = crate::demo::to_import(crate::demo::records(1500, &orgs, 2026), |i| ids[i]);
        store.import_records(&records).await?;
        for (name, content) in crate::demo::templates() {
            store.create_template(&name, "demo", &content).await?;
        }
        // A fresh password per demo store: the demo may run where others can reach it.
        let password = format!("demo-{}", &crate::auth::Auth::temporary_password()[10..22]);
        let four_eyes =
            store.organisations().await?.into_iter().find(|o| o.flow == PublicationFlow::FourEyes && o.org_type == OrgType::Gemeente);
        let auth = self.app.auth();
        auth.create_user("beheer@demo.algoreg.nl", "Centrale beheerder (demo)", &format!("{password}-beheer"), true).await?;
        if let Some(org) = &four_eyes {
            let ed = auth.create_user("redacteur@demo.algoreg.nl", "Redacteur (demo)", &format!("{password}-redacteur"), false).await?;
            store.set_membership(ed.id, org.id, Role::Editor).await?;
            let ap =
                auth.create_user("goedkeurder@demo.algoreg.nl", "Goedkeurder (demo)", &format!("{password}-goedkeurder"), false).await?;
            store.set_membership(ap.id, org.id, Role::Approver).await?;
        }
        Ok(Some(DemoSeed { organisations: orgs.len(), records: records.len(), password, four_eyes }))
    }
}

/// One table of `algoreg copy`: the rows copied, and whether source and target agree afterwards.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CopiedTable {
    pub table: &'static str,
    pub rows: u64,
    pub verified: bool,
}

/// The number of rows of a table and a digest of them that does not depend on their order (the XOR of
/// each row's SHA-256), so that two backends that sort text differently agree.
async fn digest(store: &dyn algoreg_store::Store, table: &algoreg_store::copy::Table) -> Result<(u64, [u8; 32])> {
    use sha2::{Digest, Sha256};
    const PAGE: u64 = 2000;
    let (mut n, mut acc, mut last) = (0u64, [0u8; 32], None::<Vec<algoreg_store::copy::Cell>>);
    loop {
        let page = store.read_rows(table, last.as_deref(), PAGE).await?;
        for row in &page {
            let mut h = Sha256::new();
            for cell in row {
                h.update(cell.digest_text().as_bytes());
                h.update([0x1f]);
            }
            for (a, b) in acc.iter_mut().zip(h.finalize()) {
                *a ^= b;
            }
        }
        n += page.len() as u64;
        if (page.len() as u64) < PAGE {
            return Ok((n, acc));
        }
        last = page.into_iter().last();
    }
}
