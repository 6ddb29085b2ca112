//! Full-text search over the public register.

pub mod dutch;
