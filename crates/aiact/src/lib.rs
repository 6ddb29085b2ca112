//! The EU AI Act decision-tree engine. Pure: no I/O.
//!
//! * [`tree`]: trees in the format of the government's "beslishulp AI-verordening" (questions, answers
//!   with labels, routing by next question, next conclusion or conditional redirects);
//! * [`expr`]: the small, safe condition language of the redirects;
//! * [`walk`](mod@walk): replaying answers to reach a question or a conclusion with the gathered labels;
//! * [`check`](mod@check): every reference, every condition, and every path to a conclusion;
//! * [`builtin`]: algoreg's own tree, written from the regulation, and the dates obligations apply from;
//! * [`catalogue`]: requirements and measures (task-registry format or built in) and which apply to an algorithm's labels.

pub mod builtin;
pub mod catalogue;
pub mod check;
pub mod expr;
pub mod tree;
pub mod walk;

pub use check::{check, Report};
pub use tree::{Next, Tree, TreeError};
pub use walk::{walk, State};
