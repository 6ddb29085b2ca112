//! Test harness: runs algoreg against a real SQLite file in a temporary folder (or, with
//! `ALGOREG_E2E_POSTGRES` set to a server's URL, a fresh database on that PostgreSQL server) and talks
//! HTTP to it on loopback. The server and the setup steps (organisations, accounts, tokens) run in the test's own
//! process, through the same code as the binary's commands; the commands under test and the tests about
//! the process itself run the real binary.
#![allow(dead_code)]

use reqwest::blocking::{Client, Response};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_algoreg");
pub const PASSWORD: &str = "een-lang-wachtwoord";

/// `../shared` beside the repository (tests that read the anchors use it).
pub fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

pub struct Env {
    pub dir: tempfile::TempDir,
    /// The PostgreSQL database of this environment (none: SQLite in the data folder).
    pub postgres: Option<PgDatabase>,
}

/// A database made for one test on the server named by `ALGOREG_E2E_POSTGRES`, dropped at the end.
pub struct PgDatabase {
    admin: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub fn create(admin: &str) -> PgDatabase {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!("algoreg_e2e_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        pg_admin(admin, &format!("CREATE DATABASE {name}"));
        let url = match admin.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("ALGOREG_E2E_POSTGRES must name a database: postgres://user@host:port/postgres"),
        };
        PgDatabase { admin: admin.to_string(), name, url }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        pg_admin(&self.admin, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
    }
}

/// The first column of the first row of `sql` (with `arg` bound as $1) on the database at `url`.
pub fn pg_count(url: &str, sql: &str, arg: &str) -> i64 {
    use sqlx::{ConnectOptions, Connection, Row};
    let opts: sqlx::postgres::PgConnectOptions = url.parse().expect("a postgres:// URL");
    let (sql, arg) = (sql.to_string(), arg.to_string());
    std::thread::spawn(move || {
        block_on(async move {
            let mut c = opts.connect().await.expect("connect");
            let n: i64 = sqlx::query(&sql).bind(arg).fetch_one(&mut c).await.expect("query").get(0);
            let _ = c.close().await;
            n
        })
    })
    .join()
    .expect("query")
}

fn pg_admin(url: &str, sql: &str) {
    use sqlx::{ConnectOptions, Connection};
    let opts: sqlx::postgres::PgConnectOptions = url.parse().expect("ALGOREG_E2E_POSTGRES is a postgres:// URL");
    let sql = sql.to_string();
    // On a thread of its own: callers may be inside a runtime already.
    std::thread::spawn(move || {
        block_on(async move {
            let mut c = opts.connect().await.expect("connect to ALGOREG_E2E_POSTGRES");
            sqlx::query(&sql).execute(&mut c).await.expect("database administration");
            let _ = c.close().await;
        })
    })
    .join()
    .expect("database administration");
}

impl Env {
    pub fn new() -> Env {
        let postgres = std::env::var("ALGOREG_E2E_POSTGRES").ok().filter(|u| !u.is_empty()).map(|u| PgDatabase::create(&u));
        Env { dir: tempfile::tempdir().expect("tempdir"), postgres }
    }

    /// An environment on SQLite whatever the suite runs on (for tests about SQLite's file itself).
    pub fn sqlite() -> Env {
        Env { dir: tempfile::tempdir().expect("tempdir"), postgres: None }
    }

    /// Runs one SQL statement on this environment's database (the SQLite file, or PostgreSQL), and
    /// returns the first column of its first row as text (empty when it returns none).
    pub fn sql(&self, statement: &str) -> String {
        use sqlx::{ConnectOptions, Connection, Row};
        let statement = statement.to_string();
        let database = self.database().map(String::from);
        let file = self.dir.path().join("data").join("algoreg.db");
        std::thread::spawn(move || {
            block_on(async move {
                match database {
                    Some(url) => {
                        let opts: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
                        let mut c = opts.connect().await.unwrap();
                        let row = sqlx::query(&statement).fetch_optional(&mut c).await.unwrap();
                        let _ = c.close().await;
                        row.map(|r| r.get::<String, _>(0)).unwrap_or_default()
                    }
                    None => {
                        let mut c = sqlx::sqlite::SqliteConnectOptions::new().filename(&file).connect().await.unwrap();
                        let row = sqlx::query(&statement).fetch_optional(&mut c).await.unwrap();
                        let _ = c.close().await;
                        row.map(|r| r.get::<String, _>(0)).unwrap_or_default()
                    }
                }
            })
        })
        .join()
        .unwrap()
    }

    /// The `--database` value of this environment, if it is not SQLite in the data folder.
    pub fn database(&self) -> Option<&str> {
        self.postgres.as_ref().map(|p| p.url.as_str())
    }

    pub fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// The binary with `args` and this environment's `--data` (and database, when it is not SQLite).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args).arg("--data").arg(self.data()).env_remove("DATABASE_URL");
        if let Some(url) = self.database() {
            cmd.env("DATABASE_URL", url);
        }
        cmd
    }

    /// Runs a CLI command with `--data` for this environment.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.cli_stdin(args, None)
    }

    pub fn cli_stdin(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = self.command(args);
        cmd.env("ALGOREG_PASSWORD", PASSWORD).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn algoreg");
        if let Some(s) = stdin {
            child.stdin.take().expect("stdin").write_all(s.as_bytes()).expect("write stdin");
        }
        drop(child.stdin.take());
        child.wait_with_output().expect("wait")
    }

    /// Runs a command without `--data` (for commands that touch no store).
    pub fn raw(&self, args: &[&str]) -> String {
        let out = Command::new(BIN).args(args).output().expect("run algoreg");
        assert!(out.status.success(), "algoreg {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    /// Runs a CLI command that must succeed; returns its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "algoreg {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    /// The services over this environment's store, for setup steps: the same functions the commands
    /// call, without starting a process for each step.
    pub fn with_app<T>(&self, f: impl AsyncFnOnce(algoreg_service::App) -> T) -> T {
        let data = self.dir.path().join("data");
        let database = self.database().map(|u| algoreg::backend::Database::parse(u).expect("database URL"));
        block_on(async move {
            let store = algoreg::backend::open(&data, database.as_ref(), algoreg::backend::Purpose::Serve).await.expect("open store");
            f(algoreg_service::App::new(store)).await
        })
    }

    pub fn org(&self, code: &str, flow: &str) {
        self.with_app(async |app| {
            let new = algoreg_store::NewOrganisation {
                code: code.to_string(),
                name: format!("Gemeente {code}"),
                org_type: algoreg_domain::org::OrgType::Gemeente,
                tooi: None,
                relations: Default::default(),
                flow: algoreg_service::orgs::parse_flow(flow).expect("flow"),
                about: None,
                contact: None,
            };
            app.orgs().create(&algoreg_domain::workflow::Principal::system(), new).await.expect("add organisation");
        })
    }

    pub fn user(&self, email: &str, org: Option<&str>, roles: &[&str], operator: bool) {
        self.with_app(async |app| {
            let user = app.auth().create_user(email, email, PASSWORD, operator).await.expect("add user");
            if let Some(code) = org {
                let org = app.orgs().by_code(code).await.expect("organisation");
                for r in roles {
                    let role = algoreg_service::orgs::parse_role(r).expect("role");
                    app.operator().add_role(user.id, org.id, role).await.expect("add role");
                }
            }
        })
    }

    pub fn token(&self, org: &str, role: &str) -> String {
        self.with_app(async |app| {
            let org = app.orgs().by_code(org).await.expect("organisation");
            let role = algoreg_service::orgs::parse_role(role).expect("role");
            app.auth().create_token(&algoreg_domain::Principal::system(), org.id, role, "cli").await.expect("create token").1
        })
    }

    pub fn serve(&self) -> Server {
        self.serve_with(&[])
    }

    /// Starts another node on this environment's database: its own data folder (and so its own search
    /// index), the same store (`--database`), in this process.
    pub fn serve_node(&self, node: &str, extra: &[&str]) -> Server {
        let data = self.dir.path().join(node).display().to_string();
        let database = self.database().map(str::to_string).unwrap_or_else(|| format!("sqlite:{}", self.data()));
        let mut args = vec!["--data", &data, "--database", &database];
        args.extend_from_slice(extra);
        self.serve_with(&args)
    }

    /// Starts the server with extra arguments, in this test's process (the same code as `algoreg serve`,
    /// on its own runtime and port); stopped when the [`Server`] is dropped.
    pub fn serve_with(&self, extra: &[&str]) -> Server {
        use clap::Parser;
        let data = self.data();
        let mut args = vec!["algoreg", "serve"];
        if !extra.contains(&"--data") {
            args.extend_from_slice(&["--data", &data]);
        }
        if let (Some(url), false) = (self.database(), extra.contains(&"--database")) {
            args.extend_from_slice(&["--database", url]);
        }
        if !extra.contains(&"--addr") {
            args.extend_from_slice(&["--addr", "127.0.0.1:0"]);
        }
        // No link checker (it would reach out to the internet), unless the test is about it.
        if !extra.contains(&"--link-check-max") {
            args.extend_from_slice(&["--link-check-max", "0"]);
        }
        // Tests log in as the central operator without a second factor, unless they are about it.
        if !extra.contains(&"--operator-second-factor") {
            args.extend_from_slice(&["--operator-second-factor", "optional"]);
        }
        args.extend_from_slice(extra);
        let cli = algoreg::cli::Cli::try_parse_from(args).expect("serve arguments");
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
            let hooks = algoreg::cli::Hooks {
                on_listening: Some(Box::new(move |a| {
                    let _ = addr_tx.send(a);
                })),
                shutdown: Some(stopped),
            };
            if let Err(e) = rt.block_on(algoreg::cli::run_with(cli, hooks)) {
                eprintln!("in-process server: {e}");
            }
            rt.shutdown_timeout(Duration::from_secs(2));
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(120)).expect("the server did not start");
        Server {
            process: Running::InProcess { stop: Some(stop), thread: Some(thread) },
            base: format!("http://{addr}"),
            client: Client::builder().cookie_store(true).build().expect("client"),
        }
    }

    /// Starts the real binary as its own process (for tests about the process: its output, signals, kills).
    pub fn serve_process(&self, extra: &[&str]) -> Server {
        let mut cmd = self.command(&["serve", "--addr", "127.0.0.1:0"]);
        cmd.args(extra);
        spawn_server(cmd)
    }

    /// Another node as its own process (its own lease holder and metrics, as in production): its own
    /// data folder, this environment's database.
    pub fn serve_node_process(&self, node: &str, extra: &[&str]) -> Server {
        let data = self.dir.path().join(node).display().to_string();
        let database = self.database().map(str::to_string).unwrap_or_else(|| format!("sqlite:{}", self.data()));
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--addr", "127.0.0.1:0", "--data", &data, "--database", &database]).args(extra).env_remove("DATABASE_URL");
        spawn_server(cmd)
    }
}

/// Starts a `serve` command and waits until it listens.
fn spawn_server(mut cmd: Command) -> Server {
    let mut child = cmd
        .env("ALGOREG_LOG", "error")
        .env("ALGOREG_OPERATOR_SECOND_FACTOR", "optional")
        .env("ALGOREG_LINK_CHECK_MAX", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn server");
    let base = listening_on(&mut child);
    Server { process: Running::Child(child), base, client: Client::builder().cookie_store(true).build().expect("client") }
}

/// The address a `serve` process (started with its standard output piped) says it listens on; what it
/// prints later is read and dropped, so that its writes never fail.
pub fn listening_on(child: &mut Child) -> String {
    let mut lines = BufReader::new(child.stdout.take().expect("stdout piped")).lines();
    let base = loop {
        let line = lines.next().expect("server printed nothing").expect("read");
        if let Some(url) = line.strip_prefix("algoreg listening on ") {
            break url.to_string();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    base
}

/// Runs a future to completion on a small runtime of its own.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(f)
}

enum Running {
    Child(Child),
    InProcess { stop: Option<tokio::sync::oneshot::Sender<()>>, thread: Option<std::thread::JoinHandle<()>> },
}

pub struct Server {
    process: Running,
    pub base: String,
    pub client: Client,
}

impl Drop for Server {
    fn drop(&mut self) {
        match &mut self.process {
            Running::Child(child) => {
                let _ = child.kill();
                let _ = child.wait();
            }
            Running::InProcess { stop, thread } => {
                if let Some(stop) = stop.take() {
                    let _ = stop.send(());
                }
                if let Some(t) = thread.take() {
                    let _ = t.join();
                }
            }
        }
    }
}

/// A caller: anonymous, a bearer token, or a logged-in session.
pub enum Who<'a> {
    Anon,
    Token(&'a str),
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().expect("GET")
    }

    pub fn get_json(&self, path: &str) -> Value {
        let r = self.get(path);
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().expect("json")
    }

    pub fn send(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        request(&self.client, &self.base, method, path, token, body)
    }

    /// Creates a draft of `org` with `content` through the API, as `editor`: its ID.
    pub fn create(&self, org: &str, editor: &str, content: Value) -> String {
        let (st, v) =
            self.send("POST", &format!("/api/v1/organisations/{org}/algorithms"), Some(editor), Some(json!({ "content": content })));
        assert_eq!(st, 201, "{v}");
        v["id"].as_str().unwrap().to_string()
    }

    /// Creates a record of `org` with `content`, releases it (editor) and publishes it (approver): its ID.
    pub fn publish_new(&self, org: &str, editor: &str, approver: &str, content: Value) -> String {
        let id = self.create(org, editor, content);
        assert_eq!(self.send("POST", &format!("/api/v1/algorithms/{id}/actions/release"), Some(editor), None).0, 200);
        assert_eq!(self.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), Some(approver), None).0, 200);
        id
    }

    /// Retracts the public version of `id` with `token` (an approver's or admin's), with `reason`.
    pub fn retract(&self, id: &str, token: &str, reason: &str) {
        let (st, b) =
            self.send("POST", &format!("/api/v1/algorithms/{id}/actions/retract"), Some(token), Some(json!({ "reason": reason })));
        assert_eq!(st, 200, "retract {id}: {b}");
    }

    /// A fresh client with its own cookie jar, logged in as `email`.
    pub fn login(&self, email: &str) -> Server2 {
        let client = Client::builder().cookie_store(true).build().expect("client");
        let r = client.post(self.url("/api/v1/session")).json(&json!({"email": email, "password": PASSWORD})).send().expect("login");
        assert_eq!(r.status(), 200, "login {email}");
        Server2 { base: self.base.clone(), client }
    }
}

/// A logged-in session against the same server.
pub struct Server2 {
    pub base: String,
    pub client: Client,
}

impl Server2 {
    pub fn send(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        request(&self.client, &self.base, method, path, None, body)
    }
}

/// One JSON request; the body comes back as JSON, or as a string when it is not JSON.
fn request(client: &Client, base: &str, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut rb = client.request(m, format!("{base}{path}"));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().expect("send");
    let status = r.status().as_u16();
    let text = r.text().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// The (field, rule) pairs of a list of field messages: a problem's `errors`, or a workspace's `quality`.
pub fn field_rules(list: &Value) -> Vec<(String, String)> {
    let pairs = list.as_array().expect("a list of field messages").iter();
    pairs.map(|e| (e["field"].as_str().unwrap().to_string(), e["rule"].as_str().unwrap().to_string())).collect()
}

/// A registration that passes every rule of standard 1.0.
pub fn complete_content(name: &str) -> Value {
    json!({
        "name": name,
        "description_short": "Het algoritme toetst aanvragen voor een parkeervergunning aan de regels.",
        "category": ["Verkeer"],
        "status": "In gebruik",
        "begin_date": "2023-04",
        "contact_email": "algoritmes@voorbeeld.nl",
        "publication_category": "Impactvolle algoritmes",
        "goal": "<p>Sneller een besluit over de parkeervergunning.</p>",
        "lawful_basis_grouping": [{"title": "Wegenverkeerswet 1994", "link": "https://wetten.overheid.nl/BWBR0006622"}],
    })
}

/// A browser without JavaScript: a cookie jar, no redirects followed.
pub struct Browser {
    pub client: Client,
    pub base: String,
}

impl Browser {
    pub fn new(s: &Server) -> Browser {
        Browser {
            client: Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            base: s.base.clone(),
        }
    }
    pub fn get(&self, path: &str) -> (u16, String) {
        let r = self.client.get(format!("{}{path}", self.base)).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    }
    /// The CSRF token of this browser, read from a page's form.
    pub fn csrf(&self) -> String {
        let (_, html) = self.get("/nl/login");
        let i = html.find("name=\"_csrf\" value=\"").expect("csrf field") + 20;
        html[i..i + 48].to_string()
    }
    pub fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let r = self.client.post(format!("{}{path}", self.base)).form(form).send().unwrap();
        let loc = r.headers().get("location").map(|v| v.to_str().unwrap().to_string());
        (r.status().as_u16(), r.text().unwrap(), loc)
    }
    pub fn login(&self, email: &str) {
        let csrf = self.csrf();
        let (st, body, loc) = self.post("/nl/login", &[("_csrf", &csrf), ("email", email), ("password", PASSWORD), ("next", "/nl/beheer")]);
        assert_eq!(st, 303, "login {email}: {body}");
        assert_eq!(loc.as_deref(), Some("/nl/beheer"));
    }
}

pub struct Smtp {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn smtp_python() -> String {
    if let Ok(p) = std::env::var("ALGOREG_SMTP_PYTHON") {
        return p;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("bash").arg(root.join("scripts/setup-smtp")).output().expect("scripts/setup-smtp");
    assert!(out.status.success(), "setup-smtp: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl Smtp {
    pub fn start() -> Smtp {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("mail");
        let child = Command::new(smtp_python())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start aiosmtpd");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(20), "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Smtp { child, port, dir }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, as raw text.
    pub fn messages(&self) -> Vec<String> {
        let mut out = vec![];
        for sub in ["new", "cur"] {
            let d: PathBuf = self.dir.path().join("mail").join(sub);
            if let Ok(rd) = std::fs::read_dir(d) {
                for e in rd.flatten() {
                    out.push(std::fs::read_to_string(e.path()).unwrap_or_default());
                }
            }
        }
        out
    }

    /// Waits for a message to `to` whose text contains `needle`.
    pub fn wait_for(&self, to: &str, needle: &str) -> String {
        let start = Instant::now();
        loop {
            if let Some(m) = self.messages().into_iter().find(|m| header(m, "To").contains(to) && unfold(m).contains(needle)) {
                return m;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "no mail to {to} with {needle:?}; got {:#?}", self.messages());
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

pub fn header(m: &str, name: &str) -> String {
    m.lines().find(|l| l.to_ascii_lowercase().starts_with(&format!("{}:", name.to_ascii_lowercase()))).unwrap_or("").to_string()
}

/// The message with quoted-printable soft line breaks undone.
pub fn unfold(m: &str) -> String {
    m.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=")
}

pub fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(30), "timed out: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The Python of the contract tests' virtual environment (scripts/setup-contract): it has jsonschema
/// and Sickle from PyPI.
pub fn contract_python() -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("bash").arg(root.join("scripts/setup-contract")).output().expect("scripts/setup-contract");
    assert!(out.status.success(), "setup-contract: {}", String::from_utf8_lossy(&out.stderr));
    let st = String::from_utf8_lossy(&out.stdout).trim().to_string();
    format!("{}/python", st.rsplit_once('/').expect("a path").0)
}
