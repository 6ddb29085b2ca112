//! Requirements and measures: a catalogue in the format of the government's task registry (the
//! Algoritmekader as data: requirements with an `ai_act_profile`, measures linked to them), loaded from
//! files, or algoreg's own built-in catalogue. From an algorithm's labels the applicable requirements
//! follow: a requirement applies when it always applies, or when one of its profiles matches: every
//! dimension of the profile that names labels shares one with the algorithm (an empty dimension
//! matches anything, but the algorithm must be some kind of AI system or model).

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The labels that say the AI Act applies to the algorithm at all.
pub const AI_TYPES: &[&str] = &["AI-systeem", "AI-systeem voor algemene doeleinden", "AI-model voor algemene doeleinden"];

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Profile {
    #[serde(default, rename = "type")]
    pub kind: Vec<String>,
    #[serde(default)]
    pub open_source: Vec<String>,
    #[serde(default)]
    pub risk_group: Vec<String>,
    #[serde(default)]
    pub systemic_risk: Vec<String>,
    #[serde(default)]
    pub transparency_obligations: Vec<String>,
    #[serde(default)]
    pub role: Vec<String>,
    #[serde(default)]
    pub conformity_assessment_body: Vec<String>,
}

impl Profile {
    fn matches(&self, labels: &BTreeSet<String>) -> bool {
        let dim = |want: &Vec<String>| want.is_empty() || want.iter().any(|w| labels.contains(w));
        let is_ai = AI_TYPES.iter().any(|t| labels.contains(*t));
        is_ai
            && dim(&self.kind)
            && dim(&self.open_source)
            && dim(&self.risk_group)
            && dim(&self.systemic_risk)
            && dim(&self.transparency_obligations)
            && dim(&self.role)
            && dim(&self.conformity_assessment_body)
    }
}

/// What every entry of the catalogue has: its URN, name, text and link, and the URNs it links to (a
/// requirement's measures; a measure's requirements; an instrument links to none).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub urn: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub links: Vec<String>,
}

/// A measure that helps meet requirements.
pub type Measure = Entry;

/// An assessment instrument (IAMA, AIIA, conformity assessment, ...).
pub type Instrument = Entry;

/// A requirement: an entry (its links are the measures that help meet it), and to which algorithms
/// it applies.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Requirement {
    #[serde(flatten)]
    pub entry: Entry,
    #[serde(default)]
    pub ai_act_profile: Vec<Profile>,
    /// 1 when it applies to every algorithm, whatever its labels.
    #[serde(default)]
    pub always_applicable: u8,
}

impl std::ops::Deref for Requirement {
    type Target = Entry;
    fn deref(&self) -> &Entry {
        &self.entry
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Catalogue {
    pub name: String,
    pub requirements: Vec<Requirement>,
    pub measures: Vec<Measure>,
    pub instruments: Vec<Instrument>,
    /// Problems that did not stop loading (a URN used twice: the first entry is kept).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct CatalogueError {
    pub file: String,
    pub message: String,
}

impl Catalogue {
    /// Reads task-registry files (name, YAML text): requirements (`urn:...:ver:...`), measures
    /// (`urn:...:mtr:...`) and instruments (`urn:...:tr:...`); other files are skipped. Every error
    /// names the file.
    pub fn from_files(name: &str, files: &[(String, String)]) -> Result<Catalogue, CatalogueError> {
        let mut c = Catalogue { name: name.to_string(), ..Default::default() };
        for (file, text) in files {
            let err = |message: String| CatalogueError { file: file.clone(), message };
            let v: serde_json::Value = yaml_serde::from_str(text).map_err(|e| err(e.to_string()))?;
            let urn = v.get("urn").and_then(|u| u.as_str()).unwrap_or("");
            if urn.contains(":ver:") {
                c.requirements.push(serde_json::from_value(v).map_err(|e| err(e.to_string()))?);
            } else if urn.contains(":mtr:") {
                c.measures.push(serde_json::from_value(v).map_err(|e| err(e.to_string()))?);
            } else if urn.contains(":tr:") || file.contains("instruments") {
                c.instruments.push(serde_json::from_value(v).map_err(|e| err(e.to_string()))?);
            }
        }
        let mut seen = BTreeSet::new();
        let mut warnings = vec![];
        c.requirements.retain(|r| {
            seen.insert(r.urn.clone()) || {
                warnings.push(format!("{} appears more than once; the first is kept", r.urn));
                false
            }
        });
        c.measures.retain(|m| {
            seen.insert(m.urn.clone()) || {
                warnings.push(format!("{} appears more than once; the first is kept", m.urn));
                false
            }
        });
        c.warnings = warnings;
        c.requirements.sort_by(|a, b| a.urn.cmp(&b.urn));
        c.measures.sort_by(|a, b| a.urn.cmp(&b.urn));
        Ok(c)
    }

    /// The requirements that apply to an algorithm with these labels.
    pub fn applicable(&self, labels: &BTreeSet<String>) -> Vec<&Requirement> {
        self.requirements.iter().filter(|r| r.always_applicable == 1 || r.ai_act_profile.iter().any(|p| p.matches(labels))).collect()
    }

    /// The measures linked to a requirement (either side may name the link).
    pub fn measures_for(&self, r: &Requirement) -> Vec<&Measure> {
        self.measures.iter().filter(|m| r.links.contains(&m.urn) || m.links.contains(&r.urn)).collect()
    }
}

/// algoreg's own catalogue (our wording), so the product works without the government's files.
pub fn builtin() -> Catalogue {
    const YAML: &str = include_str!("builtin/catalogue.yaml");
    let files: Vec<(String, String)> =
        YAML.split("\n---\n").enumerate().map(|(i, t)| (format!("builtin/catalogue.yaml#{i}"), t.to_string())).collect();
    Catalogue::from_files("algoreg", &files).unwrap_or_default()
}
