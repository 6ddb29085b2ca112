//! The AI Act in the register: the decision tree per algorithm (answers in, a classification stored
//! with the version it was made for), the obligations and dates that follow, and the applicable
//! requirements from the catalogue. A prohibited outcome blocks release and publication.

use crate::error::{Result, ServiceError};
use crate::App;
use algoreg_aiact::catalogue::{Catalogue, Requirement};
use algoreg_aiact::{builtin, walk, Next, State, Tree};
use algoreg_domain::aiact::ComplianceStatus;
use algoreg_domain::workflow::{self, Action, Principal, VersionState};
use algoreg_standard::AlgorithmId;
use algoreg_store::Classification;
use chrono::Utc;
use std::collections::{BTreeMap, BTreeSet};

/// The tree, the dates from which obligations apply, and the requirements catalogue in use.
pub struct AiAct {
    pub tree: Tree,
    pub dates: BTreeMap<String, String>,
    pub catalogue: Catalogue,
}

impl AiAct {
    /// algoreg's own tree, dates and catalogue (no files needed).
    pub fn builtin() -> AiAct {
        AiAct {
            tree: builtin::tree().unwrap_or_else(|_| Tree {
                version: String::new(),
                name: String::new(),
                questions: vec![],
                conclusions: vec![],
            }),
            dates: builtin::dates(builtin::DATES_YAML).unwrap_or_default(),
            catalogue: algoreg_aiact::catalogue::builtin(),
        }
    }
}

/// The label that blocks release and publication.
pub const PROHIBITED: &str = "verboden AI";
pub const HIGH_RISK: &str = "hoog-risico AI";

fn bad_answers(e: algoreg_aiact::TreeError) -> ServiceError {
    ServiceError::bad(
        "answers",
        format!("Deze antwoorden passen niet bij de vragen: {e}"),
        format!("These answers do not fit the questions: {e}"),
    )
}

/// Parses "0,4,1" into answer indexes.
pub fn parse_answers(s: &str) -> Result<Vec<usize>> {
    if s.trim().is_empty() {
        return Ok(vec![]);
    }
    // At most 100 answers of a few digits: a longer text is refused before it is read.
    if s.len() > 1_000 {
        return Err(ServiceError::bad(
            "a",
            "Antwoorden zijn getallen, gescheiden door komma's.",
            "Answers are numbers separated by commas.",
        ));
    }
    let out: std::result::Result<Vec<usize>, _> = s.split(',').map(|x| x.trim().parse::<usize>()).collect();
    match out {
        Ok(v) if v.len() <= 100 => Ok(v),
        _ => Err(ServiceError::bad("a", "Antwoorden zijn getallen, gescheiden door komma's.", "Answers are numbers separated by commas.")),
    }
}

impl App {
    /// Where `answers` lead in the tree in use.
    pub fn aiact_walk(&self, answers: &[usize]) -> Result<State> {
        walk(&self.aiact.tree, answers).map_err(bad_answers)
    }

    /// A record under the AI Act check, for those who may edit it: the name of its latest version and
    /// its current classification (of any version).
    pub async fn aiact_subject(&self, actor: &Principal, id: AlgorithmId) -> Result<(String, Option<Classification>)> {
        let meta = self.store.record(id).await?.ok_or(ServiceError::NotFound("algorithm"))?;
        let org = self.store.organisation(meta.org_id).await?.ok_or(ServiceError::NotFound("organisation"))?;
        workflow::authorize(actor, org.id, org.flow, Action::Save)?;
        let name = self.store.version(id, meta.latest_version).await?.map(|v| v.content.name().to_string()).unwrap_or_default();
        Ok((name, self.store.classification(id, None).await?))
    }

    /// Runs the questionnaire for a record; a finished one is stored with the version it becomes public
    /// with ([`pending_version`]).
    pub async fn classify(&self, actor: &Principal, id: AlgorithmId, answers: &[usize]) -> Result<(State, Option<Classification>)> {
        let meta = self.store.record(id).await?.ok_or(ServiceError::NotFound("algorithm"))?;
        let org = self.store.organisation(meta.org_id).await?.ok_or(ServiceError::NotFound("organisation"))?;
        workflow::authorize(actor, org.id, org.flow, Action::Save)?;
        let state = self.aiact_walk(answers)?;
        let Next::Conclusion(cid) = &state.at else { return Ok((state, None)) };
        let conclusion = self.aiact.tree.conclusion(cid).ok_or(ServiceError::Internal("conclusion vanished".into()))?;
        let answers: Vec<(String, usize)> = state.steps.iter().map(|s| (s.question_id.clone(), s.answer)).collect();
        // The same answers to the same tree again: nothing changes (and no release is withdrawn).
        if let Some(same) = self
            .store
            .classification(id, None)
            .await?
            .filter(|c| c.answers == answers && c.tree == self.aiact.tree.name && c.tree_version == self.aiact.tree.version)
        {
            return Ok((state, Some(same)));
        }
        let meta = self.before_aiact_change(actor, meta).await?;
        let c = Classification {
            record: id,
            version: pending_version(&meta),
            tree: self.aiact.tree.name.clone(),
            tree_version: self.aiact.tree.version.clone(),
            answers,
            labels: state.labels.iter().cloned().collect(),
            conclusion_id: cid.clone(),
            conclusion: conclusion.conclusion.clone(),
            obligation: conclusion.obligation.clone(),
            created_at: Utc::now(),
            created_by: actor.key.clone(),
        };
        self.store.save_classification(&c, (meta.latest_version, meta.latest_state)).await?;
        Ok((state, Some(c)))
    }

    /// The requirements that apply to a classification, and the dates its obligations apply from.
    pub fn aiact_requirements<'a>(&'a self, c: &Classification) -> (Vec<&'a Requirement>, Vec<(String, String)>) {
        let labels: BTreeSet<String> = c.labels.iter().cloned().collect();
        (self.aiact.catalogue.applicable(&labels), builtin::applicable_dates(c.labels.iter(), &self.aiact.dates))
    }
}

/// The version a change to a record's AI Act data is kept with: its latest, or, where that is the
/// published one, the next. Like a change to the registration itself, it becomes public only with a
/// publication (through the organisation's flow), never at once by an editor.
pub fn pending_version(meta: &algoreg_store::RecordMeta) -> u32 {
    if meta.published_version == Some(meta.latest_version) {
        meta.latest_version + 1
    } else {
        meta.latest_version
    }
}

impl App {
    /// The record about to get a change of its AI Act data. A version that waits for approval was
    /// approved as it stood with its AI Act data: a change now withdraws that release, as a change to
    /// the registration does (a new draft with the same content), so the approver never publishes
    /// what they did not see.
    ///
    /// The write itself checks that the record is still as this returns it (`Stale` otherwise), so a
    /// release or publication in between cannot take the change along unseen.
    async fn before_aiact_change(&self, actor: &Principal, meta: algoreg_store::RecordMeta) -> Result<algoreg_store::RecordMeta> {
        if meta.latest_state != VersionState::Released {
            return Ok(meta);
        }
        self.register().withdraw_release(actor, &meta).await
    }

    /// Sets where a record stands with one of the requirements that follow from its classification.
    pub async fn set_compliance(
        &self,
        actor: &Principal,
        id: AlgorithmId,
        urn: &str,
        status: &str,
        reason: Option<String>,
        evidence: Vec<String>,
    ) -> Result<algoreg_store::ComplianceEntry> {
        let meta = self.store.record(id).await?.ok_or(ServiceError::NotFound("algorithm"))?;
        let org = self.store.organisation(meta.org_id).await?.ok_or(ServiceError::NotFound("organisation"))?;
        workflow::authorize(actor, org.id, org.flow, Action::Save)?;
        let c = self
            .store
            .classification(id, None)
            .await?
            .ok_or_else(|| ServiceError::bad("urn", "Doe eerst de AI-verordening-check.", "Do the AI Act check first."))?;
        let (reqs, _) = self.aiact_requirements(&c);
        if !reqs.iter().any(|r| r.urn == urn) {
            return Err(ServiceError::bad(
                "urn",
                "Deze vereiste geldt niet voor dit algoritme.",
                "This requirement does not apply to this algorithm.",
            ));
        }
        let Some(status) = ComplianceStatus::parse(status.trim()) else {
            return Err(ServiceError::bad(
                "status",
                "Kies: not_started, in_progress, done of not_applicable.",
                "Choose: not_started, in_progress, done or not_applicable.",
            ));
        };
        let reason = reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
        if status == ComplianceStatus::NotApplicable && reason.is_none() {
            return Err(ServiceError::bad(
                "reason",
                "Zeg waarom deze vereiste niet van toepassing is.",
                "Say why this requirement does not apply.",
            ));
        }
        if reason.as_ref().is_some_and(|r| r.chars().count() > 2000) {
            return Err(ServiceError::bad("reason", "Een reden heeft hoogstens 2000 tekens.", "A reason has at most 2000 characters."));
        }
        let evidence: Vec<String> = evidence.into_iter().map(|e| e.trim().to_string()).filter(|e| !e.is_empty()).collect();
        if evidence.len() > 10 || evidence.iter().any(|e| !algoreg_standard::validate::is_web_url(e) || e.len() > 500) {
            return Err(ServiceError::bad(
                "evidence",
                "Bewijs is een lijst van hoogstens 10 volledige webadressen (https://...).",
                "Evidence is a list of at most 10 full web addresses (https://...).",
            ));
        }
        let entry = algoreg_store::ComplianceEntry {
            urn: urn.to_string(),
            status,
            reason,
            evidence,
            updated_at: Utc::now(),
            updated_by: actor.key.clone(),
        };
        // Where it stands already: nothing changes (and no release is withdrawn).
        if let Some(same) = self
            .store
            .compliance(id, None)
            .await?
            .into_iter()
            .find(|e| e.urn == entry.urn && e.status == entry.status && e.reason == entry.reason && e.evidence == entry.evidence)
        {
            return Ok(same);
        }
        let meta = self.before_aiact_change(actor, meta).await?;
        self.store.set_compliance(id, pending_version(&meta), &entry, (meta.latest_version, meta.latest_state)).await?;
        Ok(entry)
    }

    /// The classification the public may see: the newest one made for the published version or an earlier
    /// one (a classification of a later draft stays in the workspace until that draft is published).
    pub async fn public_classification(&self, id: AlgorithmId) -> Result<Option<Classification>> {
        let Some(meta) = self.store.record(id).await? else { return Ok(None) };
        let Some(published) = meta.published_version else { return Ok(None) };
        Ok(self.store.classification(id, Some(published)).await?)
    }

    /// Every applicable requirement with where the record stands (not started when nothing is recorded).
    /// `public`: read the published version (never a draft), and show only http(s) links as evidence.
    pub async fn compliance_overview(
        &self,
        c: &Classification,
        public: bool,
    ) -> Result<Vec<(Requirement, algoreg_store::ComplianceEntry)>> {
        let meta = self.store.record(c.record).await?;
        // The public sees what was recorded for the published version, never what was recorded since for a draft.
        let at_most = if public { Some(meta.as_ref().and_then(|m| m.published_version).unwrap_or(0)) } else { None };
        let mut recorded = self.store.compliance(c.record, at_most).await?;
        // Only web addresses, for members too (an imported or harvested version was not checked as strictly).
        for e in &mut recorded {
            e.evidence.retain(|l| algoreg_standard::validate::is_web_url(l));
        }
        let (reqs, _) = self.aiact_requirements(c);
        // Impact assessments the registration names (its impact-assessment field) count as evidence
        // for the requirements that ask for them.
        let named: Vec<(String, Option<String>)> = match meta {
            Some(meta) => {
                match self.store.version(c.record, if public { meta.published_version.unwrap_or(0) } else { meta.latest_version }).await? {
                    Some(v) => v
                        .content
                        .get("impacttoetsen_grouping")
                        .and_then(|g| g.as_array())
                        .into_iter()
                        .flatten()
                        .filter_map(|i| {
                            i.get("title")
                                .and_then(|t| t.as_str())
                                .map(|t| (t.to_string(), i.get("link").and_then(|l| l.as_str()).map(String::from)))
                        })
                        .collect(),
                    None => vec![],
                }
            }
            None => vec![],
        };
        Ok(reqs
            .into_iter()
            .map(|r| {
                let mut e = recorded.iter().find(|e| e.urn == r.urn).cloned().unwrap_or(algoreg_store::ComplianceEntry {
                    urn: r.urn.clone(),
                    status: ComplianceStatus::NotStarted,
                    reason: None,
                    evidence: vec![],
                    updated_at: c.created_at,
                    updated_by: String::new(),
                });
                if e.evidence.is_empty() {
                    for (title, link) in &named {
                        if assessment_fits(r, title) {
                            if let Some(l) = link.as_ref().filter(|l| algoreg_standard::validate::is_web_url(l)) {
                                e.evidence.push(l.clone());
                            }
                        }
                    }
                }
                (r.clone(), e)
            })
            .collect())
    }
}

/// The AI Act columns of a download: conclusion, labels, requirements dealt with / applicable.
pub const DOWNLOAD_HEADERS: &[&str] = &["ai_act_conclusion", "ai_act_labels", "ai_act_requirements_dealt_with"];

impl App {
    /// The AI Act columns for the records that have a classification (one query per classified record).
    pub async fn aiact_columns(&self, ids: &[AlgorithmId]) -> Result<std::collections::HashMap<AlgorithmId, Vec<String>>> {
        let mut out = std::collections::HashMap::new();
        let wanted: BTreeSet<AlgorithmId> = ids.iter().copied().collect();
        for id in self.store.classified_records().await?.into_iter().filter(|id| wanted.contains(id)) {
            if let Some(c) = self.public_classification(id).await? {
                let overview = self.compliance_overview(&c, true).await?;
                let dealt = overview.iter().filter(|(_, e)| e.status.is_dealt_with()).count();
                out.insert(id, vec![c.conclusion.clone(), c.labels.join("; "), format!("{dealt}/{}", overview.len())]);
            }
        }
        Ok(out)
    }
}

/// Whether an impact assessment named in the registration answers a requirement: a fundamental-rights
/// assessment (IAMA, FRIA, FRAIA) for the requirements about fundamental rights, a DPIA for the
/// requirements about data protection impact.
pub fn assessment_fits(r: &Requirement, title: &str) -> bool {
    let t = title.to_lowercase();
    let req = format!("{} {}", r.urn, r.name).to_lowercase();
    let rights = ["iama", "fria", "fraia", "mensenrechten", "fundamental rights", "fundamentele rechten"];
    let dpia = ["dpia", "data protection impact", "gegevensbeschermingseffectbeoordeling"];
    (rights.iter().any(|k| t.contains(k)) && (req.contains("grondrecht") || req.contains("aia-27") || req.contains("mensenrecht")))
        || (dpia.iter().any(|k| t.contains(k))
            && (req.contains("dpia")
                || req.contains("gegevensbeschermingseffectbeoordeling")
                || req.contains("avg-13")
                || req.contains("alg-avg")))
}

/// Refuses release and publication of a record whose current classification is a prohibited practice.
pub async fn allows_publication(store: &dyn algoreg_store::Store, id: AlgorithmId) -> Result<()> {
    let prohibited = store.classification(id, None).await?.is_some_and(|c| c.labels.iter().any(|l| l == PROHIBITED));
    if prohibited {
        return Err(ServiceError::bad(
            "ai_act",
            "Volgens de AI-verordening-check is dit een verboden AI-praktijk. Vrijgeven en publiceren kan pas als dat is opgelost en de check opnieuw is gedaan.",
            "The AI Act check found a prohibited AI practice. Release and publication are blocked until that is resolved and the check is done again.",
        ));
    }
    Ok(())
}
