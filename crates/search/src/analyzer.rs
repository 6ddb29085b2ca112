//! Text analysis: Dutch (classic Dutch Porter stemmer) and plain lower-cased words for spelling help.

use crate::dutch::stem;
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

// The names change with the analysis: an index made with another analysis does not match the schema
// and is made again from the store.
pub const DUTCH: &str = "nl_porter_folded_compounds";
pub const WORDS: &str = "words_folded";
pub const ENGLISH: &str = "en_porter_folded";

/// A tantivy token filter applying [`crate::dutch::stem`].
#[derive(Clone, Copy)]
pub struct DutchStem;

impl TokenFilter for DutchStem {
    type Tokenizer<T: Tokenizer> = DutchStemFilter<T>;
    fn transform<T: Tokenizer>(self, tokenizer: T) -> DutchStemFilter<T> {
        DutchStemFilter { inner: tokenizer }
    }
}

#[derive(Clone)]
pub struct DutchStemFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for DutchStemFilter<T> {
    type TokenStream<'a> = DutchStemStream<T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        DutchStemStream { tail: self.inner.token_stream(text) }
    }
}

pub struct DutchStemStream<T> {
    tail: T,
}

impl<T: TokenStream> TokenStream for DutchStemStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        token.text = stem(&token.text);
        true
    }
    fn token(&self) -> &Token {
        self.tail.token()
    }
    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Dutch text as the index has it: a compound also gives its parts, at its own position
/// ([`crate::compound`]), so that a part finds the compound.
pub fn dutch() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Decompound)
        .filter(DutchStem)
        .build()
}

/// Dutch text of a query: as [`dutch`] without the parts (a query adds them as alternatives itself).
pub fn dutch_query() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(DutchStem)
        .build()
}

/// A tantivy token filter adding the parts of compounds after each compound, at its position.
#[derive(Clone, Copy)]
pub struct Decompound;

impl TokenFilter for Decompound {
    type Tokenizer<T: Tokenizer> = DecompoundFilter<T>;
    fn transform<T: Tokenizer>(self, tokenizer: T) -> DecompoundFilter<T> {
        DecompoundFilter { inner: tokenizer, cache: Default::default() }
    }
}

/// Words split before, per indexing thread (bounded: cleared when full).
const SPLIT_CACHE: usize = 200_000;

#[derive(Clone)]
pub struct DecompoundFilter<T> {
    inner: T,
    cache: std::collections::HashMap<String, Vec<String>>,
}

impl<T: Tokenizer> Tokenizer for DecompoundFilter<T> {
    type TokenStream<'a> = DecompoundStream<'a, T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        DecompoundStream { tail: self.inner.token_stream(text), cache: &mut self.cache, pending: vec![], current: Token::default() }
    }
}

pub struct DecompoundStream<'a, T> {
    tail: T,
    cache: &'a mut std::collections::HashMap<String, Vec<String>>,
    /// Parts still to give for the current word (last first).
    pending: Vec<String>,
    current: Token,
}

impl<T: TokenStream> TokenStream for DecompoundStream<'_, T> {
    fn advance(&mut self) -> bool {
        if let Some(part) = self.pending.pop() {
            self.current.text = part;
            return true;
        }
        if !self.tail.advance() {
            return false;
        }
        self.current = self.tail.token().clone();
        let word = &self.current.text;
        if word.len() >= 8 {
            if self.cache.len() >= SPLIT_CACHE {
                self.cache.clear();
            }
            let parts = self.cache.entry(word.clone()).or_insert_with(|| crate::compound::Decompounder::builtin().split(word));
            self.pending = parts.iter().rev().cloned().collect();
        }
        true
    }
    fn token(&self) -> &Token {
        &self.current
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

/// English text (translations, English labels of code-list values): English Porter stemming.
pub fn english() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(tantivy::tokenizer::Stemmer::new(tantivy::tokenizer::Language::English))
        .build()
}

pub fn words() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The terms an analyzer makes of a text.
pub fn terms(mut analyzer: TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = vec![];
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}
