//! Federation: every instance publishes a feed of its register ([`feed`]); a central instance
//! harvests the feeds of the organisations ([`harvest`]) through a guarded HTTP client ([`fetch`]).
//! [`Sources`] manages the feeds to harvest, with authorisation: the central operator manages them,
//! an organisation's members see the health of their own.

pub mod feed;
pub mod fetch;
pub mod harvest;
pub mod oai_client;

use crate::error::{Result, ServiceError};
use algoreg_domain::workflow::Principal;
use algoreg_store::{Source, SourceRecord, Store};
use chrono::Utc;

pub struct Sources<'a> {
    pub(crate) store: &'a dyn Store,
}

fn operator_only(p: &Principal) -> Result<()> {
    if p.central_operator {
        Ok(())
    } else {
        Err(ServiceError::forbidden(
            "Alleen de beheerder van het centrale register beheert bronnen.",
            "Only the central register's operator manages sources.",
        ))
    }
}

impl Sources<'_> {
    /// Adds a feed to harvest for one organisation (central operator only).
    pub async fn add(&self, p: &Principal, org_code: &str, url: &str) -> Result<Source> {
        operator_only(p)?;
        let url = fetch::check_source_url(url).map_err(|e| {
            let (nl, en) = e.0.split_once(" / ").unwrap_or((&e.0, &e.0));
            ServiceError::bad("url", nl, en)
        })?;
        let org = self.store.organisation_by_code(org_code.trim()).await?.ok_or_else(|| {
            ServiceError::bad(
                "organisation",
                format!("Onbekende organisatiecode {org_code:?}."),
                format!("Unknown organisation code {org_code:?}."),
            )
        })?;
        match self.store.create_source(org.id, url.as_str(), Utc::now()).await {
            Err(algoreg_store::StoreError::Conflict(_)) => {
                Err(ServiceError::bad("url", "Deze feed is al als bron toegevoegd.", "This feed has been added as a source already."))
            }
            other => Ok(other?),
        }
    }

    /// The sources the principal may see: all for the operator, else those of the principal's organisations.
    pub async fn list(&self, p: &Principal) -> Result<Vec<Source>> {
        let all = self.store.sources().await?;
        Ok(all.into_iter().filter(|s| p.central_operator || p.is_member(s.org_id)).collect())
    }

    pub async fn get(&self, p: &Principal, id: i64) -> Result<Source> {
        match self.store.source(id).await? {
            Some(s) if p.central_operator || p.is_member(s.org_id) => Ok(s),
            _ => Err(ServiceError::NotFound("source")),
        }
    }

    pub async fn records(&self, p: &Principal, id: i64) -> Result<Vec<SourceRecord>> {
        self.get(p, id).await?;
        Ok(self.store.source_records(id).await?)
    }

    pub async fn remove(&self, p: &Principal, id: i64) -> Result<()> {
        operator_only(p)?;
        self.store.delete_source(id).await.map_err(|e| match e {
            algoreg_store::StoreError::NotFound => ServiceError::NotFound("source"),
            other => other.into(),
        })
    }

    /// The keys kept for the origins of harvested versions (central operator only), as (name, key):
    /// the name is the origin register's address and the organisation.
    pub async fn origin_keys(&self, p: &Principal) -> Result<Vec<(String, String)>> {
        operator_only(p)?;
        Ok(self.store.origin_keys().await?)
    }

    /// Forgets the key kept for an origin (central operator only): the next proof from there, or the
    /// register's own source there, sets it again. For an origin that changed its key.
    pub async fn forget_origin_key(&self, p: &Principal, name: &str) -> Result<()> {
        operator_only(p)?;
        self.store.forget_origin_key(name).await.map_err(|e| match e {
            algoreg_store::StoreError::NotFound => ServiceError::NotFound("origin key"),
            other => other.into(),
        })
    }

    /// Harvests one source now (central operator only).
    pub async fn harvest_now(&self, p: &Principal, harvester: &harvest::Harvester, id: i64) -> Result<harvest::Outcome> {
        operator_only(p)?;
        let s = self.get(p, id).await?;
        Ok(harvester.harvest_guarded(&s).await)
    }
}
