//! Word-level differences between two versions, field by field, for reviewers and readers.

use super::render::t;
use algoreg_standard::sanitize::plain_text;
use algoreg_standard::{Content, Lang, StandardVersion};
use maud::{html, Markup};
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

fn as_text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => plain_text(s),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| match x {
                Value::Object(o) => format!(
                    "{} {}",
                    o.get("title").and_then(Value::as_str).unwrap_or(""),
                    o.get("link").and_then(Value::as_str).unwrap_or("")
                ),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => other.to_string(),
    }
}

/// Fields that differ, each with deletions and insertions marked word by word.
pub fn diff_view(version: StandardVersion, old: &Content, new: &Content, lang: Lang) -> Markup {
    use algoreg_standard::extensions::{self, EXTRA_FIELDS};
    let mut rows: Vec<(String, String, String)> = version
        .fields()
        .iter()
        .chain(EXTRA_FIELDS)
        .filter(|f| !f.system)
        .map(|f| (f.label(lang).to_string(), as_text(old.get(f.key)), as_text(new.get(f.key))))
        .collect();
    // Withholdings and translations, as text: a reviewer sees them change like any field.
    let withheld = |c: &Content| {
        extensions::withheld(c).iter().map(|w| format!("{}: {} – {}", w.field, w.ground, w.explanation)).collect::<Vec<_>>().join("; ")
    };
    rows.push((t(lang, "Afgeschermde velden", "Withheld fields").to_string(), withheld(old), withheld(new)));
    for code in extensions::TRANSLATION_LANGUAGES {
        let text = |c: &Content| {
            extensions::translations(c)
                .iter()
                .filter(|tr| tr.lang == *code)
                .map(|tr| format!("{}: {}", tr.field, plain_text(&tr.text)))
                .collect::<Vec<_>>()
                .join("; ")
        };
        rows.push((format!("{} ({code})", t(lang, "Vertalingen", "Translations")), text(old), text(new)));
    }
    let changed: Vec<_> = rows.into_iter().filter(|(_, a, b)| a != b).collect();
    // One deadline for the whole page, a shorter one per field: past it a field's difference is coarser
    // (whole runs of words), never slower.
    let page_deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    let deadline = || page_deadline.min(std::time::Instant::now() + std::time::Duration::from_millis(200));
    html! {
        @if changed.is_empty() {
            p { (t(lang, "Geen verschillen in de inhoud.", "No differences in the content.")) }
        } @else {
            p.legend {
                (t(lang, "Verwijderde woorden zijn ", "Removed words are ")) del { (t(lang, "doorgestreept", "struck through")) }
                (t(lang, ", toegevoegde woorden ", ", added words are ")) ins { (t(lang, "onderstreept", "underlined")) } "."
            }
            dl.diff {
                @for (label, a, b) in &changed {
                    dt { (label) }
                    dd {
                        @for change in TextDiff::configure().deadline(deadline()).diff_words(a.as_str(), b.as_str()).iter_all_changes() {
                            @match change.tag() {
                                ChangeTag::Equal => { (change.value()) }
                                ChangeTag::Delete => { del { span.sr-only { (t(lang, "verwijderd: ", "removed: ")) } (change.value()) } }
                                ChangeTag::Insert => { ins { span.sr-only { (t(lang, "toegevoegd: ", "added: ")) } (change.value()) } }
                            }
                        }
                    }
                }
            }
        }
    }
}
