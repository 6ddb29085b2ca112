//! Walking a tree with a list of answers: where it stands (a question or a conclusion) and which
//! labels were gathered. Back and forth is replaying a shorter or longer answer list.

use crate::tree::{Next, Tree, TreeError};
use serde::Serialize;
use std::collections::BTreeSet;

/// One answered step.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub question_id: String,
    pub answer: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct State {
    pub steps: Vec<Step>,
    pub labels: BTreeSet<String>,
    /// Where the walk stands now.
    pub at: Next,
}

impl State {
    pub fn conclusion(&self) -> Option<&str> {
        match &self.at {
            Next::Conclusion(c) => Some(c),
            Next::Question(_) => None,
        }
    }
}

/// Replays `answers` (answer indexes) from the first question. Stops with an error at an answer that
/// does not exist or a route that leads nowhere; answers after a conclusion are an error too.
pub fn walk(tree: &Tree, answers: &[usize]) -> Result<State, TreeError> {
    let mut at = Next::Question(tree.first()?.question_id.clone());
    let mut labels = BTreeSet::new();
    let mut steps = vec![];
    let mut seen = BTreeSet::new();
    for &a in answers {
        let Next::Question(qid) = &at else {
            return Err(TreeError::NoSuchAnswer { question: "(conclusion reached)".into(), answer: a });
        };
        let q = tree.question(qid).ok_or_else(|| TreeError::Dangling { question: qid.clone(), answer: a, target: qid.clone() })?;
        if !seen.insert(qid.clone()) {
            return Err(TreeError::Cycle(qid.clone()));
        }
        let ans = q.answers.get(a).ok_or(TreeError::NoSuchAnswer { question: qid.clone(), answer: a })?;
        labels.extend(ans.labels.iter().cloned());
        let next = tree.route(q, a, &labels)?;
        steps.push(Step { question_id: qid.clone(), answer: a });
        at = next;
    }
    Ok(State { steps, labels, at })
}
