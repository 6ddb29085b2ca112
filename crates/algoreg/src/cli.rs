use algoreg_domain::org::Role;
use algoreg_domain::workflow::Principal;
use algoreg_service::import::ImportOptions;
use algoreg_service::orgs::{parse_flow, parse_org_type, parse_role};
use algoreg_service::{demo, App, ServiceError};
use algoreg_store::NewOrganisation;
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

#[derive(Parser)]
#[command(name = "algoreg", version, about = "The algorithm register: register, publish and find the algorithms governments use.")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    /// Whether this is the long-running server (the others are filters that may write into a closed pipe).
    pub fn is_server(&self) -> bool {
        matches!(self.command, Command::Serve { .. })
    }
}

#[derive(Args, Clone)]
struct DataArg {
    /// Folder with the embedded database (created when missing) and this node's search index.
    #[arg(long, default_value = "./algoreg-data", env = "ALGOREG_DATA")]
    data: PathBuf,
    /// The database: sqlite:DIR or postgres://user:password@host:port/database (default: SQLite in --data).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_parser = crate::backend::DatabaseParser)]
    database: Option<crate::backend::Database>,
}

/// The data folder and one or more files to read into it.
#[derive(Args)]
struct DataFiles {
    #[command(flatten)]
    data: DataArg,
    /// The files to read.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// The feedback loop: signals, reminders, retention and e-mail.
#[derive(Args, Clone)]
struct FeedbackArgs {
    /// SMTP server for notifications (lettre URL: smtp://host:port, smtp://host:port?tls=required, smtps://user:pass@host); none keeps mail queued.
    #[arg(long, env = "ALGOREG_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// Sender address of notifications.
    #[arg(long, default_value = "Algoritmeregister <noreply@algoreg.invalid>", env = "ALGOREG_MAIL_FROM")]
    mail_from: String,
    /// The register's public address, for links in e-mail (default: the listening address).
    #[arg(long, env = "ALGOREG_PUBLIC_URL")]
    public_url: Option<String>,
    /// Days an organisation has to answer a signal.
    #[arg(long, default_value_t = 42, env = "ALGOREG_SIGNAL_ANSWER_DAYS", value_parser = clap::value_parser!(i64).range(1..=365))]
    signal_answer_days: i64,
    /// How long personal data of a closed signal is kept (e-mail address, text of a signal not answered in public).
    #[arg(long, default_value = "365d", env = "ALGOREG_SIGNAL_RETENTION", value_parser = parse_duration)]
    signal_retention: std::time::Duration,
    /// Signals per client address per hour (0: no limit).
    #[arg(long, default_value_t = 5, env = "ALGOREG_SIGNAL_LIMIT_ADDRESS")]
    signal_limit_address: u32,
    /// Mails to the organisation about signals, per registration per hour (0: no limit); beyond it
    /// signals are still taken in, shown in the inbox without a mail.
    #[arg(long, default_value_t = 30, env = "ALGOREG_SIGNAL_LIMIT_RECORD")]
    signal_limit_record: u32,
    /// Confirmation mails to one e-mail address per day (0: no limit); beyond it a signal is still taken in.
    #[arg(long, default_value_t = 3, env = "ALGOREG_SIGNAL_MAIL_LIMIT")]
    signal_mail_limit: u32,
    /// Reverse proxies (CIDR, repeatable) whose X-Forwarded-For gives the client address for the rate limits.
    #[arg(long, env = "ALGOREG_TRUSTED_PROXY", value_delimiter = ',', value_parser = parse_cidr)]
    trusted_proxy: Vec<algoreg_service::federation::fetch::Cidr>,
    /// Client addresses (CIDR, repeatable) that may read `/metrics` (Prometheus); others get 404.
    #[arg(long, env = "ALGOREG_METRICS_ALLOW", value_delimiter = ',', value_parser = parse_cidr, default_value = "127.0.0.0/8,::1/128")]
    metrics_allow: Vec<algoreg_service::federation::fetch::Cidr>,
    /// The time one daily e-mail alert covers (a digest goes out when this much has passed).
    #[arg(long, default_value = "24h", env = "ALGOREG_ALERT_DAILY", value_parser = parse_duration)]
    alert_daily: std::time::Duration,
    /// The time one weekly e-mail alert covers.
    #[arg(long, default_value = "7d", env = "ALGOREG_ALERT_WEEKLY", value_parser = parse_duration)]
    alert_weekly: std::time::Duration,
    /// How often due e-mail alerts are looked for.
    #[arg(long, default_value = "5m", env = "ALGOREG_ALERT_TICK", value_parser = parse_duration)]
    alert_tick: std::time::Duration,
    /// E-mail alerts one address may have at most.
    #[arg(long, default_value_t = 10, env = "ALGOREG_ALERT_MAX_PER_ADDRESS", value_parser = clap::value_parser!(u32).range(1..=1000))]
    alert_max_per_address: u32,
    /// How often reminders, evaluation notices, retention and the mail queue are handled.
    #[arg(long, default_value = "60s", env = "ALGOREG_FEEDBACK_TICK", value_parser = parse_duration)]
    feedback_tick: std::time::Duration,
    /// A client must send its request headers within this time (slow clients are cut off).
    #[arg(long, default_value = "10s", env = "ALGOREG_HEADER_TIMEOUT", value_parser = parse_duration)]
    header_timeout: std::time::Duration,
    /// A request must be answered within this time (408 for a body that does not arrive, 503 otherwise).
    #[arg(long, default_value = "60s", env = "ALGOREG_REQUEST_TIMEOUT", value_parser = parse_duration)]
    request_timeout: std::time::Duration,
    /// Open connections at most.
    #[arg(long, default_value_t = 1024, env = "ALGOREG_MAX_CONNECTIONS", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    max_connections: u32,
    /// Open connections of one client address at most (trusted proxies are not counted).
    #[arg(long, default_value_t = 64, env = "ALGOREG_MAX_CONNECTIONS_PER_CLIENT", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    max_connections_per_client: u32,
    /// Requests handled at once; more wait their turn.
    #[arg(long, default_value_t = 256, env = "ALGOREG_MAX_IN_FLIGHT", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    max_in_flight: u32,
}

/// Single sign-on with the organisations' identity providers (OpenID Connect).
#[derive(Args, Clone)]
struct SsoArgs {
    /// An identity provider (repeatable): name=...,issuer=...,client_id=...,client_secret_file=...,email_domains=a.nl;b.nl
    /// and optionally label, token_auth, scopes, email_claim, require_verified_email, org_claim, role_claim, orgs,
    /// audience (accept its access tokens on the APIs), second_factor, clock_skew_seconds (see docs/AUTH.md).
    #[arg(long, env = "ALGOREG_OIDC", value_parser = parse_provider)]
    oidc: Vec<algoreg_service::sso::ProviderConfig>,
    /// A JSON file with a list of identity providers (the same keys as --oidc).
    #[arg(long, env = "ALGOREG_OIDC_CONFIG")]
    oidc_config: Option<PathBuf>,
    /// Networks where identity providers may be although they are not public (CIDR, repeatable, for example 10.0.0.0/8).
    #[arg(long, env = "ALGOREG_OIDC_ALLOW", value_delimiter = ',', value_parser = parse_cidr)]
    oidc_allow: Vec<algoreg_service::federation::fetch::Cidr>,
}

impl SsoArgs {
    fn state(&self) -> Result<algoreg_service::sso::SsoState, ServiceError> {
        let bad = |e: String| ServiceError::bad("oidc", format!("Identiteitsprovider: {e}"), format!("Identity provider: {e}"));
        let mut providers = self.oidc.clone();
        if let Some(path) = &self.oidc_config {
            providers.extend(algoreg_service::sso::ProviderConfig::read_file(path).map_err(bad)?);
        }
        algoreg_service::sso::SsoState::new(providers, self.oidc_allow.clone()).map_err(bad)
    }
}

fn parse_role_arg(s: &str) -> Result<Role, String> {
    Role::parse(s.trim()).ok_or_else(|| format!("{s:?}: give editor, approver or org_admin"))
}

fn parse_provider(s: &str) -> Result<algoreg_service::sso::ProviderConfig, String> {
    algoreg_service::sso::ProviderConfig::parse_flag(s)
}

/// Harvest settings, shared by `serve` (on a schedule) and `harvest` (once).
#[derive(Args, Clone)]
struct HarvestArgs {
    /// Time between harvests of a source: 30s, 15m, 1h (failures back off exponentially from a minute).
    #[arg(long, default_value = "15m", env = "ALGOREG_HARVEST_INTERVAL", value_parser = parse_duration)]
    harvest_interval: std::time::Duration,
    /// Networks that may be harvested although they are not public (CIDR, repeatable, for example 127.0.0.0/8).
    #[arg(long, env = "ALGOREG_HARVEST_ALLOW", value_delimiter = ',', value_parser = parse_cidr)]
    harvest_allow: Vec<algoreg_service::federation::fetch::Cidr>,
    /// Successful harvests in a row that a record must be missing from its feed before it is retracted.
    #[arg(long, default_value_t = 3, env = "ALGOREG_RETRACT_AFTER", value_parser = clap::value_parser!(u32).range(1..))]
    retract_after: u32,
    /// Largest feed accepted, in bytes (after decompression).
    #[arg(long, default_value_t = 64 * 1024 * 1024, env = "ALGOREG_HARVEST_MAX_BYTES")]
    harvest_max_bytes: u64,
    /// Most records accepted in one feed.
    #[arg(long, default_value_t = 100_000, env = "ALGOREG_HARVEST_MAX_RECORDS")]
    harvest_max_records: usize,
    /// Most proofs of the source's publication log fetched from one source in one harvest (one per
    /// new or changed record); the records beyond wait for the next harvest.
    #[arg(long, default_value_t = 500, env = "ALGOREG_HARVEST_MAX_PROOFS", value_parser = clap::value_parser!(u32).range(1..))]
    harvest_max_proofs: u32,
    /// Time limit for connecting to a source.
    #[arg(long, default_value = "5s", env = "ALGOREG_HARVEST_CONNECT_TIMEOUT", value_parser = parse_duration)]
    harvest_connect_timeout: std::time::Duration,
    /// Time limit for a whole fetch (slow sources are cut off).
    #[arg(long, default_value = "60s", env = "ALGOREG_HARVEST_TIMEOUT", value_parser = parse_duration)]
    harvest_timeout: std::time::Duration,
    /// Maximum redirects followed.
    #[arg(long, default_value_t = 5, env = "ALGOREG_HARVEST_MAX_REDIRECTS")]
    harvest_max_redirects: usize,
    /// Sources harvested at the same time.
    #[arg(long, default_value_t = 8, env = "ALGOREG_HARVEST_CONCURRENCY", value_parser = clap::value_parser!(u16).range(1..))]
    harvest_concurrency: u16,
    /// How often every link in the published and released registrations is checked again (serve).
    #[arg(long, default_value = "24h", env = "ALGOREG_LINK_CHECK_INTERVAL", value_parser = parse_duration)]
    link_check_interval: std::time::Duration,
    /// Time limit for checking one link.
    #[arg(long, default_value = "10s", env = "ALGOREG_LINK_CHECK_TIMEOUT", value_parser = parse_duration)]
    link_check_timeout: std::time::Duration,
    /// Links checked at most per round; 0 turns the link checker off.
    #[arg(long, default_value_t = 5000, env = "ALGOREG_LINK_CHECK_MAX")]
    link_check_max: u32,
    /// Networks the link checker may reach although they are not public (CIDR, repeatable; none by
    /// default: editors write the links, so internal addresses stay out of reach).
    #[arg(long, env = "ALGOREG_LINK_CHECK_ALLOW", value_delimiter = ',', value_parser = parse_cidr)]
    link_check_allow: Vec<algoreg_service::federation::fetch::Cidr>,
}

impl HarvestArgs {
    fn link_config(&self) -> algoreg_service::links::LinkConfig {
        algoreg_service::links::LinkConfig {
            fetch: algoreg_service::federation::fetch::FetchConfig {
                connect_timeout: self.link_check_timeout.min(self.harvest_connect_timeout),
                total_timeout: self.link_check_timeout,
                max_bytes: 0,
                max_redirects: self.harvest_max_redirects,
                allow: self.link_check_allow.clone(),
            },
            interval: self.link_check_interval,
            max_per_round: self.link_check_max as usize,
            concurrency: 4,
        }
    }

    fn config(&self) -> algoreg_service::federation::harvest::HarvestConfig {
        use algoreg_service::federation::{fetch::FetchConfig, harvest::HarvestConfig};
        HarvestConfig {
            fetch: FetchConfig {
                connect_timeout: self.harvest_connect_timeout,
                total_timeout: self.harvest_timeout,
                max_bytes: self.harvest_max_bytes,
                max_redirects: self.harvest_max_redirects,
                allow: self.harvest_allow.clone(),
            },
            interval: self.harvest_interval,
            jitter: 0.1,
            retract_after: self.retract_after,
            max_records: self.harvest_max_records,
            max_proofs: self.harvest_max_proofs as usize,
            concurrency: self.harvest_concurrency as usize,
            own_feed: None,
        }
    }
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: f64 = n.parse().map_err(|_| format!("{s:?}: give a number with ms, s, m, h or d, for example 15m"))?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        _ => return Err(format!("{s:?}: unknown unit {unit:?}; use ms, s, m, h or d")),
    };
    if !(secs.is_finite() && secs > 0.0 && secs < 1e10) {
        return Err(format!("{s:?}: must be more than zero"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

fn parse_cidr(s: &str) -> Result<algoreg_service::federation::fetch::Cidr, String> {
    algoreg_service::federation::fetch::Cidr::parse(s).ok_or_else(|| format!("{s:?}: not a network such as 127.0.0.0/8 or ::1"))
}

#[derive(Subcommand)]
enum Command {
    /// Serves the register over HTTP.
    Serve {
        #[command(flatten)]
        data: DataArg,
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8080", env = "ALGOREG_ADDR")]
        addr: String,
        /// Fill an empty store with generated demo data (about 1,500 records in 300 organisations).
        #[arg(long)]
        demo: bool,
        /// Requests per minute per client address on the live register's APIs (`/api`, `/aanleverapi`); 0 is no limit.
        #[arg(long, default_value_t = 0, env = "ALGOREG_API_RATE_LIMIT")]
        api_rate_limit: u32,
        /// Exports of search results (`/nl/search/export.*` with a search or filter) per minute per client address; 0 is no limit.
        #[arg(long, default_value_t = algoreg_service::EXPORTS_PER_MINUTE, env = "ALGOREG_SEARCH_EXPORT_LIMIT")]
        search_export_limit: u32,
        /// Count every limit (API requests, the login throttle, signals, reset links, passkey and single sign-on logins) in the database, across every node serving it, instead of in memory.
        #[arg(long, env = "ALGOREG_SHARED_LIMITS")]
        shared_limits: bool,
        /// Whether the central operator must have a second factor before the operator's powers count
        /// (`required`, the default), or may choose (`optional`, for tests and trying things out).
        #[arg(long, default_value = "required", env = "ALGOREG_OPERATOR_SECOND_FACTOR", value_parser = ["required", "optional"])]
        operator_second_factor: String,
        /// Roles that count only once the person has a second factor, in every organisation (comma-separated:
        /// editor, approver, org_admin); an organisation's admin can require it of all its members besides.
        #[arg(long, env = "ALGOREG_SECOND_FACTOR_ROLES", value_delimiter = ',', value_parser = parse_role_arg)]
        second_factor_roles: Vec<Role>,
        /// How many seconds an access token of the organisation API's login lives (default 300).
        #[arg(long, env = "ALGOREG_ACCESS_TOKEN_SECONDS", value_parser = clap::value_parser!(i64).range(1..=86_400))]
        access_token_seconds: Option<i64>,
        /// An AI Act decision tree (YAML or JSON, the government decision aid's format) instead of the built-in one.
        #[arg(long, env = "ALGOREG_AIACT_TREE")]
        aiact_tree: Option<PathBuf>,
        /// A requirements catalogue: a task-registry folder (requirements/, measures/) instead of the built-in one.
        #[arg(long, env = "ALGOREG_AIACT_CATALOGUE")]
        aiact_catalogue: Option<PathBuf>,
        /// The dates from which obligations apply (YAML: label: yyyy-mm-dd) instead of the built-in ones.
        #[arg(long, env = "ALGOREG_AIACT_DATES")]
        aiact_dates: Option<PathBuf>,
        /// More search synonyms and abbreviations: one group per line, `a | b | c` (added to the built-in
        /// thesaurus; read at start, no rebuild of the index needed).
        #[arg(long, env = "ALGOREG_SEARCH_SYNONYMS")]
        search_synonyms: Option<PathBuf>,
        #[command(flatten)]
        harvest: Box<HarvestArgs>,
        #[command(flatten)]
        feedback: Box<FeedbackArgs>,
        #[command(flatten)]
        sso: Box<SsoArgs>,
    },
    /// Harvests the feeds of the sources once (all, or one with --source), with a progress bar.
    Harvest {
        #[command(flatten)]
        data: DataArg,
        /// Only this source (its ID, see `algoreg source list`).
        #[arg(long)]
        source: Option<i64>,
        /// This register's public address, as `serve` is given it: records that already came through
        /// its own feed are refused as loops.
        #[arg(long)]
        public_url: Option<String>,
        #[command(flatten)]
        harvest: HarvestArgs,
    },
    /// Checks another instance's publication log, live or in a mirror folder: the checkpoint's
    /// signature, every entry against it, that the log extends the one seen last time (--state), and
    /// that every published version is in it. Exits with 1 when something does not hold.
    Verify {
        /// The instance's address (https://register.example.nl), or a folder written by `export --feed`.
        url: String,
        /// The log's public key (`name+id+key`, from /log/key); by default the saved state's, or the
        /// one the instance serves (trusted on first use).
        #[arg(long)]
        key: Option<String>,
        /// A file that keeps the key and the last checkpoint accepted, for the next run.
        #[arg(long)]
        state: Option<PathBuf>,
    },
    /// Feeds of other registers that this register harvests.
    #[command(subcommand)]
    Source(SourceCmd),
    /// Copies the whole register from one database to another, empty one (SQLite to PostgreSQL or back),
    /// all or nothing, and checks every table's rows afterwards.
    Copy {
        /// The database to copy from: sqlite:DIR or postgres://...
        #[arg(long, value_parser = crate::backend::DatabaseParser)]
        from: crate::backend::Database,
        /// The empty database to copy into: sqlite:DIR or postgres://...
        #[arg(long, value_parser = crate::backend::DatabaseParser)]
        to: crate::backend::Database,
    },
    /// Writes a consistent copy of the SQLite database to a new file while the server runs (PostgreSQL:
    /// use pg_dump; see docs/DEPLOY.md).
    Backup {
        #[command(flatten)]
        data: DataArg,
        /// The new file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Checks the stored data (the database's own check, references, every record's versions and
    /// history); exit code 1 and the problems listed when something is wrong.
    Check {
        #[command(flatten)]
        data: DataArg,
    },
    /// Rebuilds the search index from the store.
    Reindex {
        #[command(flatten)]
        data: DataArg,
    },
    /// Creates or upgrades the database schema.
    Migrate {
        #[command(flatten)]
        data: DataArg,
    },
    /// Organisations.
    #[command(subcommand)]
    Org(OrgCmd),
    /// Users and their roles.
    #[command(subcommand)]
    User(UserCmd),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCmd),
    /// Imports files; the format of each is recognised by itself.
    Import {
        #[command(flatten)]
        data: DataArg,
        /// Files to import (register scrape, standard-1.0 JSON, algoreg export).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Organisation code for records that name none (supplier templates).
        #[arg(long)]
        org: Option<String>,
        /// Take standard-1.0 records in as published instead of as drafts.
        #[arg(long)]
        publish: bool,
    },
    /// Exports the public register.
    Export {
        #[command(flatten)]
        data: DataArg,
        #[arg(long, value_enum, default_value = "json")]
        format: ExportFormat,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write the register feed as static files below this folder (feed/v1/register.json and .gz),
        /// for an organisation that hosts its feed on its own website, with the publication log beside it
        /// (log/key, log/checkpoint, log/entries.jsonl) so that a mirror can be verified.
        #[arg(long, conflicts_with_all = ["format", "out"])]
        feed: Option<PathBuf>,
        /// The register's public address, which names its log (as `serve --public-url`).
        #[arg(long, env = "ALGOREG_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Generated demo data.
    #[command(subcommand)]
    Demo(DemoCmd),
    /// The EU AI Act decision tree.
    #[command(subcommand)]
    Aiact(AiactCmd),
    /// Prints reference tables in Markdown (they are part of docs/COMPATIBILITY.md).
    Docs {
        #[arg(value_enum)]
        table: DocsTable,
    },
    /// Templates: starting points for new registrations.
    #[command(subcommand)]
    Template(TemplateCmd),
}

#[derive(Subcommand)]
enum SourceCmd {
    /// Adds a feed to harvest for an organisation.
    Add {
        #[command(flatten)]
        data: DataArg,
        /// Code of the organisation the feed publishes for.
        #[arg(long)]
        org: String,
        /// The feed's address, for example https://register.example.nl/feed/v1/register.json.
        #[arg(long)]
        url: String,
    },
    /// Lists the sources with their health.
    List {
        #[command(flatten)]
        data: DataArg,
    },
    /// One source's health, with the records refused at the last harvest.
    Show {
        #[command(flatten)]
        data: DataArg,
        id: i64,
    },
    /// Removes a source (its records stay).
    Remove {
        #[command(flatten)]
        data: DataArg,
        id: i64,
    },
    /// Lists the publication-log keys kept for the origins of harvested versions (one per origin
    /// register and organisation), or forgets one (--forget NAME), for an origin that changed its key.
    OriginKeys {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        forget: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Json,
    Csv,
    /// UK Algorithmic Transparency Recording Standard 3.0 (field map in docs/COMPATIBILITY.md).
    UkAtrs,
    /// The older consortium standard 0.3.1.
    #[value(name = "consortium-0.3.1")]
    Consortium031,
    /// EU AI Act database, deployer registration (Annex VIII, section C).
    EuDatabase,
    /// The live register's site-data JSON (`{"algoritme_versions", "organisation_details"}`).
    SiteData,
}

#[derive(Subcommand)]
enum AiactCmd {
    /// Checks a decision tree (YAML or JSON, the decision aid's format): every reference, every
    /// condition, and every path to a conclusion; prints the number of paths and conclusions reached.
    CheckTree { file: PathBuf },
}

#[derive(Clone, Copy, ValueEnum)]
enum DocsTable {
    /// The field maps to other standards.
    Mappings,
    /// The carry-over of older standard versions to 1.0.
    CarryOver,
}

#[derive(Subcommand)]
enum OrgCmd {
    /// Adds an organisation.
    Add {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// Organisation type, e.g. gemeente, provincie, waterschap, ministerie.
        #[arg(long = "type", default_value = "gemeente")]
        org_type: String,
        /// central or four_eyes
        #[arg(long, default_value = "central")]
        flow: String,
        #[arg(long)]
        tooi: Option<String>,
    },
    /// Lists organisations.
    List {
        #[command(flatten)]
        data: DataArg,
    },
    /// Reads the government's lists of organisations (name;identifier;org_id, one file per kind) or the
    /// export of the organisation register (organisaties.overheid.nl, exportOO.xml): each listed
    /// organisation is found in the register (by code, else by name) and given its official identifier,
    /// abbreviation, parent and ministry, or added. All files are checked before anything changes. The
    /// files are lists (CSV with ; between columns) or exports (XML).
    Import(DataFiles),
}

#[derive(Subcommand)]
enum UserCmd {
    /// Adds a user. The password comes from --password-stdin or ALGOREG_PASSWORD.
    Add {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
        /// Organisation code to join (with --role).
        #[arg(long)]
        org: Option<String>,
        /// editor, approver or org_admin (repeatable).
        #[arg(long)]
        role: Vec<String>,
        /// Make this user a central operator.
        #[arg(long)]
        operator: bool,
        /// Make this user a supervisor: reads the supervision view across every organisation, changes nothing.
        #[arg(long)]
        supervisor: bool,
    },
    /// Makes an existing account a supervisor (the supervision view across every organisation,
    /// read-only), or with --off no longer one.
    Supervisor {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        email: String,
        /// Take the role away instead.
        #[arg(long)]
        off: bool,
    },
    /// Undoes an account's links with persons at identity providers (made at the first login through
    /// each), for when a provider has handed the address on to someone else: the next login through a
    /// provider links the account again, to whoever logs in with the address then.
    Unpin {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum TokenCmd {
    /// Creates an API token for one organisation; the secret is printed once.
    Create {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        org: String,
        /// editor, approver or org_admin
        #[arg(long, default_value = "editor")]
        role: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Subcommand)]
enum TemplateCmd {
    /// Loads supplier templates (records in standard-1.0 JSON, one file per supplier).
    Import(DataFiles),
}

#[derive(Subcommand)]
enum DemoCmd {
    /// Writes generated records in algoreg's export format (for benchmarks).
    Generate {
        #[arg(long, default_value_t = 1500)]
        records: usize,
        #[arg(long, default_value_t = 300)]
        orgs: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        #[arg(long)]
        out: Option<PathBuf>,
        /// Start a new file every N records (OUT-0.json, OUT-1.json, ...; needs --out). For very large
        /// sets: each file imports on its own.
        #[arg(long)]
        split: Option<usize>,
    },
}

async fn open(data: &DataArg) -> Result<App, ServiceError> {
    Ok(App::new(crate::backend::open(&data.data, data.database.as_ref(), crate::backend::Purpose::Serve).await?))
}

/// The AI Act tree, catalogue and dates: the built-in ones, or files given on the command line.
fn load_aiact(tree: Option<&Path>, catalogue: Option<&Path>, dates: Option<&Path>) -> Result<algoreg_service::aiact::AiAct, ServiceError> {
    let mut a = algoreg_service::aiact::AiAct::builtin();
    let text = |p: &Path| -> Result<String, ServiceError> {
        String::from_utf8(read_file(p)?)
            .map_err(|_| ServiceError::bad("file", format!("{}: geen UTF-8", p.display()), format!("{}: not UTF-8", p.display())))
    };
    let invalid = |field: &str, e: String| ServiceError::bad(field, e.clone(), e);
    if let Some(p) = tree {
        let t = text(p)?;
        let parsed = if t.trim_start().starts_with('{') { algoreg_aiact::Tree::from_json(&t) } else { algoreg_aiact::Tree::from_yaml(&t) };
        let tree = parsed.map_err(|e| invalid("aiact-tree", format!("{}: {e}", p.display())))?;
        algoreg_aiact::check(&tree).map_err(|e| invalid("aiact-tree", format!("{}: {e}", p.display())))?;
        a.tree = tree;
    }
    if let Some(dir) = catalogue {
        let mut files = vec![];
        for sub in ["requirements", "measures", "instruments"] {
            let d = dir.join(sub);
            let entries = std::fs::read_dir(&d).map_err(|e| invalid("aiact-catalogue", format!("{}: {e}", d.display())))?;
            for e in entries.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                    files.push((p.display().to_string(), text(&p)?));
                }
            }
        }
        let c = algoreg_aiact::catalogue::Catalogue::from_files(&dir.display().to_string(), &files)
            .map_err(|e| invalid("aiact-catalogue", e.to_string()))?;
        for w in &c.warnings {
            eprintln!("aiact catalogue: {w}");
        }
        a.catalogue = c;
    }
    if let Some(p) = dates {
        a.dates = algoreg_aiact::builtin::dates(&text(p)?).map_err(|e| invalid("aiact-dates", format!("{}: {e}", p.display())))?;
    }
    Ok(a)
}

/// An error as the operator at the machine reads it: what went wrong inside too (the web answers never
/// say that).
pub fn said(e: &ServiceError) -> String {
    match e {
        ServiceError::Internal(why) => why.clone(),
        e => e.to_string(),
    }
}

fn read_file(file: &Path) -> Result<Vec<u8>, ServiceError> {
    std::fs::read(file).map_err(|e| {
        ServiceError::bad("file", format!("Kan {} niet lezen: {e}", file.display()), format!("Cannot read {}: {e}", file.display()))
    })
}

fn open_index(data: &Path) -> Result<algoreg_search::SearchIndex, ServiceError> {
    algoreg_search::SearchIndex::open(&data.join("search")).map_err(|e| {
        if matches!(e, algoreg_search::SearchError::InUse) {
            ServiceError::bad(
                "data",
                format!("De zoekindex in {} is in gebruik door een draaiende server: stop die eerst", data.display()),
                format!("The search index in {} is in use by a running server: stop it first", data.display()),
            )
        } else {
            ServiceError::Internal(e.to_string())
        }
    })
}

fn out_writer(out: &Option<PathBuf>) -> Result<Box<dyn Write>, ServiceError> {
    Ok(match out {
        Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p).map_err(|e| {
            ServiceError::bad("out", format!("Kan {} niet schrijven: {e}", p.display()), format!("Cannot write {}: {e}", p.display()))
        })?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    })
}

/// What a caller that runs `serve` in its own process (the tests) wants to know and control.
#[derive(Default)]
pub struct Hooks {
    /// Called with the address once the server listens.
    pub on_listening: Option<Box<dyn FnOnce(std::net::SocketAddr) + Send>>,
    /// Stops the server when it completes (instead of Ctrl-C).
    pub shutdown: Option<tokio::sync::oneshot::Receiver<()>>,
}

pub async fn run(cli: Cli) -> Result<ExitCode, ServiceError> {
    run_with(cli, Hooks::default()).await
}

pub async fn run_with(cli: Cli, mut hooks: Hooks) -> Result<ExitCode, ServiceError> {
    match cli.command {
        Command::Serve {
            data,
            addr,
            demo,
            api_rate_limit,
            search_export_limit,
            shared_limits,
            operator_second_factor,
            second_factor_roles,
            access_token_seconds,
            aiact_tree,
            aiact_catalogue,
            aiact_dates,
            search_synonyms,
            harvest,
            feedback,
            sso,
        } => {
            let sso = sso.state()?;
            let aiact = load_aiact(aiact_tree.as_deref(), aiact_catalogue.as_deref(), aiact_dates.as_deref())?;
            let app = open(&data).await?;
            if demo {
                seed_demo(&app).await?;
            }
            let mut thesaurus = algoreg_search::thesaurus::Thesaurus::builtin();
            // Every organisation's abbreviation (from the organisation register, or written in its name
            // as "Name (ABBR)") finds its full name and the other way round.
            let orgs = app.operator().organisations().await?;
            algoreg_service::search::add_organisation_abbreviations(&mut thesaurus, &orgs);
            if let Some(path) = &search_synonyms {
                let label = path.display().to_string();
                let text = std::fs::read_to_string(path).map_err(|e| {
                    ServiceError::bad("search_synonyms", format!("Kan {label} niet lezen: {e}"), format!("Cannot read {label}: {e}"))
                })?;
                thesaurus.add_text(&text).map_err(|e| {
                    ServiceError::bad(
                        format!("search_synonyms:{}", e.line),
                        format!("{label}, regel {}: {}", e.line, e.message_nl),
                        format!("{label}, line {}: {}", e.line, e.message_en),
                    )
                })?;
            }
            let index = Arc::new(open_index(&data.data)?.with_thesaurus(thesaurus));
            if index.num_docs() == 0 && app.operator().count_published().await? > 0 {
                let n = app.operator().rebuild_index(&index).await?;
                println!("search index built: {n} records");
            }
            let (listener, local) = algoreg_web::bind(&addr).await.map_err(|e| {
                ServiceError::bad("addr", format!("Kan niet luisteren op {addr}: {e}"), format!("Cannot listen on {addr}: {e}"))
            })?;
            let public_url = feedback.public_url.clone().unwrap_or_else(|| format!("http://{local}"));
            // Records that came through this register's own feed are loops.
            let mut harvest_config = harvest.config();
            harvest_config.own_feed = Some(format!("{}/{}", public_url.trim_end_matches('/'), algoreg_service::federation::feed::PATH));
            let harvester = app.operator().harvester(harvest_config)?;
            let app = app
                .with_search(index.clone())
                .with_api_limit(api_rate_limit)
                .with_export_limit(search_export_limit)
                .with_shared_limits(shared_limits)
                .with_operator_second_factor(operator_second_factor == "required")
                .with_second_factor_roles(second_factor_roles)
                .with_access_token_seconds(access_token_seconds)
                .with_aiact(aiact)
                .with_harvester(harvester.clone())
                .with_link_checker(algoreg_service::links::LinkChecker::new(harvest.link_config())?);
            // Harvest the sources that are due, on their schedule (nothing to do without sources).
            tokio::spawn(harvester.run_schedule(app.node(), std::time::Duration::from_secs(5)));
            // Keep the index in step with the store: newly published versions are searchable within a second.
            app.operator().spawn_index_sync(index);
            let fb = algoreg_service::feedback::FeedbackConfig {
                answer_days: feedback.signal_answer_days,
                retention: feedback.signal_retention,
                public_url: public_url.clone(),
                per_address_per_hour: feedback.signal_limit_address,
                per_record_per_hour: feedback.signal_limit_record,
                confirmations_per_recipient_per_day: feedback.signal_mail_limit,
                evaluation_notice_days: 14,
                mail_from: feedback.mail_from.clone(),
            };
            let mailer = Arc::new(algoreg_service::feedback::Mailer::new(feedback.smtp_url.as_deref(), &feedback.mail_from)?);
            let alerts = algoreg_service::alerts::AlertConfig {
                daily: feedback.alert_daily,
                weekly: feedback.alert_weekly,
                max_per_address: feedback.alert_max_per_address,
                per_client_per_hour: feedback.signal_limit_address.saturating_mul(2),
                confirmations_per_recipient_per_day: feedback.signal_mail_limit,
                ..Default::default()
            };
            let app = app
                .with_feedback(fb)
                .with_alerts(alerts)
                .with_trusted_proxies(feedback.trusted_proxy.clone())
                .with_metrics_allow(feedback.metrics_allow.clone())
                .with_sso(sso);
            for (name, label) in app.sso().providers() {
                println!("single sign-on: {label}, redirect URI {}", app.sso().redirect_uri(&name));
            }
            app.operator().spawn_feedback_loop(mailer, feedback.feedback_tick);
            // E-mail alerts: the digests that are due (queued; the feedback loop sends the mail).
            tokio::spawn(algoreg_service::alerts::run_background(app.clone(), feedback.alert_tick));
            // The publication log follows the outbox.
            tokio::spawn(algoreg_service::log::run_background(app.clone(), std::time::Duration::from_secs(1)));
            // Not for the demo: its registrations link to made-up addresses.
            if harvest.link_check_max > 0 && !demo {
                // Check the registrations' links: a round every 15 minutes at most checks what is due.
                tokio::spawn(algoreg_service::links::run_background(
                    app.clone(),
                    harvest.link_check_interval.min(std::time::Duration::from_secs(900)),
                ));
            }
            println!("algoreg listening on http://{local}");
            let _ = std::io::stdout().flush();
            let limits = algoreg_web::security::Limits {
                header_read_timeout: feedback.header_timeout,
                request_timeout: feedback.request_timeout,
                max_connections: feedback.max_connections as usize,
                max_connections_per_client: feedback.max_connections_per_client as usize,
                max_in_flight: feedback.max_in_flight as usize,
            };
            algoreg_service::auth::warm_up();
            if let Some(f) = hooks.on_listening.take() {
                f(local);
            }
            match hooks.shutdown.take() {
                Some(stop) => {
                    algoreg_web::serve_until(app.clone(), listener, limits, async {
                        let _ = stop.await;
                    })
                    .await
                }
                None => algoreg_web::serve_with(app.clone(), listener, limits).await,
            }
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
            // Stopped: another node takes the background work over now, not when the leases expire.
            app.operator().release_leases().await;
        }
        Command::Copy { from, to } => {
            if from == to {
                return Err(ServiceError::bad("to", "--from en --to zijn dezelfde database", "--from and --to are the same database"));
            }
            // A source folder without a register (a typo) is refused before anything is opened or made.
            if let crate::backend::Database::Sqlite(dir) = &from {
                if !dir.join(algoreg_store_sqlite::SqliteStore::FILE_NAME).exists() {
                    return Err(ServiceError::bad(
                        "from",
                        format!("Geen register in {}", dir.display()),
                        format!("No register in {}", dir.display()),
                    ));
                }
            }
            let here = std::path::Path::new(".");
            let source = App::new(crate::backend::open(here, Some(&from), crate::backend::Purpose::Serve).await?);
            let target = App::new(crate::backend::open(here, Some(&to), crate::backend::Purpose::Serve).await?);
            let tables = source.operator().copy_into(&target).await?;
            let mut all = true;
            for t in &tables {
                println!("{:<18} {:>9} rows  {}", t.table, t.rows, if t.verified { "ok" } else { "DIFFERS" });
                all &= t.verified;
            }
            if !all {
                eprintln!("error: the copy differs from the source in the tables marked DIFFERS");
                return Ok(ExitCode::from(1));
            }
            println!(
                "copied {} to {}: {} rows, every table checked",
                from.display(),
                to.display(),
                tables.iter().map(|t| t.rows).sum::<u64>()
            );
        }
        Command::Backup { data, out } => {
            if let Some(crate::backend::Database::Postgres(_)) = &data.database {
                return Err(ServiceError::bad(
                    "database",
                    "algoreg backup is voor SQLite; maak een back-up van PostgreSQL met pg_dump (docs/DEPLOY.md)",
                    "algoreg backup is for SQLite; back PostgreSQL up with pg_dump (docs/DEPLOY.md)",
                ));
            }
            // No register there: say so, rather than back up a new, empty one made by opening it.
            let dir = match &data.database {
                Some(crate::backend::Database::Sqlite(dir)) => dir.clone(),
                _ => data.data.clone(),
            };
            if !dir.join(algoreg_store_sqlite::SqliteStore::FILE_NAME).exists() {
                return Err(ServiceError::bad(
                    "data",
                    format!("Geen register in {} (geef --data DIR of ALGOREG_DATA)", dir.display()),
                    format!("No register in {} (give --data DIR or ALGOREG_DATA)", dir.display()),
                ));
            }
            let app = open(&data).await?;
            app.operator().backup(&out).await?;
            println!("backup written: {}", out.display());
        }
        Command::Check { data } => {
            let app = open(&data).await?;
            let (problems, records) = app.operator().check_integrity().await?;
            for p in &problems {
                println!("problem: {p}");
            }
            println!("records: {records}");
            println!("{}", if problems.is_empty() { "ok" } else { "NOT OK" });
            if !problems.is_empty() {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Reindex { data } => {
            let app = open(&data).await?;
            let index = open_index(&data.data)?;
            let started = Instant::now();
            let n = app.operator().rebuild_index(&index).await?;
            println!("search index rebuilt: {n} records in {:.1}s", started.elapsed().as_secs_f64());
        }
        Command::Migrate { data } => {
            open(&data).await?;
            println!(
                "database ready: {}",
                data.database.as_ref().map(|d| d.display()).unwrap_or_else(|| format!("sqlite:{}", data.data.display()))
            );
        }
        Command::Org(OrgCmd::Add { data, code, name, org_type, flow, tooi }) => {
            let app = open(&data).await?;
            let org = app
                .orgs()
                .create(
                    &Principal::system(),
                    NewOrganisation {
                        code,
                        name,
                        org_type: parse_org_type(&org_type)?,
                        tooi,
                        relations: Default::default(),
                        flow: parse_flow(&flow)?,
                        about: None,
                        contact: None,
                    },
                )
                .await?;
            println!("organisation {} ({}) added", org.code, org.name);
        }
        Command::Org(OrgCmd::List { data }) => {
            let app = open(&data).await?;
            for o in app.operator().organisations().await? {
                println!("{}\t{}\t{}\t{}\t{}", o.code, o.org_type, o.flow, o.name, o.tooi.as_deref().unwrap_or("-"));
            }
        }
        Command::Org(OrgCmd::Import(DataFiles { data, files })) => {
            let mut listed = vec![];
            for f in &files {
                let label = f.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| f.display().to_string());
                if std::fs::metadata(f).is_ok_and(|m| m.len() > algoreg_service::org_lists::MAX_ROO_BYTES as u64) {
                    return Err(ServiceError::bad(
                        "files",
                        format!("{label} is groter dan 256 MB"),
                        format!("{label} is larger than 256 MB"),
                    ));
                }
                let text = std::fs::read_to_string(f).map_err(|e| {
                    ServiceError::bad("files", format!("Kan {} niet lezen: {e}", f.display()), format!("Cannot read {}: {e}", f.display()))
                })?;
                // The organisation register's export (XML), or one of the live register's lists (CSV).
                if algoreg_service::org_lists::is_roo_export(&text) {
                    listed.extend(algoreg_service::org_lists::parse_roo(&label, &text)?);
                } else {
                    listed.extend(algoreg_service::org_lists::parse(&label, &text)?);
                }
            }
            let app = open(&data).await?;
            let r = app.orgs().import_lists(&Principal::system(), &listed).await?;
            println!(
                "organisations: {} lines, {} organisations, {} added, {} given their identifier or details, {} already known",
                listed.len(),
                r.organisations,
                r.created,
                r.identified,
                r.unchanged
            );
        }
        Command::User(UserCmd::Unpin { data, email }) => {
            let app = open(&data).await?;
            let (user, n) = app.operator().unpin_sso(&email).await?;
            println!("user {}: {n} link(s) with identity providers undone", user.email);
        }
        Command::User(UserCmd::Supervisor { data, email, off }) => {
            let app = open(&data).await?;
            let user = app.operator().set_supervisor(&email, !off).await?;
            println!("user {} {}", user.email, if off { "is no longer a supervisor" } else { "is a supervisor" });
        }
        Command::User(UserCmd::Add { data, email, name, password_stdin, org, role, operator, supervisor }) => {
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).map_err(|e| {
                    ServiceError::bad(
                        "password",
                        format!("Kan standaardinvoer niet lezen: {e}"),
                        format!("Cannot read standard input: {e}"),
                    )
                })?;
                line.trim_end_matches(['\n', '\r']).to_string()
            } else {
                std::env::var("ALGOREG_PASSWORD").map_err(|_| {
                    ServiceError::bad(
                        "password",
                        "Geef het wachtwoord via --password-stdin of ALGOREG_PASSWORD.",
                        "Give the password with --password-stdin or ALGOREG_PASSWORD.",
                    )
                })?
            };
            let app = open(&data).await?;
            let roles: Vec<Role> = role.iter().map(|r| parse_role(r)).collect::<Result<_, _>>()?;
            let org = match (&org, roles.is_empty()) {
                (Some(code), false) => Some(app.orgs().by_code(code).await?),
                (Some(_), true) => {
                    return Err(ServiceError::bad(
                        "role",
                        "Geef met --role de rol in de organisatie.",
                        "Give the role in the organisation with --role.",
                    ))
                }
                (None, false) => {
                    return Err(ServiceError::bad(
                        "org",
                        "Geef met --org de organisatie bij de rol.",
                        "Give the organisation for the role with --org.",
                    ))
                }
                (None, true) => None,
            };
            let user = app.auth().create_user(&email, name.as_deref().unwrap_or(&email), &password, operator).await?;
            if supervisor {
                app.operator().set_supervisor(&user.email, true).await?;
            }
            if let Some(org) = &org {
                for r in &roles {
                    app.operator().add_role(user.id, org.id, *r).await?;
                }
            }
            println!(
                "user {} added{}{}",
                user.email,
                if operator {
                    " as central operator"
                } else if supervisor {
                    " as supervisor"
                } else {
                    ""
                },
                org.map(|o| format!(" to {} as {}", o.code, role.join(", "))).unwrap_or_default()
            );
        }
        Command::Token(TokenCmd::Create { data, org, role, name }) => {
            let app = open(&data).await?;
            let org = app.orgs().by_code(&org).await?;
            let (info, secret) = app.auth().create_token(&algoreg_domain::Principal::system(), org.id, parse_role(&role)?, &name).await?;
            eprintln!("token {} for {} as {} (shown once; store it safely):", info.id, org.code, info.role);
            println!("{secret}");
        }
        Command::Import { data, files, org, publish } => {
            // One connection: large batches are written once, through a rollback journal.
            let app = App::new(crate::backend::open(&data.data, data.database.as_ref(), crate::backend::Purpose::Bulk).await?);
            let mut failed = false;
            for file in files {
                let bytes = algoreg_service::import::FileBytes::open(&file).map_err(|e| {
                    ServiceError::bad(
                        "file",
                        format!("Kan {} niet lezen: {e}", file.display()),
                        format!("Cannot read {}: {e}", file.display()),
                    )
                })?;
                let bar = ProgressBar::new(0);
                bar.set_style(
                    ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec})")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.set_message(file.display().to_string());
                let started = Instant::now();
                let opts = ImportOptions {
                    org: org.clone(),
                    publish,
                    actor: format!("import:{}", file.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default()),
                };
                let progress = |done: u64, total: u64| {
                    bar.set_length(total);
                    bar.set_position(done);
                };
                let report = match app.operator().import(bytes, &opts, &progress).await {
                    Ok(r) => r,
                    Err(e) => {
                        bar.abandon();
                        eprintln!("{}: {}", file.display(), said(&e));
                        failed = true;
                        continue;
                    }
                };
                bar.finish_and_clear();
                let secs = started.elapsed().as_secs_f64();
                println!(
                    "{}: {} ({}): {} records, {} imported, {} updated, {} unchanged, {} incomplete, {} rejected, {} organisations created, {:.0} records/s",
                    file.display(),
                    report.format,
                    if report.format == "standard-json" && !publish { "as drafts" } else { "as published" },
                    report.total,
                    report.imported,
                    report.updated,
                    report.unchanged,
                    report.incomplete,
                    report.rejected.len(),
                    report.organisations_created,
                    report.total as f64 / secs.max(1e-9)
                );
                println!(
                    "  seconds: read {:.2}, check {:.2}, write {:.2}",
                    report.seconds.read, report.seconds.check, report.seconds.write
                );
                for w in &report.warnings {
                    println!("  warning: {w}");
                }
                for r in &report.rejected {
                    failed = true;
                    println!(
                        "  rejected record {} (id {}, {}):",
                        r.index,
                        r.id.as_deref().unwrap_or("-"),
                        r.name.as_deref().unwrap_or("-")
                    );
                    for reason in &r.reasons {
                        println!("    - {reason}");
                    }
                }
            }
            return Ok(if failed { ExitCode::from(2) } else { ExitCode::SUCCESS });
        }
        Command::Export { data, feed: Some(dir), public_url, .. } => {
            let mut app = open(&data).await?;
            if let Some(url) = public_url {
                app = app.with_feedback(algoreg_service::feedback::FeedbackConfig { public_url: url, ..Default::default() });
            }
            let rendered = app.operator().render_feed().await?;
            let path = dir.join(algoreg_service::federation::feed::PATH);
            let io = |e: std::io::Error| {
                ServiceError::bad(
                    "feed",
                    format!("Kan {} niet schrijven: {e}", path.display()),
                    format!("Cannot write {}: {e}", path.display()),
                )
            };
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            // Write beside and rename, so a web server never serves half a file.
            let tmp = path.with_extension("json.tmp");
            std::fs::write(&tmp, &rendered.json).map_err(io)?;
            std::fs::rename(&tmp, &path).map_err(io)?;
            let gz = path.with_extension("json.gz");
            std::fs::write(&tmp, &rendered.gzip).map_err(io)?;
            std::fs::rename(&tmp, &gz).map_err(io)?;
            println!("feed written: {} ({} bytes, ETag {})", path.display(), rendered.json.len(), rendered.etag);
            let entries = app.log().export(&dir).await?;
            println!("log written: {} entries", entries);
        }
        Command::Export { data, format, out, feed: None, .. } => {
            let app = open(&data).await?;
            let mut w = out_writer(&out)?;
            match format {
                ExportFormat::Json => {
                    let v = app.operator().export_json().await?;
                    serde_json::to_writer(&mut w, &v).map_err(|e| ServiceError::Internal(e.to_string()))?;
                    writeln!(w).map_err(|e| ServiceError::Internal(e.to_string()))?;
                }
                ExportFormat::Csv => app.operator().export_csv(&mut w).await?,
                ExportFormat::SiteData => {
                    let v = algoreg_service::compat::site_data(&app).await?;
                    serde_json::to_writer(&mut w, &v).map_err(|e| ServiceError::Internal(e.to_string()))?;
                    writeln!(w).map_err(|e| ServiceError::Internal(e.to_string()))?;
                }
                ExportFormat::UkAtrs | ExportFormat::Consortium031 | ExportFormat::EuDatabase => {
                    use algoreg_standard::mappings;
                    let m = match format {
                        ExportFormat::UkAtrs => &mappings::ATRS,
                        ExportFormat::Consortium031 => &mappings::CONSORTIUM,
                        _ => &mappings::EU_DATABASE,
                    };
                    let v = app.operator().export_mapped(m).await?;
                    serde_json::to_writer_pretty(&mut w, &v).map_err(|e| ServiceError::Internal(e.to_string()))?;
                    writeln!(w).map_err(|e| ServiceError::Internal(e.to_string()))?;
                }
            }
            w.flush().map_err(|e| ServiceError::Internal(e.to_string()))?;
        }
        Command::Harvest { data, source, public_url, harvest } => {
            let app = open(&data).await?;
            let mut config = harvest.config();
            if let Some(url) = public_url {
                config.own_feed = Some(format!("{}/{}", url.trim_end_matches('/'), algoreg_service::federation::feed::PATH));
            }
            let harvester = app.operator().harvester(config)?;
            let started = Instant::now();
            let reports = match source {
                Some(id) => {
                    let s = app.sources().get(&Principal::system(), id).await?;
                    let outcome = harvester.harvest_guarded(&s).await;
                    vec![algoreg_service::federation::harvest::SourceReport { source: s.id, url: s.url, outcome }]
                }
                None => {
                    let bar = ProgressBar::new(0);
                    bar.set_style(
                        ProgressStyle::with_template("harvest [{bar:40}] {pos}/{len} sources ({per_sec})")
                            .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    );
                    let progress = |done: usize, total: usize| {
                        bar.set_length(total as u64);
                        bar.set_position(done as u64);
                    };
                    let r = harvester.harvest_all(false, &algoreg_service::runtime::Held::always(), &progress).await?;
                    bar.finish_and_clear();
                    r
                }
            };
            use algoreg_service::federation::harvest::Outcome;
            let (mut changed, mut same, mut failed, mut records) = (0, 0, 0, 0);
            for r in &reports {
                match &r.outcome {
                    Outcome::Changed { records: n, new, updated, unchanged, retracted, rejected } => {
                        changed += 1;
                        records += n;
                        println!("{}\t{}\tchanged: {n} records, {new} new, {updated} updated, {unchanged} unchanged, {retracted} retracted, {rejected} rejected", r.source, r.url);
                    }
                    Outcome::NotModified => {
                        same += 1;
                        println!("{}\t{}\tnot modified", r.source, r.url);
                    }
                    Outcome::Failed { error } => {
                        failed += 1;
                        println!("{}\t{}\tfailed: {error}", r.source, r.url);
                    }
                }
            }
            println!(
                "harvested {} sources in {:.2}s: {changed} changed ({records} records), {same} not modified, {failed} failed",
                reports.len(),
                started.elapsed().as_secs_f64()
            );
            if failed > 0 {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Source(SourceCmd::Add { data, org, url }) => {
            let app = open(&data).await?;
            let s = app.sources().add(&Principal::system(), &org, &url).await?;
            println!("source {} added: {} for {}", s.id, s.url, s.org_code);
        }
        Command::Source(SourceCmd::List { data }) => {
            let app = open(&data).await?;
            println!("id\torganisation\turl\tlast_success\trecords\trejected\tlast_error");
            for s in app.sources().list(&Principal::system()).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    s.id,
                    s.org_code,
                    s.url,
                    s.last_success_at.map(|t| t.to_rfc3339()).unwrap_or_else(|| "-".into()),
                    s.records,
                    s.rejected.len(),
                    s.last_error.unwrap_or_default()
                );
            }
        }
        Command::Source(SourceCmd::Show { data, id }) => {
            let app = open(&data).await?;
            let s = app.sources().get(&Principal::system(), id).await?;
            println!("{}", serde_json::to_string_pretty(&s).map_err(|e| ServiceError::Internal(e.to_string()))?);
        }
        Command::Source(SourceCmd::Remove { data, id }) => {
            let app = open(&data).await?;
            app.sources().remove(&Principal::system(), id).await?;
            println!("source {id} removed");
        }
        Command::Source(SourceCmd::OriginKeys { data, forget }) => {
            let app = open(&data).await?;
            match forget {
                Some(name) => {
                    app.sources().forget_origin_key(&Principal::system(), &name).await?;
                    println!("origin key forgotten: {name}");
                }
                None => {
                    println!("origin\tkey");
                    for (name, key) in app.sources().origin_keys(&Principal::system()).await? {
                        println!("{name}\t{key}");
                    }
                }
            }
        }
        Command::Template(TemplateCmd::Import(DataFiles { data, files })) => {
            let app = open(&data).await?;
            for file in files {
                let bytes = read_file(&file)?;
                let source = file.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
                let (n, skipped) = app.operator().import_templates(&bytes, &source).await?;
                println!("{}: {n} templates loaded", file.display());
                for s in skipped {
                    println!("  skipped {s}");
                }
            }
        }
        Command::Aiact(AiactCmd::CheckTree { file }) => {
            let bytes = read_file(&file)?;
            let text = String::from_utf8(bytes).map_err(|_| ServiceError::bad("file", "Geen UTF-8-tekst.", "Not UTF-8 text."))?;
            let tree = if text.trim_start().starts_with('{') {
                algoreg_aiact::Tree::from_json(&text)
            } else {
                algoreg_aiact::Tree::from_yaml(&text)
            };
            let report = tree.and_then(|t| algoreg_aiact::check(&t).map(|r| (t, r)));
            match report {
                Ok((tree, r)) => {
                    println!("{} {}: {} questions, {} conclusions", tree.name, tree.version, r.questions, r.conclusions);
                    println!("{} paths, every one ends in a conclusion; {} conclusions reached", r.paths, r.reached.len());
                    if !r.unreachable_questions.is_empty() {
                        println!("questions no path reaches: {}", r.unreachable_questions.join(", "));
                    }
                    if !r.unreached_conclusions.is_empty() {
                        println!("conclusions no path reaches: {}", r.unreached_conclusions.join(", "));
                    }
                }
                Err(e) => {
                    eprintln!("{}: {e}", file.display());
                    return Ok(ExitCode::from(2));
                }
            }
        }
        Command::Verify { url, key, state } => {
            let saved: Option<algoreg_service::log::VerifyState> = match &state {
                Some(p) if p.exists() => {
                    let text = std::fs::read_to_string(p).map_err(|e| ServiceError::Internal(format!("{}: {e}", p.display())))?;
                    Some(serde_json::from_str(&text).map_err(|e| {
                        ServiceError::bad(
                            "state",
                            "Het bestand is geen opgeslagen toestand.",
                            format!("The file is not a saved state: {e}"),
                        )
                    })?)
                }
                _ => None,
            };
            let result = if url.starts_with("http://") || url.starts_with("https://") {
                algoreg_service::log::verify_remote(&url, key.as_deref(), saved.as_ref()).await
            } else {
                algoreg_service::log::verify_mirror(Path::new(&url), key.as_deref(), saved.as_ref())
            };
            match result {
                Ok(v) => {
                    println!("log of {url}: {} entries, signature and root verified", v.size);
                    if let Some(old) = v.consistent_with {
                        println!("consistent with the {old} entries seen before: nothing was rewritten or removed");
                    }
                    println!("{} published versions found in the log with their content", v.versions);
                    if v.origin_proofs > 0 {
                        println!("{} harvested versions carry their origin's proof, and every one holds", v.origin_proofs);
                    }
                    if let Some(p) = &state {
                        let json = serde_json::to_string_pretty(&v.state).unwrap_or_default();
                        std::fs::write(p, json).map_err(|e| ServiceError::Internal(format!("{}: {e}", p.display())))?;
                    }
                }
                Err(e) => {
                    eprintln!("verification FAILED: {e}");
                    return Ok(ExitCode::from(1));
                }
            }
        }
        Command::Docs { table } => match table {
            DocsTable::Mappings => {
                for m in algoreg_standard::mappings::ALL {
                    println!("{}", algoreg_standard::mappings::markdown(m));
                }
            }
            DocsTable::CarryOver => print!("{}", algoreg_standard::migrate::markdown()),
        },
        Command::Demo(DemoCmd::Generate { records, orgs, seed, out, split }) => {
            if split.is_some() && out.is_none() {
                return Err(ServiceError::bad("split", "--split heeft --out nodig.", "--split needs --out."));
            }
            let mut open = |n: usize| -> std::io::Result<Box<dyn Write>> {
                let path = match (&out, split) {
                    (Some(p), Some(_)) => {
                        let stem = p.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "demo".into());
                        p.with_file_name(format!("{stem}-{n}.json"))
                    }
                    _ => return out_writer(&out).map_err(|e| std::io::Error::other(e.to_string())),
                };
                Ok(Box::new(std::io::BufWriter::new(std::fs::File::create(path)?)))
            };
            let files = demo::write_export(records, orgs, seed, split, &mut open)
                .map_err(|e| ServiceError::bad("out", format!("Kan niet schrijven: {e}"), format!("Cannot write: {e}")))?;
            if split.is_some() {
                eprintln!("{files} files written");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Fills an empty store with demo organisations, records and demo accounts, and says how to log in.
async fn seed_demo(app: &App) -> Result<(), ServiceError> {
    let started = Instant::now();
    let Some(seed) = app.operator().seed_demo().await? else {
        println!("demo: the store has data already; nothing generated");
        return Ok(());
    };
    let password = &seed.password;
    if let Some(org) = &seed.four_eyes {
        println!(
            "demo: accounts redacteur@demo.algoreg.nl / {password}-redacteur and goedkeurder@demo.algoreg.nl / {password}-goedkeurder ({})",
            org.name
        );
    }
    println!(
        "demo: {} organisations and {} records generated in {:.1}s; operator beheer@demo.algoreg.nl / {password}-beheer",
        seed.organisations,
        seed.records,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
