//! Single sign-on against a real OpenID Connect provider: the certified `oidc-provider` package from
//! npm, started by these tests (`e2e/oidc/provider.mjs`; scripts/setup-e2e installs it). Only the person
//! at the provider's keyboard is automated (the account is named in `login_hint`); discovery, the code
//! flow with PKCE, tokens, keys and logout are the provider's own.
use crate::common::*;
use reqwest::blocking::Client;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const SECRET: &str = "een-geheim-van-de-client-voor-de-test";
const AUDIENCE: &str = "https://algoreg.test";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The provider, as a child process (killed when dropped).
struct Idp {
    child: Child,
    port: u16,
    env: Vec<(String, String)>,
}

impl Idp {
    /// Starts the provider on `port` for algoreg at `algoreg` (its callback and logout return address).
    fn start(port: u16, algoreg: &str, accounts: Value, client_claims: Value) -> Idp {
        let clients = json!([
            {
                "client_id": "algoreg",
                "client_secret": SECRET,
                "redirect_uris": [format!("{algoreg}/sso/gemeente/callback"), format!("{algoreg}/sso/andere/callback")],
                "post_logout_redirect_uris": [format!("{algoreg}/nl/")],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "scope": "openid email profile org",
            },
            // Tools with their own tokens (client credentials) for the APIs.
            {"client_id": "tool", "client_secret": SECRET, "grant_types": ["client_credentials"], "response_types": [], "redirect_uris": [], "scope": "api"},
            {"client_id": "robot", "client_secret": SECRET, "grant_types": ["client_credentials"], "response_types": [], "redirect_uris": [], "scope": "api"},
            {"client_id": "short", "client_secret": SECRET, "grant_types": ["client_credentials"], "response_types": [], "redirect_uris": [], "scope": "api"},
            {"client_id": "ann-approver", "client_secret": SECRET, "grant_types": ["client_credentials"], "response_types": [], "redirect_uris": [], "scope": "api"},
        ]);
        let env = vec![
            ("OIDC_PORT".to_string(), port.to_string()),
            ("OIDC_CLIENTS".to_string(), clients.to_string()),
            ("OIDC_ACCOUNTS".to_string(), accounts.to_string()),
            ("OIDC_CLAIMS".to_string(), client_claims.to_string()),
            ("OIDC_SHORT".to_string(), "short".to_string()),
            ("OIDC_RESOURCE".to_string(), AUDIENCE.to_string()),
        ];
        let mut idp = Idp { child: spawn(&env), port, env };
        idp.wait_ready();
        idp
    }

    fn wait_ready(&mut self) {
        let out = self.child.stdout.take().expect("stdout");
        let line = BufReader::new(out).lines().next().expect("the provider printed nothing").expect("read");
        assert!(line.starts_with("ready"), "provider: {line}");
    }

    /// Stops and starts the provider on the same address: it comes back with a new signing key.
    fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn(&self.env);
        self.wait_ready();
    }

    fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An access token for a tool (client credentials), for `resource` (its audience).
    fn tool_token(&self, client: &str, resource: &str) -> String {
        let r = Client::new()
            .post(format!("{}/token", self.issuer()))
            .basic_auth(client, Some(SECRET))
            .form(&[("grant_type", "client_credentials"), ("scope", "api"), ("resource", resource)])
            .send()
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().unwrap();
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap().to_string()
    }
}

fn spawn(env: &[(String, String)]) -> Child {
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    assert!(
        e2e.join("node_modules/oidc-provider").is_dir(),
        "the OpenID provider for these tests is missing: run `bash scripts/setup-e2e` (installs e2e/node_modules)"
    );
    Command::new("node")
        .arg("oidc/provider.mjs")
        .current_dir(&e2e)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node (for the OpenID provider)")
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The people at the provider.
fn accounts() -> Value {
    json!({
        "ann": {"email": "ann@delft.nl", "email_verified": true, "name": "Ann de Vries"},
        "nieuw": {"email": "nieuw@delft.nl", "email_verified": true, "name": "Nieuwe Collega"},
        "onbekend": {"email": "onbekend@delft.nl", "email_verified": true},
        "ongecontroleerd": {"email": "ann@delft.nl", "email_verified": false},
        // Someone who got Ann's address at the provider after her.
        "opvolger": {"email": "ann@delft.nl", "email_verified": true, "name": "Opvolger"},
        "buiten": {"email": "beheer@centraal.nl", "email_verified": true},
        "carl": {"email": "carl@delft.nl", "email_verified": true, "name": "Carl", "org": "delft", "role": "approver"},
        "vreemd": {"email": "vreemd@delft.nl", "email_verified": true, "org": "utrecht", "role": "org_admin"},
        // Claims with lists: two places and two roles side by side; the same written as pairs; one place.
        "twee": {"email": "twee@delft.nl", "email_verified": true, "org": ["delft", "utrecht"], "role": ["editor", "org_admin"]},
        "paar": {"email": "paar@delft.nl", "email_verified": true, "org": ["delft", "utrecht"], "role": ["delft:editor", "utrecht:approver"]},
        "een": {"email": "een@delft.nl", "email_verified": true, "org": ["delft"], "role": ["editor", "approver"]},
        "operator": {"email": "operator@delft.nl", "email_verified": true},
        "toezicht": {"email": "toezicht@delft.nl", "email_verified": true},
    })
}

/// algoreg on a port chosen first (the provider must know the callback address before algoreg starts),
/// with the provider configured.
fn setup(extra: &str) -> (Env, Idp, Server) {
    let env = Env::new();
    env.org("delft", "four_eyes");
    env.org("utrecht", "four_eyes");
    env.user("ann@delft.nl", Some("delft"), &["editor"], false);
    env.user("admin@delft.nl", Some("delft"), &["org_admin"], false);
    env.user("beheer@centraal.nl", None, &[], true);
    env.user("operator@delft.nl", None, &[], true);
    env.user("toezicht@delft.nl", None, &[], false);
    env.ok(&["user", "supervisor", "--email", "toezicht@delft.nl"]);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let claims = json!({
        "tool": {"email": "ann@delft.nl", "email_verified": true},
        "short": {"email": "ann@delft.nl", "email_verified": true},
        "robot": {"org": "delft", "role": "editor", "email": "robot@delft.nl"},
        "ann-approver": {"org": "delft", "role": "approver", "email": "ann@delft.nl", "email_verified": true},
    });
    let idp = Idp::start(free_port(), &base, accounts(), claims);
    let provider = format!(
        "name=gemeente,label=Gemeente Delft,issuer={},client_id=algoreg,client_secret={SECRET},scopes=openid email profile org,email_domains=delft.nl,org_claim=org,role_claim=role,orgs=delft,audience={AUDIENCE},clock_skew_seconds=0{extra}",
        idp.issuer()
    );
    // The same provider configured a second time, as if it were another organisation's (it serves Utrecht).
    let other = format!(
        "name=andere,label=Andere organisatie,issuer={},client_id=algoreg,client_secret={SECRET},email_domains=delft.nl,orgs=utrecht",
        idp.issuer()
    );
    let addr = format!("127.0.0.1:{port}");
    let server =
        env.serve_with(&["--addr", &addr, "--public-url", &base, "--oidc", &provider, "--oidc", &other, "--oidc-allow", "127.0.0.1/32"]);
    (env, idp, server)
}

/// A browser without JavaScript that logs in through the provider as `account`: the login button, the
/// provider (its login and consent answered for `account`), and back. Returns the callback's status,
/// headers and page.
struct Person {
    client: Client,
    base: String,
}

impl Person {
    fn new(s: &Server) -> Person {
        Person {
            client: Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            base: s.base.clone(),
        }
    }

    fn sso(&self, account: &str) -> (u16, reqwest::header::HeaderMap, String) {
        self.sso_with(account, |u| u)
    }

    /// As [`Person::sso`], through the provider configured as `name`.
    fn sso_through(&self, name: &str, account: &str) -> (u16, reqwest::header::HeaderMap, String) {
        self.login_through(name, account, |u| u)
    }

    /// As [`Person::sso`], with the provider's answer changed by `tamper` before it reaches algoreg.
    fn sso_with(&self, account: &str, tamper: impl FnMut(String) -> String) -> (u16, reqwest::header::HeaderMap, String) {
        let (_, page) = self.get("/nl/login?next=/nl/beheer");
        assert!(page.contains("Inloggen met Gemeente Delft"), "the login page offers the provider");
        self.login_through("gemeente", account, tamper)
    }

    fn login_through(
        &self,
        name: &str,
        account: &str,
        mut tamper: impl FnMut(String) -> String,
    ) -> (u16, reqwest::header::HeaderMap, String) {
        let r = self.client.get(format!("{}/nl/login/sso/{name}?next=/nl/beheer", self.base)).send().unwrap();
        assert_eq!(r.status(), 303);
        let mut next = format!("{}&login_hint={account}", location(&r));
        for _ in 0..10 {
            if next.starts_with(&self.base) {
                let r = self.client.get(tamper(next)).send().unwrap();
                let (status, headers) = (r.status().as_u16(), r.headers().clone());
                return (status, headers, r.text().unwrap());
            }
            let r = self.client.get(&next).send().unwrap();
            assert!(r.status().is_redirection(), "provider at {next}: {} {}", r.status(), r.text().unwrap_or_default());
            let to = location(&r);
            next = if to.starts_with('/') { format!("{}{to}", origin(&next)) } else { to };
        }
        panic!("no way back from the provider");
    }

    fn get(&self, path: &str) -> (u16, String) {
        let r = self.client.get(format!("{}{path}", self.base)).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    }

    fn me(&self) -> (u16, Value) {
        let r = self.client.get(format!("{}/api/v1/session", self.base)).send().unwrap();
        (r.status().as_u16(), r.json().unwrap_or(Value::Null))
    }

    fn csrf(&self) -> String {
        let (_, html) = self.get("/nl/login");
        let i = html.find("name=\"_csrf\" value=\"").expect("csrf field") + 20;
        html[i..i + 48].to_string()
    }

    fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let r = self.client.post(format!("{}{path}", self.base)).form(form).send().unwrap();
        let loc = r.headers().get("location").map(|v| v.to_str().unwrap().to_string());
        (r.status().as_u16(), r.text().unwrap(), loc)
    }
}

fn location(r: &reqwest::blocking::Response) -> String {
    r.headers().get("location").expect("location").to_str().unwrap().to_string()
}

fn origin(url: &str) -> String {
    let u = reqwest::Url::parse(url).unwrap();
    format!("{}://{}", u.scheme(), u.host_str().unwrap()) + &u.port().map(|p| format!(":{p}")).unwrap_or_default()
}

#[test]
fn a_person_logs_in_through_the_provider_and_out_again() {
    let (_env, idp, server) = setup("");
    let ann = Person::new(&server);
    let (status, headers, page) = ann.sso("ann");
    assert_eq!(status, 200, "{page}");
    // The browser goes on by itself, as a request from this site (the session cookie is SameSite=Strict).
    assert_eq!(headers.get("refresh").unwrap().to_str().unwrap(), "0; url=/nl/beheer");
    let (status, me) = ann.me();
    assert_eq!(status, 200);
    assert_eq!(me["name"], "ann@delft.nl");
    assert_eq!(me["roles"].as_array().unwrap().len(), 1, "{me}");
    let (status, page) = ann.get("/nl/beheer/org/delft");
    assert_eq!(status, 200, "{page}");

    // The login is in the audit log with its method, and the account's last login says so.
    let operator = server.login("beheer@centraal.nl");
    let (_, log) = operator.send("GET", "/api/v1/audit", None);
    assert!(log.to_string().contains("sso:gemeente"), "{log}");

    // Logging out ends the session here and sends the browser to the provider's logout.
    let csrf = ann.csrf();
    let (status, _, to) = ann.post("/nl/logout", &[("_csrf", &csrf)]);
    assert_eq!(status, 303);
    let to = to.unwrap();
    assert!(to.starts_with(&format!("{}/session/end?", idp.issuer())), "{to}");
    assert!(to.contains("post_logout_redirect_uri="), "{to}");
    assert_eq!(ann.me().0, 401, "the session has ended");
}

#[test]
fn an_account_belongs_to_the_person_of_its_first_login_through_the_provider() {
    let (env, idp, server) = setup("");
    // Ann's first login through the provider pins her account to the person the provider names.
    let ann = Person::new(&server);
    assert_eq!(ann.sso("ann").0, 200);
    // Someone else at the provider who now has her address: not her account.
    let next = Person::new(&server);
    let (status, _, page) = next.sso("opvolger");
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("hoort in het register bij iemand anders"), "{page}");
    assert_eq!(next.me().0, 401);
    // Nor does a provider's token for another person at the provider that names her address.
    let list = "/aanleverapi/v1_0/organizations/delft/algorithms";
    assert_eq!(server.send("GET", list, Some(&idp.tool_token("tool", AUDIENCE)), None).0, 401);
    // Nor does the mailbox: a new password asked for the address gets a mail without a link.
    let (st, _, _) = next.post("/nl/wachtwoord-vergeten", &[("_csrf", &next.csrf()), ("email", "ann@delft.nl")]);
    assert_eq!(st, 200);
    // (The mail is made after the answer, so that the answer takes the same time for any address.)
    let mail = || {
        env.sql(
            "SELECT body FROM mail_outbox WHERE to_addr = 'ann@delft.nl' AND body LIKE '%nieuw wachtwoord aan%' ORDER BY id DESC LIMIT 1",
        )
    };
    wait_until("the mail", || !mail().is_empty());
    assert!(mail().contains("identiteitsprovider") && !mail().contains("wachtwoord-herstellen"), "{}", mail());
    // Ann herself logs in as before, also through the other configuration of the same provider.
    assert_eq!(Person::new(&server).sso("ann").0, 200);
    assert_eq!(Person::new(&server).sso_through("andere", "ann").0, 200);
    // A password an admin sets for her stops working at her next login through the provider, as at the first.
    let temp = env.with_app(async |app| {
        let org = app.orgs().by_code("delft").await.unwrap();
        let ann = app.orgs().admin_view(&algoreg_domain::Principal::system(), org.id).await.unwrap();
        let id = ann.members.iter().find(|m| m.0.email == "ann@delft.nl").unwrap().0.id;
        app.orgs().reset_password(&algoreg_domain::Principal::system(), org.id, id).await.unwrap()
    });
    let with_temp = || {
        let body = json!({"email": "ann@delft.nl", "password": temp});
        Client::new().post(server.url("/api/v1/session")).json(&body).send().unwrap().status().as_u16()
    };
    assert_eq!(with_temp(), 200, "the admin's password works until then");
    assert_eq!(Person::new(&server).sso("ann").0, 200);
    assert_eq!(with_temp(), 401, "and not after");

    // The operator undoes the pin (the address was handed on for good): the next login pins again.
    let out = env.ok(&["user", "unpin", "--email", "ann@delft.nl"]);
    assert!(out.contains("1 link(s)"), "{out}");
    let next = Person::new(&server);
    assert_eq!(next.sso("opvolger").0, 200);
    assert_eq!(next.me().1["name"], "ann@delft.nl");
    let (status, _, page) = Person::new(&server).sso("ann");
    assert_eq!(status, 403, "now the account is the other person's: {page}");
    let operator = server.login("beheer@centraal.nl");
    let (_, log) = operator.send("GET", "/api/v1/audit", None);
    assert!(log.to_string().contains("sso_unpinned"), "{log}");
    // An address without an account.
    assert!(!env.cli(&["user", "unpin", "--email", "niemand@delft.nl"]).status.success());
}

#[test]
fn logins_the_provider_cannot_vouch_for_are_refused() {
    let (_env, _idp, server) = setup("");
    // No account for the address, and no role from the claims: ask for an invitation.
    let (status, _, page) = Person::new(&server).sso("onbekend");
    assert_eq!(status, 403);
    assert!(page.contains("geen account voor onbekend@delft.nl"), "{page}");
    // An address the provider has not verified.
    let (status, _, page) = Person::new(&server).sso("ongecontroleerd");
    assert_eq!(status, 403);
    assert!(page.contains("niet bevestigd"), "{page}");
    // An address outside the provider's domains, although the account exists (the central operator's):
    // a provider of one organisation never logs anyone in as someone of another.
    let p = Person::new(&server);
    let (status, _, page) = p.sso("buiten");
    assert_eq!(status, 403);
    assert!(page.contains("niet inloggen met dit e-mailadres"), "{page}");
    assert_eq!(p.me().0, 401);
    // An address within the provider's domains whose account spans every organisation (the central
    // operator's, a supervisor's): such accounts log in with their own password only.
    for who in ["operator", "toezicht"] {
        let p = Person::new(&server);
        let (status, _, page) = p.sso(who);
        assert_eq!(status, 403, "{who}");
        assert!(page.contains("logt in met het eigen wachtwoord"), "{who}: {page}");
        assert_eq!(p.me().0, 401, "{who}");
    }
    // An answer whose state is not this browser's login (a forged or replayed callback).
    let p = Person::new(&server);
    let (status, _, _) = p.sso_with("ann", |u| u.replace("state=", "state=x"));
    assert_eq!(status, 403);
    assert_eq!(p.me().0, 401);
    // The provider's answer opened in another browser (no login cookie there).
    let p = Person::new(&server);
    let mut first = String::new();
    let (status, _, _) = p.sso_with("ann", |u| {
        first = u.clone();
        u
    });
    assert_eq!(status, 200);
    let q = Person::new(&server);
    let (status, _) = q.get(first.trim_start_matches(&server.base));
    assert_eq!(status, 403, "no login cookie in this browser");
    // A callback for a provider that is not configured.
    assert_eq!(Person::new(&server).get("/sso/onbekend/callback?code=x&state=y").0, 404);
    assert_eq!(Person::new(&server).get("/nl/login/sso/onbekend").0, 404);
}

#[test]
fn invited_people_and_mapped_claims_get_their_roles_and_organisations_can_require_sign_on() {
    let (env, _idp, server) = setup("");
    // A supervisor who is also a member of Delft (supervisors never log in through a provider).
    env.user("controle@delft.nl", Some("delft"), &["editor"], false);
    env.ok(&["user", "supervisor", "--email", "controle@delft.nl"]);
    // The operator requires single sign-on of Delft's members and invites a new colleague.
    let op = Browser::new(&server);
    op.login("beheer@centraal.nl");
    let csrf = op.csrf();
    let (status, page, _) = op.post("/nl/beheer/org/delft/sso", &[("_csrf", &csrf), ("required", "yes")]);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Opgeslagen"), "{page}");
    let (status, page, _) =
        op.post("/nl/beheer/org/delft/leden", &[("_csrf", &csrf), ("email", "nieuw@delft.nl"), ("name", ""), ("role", "editor")]);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("identiteitsprovider van de organisatie"), "{page}");
    assert!(!page.contains("tijdelijk-"), "no temporary password: {page}");

    // The invited person's first login: the account made by the invitation, with its role.
    let nieuw = Person::new(&server);
    assert_eq!(nieuw.sso("nieuw").0, 200);
    let (_, me) = nieuw.me();
    assert_eq!(me["roles"][0]["role"], "editor", "{me}");

    // A member with a password: it opens nothing for Delft any more.
    let r = Client::new().post(server.url("/api/v1/session")).json(&json!({"email": "ann@delft.nl", "password": PASSWORD})).send().unwrap();
    assert_eq!(r.status(), 403);
    // One organisation's admin cannot lock a supervisor out: the password still opens the account
    // (Delft's role does not count in it).
    let login = json!({"email": "controle@delft.nl", "password": PASSWORD});
    let r = Client::new().post(server.url("/api/v1/session")).json(&login).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().unwrap()["roles"], json!([]));
    let ann = Person::new(&server);
    assert_eq!(ann.sso("ann").0, 200);
    assert_eq!(ann.me().1["roles"].as_array().unwrap().len(), 1);
    // Through a provider that serves another organisation, the login works but Delft's role does not count.
    let elsewhere = Person::new(&server);
    assert_eq!(elsewhere.sso_through("andere", "ann").0, 200);
    assert_eq!(elsewhere.me().1["roles"], json!([]), "only Delft's own provider counts for Delft");

    // Claims that name an organisation and a role: an account with that role, at the first login.
    let carl = Person::new(&server);
    assert_eq!(carl.sso("carl").0, 200);
    let (_, me) = carl.me();
    assert_eq!(me["roles"][0]["role"], "approver", "{me}");
    // Such an account has no password: the provider asks the second step, and none of ours is turned on.
    let (status, page) = carl.get("/nl/account/tweestaps");
    assert!(status == 200 && page.contains("niets aan te zetten"), "{page}");
    let carl_csrf = carl.csrf();
    let (status, page, _) = carl
        .post("/nl/account/tweestaps", &[("_csrf", &carl_csrf), ("action", "enable"), ("secret", "JBSWY3DPEHPK3PXP"), ("code", "123456")]);
    assert!(status == 422 && page.contains("identiteitsprovider"), "{page}");
    // ... but only in organisations the provider may speak for.
    let (status, _, _) = Person::new(&server).sso("vreemd");
    assert_eq!(status, 403, "utrecht is not the provider's");
    // Two places and two roles side by side, one of them not the provider's: which role is meant for
    // Delft is not said (the admin role may be Utrecht's), so none is given.
    let (status, _, _) = Person::new(&server).sso("twee");
    assert_eq!(status, 403, "no role from an ambiguous pair of lists");

    // The organisation admin page says it is required; turning it off lets passwords work again.
    let (status, page, _) = op.post("/nl/beheer/org/delft/sso", &[("_csrf", &csrf), ("required", "no")]);
    assert_eq!(status, 200, "{page}");
    let r = Client::new().post(server.url("/api/v1/session")).json(&json!({"email": "ann@delft.nl", "password": PASSWORD})).send().unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn claims_with_several_organisations_and_roles_give_only_the_roles_they_pair() {
    // A provider that serves two organisations.
    let (env, _idp, server) = setup(",orgs=delft;utrecht");
    let roles = |account: &str| {
        let p = Person::new(&server);
        let (status, _, page) = p.sso(account);
        assert_eq!(status, 200, "{account}: {page}");
        let mut r: Vec<(i64, String)> = p.me().1["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["organisation_id"].as_i64().unwrap(), m["role"].as_str().unwrap().to_string()))
            .collect();
        r.sort();
        r
    };
    // Two places and two roles side by side do not say which holds where: read as every role in every
    // place, this person would be an admin in both.
    // No role from them, so no account is made for the first login.
    let (status, _, page) = Person::new(&server).sso("twee");
    assert_eq!(status, 403, "{page}");
    let paired = roles("paar");
    assert_eq!(paired.len(), 2, "{paired:?}");
    assert_ne!(paired[0].0, paired[1].0, "one role in each organisation: {paired:?}");
    assert!(paired.iter().any(|(_, r)| r == "editor") && paired.iter().any(|(_, r)| r == "approver"), "{paired:?}");
    let one = roles("een");
    assert_eq!(one.iter().map(|(_, r)| r.as_str()).collect::<Vec<_>>(), ["approver", "editor"], "both roles in one place");
    assert_eq!(one[0].0, one[1].0);
    // Made a supervisor after a login through the provider: that session does not get the view across
    // every organisation (only a login of the register's own does).
    let een = Person::new(&server);
    assert_eq!(een.sso("een").0, 200);
    env.ok(&["user", "supervisor", "--email", "een@delft.nl"]);
    assert_eq!(een.me().1["supervisor"], false, "{}", een.me().1);
    assert_eq!(een.get("/api/v1/supervision").0, 403);
}

#[test]
fn a_providers_second_factor_counts_only_where_that_provider_speaks() {
    // The provider vouches for a second factor at every login; Utrecht (not the provider's) requires one.
    let (env, _idp, server) = setup(",second_factor=true");
    env.sql("UPDATE organisations SET require_second_factor = TRUE WHERE code = 'utrecht'");
    env.with_app(async |app| {
        let user = app.auth().create_user("onbekend@delft.nl", "Twee plekken", PASSWORD, false).await.expect("user");
        for code in ["delft", "utrecht"] {
            let org = app.orgs().by_code(code).await.expect("organisation");
            app.operator().add_role(user.id, org.id, algoreg_service::orgs::parse_role("editor").unwrap()).await.expect("role");
        }
    });
    let delft = env.with_app(async |app| app.orgs().by_code("delft").await.expect("organisation").id);
    // Through Delft's provider: Delft's role. Its admin can make anyone's address in its domains and
    // vouch for a second factor, so that vouching does not open Utrecht, which asks for one.
    let p = Person::new(&server);
    assert_eq!(p.sso("onbekend").0, 200);
    let roles = p.me().1["roles"].clone();
    assert_eq!(roles.as_array().map(Vec::len), Some(1), "{roles}");
    assert_eq!(roles[0]["organisation_id"].as_i64(), Some(i64::from(delft)), "{roles}");
}

#[test]
fn the_providers_access_tokens_work_on_the_apis_with_their_checks() {
    let (env, mut idp, server) = setup("");
    let list = "/aanleverapi/v1_0/organizations/delft/algorithms";
    // A tool with a token of the provider for ann@delft.nl: her role in Delft.
    let token = idp.tool_token("tool", AUDIENCE);
    assert_eq!(server.send("GET", list, Some(&token), None).0, 200);
    assert_eq!(server.send("GET", "/aanleverapi/v1_0/organizations/utrecht/algorithms", Some(&token), None).0, 403);
    // A tool whose token names organisation and role in claims: it can register.
    let robot = idp.tool_token("robot", AUDIENCE);
    let (status, body) = server.send(
        "POST",
        "/api/v1/organisations/delft/algorithms",
        Some(&robot),
        Some(json!({"content": complete_content("Robotregistratie")})),
    );
    assert_eq!(status, 201, "{body}");
    // Four eyes: a token whose claims make it an approver, with Ann's address, is Ann. What she
    // released in person, it does not publish; someone else's approver token does.
    let ann = server.login("ann@delft.nl");
    let (st, v) = ann.send("POST", "/api/v1/organisations/delft/algorithms", Some(json!({"content": complete_content("Afvalinzameling")})));
    assert_eq!(st, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(ann.send("POST", &format!("/api/v1/algorithms/{id}/actions/release"), None).0, 200);
    let ann_approver = idp.tool_token("ann-approver", AUDIENCE);
    let (st, body) = server.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), Some(&ann_approver), None);
    assert_eq!(st, 409, "the token is Ann, who released: {body}");
    let approver = env.token("delft", "approver");
    assert_eq!(server.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), Some(&approver), None).0, 200);
    // A token for another audience.
    let other = idp.tool_token("tool", "https://andere-dienst.example");
    assert_eq!(server.send("GET", list, Some(&other), None).0, 401);
    // An expired token (this one lives a second; no clock skew is allowed in this set-up).
    let short = idp.tool_token("short", AUDIENCE);
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(server.send("GET", list, Some(&short), None).0, 401);
    // A token changed after signing.
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    parts[1] = parts[1].chars().rev().collect();
    assert_eq!(server.send("GET", list, Some(&parts.join(".")), None).0, 401);

    // Key rotation: the provider comes back with a new key. Its new tokens work (algoreg reads the new
    // key set), and a token signed with the key that is gone no longer does.
    idp.restart();
    std::thread::sleep(Duration::from_millis(1100));
    let fresh = idp.tool_token("tool", AUDIENCE);
    assert_eq!(server.send("GET", list, Some(&fresh), None).0, 200);
    assert_eq!(server.send("GET", list, Some(&token), None).0, 401, "signed with a key the provider no longer publishes");
}
