//! The end-to-end tests of algoreg, in one test binary (linked once instead of once per file): the server
//! on loopback against real SQLite files, the real binary for the commands and for killing, real SMTP.
//! One module per area; `common` is the harness.

mod common;

mod aiact;
mod alerts;
mod api_authz;
mod api_validation;
mod api_workflow;
mod authz_matrix;
mod compat;
mod coordination;
mod crash;
mod federation;
mod feedback;
mod import_cli;
mod login;
mod nodes;
mod open_data;
mod passkeys;
mod portal;
mod registration;
mod security;
mod site;
mod sso;
mod standards;
