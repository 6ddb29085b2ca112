//! Full-text search over the public register: an embedded tantivy index with the classic Dutch
//! stemmer, a query language (words, OR/of, -exclude, "phrases"), synonyms and abbreviations of government
//! (a thesaurus), facet counts, sorting, paging, typo tolerance
//! ("did you mean"), suggestions while typing and "similar registrations" from the text itself.
//!
//! The index holds only published versions. It is kept in step with the store through the store's
//! outbox; the outbox position is saved in the index's own commit, so a restart continues where it was.

pub mod analyzer;
pub mod compound;
pub mod dutch;
mod facets;
mod index;
pub mod query;
pub mod thesaurus;

pub use index::{FacetSet, Facets, Filters, Hit, Results, SearchDoc, SearchError, SearchIndex, SearchQuery, Sort, Suggestion, MAX_OFFSET};
