//! Checking a whole tree: every reference exists, every condition parses, and every path from the
//! first question, with the labels it gathers, ends in a conclusion (no dead end, no loop).

use crate::expr::Expr;
use crate::tree::{Next, Tree, TreeError};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub questions: usize,
    pub conclusions: usize,
    /// Distinct answer paths from the first question to a conclusion.
    pub paths: u128,
    /// Conclusions some path reaches, with how many paths reach each.
    pub reached: BTreeMap<String, u128>,
    pub unreachable_questions: Vec<String>,
    pub unreached_conclusions: Vec<String>,
    /// Every label any answer can add.
    pub labels: BTreeSet<String>,
}

/// Structural checks, then the exhaustive walk. The first problem found is the error.
pub fn check(tree: &Tree) -> Result<Report, TreeError> {
    let mut ids = BTreeSet::new();
    for q in &tree.questions {
        if !ids.insert(format!("question {}", q.question_id)) {
            return Err(TreeError::Duplicate(format!("question {}", q.question_id)));
        }
        if q.answers.is_empty() {
            return Err(TreeError::NoAnswers(q.question_id.clone()));
        }
    }
    for c in &tree.conclusions {
        if !ids.insert(format!("conclusion {}", c.conclusion_id)) {
            return Err(TreeError::Duplicate(format!("conclusion {}", c.conclusion_id)));
        }
    }
    let mut labels = BTreeSet::new();
    for q in &tree.questions {
        for (i, a) in q.answers.iter().enumerate() {
            labels.extend(a.labels.iter().cloned());
            let mut targets = vec![(a.next_question_id.clone(), a.next_conclusion_id.clone())];
            for r in &a.redirects {
                Expr::parse(&r.condition).map_err(|error| TreeError::Condition { question: q.question_id.clone(), answer: i, error })?;
                targets.push((r.next_question_id.clone(), r.next_conclusion_id.clone()));
            }
            if a.next_question_id.is_none() && a.next_conclusion_id.is_none() && a.redirects.is_empty() {
                return Err(TreeError::NoNext { question: q.question_id.clone(), answer: i });
            }
            for (nq, nc) in targets {
                if let Some(t) = nq.filter(|t| tree.question(t).is_none()) {
                    return Err(TreeError::Dangling { question: q.question_id.clone(), answer: i, target: format!("question {t}") });
                }
                if let Some(t) = nc.filter(|t| tree.conclusion(t).is_none()) {
                    return Err(TreeError::Dangling { question: q.question_id.clone(), answer: i, target: format!("conclusion {t}") });
                }
            }
        }
    }
    let first = tree.first()?.question_id.clone();
    let mut memo: Memo = HashMap::new();
    let mut visited = BTreeSet::new();
    let mut stack = vec![];
    let (paths, reached) = explore(tree, &first, &BTreeSet::new(), &mut memo, &mut visited, &mut stack)?;
    Ok(Report {
        questions: tree.questions.len(),
        conclusions: tree.conclusions.len(),
        paths,
        unreachable_questions: tree.questions.iter().map(|q| q.question_id.clone()).filter(|q| !visited.contains(q)).collect(),
        unreached_conclusions: tree.conclusions.iter().map(|c| c.conclusion_id.clone()).filter(|c| !reached.contains_key(c)).collect(),
        reached,
        labels,
    })
}

type Memo = HashMap<(String, Vec<String>), (u128, BTreeMap<String, u128>)>;

fn explore(
    tree: &Tree,
    qid: &str,
    labels: &BTreeSet<String>,
    memo: &mut Memo,
    visited: &mut BTreeSet<String>,
    stack: &mut Vec<String>,
) -> Result<(u128, BTreeMap<String, u128>), TreeError> {
    let key = (qid.to_string(), labels.iter().cloned().collect::<Vec<_>>());
    if let Some(r) = memo.get(&key) {
        return Ok(r.clone());
    }
    if stack.iter().any(|s| s == qid) {
        return Err(TreeError::Cycle(qid.to_string()));
    }
    visited.insert(qid.to_string());
    stack.push(qid.to_string());
    let q = tree.question(qid).ok_or_else(|| TreeError::Dangling { question: qid.into(), answer: 0, target: qid.into() })?;
    let mut paths = 0u128;
    let mut reached: BTreeMap<String, u128> = BTreeMap::new();
    for (i, a) in q.answers.iter().enumerate() {
        let mut next_labels = labels.clone();
        next_labels.extend(a.labels.iter().cloned());
        match tree.route(q, i, &next_labels)? {
            Next::Conclusion(c) => {
                paths = paths.saturating_add(1);
                *reached.entry(c).or_default() += 1;
            }
            Next::Question(n) => {
                let (p, r) = explore(tree, &n, &next_labels, memo, visited, stack)?;
                paths = paths.saturating_add(p);
                for (c, k) in r {
                    let e = reached.entry(c).or_default();
                    *e = e.saturating_add(k);
                }
            }
        }
    }
    stack.pop();
    memo.insert(key, (paths, reached.clone()));
    Ok((paths, reached))
}
