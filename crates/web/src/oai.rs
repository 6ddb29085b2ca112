//! `/oai`: the OAI-PMH 2.0 provider (GET with a query string, or POST with a form), as XML. The request
//! is parsed and answered by `algoreg_service::oai`; this module writes the protocol's XML. See
//! docs/OPEN-DATA.md.

use algoreg_service::oai::{Format, Item, OaiError, Request};
use algoreg_service::App;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use std::fmt::Write;

const XSD: &str = include_str!("../assets/oai-registration.xsd");
/// The namespace of algoreg's own metadata format.
pub const NS: &str = "https://algoreg.nl/ns/oai/registration/1";

use crate::xml::text as esc;

fn stamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn xml(body: String) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8"));
    r
}

/// The answer to arguments that cannot even be read.
fn xml_error_only(app: &App, message: &str) -> Response {
    xml(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\">\n<responseDate>{}</responseDate>\n\
         <request>{}/oai</request>\n<error code=\"badArgument\">{}</error>\n</OAI-PMH>\n",
        stamp(&Utc::now()),
        esc(app.public_url()),
        esc(message)
    ))
}

/// `GET|POST /oai`.
pub async fn handle(State(app): State<App>, method: Method, RawQuery(query): RawQuery, body: Bytes) -> Response {
    let raw = if method == Method::POST { String::from_utf8_lossy(&body).into_owned() } else { query.unwrap_or_default() };
    let Ok(args) = serde_urlencoded::from_str::<Vec<(String, String)>>(&raw) else {
        return xml_error_only(&app, "The arguments cannot be read.");
    };
    let now = Utc::now();
    let base = format!("{}/oai", app.public_url());
    // The request element echoes the arguments only when they were valid (as the protocol asks).
    let request_el = |valid: bool| {
        let mut attrs = String::new();
        if valid {
            for (k, v) in &args {
                let _ = write!(attrs, " {}=\"{}\"", esc(k), esc(v));
            }
        }
        format!("<request{attrs}>{}</request>", esc(&base))
    };
    let head = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd\">\n\
         <responseDate>{}</responseDate>\n",
        stamp(&now)
    );
    let error = |e: OaiError, valid: bool| {
        xml(format!("{head}{}\n<error code=\"{}\">{}</error>\n</OAI-PMH>\n", request_el(valid), e.code(), esc(&e.message())))
    };
    let request = match algoreg_service::oai::parse(&args) {
        Ok(r) => r,
        Err(e) => return error(e, false),
    };
    let oai = app.oai();
    let inner = match answer(&app, &oai, &request).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return error(e, true),
        Err(e) => {
            tracing::warn!(error = %e, "oai: the store failed");
            let mut r = (StatusCode::SERVICE_UNAVAILABLE, "").into_response();
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
            return r;
        }
    };
    xml(format!("{head}{}\n{inner}</OAI-PMH>\n", request_el(true)))
}

type Answer = Result<Result<String, OaiError>, algoreg_service::ServiceError>;

async fn answer(app: &App, oai: &algoreg_service::oai::Oai<'_>, request: &Request) -> Answer {
    let mut out = String::new();
    match request {
        Request::Identify => {
            let i = oai.identify().await?;
            let _ = writeln!(
                out,
                "<Identify><repositoryName>{}</repositoryName><baseURL>{}</baseURL><protocolVersion>2.0</protocolVersion>\
                 <adminEmail>{}</adminEmail><earliestDatestamp>{}</earliestDatestamp><deletedRecord>persistent</deletedRecord>\
                 <granularity>YYYY-MM-DDThh:mm:ssZ</granularity>\
                 <description><oai-identifier xmlns=\"http://www.openarchives.org/OAI/2.0/oai-identifier\" \
                 xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
                 xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai-identifier http://www.openarchives.org/OAI/2.0/oai-identifier.xsd\">\
                 <scheme>oai</scheme><repositoryIdentifier>{}</repositoryIdentifier><delimiter>:</delimiter>\
                 <sampleIdentifier>oai:{}:12345672</sampleIdentifier></oai-identifier></description></Identify>",
                esc(&i.name),
                esc(&i.base_url),
                esc(&app.admin_email()),
                stamp(&i.earliest),
                esc(&i.host),
                esc(&i.host),
            );
        }
        Request::ListMetadataFormats { identifier } => {
            if let Some(id) = identifier {
                if let Err(e) = oai.exists(id).await? {
                    return Ok(Err(e));
                }
            }
            out.push_str("<ListMetadataFormats>");
            out.push_str(
                "<metadataFormat><metadataPrefix>oai_dc</metadataPrefix><schema>http://www.openarchives.org/OAI/2.0/oai_dc.xsd</schema>\
                 <metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/</metadataNamespace></metadataFormat>",
            );
            let _ = write!(
                out,
                "<metadataFormat><metadataPrefix>algoreg</metadataPrefix><schema>{}/oai/registration.xsd</schema>\
                 <metadataNamespace>{NS}</metadataNamespace></metadataFormat>",
                esc(app.public_url())
            );
            out.push_str("</ListMetadataFormats>\n");
        }
        Request::ListSets => {
            out.push_str("<ListSets>");
            for o in oai.sets().await? {
                let _ = write!(out, "<set><setSpec>org:{}</setSpec><setName>{}</setName></set>", esc(&o.code), esc(&o.name));
            }
            out.push_str("</ListSets>\n");
        }
        Request::GetRecord { identifier, format } => {
            let item = match oai.item(identifier).await? {
                Ok(i) => i,
                Err(e) => return Ok(Err(e)),
            };
            let _ = writeln!(out, "<GetRecord>{}</GetRecord>", record(app, oai, &item, *format));
        }
        Request::ListIdentifiers(a) | Request::ListRecords(a) => {
            let page = match oai.list(a).await? {
                Ok(p) => p,
                Err(e) => return Ok(Err(e)),
            };
            let records = matches!(request, Request::ListRecords(_));
            let tag = if records { "ListRecords" } else { "ListIdentifiers" };
            let _ = write!(out, "<{tag}>");
            for item in &page.items {
                if records {
                    out.push_str(&record(app, oai, item, a.format));
                } else {
                    out.push_str(&item_header(oai, item));
                }
            }
            match &page.next {
                Some(t) => {
                    let _ = write!(out, "<resumptionToken>{}</resumptionToken>", esc(t));
                }
                // The last page of a resumed list says the list is complete.
                None if a.after > 0 => out.push_str("<resumptionToken/>"),
                None => {}
            }
            let _ = writeln!(out, "</{tag}>");
        }
    }
    Ok(Ok(out))
}

fn item_header(oai: &algoreg_service::oai::Oai<'_>, item: &Item) -> String {
    let status = if item.version.is_none() { " status=\"deleted\"" } else { "" };
    let set = if item.org_code.is_empty() { String::new() } else { format!("<setSpec>org:{}</setSpec>", esc(&item.org_code)) };
    format!(
        "<header{status}><identifier>{}</identifier><datestamp>{}</datestamp>{set}</header>",
        esc(&oai.identifier(item.id)),
        stamp(&item.datestamp)
    )
}

fn record(app: &App, oai: &algoreg_service::oai::Oai<'_>, item: &Item, format: Format) -> String {
    let header = item_header(oai, item);
    let Some(v) = &item.version else { return format!("<record>{header}</record>") };
    let metadata = match format {
        Format::OaiDc => dublin_core(app, v),
        Format::Algoreg => {
            // The record as the register feed has it: every published version.
            let versions = if item.history.is_empty() { std::slice::from_ref(v) } else { &item.history[..] };
            let json = algoreg_service::federation::feed::record(v.record, versions);
            format!(
                "<registration xmlns=\"{NS}\" id=\"{}\" version=\"{}\" standardVersion=\"{}\"><json>{}</json></registration>",
                v.record,
                v.number,
                v.standard_version.as_str(),
                esc(&json.to_string())
            )
        }
    };
    format!("<record>{header}<metadata>{metadata}</metadata></record>")
}

/// Simple Dublin Core: the name, the organisation as creator and publisher, the themes as subjects,
/// the summary, the publication date, the page's address, the language.
fn dublin_core(app: &App, v: &algoreg_store::PublishedVersion) -> String {
    use algoreg_standard::sanitize::plain_text;
    let c = &v.content;
    let mut out = String::from(
        "<oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd\">",
    );
    let mut el = |name: &str, value: &str| {
        if !value.trim().is_empty() {
            let _ = write!(out, "<dc:{name}>{}</dc:{name}>", esc(value.trim()));
        }
    };
    el("title", c.name());
    let org = c.str("organization").unwrap_or(&v.org_code).to_string();
    el("creator", &org);
    el("publisher", &org);
    for t in c.strings("category") {
        el("subject", t);
    }
    el("description", &plain_text(c.str("description_short").unwrap_or("")));
    el("date", &v.published_at.format("%Y-%m-%d").to_string());
    el("type", "Algoritme");
    el("identifier", &algoreg_service::export::record_url(app.public_url(), v.record));
    el("language", "nl");
    out.push_str("</oai_dc:dc>");
    out
}

/// `GET /oai/registration.xsd`: the schema of algoreg's metadata format.
pub async fn schema() -> Response {
    let mut r = (StatusCode::OK, XSD).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml"));
    r
}
