//! The commands of the `algoreg` binary as a library: `main.rs` runs them, and the end-to-end tests start
//! the same server in their own process ([`cli::run_with`]) instead of a new process per step.

pub mod backend;
pub mod cli;
pub mod logs;
