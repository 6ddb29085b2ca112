//! The AI Act in the register: the decision tree per algorithm (answers in, a classification stored
//! with the version it was made for), the obligations and dates that follow, and the applicable
//! requirements from the catalogue. A prohibited outcome blocks release and publication.

use crate::error::{Result, ServiceError};
use crate::App;
use algoreg_aiact::catalogue::{Catalogue, Requirement};
use algoreg_aiact::{builtin, walk, Next, State, Tree};
use algoreg_domain::workflow::{self, Action, Principal};
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

    /// Runs the questionnaire for a record; a finished one is stored with the record's latest version.
    pub async fn classify(&self, actor: &Principal, id: AlgorithmId, answers: &[usize]) -> Result<(State, Option<Classification>)> {
        let meta = self.store.record(id).await?.ok_or(ServiceError::NotFound("algorithm"))?;
        let org = self.store.organisation(meta.org_id).await?.ok_or(ServiceError::NotFound("organisation"))?;
        workflow::authorize(actor, org.id, org.flow, Action::Save)?;
        let state = self.aiact_walk(answers)?;
        let Next::Conclusion(cid) = &state.at else { return Ok((state, None)) };
        let conclusion = self.aiact.tree.conclusion(cid).ok_or(ServiceError::Internal("conclusion vanished".into()))?;
        let c = Classification {
            record: id,
            version: meta.latest_version,
            tree: self.aiact.tree.name.clone(),
            tree_version: self.aiact.tree.version.clone(),
            answers: state.steps.iter().map(|s| (s.question_id.clone(), s.answer)).collect(),
            labels: state.labels.iter().cloned().collect(),
            conclusion_id: cid.clone(),
            conclusion: conclusion.conclusion.clone(),
            obligation: conclusion.obligation.clone(),
            created_at: Utc::now(),
            created_by: actor.key.clone(),
        };
        self.store.save_classification(&c).await?;
        Ok((state, Some(c)))
    }

    /// The requirements that apply to a classification, and the dates its obligations apply from.
    pub fn aiact_requirements<'a>(&'a self, c: &Classification) -> (Vec<&'a Requirement>, Vec<(String, String)>) {
        let labels: BTreeSet<String> = c.labels.iter().cloned().collect();
        (self.aiact.catalogue.applicable(&labels), builtin::applicable_dates(c.labels.iter(), &self.aiact.dates))
    }
}

/// Refuses release and publication of a record whose current classification is a prohibited practice.
pub async fn allows_publication(store: &dyn algoreg_store::Store, id: AlgorithmId) -> Result<()> {
    {
        if let Some(c) = store.classification(id).await? {
            if c.labels.iter().any(|l| l == PROHIBITED) {
                return Err(ServiceError::bad(
                    "ai_act",
                    "Volgens de AI-verordening-check is dit een verboden AI-praktijk. Vrijgeven en publiceren kan pas als dat is opgelost en de check opnieuw is gedaan.",
                    "The AI Act check found a prohibited AI practice. Release and publication are blocked until that is resolved and the check is done again.",
                ));
            }
        }
        Ok(())
    }
}
