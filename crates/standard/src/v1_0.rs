//! Standard 1.0, complete.
//!
//! Where the normative text (publicatiestandaard 1.0.10, chapter 2) and the running register's field
//! configuration disagree, these are our choices:
//! * `description_short`: the text says fewer than 350 characters, the running system accepts 400. We accept
//!   400, because every record published today was validated against 400 and must import unchanged.
//! * `end_date`, `provider`, `methods_and_models`: the text says "always show", the configuration does not.
//!   We follow the text: an empty field tells the reader something too.
//! * `source_data_grouping` is not required in either; the configuration writes `"false"` as a string.
//! * Lengths written as "< N characters" in the text are taken as "at most N", as the configuration does.
//! * Rich text also allows `a` with an http(s) `href` (algoreg's allow-list), beside the configuration's
//!   p, br, div, ul, ol and li.
//! * `lang` and `standard_version` are required but filled by algoreg itself.

use crate::codes::{IMPACT_ASSESSMENTS, LANGUAGES, PUBLICATION_CATEGORIES, STATUSES, THEMES};
use crate::fields::{FieldDef, FieldKind, Group};

#[allow(clippy::too_many_arguments)] // a table row, read positionally
const fn f(
    key: &'static str,
    label_nl: &'static str,
    label_en: &'static str,
    group: &'static str,
    kind: FieldKind,
    max_len: Option<usize>,
    required: bool,
    show_always: bool,
) -> FieldDef {
    FieldDef { key, label_nl, label_en_override: Some(label_en), group, kind, max_len, required, show_always, public: true, system: false }
}

const fn meta(
    key: &'static str,
    label_nl: &'static str,
    label_en: &'static str,
    kind: FieldKind,
    max_len: Option<usize>,
    required: bool,
    system: bool,
) -> FieldDef {
    FieldDef {
        key,
        label_nl,
        label_en_override: Some(label_en),
        group: "metadata",
        kind,
        max_len,
        required,
        show_always: false,
        public: false,
        system,
    }
}

const GI: &str = "algemeneInformatie";
const VG: &str = "verantwoordGebruik";
const WE: &str = "werking";

pub(crate) static FIELDS: &[FieldDef] = &[
    f("name", "Naam", "Name", GI, FieldKind::Text, Some(100), true, true),
    f("description_short", "Korte omschrijving", "Short description", GI, FieldKind::RichText, Some(400), true, true),
    f("organization", "Organisatie", "Organisation", GI, FieldKind::Text, Some(100), true, true),
    f("category", "Thema", "Theme", GI, FieldKind::MultiChoice(THEMES), None, false, true),
    f("status", "Status", "Status", GI, FieldKind::Choice(STATUSES), None, true, true),
    f("begin_date", "Begindatum", "Start date", GI, FieldKind::YearMonth, Some(7), false, true),
    f("end_date", "Einddatum", "End date", GI, FieldKind::YearMonth, Some(7), false, true),
    f("contact_email", "Contactgegevens", "Contact", GI, FieldKind::ContactPoint, Some(500), true, true),
    f("website", "Link naar publiekspagina", "Link to public page", GI, FieldKind::Url, Some(500), false, false),
    f(
        "publication_category",
        "Publicatiecategorie",
        "Publication category",
        GI,
        FieldKind::Choice(PUBLICATION_CATEGORIES),
        None,
        true,
        true,
    ),
    f("url", "Link naar bronregistratie", "Link to source registration", GI, FieldKind::Url, Some(500), false, false),
    f("goal", "Doel en impact", "Purpose and impact", VG, FieldKind::RichText, Some(2500), false, true),
    f("proportionality", "Afwegingen", "Considerations", VG, FieldKind::RichText, Some(2500), false, true),
    f("human_intervention", "Menselijke tussenkomst", "Human intervention", VG, FieldKind::RichText, Some(2500), false, true),
    f("risks", "Risicobeheer", "Risk management", VG, FieldKind::RichText, Some(2500), false, true),
    f("lawful_basis", "Wettelijke basis", "Legal basis", VG, FieldKind::RichText, Some(2500), false, false),
    f(
        "lawful_basis_grouping",
        "Verwijzingen wettelijke basis",
        "Legal basis references",
        VG,
        FieldKind::Links { title_max: Some(100), link_max: 500, link_required: true, suggestions: &[] },
        None,
        false,
        false,
    ),
    f("process_index_url", "Link naar verwerkingsregister", "Link to processing register", VG, FieldKind::Url, Some(500), false, false),
    f("impacttoetsen", "Toelichting op impacttoetsen", "Notes on impact assessments", VG, FieldKind::RichText, Some(2500), false, false),
    f(
        "impacttoetsen_grouping",
        "Impacttoetsen",
        "Impact assessments",
        VG,
        FieldKind::Links { title_max: Some(500), link_max: 500, link_required: false, suggestions: IMPACT_ASSESSMENTS },
        None,
        false,
        false,
    ),
    f("source_data", "Gegevens", "Data", WE, FieldKind::RichText, Some(2500), false, true),
    f(
        "source_data_grouping",
        "Verwijzingen gegevensbronnen",
        "Data source references",
        WE,
        FieldKind::Links { title_max: Some(500), link_max: 500, link_required: true, suggestions: &[] },
        None,
        false,
        false,
    ),
    f("methods_and_models", "Technische werking", "Technical operation", WE, FieldKind::RichText, Some(5000), false, true),
    f("provider", "Leverancier", "Supplier", WE, FieldKind::Text, Some(200), false, true),
    f("publiccode", "Link naar broncode", "Link to source code", WE, FieldKind::Url, Some(500), false, false),
    meta("lang", "Taal", "Language", FieldKind::Choice(LANGUAGES), None, true, true),
    meta("standard_version", "Versie publicatiestandaard", "Standard version", FieldKind::Choice(&["1.0"]), None, true, true),
    meta("source_id", "Bron-ID", "Source ID", FieldKind::Text, Some(100), false, false),
    meta("tags", "Zoektermen", "Search terms", FieldKind::RichText, Some(2500), false, false),
];

pub(crate) static GROUPS: &[Group] = &[
    Group { key: GI, label_nl: "Algemene informatie" },
    Group { key: VG, label_nl: "Verantwoord gebruik" },
    Group { key: WE, label_nl: "Werking" },
    Group { key: "metadata", label_nl: "Metadata" },
];
