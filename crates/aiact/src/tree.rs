//! Decision trees in the format of the government's AI Act decision aid: questions whose answers add
//! labels and route to the next question or to a conclusion, directly or through conditional
//! redirects over the labels gathered so far.

use crate::expr::{Expr, ExprError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Source {
    pub source: String,
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Redirect {
    #[serde(default)]
    pub next_question_id: Option<String>,
    #[serde(default)]
    pub next_conclusion_id: Option<String>,
    #[serde(rename = "if")]
    pub condition: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    pub answer: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub next_question_id: Option<String>,
    #[serde(default)]
    pub next_conclusion_id: Option<String>,
    #[serde(default)]
    pub redirects: Vec<Redirect>,
    #[serde(default)]
    pub subresult: Option<String>,
    #[serde(default)]
    pub answer_comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    pub question_id: String,
    pub question: String,
    #[serde(default)]
    pub explanation: String,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub subcategory: Option<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
    pub answers: Vec<Answer>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conclusion {
    pub conclusion_id: String,
    pub conclusion: String,
    #[serde(default)]
    pub obligation: String,
    #[serde(default)]
    pub sources: Vec<Source>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tree {
    pub version: String,
    pub name: String,
    pub questions: Vec<Question>,
    pub conclusions: Vec<Conclusion>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TreeError {
    #[error("not a decision tree: {0}")]
    Format(String),
    #[error("question {question}, answer {answer}: {error}")]
    Condition { question: String, answer: usize, error: ExprError },
    #[error("question {question}, answer {answer}: no redirect condition holds for the labels {labels:?}")]
    NoRoute { question: String, answer: usize, labels: Vec<String> },
    #[error("question {question}, answer {answer}: refers to {target}, which does not exist")]
    Dangling { question: String, answer: usize, target: String },
    #[error("question {question}, answer {answer}: names no next question, conclusion or redirects")]
    NoNext { question: String, answer: usize },
    #[error("question {0}: no answers")]
    NoAnswers(String),
    #[error("{0} appears more than once")]
    Duplicate(String),
    #[error("no answer {answer} for question {question}")]
    NoSuchAnswer { question: String, answer: usize },
    #[error("the path loops back to question {0}")]
    Cycle(String),
    #[error("the tree has no questions")]
    Empty,
}

/// Where an answer leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Next {
    Question(String),
    Conclusion(String),
}

impl Tree {
    pub fn from_yaml(text: &str) -> Result<Tree, TreeError> {
        yaml_serde::from_str(text).map_err(|e| TreeError::Format(e.to_string()))
    }

    pub fn from_json(text: &str) -> Result<Tree, TreeError> {
        serde_json::from_str(text).map_err(|e| TreeError::Format(e.to_string()))
    }

    pub fn first(&self) -> Result<&Question, TreeError> {
        self.questions.first().ok_or(TreeError::Empty)
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.question_id == id)
    }

    pub fn conclusion(&self, id: &str) -> Option<&Conclusion> {
        self.conclusions.iter().find(|c| c.conclusion_id == id)
    }

    /// Where answer `index` of `question` leads, given the labels gathered so far (including this
    /// answer's own labels). Redirects are tried in order; the first whose condition holds wins.
    pub fn route(&self, question: &Question, index: usize, labels: &BTreeSet<String>) -> Result<Next, TreeError> {
        let a = question.answers.get(index).ok_or(TreeError::NoSuchAnswer { question: question.question_id.clone(), answer: index })?;
        let target = |q: &Option<String>, c: &Option<String>| -> Option<Next> {
            q.clone().map(Next::Question).or_else(|| c.clone().map(Next::Conclusion))
        };
        if let Some(n) = target(&a.next_question_id, &a.next_conclusion_id) {
            return Ok(n);
        }
        if a.redirects.is_empty() {
            return Err(TreeError::NoNext { question: question.question_id.clone(), answer: index });
        }
        for r in &a.redirects {
            let cond = Expr::parse(&r.condition).map_err(|error| TreeError::Condition {
                question: question.question_id.clone(),
                answer: index,
                error,
            })?;
            if cond.eval(labels) {
                return target(&r.next_question_id, &r.next_conclusion_id)
                    .ok_or(TreeError::NoNext { question: question.question_id.clone(), answer: index });
            }
        }
        Err(TreeError::NoRoute { question: question.question_id.clone(), answer: index, labels: labels.iter().cloned().collect() })
    }
}
