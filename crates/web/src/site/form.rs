//! The registration form, generated from the standard's field definitions: a new standard version
//! needs no new form code. Parsing turns the posted pairs back into content for validation.

use super::render::t;
use super::Ctx;
use algoreg_standard::sanitize::text_len;
use algoreg_standard::text::readability;
use algoreg_standard::{Content, FieldDef, FieldError, FieldKind, Lang, StandardVersion};
use maud::{html, Markup};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Our own help text per field (what to write, for whom), in plain language.
fn help(key: &str, lang: Lang) -> Option<&'static str> {
    Some(match key {
        "name" => t(
            lang,
            "Een korte naam die zegt wat het algoritme doet, bijvoorbeeld 'Parkeervergunningen toetsen'.",
            "A short name saying what the algorithm does, for example 'Checking parking permits'.",
        ),
        "description_short" => t(
            lang,
            "Twee of drie zinnen: wat doet het algoritme en in welk proces? Deze tekst staat in de zoekresultaten.",
            "Two or three sentences: what does the algorithm do, in which process? This text appears in search results.",
        ),
        "organization" => t(
            lang,
            "De organisatie die het algoritme gebruikt. Leeg laten vult de naam van uw organisatie in.",
            "The organisation that uses the algorithm. Leave empty to use your organisation's name.",
        ),
        "category" => t(lang, "Eén of meer beleidsterreinen.", "One or more policy areas."),
        "status" => t(
            lang,
            "Is het algoritme in ontwikkeling, in gebruik of buiten gebruik?",
            "Is the algorithm in development, in use or out of use?",
        ),
        "begin_date" => t(lang, "De maand waarin het gebruik begon, als jjjj-mm.", "The month use began, as yyyy-mm."),
        "end_date" => t(lang, "De maand waarin het gebruik stopte, als jjjj-mm.", "The month use ended, as yyyy-mm."),
        "contact_email" => t(
            lang,
            "Een e-mailadres of webpagina waar mensen met vragen terechtkunnen en antwoord krijgen.",
            "An e-mail address or web page where people with questions get an answer.",
        ),
        "website" => t(
            lang,
            "Een pagina op uw eigen site met meer uitleg (begint met https://).",
            "A page on your own site with more explanation (starts with https://).",
        ),
        "publication_category" => t(
            lang,
            "Hoog-risico AI-systemen (A) en impactvolle algoritmes (B) moeten in het register; overige (C) mogen.",
            "High-risk AI systems (A) and impactful algorithms (B) must be registered; others (C) may be.",
        ),
        "url" => t(
            lang,
            "Als de registratie ook elders staat: de link naar die bron.",
            "If the registration is also kept elsewhere: the link to that source.",
        ),
        "goal" => t(
            lang,
            "Waarom gebruikt u het algoritme, en wat merken mensen ervan?",
            "Why do you use the algorithm, and how does it affect people?",
        ),
        "proportionality" => t(
            lang,
            "Welke voor- en nadelen heeft u afgewogen? Waarom is dit algoritme passend?",
            "Which benefits and drawbacks did you weigh? Why is this algorithm appropriate?",
        ),
        "human_intervention" => {
            t(lang, "Wie controleert de uitkomst en neemt het besluit? Hoe?", "Who checks the outcome and takes the decision? How?")
        }
        "risks" => t(
            lang,
            "Welke risico's ziet u (fouten, ongelijke behandeling) en wat doet u eraan?",
            "Which risks do you see (errors, unequal treatment) and what do you do about them?",
        ),
        "lawful_basis" => {
            t(lang, "Op welke wet of regel steunt het proces waarin het algoritme werkt?", "Which law or rule does the process rest on?")
        }
        "lawful_basis_grouping" => t(
            lang,
            "De titel van elke wet of regeling en een link ernaar, bijvoorbeeld op wetten.overheid.nl.",
            "The title of each law or regulation and a link to it, for example on wetten.overheid.nl.",
        ),
        "process_index_url" => t(
            lang,
            "Link naar de verwerking in het verwerkingsregister, als die openbaar is.",
            "Link to the processing in the register of processing activities, if public.",
        ),
        "impacttoetsen" => t(
            lang,
            "Korte toelichting op de uitgevoerde impacttoetsen en wat eruit kwam.",
            "A short note on the impact assessments done and their outcome.",
        ),
        "impacttoetsen_grouping" => t(
            lang,
            "Welke impacttoetsen zijn gedaan (zoals een DPIA of IAMA), met een link als het rapport openbaar is.",
            "Which impact assessments were done (such as a DPIA or IAMA), with a link if the report is public.",
        ),
        "source_data" => t(
            lang,
            "Welke gegevens gebruikt het algoritme, en waar komen ze vandaan?",
            "Which data does the algorithm use, and where does it come from?",
        ),
        "source_data_grouping" => t(
            lang,
            "Titel en link van beschrijvingen van de gebruikte gegevensbronnen.",
            "Title and link of descriptions of the data sources used.",
        ),
        "methods_and_models" => t(
            lang,
            "Hoe werkt het algoritme technisch? Regels, een model, of beide?",
            "How does the algorithm work technically? Rules, a model, or both?",
        ),
        "provider" => t(lang, "Wie heeft het algoritme gemaakt of levert het?", "Who built or supplies the algorithm?"),
        "publiccode" => t(lang, "Link naar de broncode, als die openbaar is.", "Link to the source code, if public."),
        "source_id" => t(
            lang,
            "Uw eigen kenmerk voor deze registratie (niet openbaar getoond).",
            "Your own reference for this registration (not shown publicly).",
        ),
        "tags" => t(
            lang,
            "Extra zoekwoorden, gescheiden door komma's (niet openbaar getoond).",
            "Extra search words, separated by commas (not shown publicly).",
        ),
        _ => return None,
    })
}

/// The element id of a field (or of a link row's part), for labels and the error summary.
pub fn field_id(path: &str) -> String {
    let mut id = String::from("field-");
    for c in path.chars() {
        match c {
            '[' | ']' | '.' if !id.ends_with('-') => id.push('-'),
            '[' | ']' | '.' => {}
            c if c.is_ascii_alphanumeric() || c == '_' => id.push(c),
            _ => {}
        }
    }
    id.trim_end_matches('-').to_string()
}

fn errors_for<'e>(errors: &'e [FieldError], key: &str) -> Vec<&'e FieldError> {
    let withheld = format!("withheld.{key}");
    errors
        .iter()
        .filter(|e| {
            e.field == key
                || e.field.starts_with(&format!("{key}["))
                || e.field == withheld
                || e.field.starts_with(&format!("{withheld}."))
                || e.field.strip_prefix("translations.").and_then(|r| r.split_once('.')).is_some_and(|(_, k)| k == key)
        })
        .collect()
}

/// The label of an error's path: the field's label, with what part of it is meant.
fn path_label(ctx: &Ctx, version: StandardVersion, path: &str) -> String {
    let label = |key: &str| {
        version
            .field(key)
            .or_else(|| algoreg_standard::extensions::EXTRA_FIELDS.iter().find(|f| f.key == key))
            .map(|f| f.label(ctx.lang).to_string())
            .unwrap_or_else(|| key.to_string())
    };
    if let Some(rest) = path.strip_prefix("withheld.") {
        let key = rest.split('.').next().unwrap_or(rest);
        return format!("{} ({})", label(key), ctx.t("afscherming", "withholding"));
    }
    if let Some((lang, rest)) = path.strip_prefix("translations.").and_then(|r| r.split_once('.')) {
        let key = rest.split('.').next().unwrap_or(rest);
        return format!("{} ({}: {})", label(key), ctx.t("vertaling", "translation"), lang);
    }
    let base = path.split('[').next().unwrap_or(path);
    if path.contains('[') {
        format!("{} ({path})", label(base))
    } else {
        label(base)
    }
}

/// An error summary that links to every failing field.
pub fn error_summary(ctx: &Ctx, version: StandardVersion, errors: &[FieldError], heading: &str) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.error-summary role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
                h2 #error-summary-title { (heading) " (" (errors.len()) ")" }
                ul {
                    @for e in errors {
                        li { a href=(format!("#{}", field_id(&e.field))) { (path_label(ctx, version, &e.field)) ": " (e.message(ctx.lang)) } }
                    }
                }
            }
        }
    }
}

/// The whole form. `warnings` holds advice per field (broken links in text) that does not block saving.
pub fn registration_form(
    ctx: &Ctx,
    action: &str,
    content: &Content,
    errors: &[FieldError],
    warnings: &BTreeMap<String, Vec<String>>,
    extra: Markup,
) -> Markup {
    use algoreg_standard::extensions;
    let version = StandardVersion::CURRENT;
    // A registration adopting a shared one: only the organisation's own fields are filled in here.
    let adopts = extensions::adopts(content);
    let shown = |f: &&FieldDef| !f.system && (adopts.is_none() || extensions::is_local(f.key));
    html! {
        (error_summary(ctx, version, errors, ctx.t("Controleer deze velden", "Check these fields")))
        form.registration method="post" action=(action) novalidate {
            (ctx.csrf_field())
            (extra)
            @if let Some((id, n)) = adopts {
                input type="hidden" name="a.record" value=(id);
                @if let Some(n) = n { input type="hidden" name="a.version" value=(n); }
                p.notice {
                    (ctx.t("U neemt een gedeelde registratie over. U vult alleen de velden van uw eigen organisatie in; beschrijving, werking, gegevens, risico's en leverancier komen uit de gedeelde registratie en volgen haar wijzigingen.",
                        "You adopt a shared registration. You fill in only your own organisation's fields; the description, operation, data, risks and supplier come from the shared registration and follow its changes."))
                    " " a href=(format!("{}/algoritme/{id}", ctx.base())) { (ctx.t("Bekijk de gedeelde registratie", "See the shared registration")) }
                }
            }
            @for g in version.groups() {
                @let fields: Vec<&FieldDef> = version.fields().iter().filter(|f| f.group == g.key).filter(shown).collect();
                @if !fields.is_empty() {
                    fieldset.group {
                        legend { h2 { (g.label(ctx.lang)) } }
                        @for f in fields {
                            (field(ctx, f, content, &errors_for(errors, f.key), warnings.get(f.key)))
                        }
                    }
                }
            }
            fieldset.group {
                legend { h2 { (ctx.t("Aanvullend", "Additional")) } }
                p.hint { (ctx.t("Velden die de standaard niet kent maar lezers vragen. Niet verplicht.", "Fields the standard lacks but readers ask for. Optional.")) }
                @for f in extensions::EXTRA_FIELDS.iter().filter(shown) {
                    (field(ctx, f, content, &errors_for(errors, f.key), warnings.get(f.key)))
                }
                @if adopts.is_none() {
                    div.field {
                        div.check {
                            input #field-shared type="checkbox" name="f.shared" value="true" checked[extensions::is_shared(content)];
                            label for="field-shared" { (ctx.t("Gedeelde registratie: andere organisaties die dit product gebruiken, kunnen haar overnemen", "Shared registration: other organisations using this product can adopt it")) }
                        }
                        p.hint { (ctx.t("Voor leveranciers en centrale organisaties. Een wijziging bereikt elke organisatie die haar overnam als voorstel.", "For suppliers and central bodies. A change reaches every organisation that adopted it as a proposal.")) }
                    }
                }
            }
            div.buttons {
                button.primary type="submit" name="intent" value="save" { (ctx.t("Opslaan als concept", "Save as draft")) }
            }
        }
    }
}

fn field(ctx: &Ctx, f: &FieldDef, content: &Content, errors: &[&FieldError], warnings: Option<&Vec<String>>) -> Markup {
    let id = field_id(f.key);
    let lang = ctx.lang;
    let hint = help(f.key, lang);
    let mut described = vec![];
    if hint.is_some() {
        described.push(format!("hint-{}", f.key));
    }
    let own_errors: Vec<&&FieldError> = errors.iter().filter(|e| e.field == f.key).collect();
    if !own_errors.is_empty() {
        described.push(format!("err-{}", f.key));
    }
    let describedby = described.join(" ");
    let invalid = if own_errors.is_empty() { None } else { Some("true") };
    let value = content.str(f.key).unwrap_or("");
    let required = if f.required { Some(ctx.t("verplicht", "required")) } else { None };
    html! {
        div.field.has-error[!errors.is_empty()] {
            @match f.kind {
                FieldKind::MultiChoice(list) => {
                    fieldset.choices aria-describedby=(describedby) {
                        legend id=(id) tabindex="-1" { (f.label(lang)) @if let Some(r) = required { " " span.req { "(" (r) ")" } } }
                        (hint_and_errors(f.key, hint, &own_errors, lang))
                        @let chosen = content.strings(f.key);
                        div.checks {
                            @for (i, v) in list.iter().enumerate() {
                                div.check {
                                    input type="checkbox" id=(format!("{id}-{i}")) name=(format!("f.{}", f.key)) value=(v) checked[chosen.contains(v)];
                                    label for=(format!("{id}-{i}")) { (super::render::value_label(lang, v)) }
                                }
                            }
                        }
                    }
                }
                FieldKind::Links { suggestions, .. } => {
                    fieldset.links aria-describedby=(describedby) {
                        legend id=(id) tabindex="-1" { (f.label(lang)) }
                        (hint_and_errors(f.key, hint, &own_errors, lang))
                        @let rows = content.get(f.key).and_then(Value::as_array).cloned().unwrap_or_default();
                        @if !suggestions.is_empty() {
                            datalist id=(format!("list-{}", f.key)) { @for s in suggestions { option value=(s) {} } }
                        }
                        @for i in 0..(rows.len() + if rows.is_empty() { 2 } else { 1 }) {
                            @let row = rows.get(i);
                            @let title = row.and_then(|r| r.get("title")).and_then(Value::as_str).unwrap_or("");
                            @let link = row.and_then(|r| r.get("link")).and_then(Value::as_str).unwrap_or("");
                            @let tpath = format!("{}[{}].title", f.key, i);
                            @let lpath = format!("{}[{}].link", f.key, i);
                            @let terr: Vec<&&FieldError> = errors.iter().filter(|e| e.field == tpath).collect();
                            @let lerr: Vec<&&FieldError> = errors.iter().filter(|e| e.field == lpath).collect();
                            div.linkrow {
                                div {
                                    label for=(field_id(&tpath)) { (ctx.t("Titel", "Title")) " " (i + 1) }
                                    @for e in &terr { p.error id=(format!("err-{}", field_id(&tpath))) { span.sr-only { (ctx.t("Fout: ", "Error: ")) } (e.message(lang)) } }
                                    input type="text" id=(field_id(&tpath)) name=(format!("f.{}.{}.title", f.key, i)) value=(title) list=[(!suggestions.is_empty()).then(|| format!("list-{}", f.key))] aria-invalid=[(!terr.is_empty()).then_some("true")];
                                }
                                div {
                                    label for=(field_id(&lpath)) { (ctx.t("Link", "Link")) " " (i + 1) }
                                    @for e in &lerr { p.error id=(format!("err-{}", field_id(&lpath))) { span.sr-only { (ctx.t("Fout: ", "Error: ")) } (e.message(lang)) } }
                                    input type="url" id=(field_id(&lpath)) name=(format!("f.{}.{}.link", f.key, i)) value=(link) inputmode="url" placeholder="https://" aria-invalid=[(!lerr.is_empty()).then_some("true")];
                                }
                            }
                        }
                    }
                }
                _ => {
                    label for=(id) { (f.label(lang)) @if let Some(r) = required { " " span.req { "(" (r) ")" } } }
                    (hint_and_errors(f.key, hint, &own_errors, lang))
                    @match f.kind {
                        FieldKind::Choice(list) => {
                            select id=(id) name=(format!("f.{}", f.key)) aria-describedby=(describedby) aria-invalid=[invalid] {
                                option value="" { (ctx.t("Kies…", "Choose…")) }
                                @for v in list.iter() { option value=(v) selected[*v == value] { (super::render::value_label(lang, v)) } }
                            }
                        }
                        FieldKind::RichText => {
                            textarea.rich id=(id) name=(format!("f.{}", f.key)) rows="6" aria-describedby=(format!("{describedby} count-{}", f.key)) aria-invalid=[invalid] data-max=[f.max_len] { (value) }
                            @if let Some(max) = f.max_len {
                                p.count id=(format!("count-{}", f.key)) data-max=(max) { (text_len(value)) " / " (max) " " (ctx.t("tekens", "characters")) }
                            }
                            @if let Some(r) = readability(value) {
                                p.readability.(r.level()) {
                                    (ctx.t("Leesbaarheid (Flesch-Douma): ", "Readability (Flesch-Douma): ")) strong { (format!("{:.0}", r.score)) } " – " (if lang == Lang::Nl { r.label_nl() } else { r.label_en() })
                                }
                            }
                        }
                        FieldKind::YearMonth => {
                            input type="text" id=(id) name=(format!("f.{}", f.key)) value=(value) inputmode="numeric" placeholder=(ctx.t("jjjj-mm", "yyyy-mm")) pattern="[0-9]{4}-[0-9]{2}" size="8" aria-describedby=(describedby) aria-invalid=[invalid];
                        }
                        FieldKind::Url => {
                            input type="url" id=(id) name=(format!("f.{}", f.key)) value=(value) placeholder="https://" aria-describedby=(describedby) aria-invalid=[invalid];
                        }
                        _ => {
                            input type="text" id=(id) name=(format!("f.{}", f.key)) value=(value) maxlength=[f.max_len] aria-describedby=(describedby) aria-invalid=[invalid];
                        }
                    }
                }
            }
            @if let Some(ws) = warnings {
                @for w in ws { p.warning { span.sr-only { (ctx.t("Let op: ", "Note: ")) } (w) } }
            }
            @if algoreg_standard::extensions::translatable(StandardVersion::CURRENT, f.key) {
                (translations_part(ctx, f, content, errors))
            }
            @if algoreg_standard::extensions::may_withhold(StandardVersion::CURRENT, f.key) {
                (withhold_part(ctx, f, content, errors))
            }
        }
    }
}

fn nested_error(ctx: &Ctx, errors: &[&FieldError], path: &str) -> Markup {
    html! {
        @for e in errors.iter().filter(|e| e.field == path) {
            p.error id=(format!("err-{}", field_id(path))) { span.sr-only { (ctx.t("Fout: ", "Error: ")) } (e.message(ctx.lang)) }
        }
    }
}

/// Withholding a field: a legal ground and an explanation, folded away until used.
fn withhold_part(ctx: &Ctx, f: &FieldDef, content: &Content, errors: &[&FieldError]) -> Markup {
    use algoreg_standard::extensions::{withheld, GROUNDS};
    let current = withheld(content).into_iter().find(|w| w.field == f.key);
    let prefix = format!("withheld.{}", f.key);
    let has_error = errors.iter().any(|e| e.field.starts_with(&prefix));
    let gpath = format!("{prefix}.ground");
    let epath = format!("{prefix}.explanation");
    html! {
        details.withhold open[current.is_some() || has_error] {
            summary { (ctx.t("Niet openbaar maken (afschermen)", "Do not make public (withhold)")) @if current.is_some() { " – " strong { (ctx.t("afgeschermd", "withheld")) } } }
            p.hint { (ctx.t("Alleen als de wet het toelaat. Laat het veld dan leeg; lezers zien dat het is afgeschermd en op welke grond.",
                "Only where the law allows it. Then leave the field empty; readers see that it is withheld and on what ground.")) }
            (nested_error(ctx, errors, &prefix))
            div.field {
                label for=(field_id(&gpath)) { (ctx.t("Grond", "Ground")) }
                (nested_error(ctx, errors, &gpath))
                select id=(field_id(&gpath)) name=(format!("w.{}.ground", f.key)) {
                    option value="" { (ctx.t("Niet afgeschermd", "Not withheld")) }
                    @for g in GROUNDS {
                        option value=(g.code) selected[current.as_ref().is_some_and(|w| w.ground == g.code)] { (g.cite) " – " (ctx.t(g.label_nl, g.label_en)) }
                    }
                }
            }
            div.field {
                label for=(field_id(&epath)) { (ctx.t("Toelichting (openbaar)", "Explanation (public)")) }
                (nested_error(ctx, errors, &epath))
                textarea id=(field_id(&epath)) name=(format!("w.{}.explanation", f.key)) rows="2" maxlength=(algoreg_standard::extensions::EXPLANATION_MAX) {
                    (current.as_ref().map(|w| w.explanation.as_str()).unwrap_or(""))
                }
            }
        }
    }
}

/// The organisation's own translations of a text field, with a mark when the Dutch changed since.
fn translations_part(ctx: &Ctx, f: &FieldDef, content: &Content, errors: &[&FieldError]) -> Markup {
    use algoreg_standard::extensions::{translations, TRANSLATION_LANGUAGES};
    let all: Vec<_> = translations(content).into_iter().filter(|t| t.field == f.key).collect();
    let stale = all.iter().any(|t| t.out_of_date(content));
    let has_error = errors.iter().any(|e| e.field.starts_with("translations."));
    html! {
        details.translate open[stale || has_error] {
            summary { (ctx.t("Vertalingen", "Translations")) @if !all.is_empty() { " (" (all.len()) ")" } @if stale { " – " strong.stale { (ctx.t("verouderd", "out of date")) } } }
            @for lang in TRANSLATION_LANGUAGES {
                @let path = format!("translations.{lang}.{}", f.key);
                @let current = all.iter().find(|t| t.lang == *lang);
                @let name = if *lang == "en" { ctx.t("Engels", "English") } else { ctx.t("Fries", "Frisian") };
                div.field {
                    label for=(field_id(&path)) { (name) }
                    (nested_error(ctx, errors, &path))
                    @if current.is_some_and(|t| t.out_of_date(content)) {
                        p.warning { (ctx.t("De Nederlandse tekst is gewijzigd sinds deze vertaling is geschreven.", "The Dutch text changed since this translation was written.")) }
                    }
                    @let text = current.map(|t| t.text.as_str()).unwrap_or("");
                    @if f.kind == FieldKind::RichText {
                        textarea id=(field_id(&path)) name=(format!("t.{lang}.{}", f.key)) lang=(lang) rows="3" { (text) }
                    } @else {
                        input type="text" id=(field_id(&path)) name=(format!("t.{lang}.{}", f.key)) lang=(lang) value=(text) maxlength=[f.max_len];
                    }
                    @if current.is_some_and(|t| t.out_of_date(content)) {
                        div.check {
                            input type="checkbox" id=(format!("{}-ok", field_id(&path))) name=(format!("tc.{lang}.{}", f.key)) value="1";
                            label for=(format!("{}-ok", field_id(&path))) { (ctx.t("De vertaling klopt nog", "The translation still holds")) }
                        }
                    }
                }
            }
        }
    }
}

fn hint_and_errors(key: &str, hint: Option<&str>, errors: &[&&FieldError], lang: Lang) -> Markup {
    html! {
        @if let Some(h) = hint { p.hint id=(format!("hint-{key}")) { (h) } }
        @if !errors.is_empty() {
            p.error id=(format!("err-{key}")) {
                span.sr-only { (t(lang, "Fout: ", "Error: ")) }
                @for (i, e) in errors.iter().enumerate() { @if i > 0 { " " } (e.message(lang)) }
            }
        }
    }
}

/// Turns the posted pairs into content. Unknown `f.` keys are kept, so validation names them.
pub fn parse(form: &[(String, String)]) -> Content {
    let version = StandardVersion::CURRENT;
    let mut simple: Map<String, Value> = Map::new();
    let mut multi: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut links: BTreeMap<String, BTreeMap<usize, (String, String)>> = BTreeMap::new();
    let mut withheld: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut translated: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut confirmed: std::collections::HashSet<(String, String)> = Default::default();
    let mut adopts: Option<Map<String, Value>> = None;
    for (k, v) in form {
        if let Some((key, part)) = k.strip_prefix("w.").and_then(|r| r.rsplit_once('.')) {
            let w = withheld.entry(key.to_string()).or_default();
            match part {
                "ground" => w.0 = v.clone(),
                "explanation" => w.1 = v.replace("\r\n", "\n"),
                _ => {}
            }
            continue;
        }
        if let Some((lang, key)) = k.strip_prefix("t.").and_then(|r| r.split_once('.')) {
            if !v.trim().is_empty() {
                translated.entry(lang.to_string()).or_default().insert(key.to_string(), v.replace("\r\n", "\n"));
            }
            continue;
        }
        if let Some(part) = k.strip_prefix("a.") {
            let a = adopts.get_or_insert_with(Map::new);
            match part {
                "record" => a.insert("record".into(), Value::String(v.clone())),
                "version" => a.insert("version".into(), v.trim().parse::<u64>().map(Value::from).unwrap_or(Value::String(v.clone()))),
                _ => None,
            };
            continue;
        }
        if let Some((lang, key)) = k.strip_prefix("tc.").and_then(|r| r.split_once('.')) {
            confirmed.insert((lang.to_string(), key.to_string()));
            continue;
        }
        let Some(rest) = k.strip_prefix("f.") else { continue };
        let parts: Vec<&str> = rest.split('.').collect();
        match (parts.as_slice(), version.field(parts[0]).map(|f| f.kind)) {
            ([key, i, part], Some(FieldKind::Links { .. })) => {
                let Ok(i) = i.parse::<usize>() else { continue };
                if i > 200 {
                    continue;
                }
                let row = links.entry(key.to_string()).or_default().entry(i).or_default();
                if *part == "title" {
                    row.0 = v.clone();
                } else if *part == "link" {
                    row.1 = v.clone();
                }
            }
            ([key], Some(FieldKind::MultiChoice(_))) => multi.entry(key.to_string()).or_default().push(v.clone()),
            ([key], _) => {
                simple.insert(key.to_string(), Value::String(v.replace("\r\n", "\n")));
            }
            _ => {
                simple.insert(rest.to_string(), Value::String(v.clone()));
            }
        }
    }
    let mut c = Content(simple);
    for (k, vs) in multi {
        c.set(&k, json!(vs));
    }
    for (k, rows) in links {
        let rows: Vec<Value> = rows
            .into_values()
            .filter(|(t, l)| !t.trim().is_empty() || !l.trim().is_empty())
            .map(|(t, l)| json!({"title": t, "link": if l.trim().is_empty() { Value::Null } else { Value::String(l) }}))
            .collect();
        c.set(&k, Value::Array(rows));
    }
    let withheld: Map<String, Value> = withheld
        .into_iter()
        .filter(|(_, (g, e))| !g.trim().is_empty() || !e.trim().is_empty())
        .map(|(k, (g, e))| (k, json!({"ground": g, "explanation": e})))
        .collect();
    if !withheld.is_empty() {
        c.set(algoreg_standard::extensions::WITHHELD, Value::Object(withheld));
    }
    if let Some(a) = adopts {
        c.set(algoreg_standard::extensions::ADOPTS, Value::Object(a));
    }
    if !translated.is_empty() {
        let mut langs = Map::new();
        for (lang, fields) in translated {
            let fields: Map<String, Value> = fields
                .into_iter()
                .map(|(k, text)| {
                    // "Still holds": written for the Dutch text as it is now.
                    let v = if confirmed.contains(&(lang.clone(), k.clone())) {
                        json!({"text": text, "source": algoreg_standard::extensions::CURRENT_SOURCE})
                    } else {
                        Value::String(text)
                    };
                    (k, v)
                })
                .collect();
            langs.insert(lang, Value::Object(fields));
        }
        c.set(algoreg_standard::extensions::TRANSLATIONS, Value::Object(langs));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_kinds() {
        let pairs: Vec<(String, String)> = [
            ("_csrf", "x"),
            ("f.name", "Naam"),
            ("f.category", "Verkeer"),
            ("f.category", "Werk"),
            ("f.lawful_basis_grouping.0.title", "Wet"),
            ("f.lawful_basis_grouping.0.link", "https://wetten.nl"),
            ("f.lawful_basis_grouping.1.title", ""),
            ("f.lawful_basis_grouping.1.link", ""),
            ("f.goal", "Regel 1\r\nRegel 2"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let c = parse(&pairs);
        assert_eq!(c.str("name"), Some("Naam"));
        assert_eq!(c.strings("category"), vec!["Verkeer", "Werk"]);
        assert_eq!(c.get("lawful_basis_grouping").unwrap().as_array().unwrap().len(), 1);
        assert_eq!(c.str("goal"), Some("Regel 1\nRegel 2"));
        assert!(c.get("_csrf").is_none());
    }

    #[test]
    fn ids_for_paths() {
        assert_eq!(field_id("lawful_basis_grouping[1].link"), "field-lawful_basis_grouping-1-link");
        assert_eq!(field_id("name"), "field-name");
    }
}
