// Every area implementation the SQL backends share (see README.md); included by each backend.

include!("access.rs");
include!("aiact.rs");
include!("alerts.rs");
include!("audit.rs");
include!("copy.rs");
include!("evaluations.rs");
include!("federation.rs");
include!("identity.rs");
include!("incidents.rs");
include!("links.rs");
include!("log.rs");
include!("mail.rs");
include!("organisations.rs");
include!("passkeys.rs");
include!("people.rs");
include!("records.rs");
include!("register.rs");
include!("runtime.rs");
include!("second_factor.rs");
include!("sessions.rs");
include!("signals.rs");
