//! Rendering helpers shared by pages: translations, rich text, field values, a record by its groups.

use algoreg_domain::workflow::VersionState;
use algoreg_standard::codes::english_value;
use algoreg_standard::sanitize::sanitize_rich_text;
use algoreg_standard::validate::{is_email, is_web_url};
use algoreg_standard::{Content, FieldDef, FieldKind, Lang, StandardVersion};
use maud::{html, Markup, PreEscaped};
use serde_json::Value;

/// Picks the Dutch or English text.
pub fn t(lang: Lang, nl: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Nl => nl,
        Lang::En => en,
    }
}

/// Rich text for display: stored HTML is sanitised again (defence in depth); plain text becomes
/// paragraphs at blank lines and line breaks at single newlines.
pub fn render_rich(s: &str) -> Markup {
    if s.contains('<') {
        return PreEscaped(sanitize_rich_text(s));
    }
    html! {
        @for para in s.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
            p {
                @for (i, line) in para.lines().enumerate() {
                    @if i > 0 { br; }
                    (line)
                }
            }
        }
    }
}

pub fn value_label(lang: Lang, v: &str) -> String {
    match lang {
        Lang::Nl => v.to_string(),
        Lang::En => english_value(v).to_string(),
    }
}

fn link(url: &str) -> Markup {
    if is_web_url(url) {
        html! { a href=(url) rel="noopener noreferrer" { (url) } }
    } else {
        html! { (url) }
    }
}

/// One field's value as readers see it.
pub fn render_value(def: &FieldDef, v: &Value, lang: Lang) -> Markup {
    match (def.kind, v) {
        (FieldKind::RichText, Value::String(s)) => render_rich(s),
        (FieldKind::Url, Value::String(s)) => link(s),
        (FieldKind::ContactPoint, Value::String(s)) if is_email(s) => {
            let addr = s.strip_prefix("mailto:").unwrap_or(s);
            html! { a href=(format!("mailto:{addr}")) { (addr) } }
        }
        (FieldKind::ContactPoint, Value::String(s)) => link(s),
        (FieldKind::Choice(_) | FieldKind::MultiChoice(_), Value::String(s)) => html! { (value_label(lang, s)) },
        (FieldKind::MultiChoice(_) | FieldKind::List | FieldKind::Choice(_), Value::Array(a)) => html! {
            ul.plain { @for x in a { li { (x.as_str().map(|s| value_label(lang, s)).unwrap_or_else(|| x.to_string())) } } }
        },
        (FieldKind::Links { .. }, Value::Array(rows)) => html! {
            ul.plain {
                @for r in rows {
                    @let title = r.get("title").and_then(Value::as_str).unwrap_or("");
                    li {
                        @match r.get("link").and_then(Value::as_str) {
                            Some(l) if is_web_url(l) => { a href=(l) rel="noopener noreferrer" { (title) } }
                            _ => { (title) }
                        }
                    }
                }
            }
        },
        (_, Value::String(s)) => html! { (s) },
        (_, other) => html! { (other.to_string()) },
    }
}

/// A record laid out in its standard's groups; empty fields the standard always shows say so, withheld
/// fields say on what ground. On English pages a translation written by the organisation is shown where
/// there is one; Dutch text is marked as Dutch for screen readers.
pub fn record_view(version: StandardVersion, content: &Content, lang: Lang) -> Markup {
    use algoreg_standard::extensions;
    let withheld = extensions::withheld(content);
    let shown = |f: &FieldDef| content.is_filled(f.key) || f.show_always || withheld.iter().any(|w| w.field == f.key);
    let extra: Vec<&FieldDef> = extensions::EXTRA_FIELDS.iter().filter(|f| content.is_filled(f.key)).collect();
    html! {
        @for g in version.groups() {
            @let fields: Vec<&FieldDef> = version.fields().iter().filter(|f| f.group == g.key && f.public && shown(f)).collect();
            @if !fields.is_empty() {
                section.group aria-labelledby=(format!("g-{}", g.key)) {
                    h2 id=(format!("g-{}", g.key)) { (g.label(lang)) }
                    dl {
                        @for f in fields {
                            dt { (f.label(lang)) }
                            (field_value(f, content, &withheld, lang))
                        }
                    }
                }
            }
        }
        @if !extra.is_empty() {
            section.group aria-labelledby="g-aanvullend" {
                h2 #g-aanvullend { (t(lang, "Aanvullend", "Additional")) }
                dl {
                    @for f in extra {
                        dt { (f.label(lang)) }
                        (field_value(f, content, &withheld, lang))
                    }
                }
            }
        }
    }
}

fn field_value(f: &FieldDef, content: &Content, withheld: &[algoreg_standard::extensions::Withholding], lang: Lang) -> Markup {
    use algoreg_standard::extensions;
    if let Some(w) = withheld.iter().find(|w| w.field == f.key) {
        return html! { dd { (withheld_note(w, lang)) } };
    }
    let translated = (lang == Lang::En).then(|| extensions::translation(content, "en", f.key)).flatten();
    let dutch = lang == Lang::En && translated.is_none() && extensions::translatable(StandardVersion::CURRENT, f.key);
    html! {
        dd lang=[dutch.then_some("nl")] {
            @match (translated, content.get(f.key)) {
                (Some(text), _) => { (render_value(f, &Value::String(text.to_string()), lang)) }
                (None, Some(v)) if content.is_filled(f.key) => { (render_value(f, v, lang)) }
                _ => { span.empty { (t(lang, "Veld niet ingevuld", "Field not filled in")) } }
            }
        }
    }
}

/// "Not made public", with the ground and the organisation's explanation.
pub fn withheld_note(w: &algoreg_standard::extensions::Withholding, lang: Lang) -> Markup {
    let ground = algoreg_standard::extensions::ground(&w.ground);
    html! {
        div.withheld {
            p {
                strong { (t(lang, "Niet openbaar gemaakt", "Not made public")) }
                @if let Some(g) = ground {
                    " " (t(lang, "op grond van", "on the ground of")) " " (g.cite) " (" (t(lang, g.label_nl, g.label_en)) ")."
                }
            }
            @if !w.explanation.is_empty() { p lang=[(lang == Lang::En).then_some("nl")] { (w.explanation) } }
        }
    }
}

pub fn state_label(state: VersionState, lang: Lang) -> &'static str {
    match state {
        VersionState::Draft => t(lang, "Concept", "Draft"),
        VersionState::Released => t(lang, "Vrijgegeven, wacht op publicatie", "Released, awaiting publication"),
        VersionState::Published => t(lang, "Gepubliceerd", "Published"),
        VersionState::Superseded => t(lang, "Vervangen", "Superseded"),
        VersionState::Archived => t(lang, "Gearchiveerd", "Archived"),
    }
}

pub fn action_label(action: &str, lang: Lang) -> &'static str {
    match action {
        "create" => t(lang, "Aangemaakt", "Created"),
        "save" => t(lang, "Opgeslagen", "Saved"),
        "release" => t(lang, "Vrijgeven", "Release"),
        "publish" => t(lang, "Publiceren", "Publish"),
        "reject" => t(lang, "Afwijzen", "Reject"),
        "retract" => t(lang, "Terugtrekken", "Retract"),
        "archive" => t(lang, "Archiveren", "Archive"),
        "unarchive" => t(lang, "Uit archief halen", "Unarchive"),
        "import" => t(lang, "Geïmporteerd", "Imported"),
        _ => t(lang, "Actie", "Action"),
    }
}

/// A short, readable timestamp.
/// A share (0 to 1) as a whole percentage.
pub fn pct(share: f64) -> String {
    format!("{}%", (share * 100.0).round() as i64)
}

/// A share as a percentage, or a dash when there is none.
pub fn opt_pct(share: Option<f64>) -> String {
    share.map(pct).unwrap_or_else(|| "–".into())
}

pub fn when(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}
