//! Full-text search over the public register: an embedded tantivy index with the classic Dutch
//! stemmer, facet counts, sorting, paging, abbreviations that resolve to organisations, typo tolerance
//! ("did you mean"), suggestions while typing and "similar registrations" from the text itself.
//!
//! The index holds only published versions. It is kept in step with the store through the store's
//! outbox; the outbox position is saved in the index's own commit, so a restart continues where it was.

pub mod analyzer;
pub mod dutch;
mod facets;
mod index;

pub use index::{FacetSet, Facets, Filters, Hit, Results, SearchDoc, SearchError, SearchIndex, SearchQuery, Sort, Suggestion};

/// Well-known abbreviations and the organisation names they stand for.
pub const ABBREVIATIONS: &[(&str, &str)] = &[
    ("uwv", "Uitvoeringsinstituut Werknemersverzekeringen"),
    ("svb", "Sociale Verzekeringsbank"),
    ("duo", "Dienst Uitvoering Onderwijs"),
    ("cjib", "Centraal Justitieel Incassobureau"),
    ("bzk", "Ministerie van Binnenlandse Zaken en Koninkrijksrelaties"),
    ("rvig", "Rijksdienst voor Identiteitsgegevens"),
    ("rdw", "Dienst Wegverkeer"),
    ("cbs", "Centraal Bureau voor de Statistiek"),
    ("ind", "Immigratie- en Naturalisatiedienst"),
    ("rvo", "Rijksdienst voor Ondernemend Nederland"),
    ("rws", "Rijkswaterstaat"),
    ("szw", "Ministerie van Sociale Zaken en Werkgelegenheid"),
    ("jenv", "Ministerie van Justitie en Veiligheid"),
    ("ienw", "Ministerie van Infrastructuur en Waterstaat"),
    ("ocw", "Ministerie van Onderwijs, Cultuur en Wetenschap"),
    ("vws", "Ministerie van Volksgezondheid, Welzijn en Sport"),
    ("ilt", "Inspectie Leefomgeving en Transport"),
    ("ap", "Autoriteit Persoonsgegevens"),
    ("nvwa", "Nederlandse Voedsel- en Warenautoriteit"),
];
