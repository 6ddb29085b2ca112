//! What a field of the standard is.

use serde::Serialize;

/// Interface language for labels and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum Lang {
    #[default]
    Nl,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.to_ascii_lowercase().as_str() {
            "nl" | "nld" => Some(Lang::Nl),
            "en" | "eng" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }
}

/// The kind of a field: decides the control in forms, the validation rules and the rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldKind {
    /// Plain text on one line.
    Text,
    /// Limited HTML (see [`crate::sanitize`]); length counted without markup.
    RichText,
    /// An absolute http(s) URL.
    Url,
    /// An e-mail address or an http(s) URL.
    ContactPoint,
    /// A month as `yyyy-mm`.
    YearMonth,
    /// Exactly one value of a code list.
    Choice(&'static [&'static str]),
    /// Zero or more values of a code list.
    MultiChoice(&'static [&'static str]),
    /// Repeatable rows of a title and a link. `suggestions` are offered for the title, not enforced.
    Links { title_max: Option<usize>, link_max: usize, link_required: bool, suggestions: &'static [&'static str] },
    /// A list of strings (older standards).
    List,
}

impl FieldKind {
    pub fn name(&self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::RichText => "rich_text",
            FieldKind::Url => "url",
            FieldKind::ContactPoint => "contact_point",
            FieldKind::YearMonth => "year_month",
            FieldKind::Choice(_) => "choice",
            FieldKind::MultiChoice(_) => "multi_choice",
            FieldKind::Links { .. } => "links",
            FieldKind::List => "list",
        }
    }
}

/// One field of one standard version.
#[derive(Debug, Clone, Serialize)]
pub struct FieldDef {
    /// The API key, as the register's API and exports use it.
    pub key: &'static str,
    pub label_nl: &'static str,
    /// `None` for older standards: looked up in [`english_label`].
    #[serde(skip)]
    pub label_en_override: Option<&'static str>,
    /// Key of the group (tab) the field belongs to.
    pub group: &'static str,
    pub kind: FieldKind,
    /// Maximum length in characters, counted without HTML.
    pub max_len: Option<usize>,
    /// Must be filled before release and publication.
    pub required: bool,
    /// Shown on the public page even when empty ("not filled in").
    pub show_always: bool,
    /// Shown on the public page at all (metadata like `source_id` is not).
    pub public: bool,
    /// Filled by algoreg itself (language, standard version); not part of forms.
    pub system: bool,
}

impl FieldDef {
    pub(crate) const fn legacy(
        key: &'static str,
        label_nl: &'static str,
        group: &'static str,
        kind: FieldKind,
        max_len: Option<usize>,
        required: bool,
    ) -> FieldDef {
        FieldDef { key, label_nl, label_en_override: None, group, kind, max_len, required, show_always: false, public: true, system: false }
    }

    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Nl => self.label_nl,
            Lang::En => self.label_en_override.unwrap_or_else(|| english_label(self.key)),
        }
    }
}

/// A group of fields (a tab on the record page).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub key: &'static str,
    pub label_nl: &'static str,
}

impl Group {
    pub(crate) const fn legacy(key: &'static str, label_nl: &'static str) -> Group {
        Group { key, label_nl }
    }

    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Nl => self.label_nl,
            Lang::En => match self.key {
                "algemeneInformatie" => "General information",
                "verantwoordGebruik" => "Responsible use",
                "werking" | "technischeWerking" => "Operation",
                "metadata" | "metadata_algorithm" => "Metadata",
                "inzet" => "Deployment",
                "juridisch" => "Legal",
                "toepassing" => "Application",
                "toezicht" => "Oversight",
                _ => self.label_nl,
            },
        }
    }
}

/// English labels for every field key of every standard version (our own wording).
pub fn english_label(key: &str) -> &'static str {
    match key {
        "name" => "Name",
        "organization" => "Organisation",
        "department" => "Department",
        "description_short" => "Short description",
        "type" => "Type of algorithm",
        "category" => "Theme",
        "website" => "Link to public page",
        "status" => "Status",
        "begin_date" => "Start date",
        "end_date" => "End date",
        "contact_email" => "Contact",
        "publication_category" => "Publication category",
        "url" => "Link to source registration",
        "goal" => "Purpose and impact",
        "impact" => "Impact",
        "proportionality" => "Considerations",
        "decision_making_process" => "Decision-making process",
        "documentation" => "Link to project page",
        "description" => "Description",
        "application_url" => "Link to developer",
        "publiccode" => "Link to source code",
        "mprd" => "Link with base registers",
        "source_data" => "Data",
        "source_data_link" => "Link to data source",
        "source_data_grouping" => "Data sources",
        "methods_and_models" => "Technical operation",
        "monitoring" => "Monitoring",
        "human_intervention" => "Human intervention",
        "risks" => "Risk management",
        "performance_standard" => "Performance standard",
        "competent_authority" => "Competent authority",
        "lawful_basis" => "Legal basis",
        "lawful_basis_link" => "Link to legal basis",
        "lawful_basis_grouping" => "Legal basis references",
        "iama" => "Human rights impact assessment (IAMA)",
        "iama_description" => "Impact assessment notes",
        "dpia" => "Data protection impact assessment (DPIA)",
        "dpia_description" => "DPIA notes",
        "objection_procedure" => "Objection procedure",
        "process_index_url" => "Link to processing register",
        "impacttoetsen" => "Notes on impact assessments",
        "impacttoetsen_grouping" => "Impact assessments",
        "provider" => "Supplier",
        "lang" => "Language",
        "standard_version" => "Standard version",
        "uuid" => "UUID",
        "source_id" => "Source ID",
        "area" => "Area",
        "revision_date" => "Revision date",
        "tags" => "Search terms",
        _ => "Field",
    }
}
