//! Plain-language helpers for editors: a Dutch readability score (Flesch-Douma) and link checks.

use crate::sanitize::plain_text;

/// Readability of a text by the Flesch-Douma formula, the Dutch adaptation of Flesch reading ease:
/// `206.835 - 0.93 * (words / sentences) - 77 * (syllables / words)`. Higher is easier; about 60 and
/// up reads well for most people (roughly language level B1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Readability {
    pub score: f64,
    pub words: usize,
    pub sentences: usize,
    pub syllables: usize,
}

impl Readability {
    /// A plain-language verdict: `easy`, `fair` or `hard`.
    pub fn level(&self) -> &'static str {
        if self.score >= 60.0 {
            "easy"
        } else if self.score >= 40.0 {
            "fair"
        } else {
            "hard"
        }
    }
    pub fn label_nl(&self) -> &'static str {
        match self.level() {
            "easy" => "Goed leesbaar",
            "fair" => "Redelijk leesbaar; kortere zinnen en woorden helpen",
            _ => "Moeilijk leesbaar; gebruik kortere zinnen en gewone woorden",
        }
    }
    pub fn label_en(&self) -> &'static str {
        match self.level() {
            "easy" => "Easy to read",
            "fair" => "Fairly readable; shorter sentences and words help",
            _ => "Hard to read; use shorter sentences and everyday words",
        }
    }
}

fn is_vowel(c: char) -> bool {
    matches!(
        c,
        'a' | 'e'
            | 'i'
            | 'o'
            | 'u'
            | 'y'
            | 'à'
            | 'á'
            | 'â'
            | 'ä'
            | 'è'
            | 'é'
            | 'ê'
            | 'ë'
            | 'ï'
            | 'í'
            | 'î'
            | 'ó'
            | 'ô'
            | 'ö'
            | 'ú'
            | 'û'
            | 'ü'
    )
}

/// Dutch syllables by vowel groups: `aa`, `ie`, `oe`, `eeu`, ... count once. A diaeresis starts a new one.
pub fn syllables(word: &str) -> usize {
    let mut n = 0;
    let mut prev_vowel = false;
    for c in word.chars().flat_map(char::to_lowercase) {
        let v = is_vowel(c);
        let breaks = matches!(c, 'ë' | 'ï' | 'ü' | 'ö' | 'ä');
        if v && (!prev_vowel || breaks) {
            n += 1;
        }
        prev_vowel = v;
    }
    n.max(1)
}

/// Scores a text (rich text allowed); `None` for texts too short to judge (fewer than 10 words).
pub fn readability(text: &str) -> Option<Readability> {
    let plain = plain_text(text);
    let words: Vec<&str> = plain.split_whitespace().filter(|w| w.chars().any(char::is_alphabetic)).collect();
    if words.len() < 10 {
        return None;
    }
    let sentences = plain
        .split(['.', '!', '?', '\n', ';', ':'])
        .filter(|s| s.split_whitespace().any(|w| w.chars().any(char::is_alphabetic)))
        .count()
        .max(1);
    let syl: usize = words.iter().map(|w| syllables(w)).sum();
    let score = 206.835 - 0.93 * (words.len() as f64 / sentences as f64) - 77.0 * (syl as f64 / words.len() as f64);
    Some(Readability { score, words: words.len(), sentences, syllables: syl })
}

/// Links in rich text (`href` values) that are not absolute http(s) URLs.
pub fn broken_links(text: &str) -> Vec<String> {
    let mut out = vec![];
    let mut rest = text;
    while let Some(i) = rest.find("href=\"") {
        rest = &rest[i + 6..];
        let Some(end) = rest.find('"') else { break };
        let link = &rest[..end];
        if !crate::validate::is_web_url(&link.replace("&amp;", "&")) {
            out.push(link.to_string());
        }
        rest = &rest[end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_syllables() {
        for (w, n) in [
            ("gemeente", 3),
            ("algoritme", 4),
            ("uitkering", 3),
            ("toeslagen", 3),
            ("beëindigen", 4),
            ("zee", 1),
            ("vergunning", 3),
            ("parkeren", 3),
        ] {
            assert_eq!(syllables(w), n, "{w}");
        }
    }

    #[test]
    fn short_plain_sentences_score_higher() {
        let easy = readability(
            "De gemeente kijkt of u recht hebt op hulp. Een medewerker beslist. U krijgt een brief. Daarin staat wat u kunt doen.",
        )
        .unwrap();
        let hard = readability("Het geautomatiseerde besluitvormingsondersteuningsinstrument categoriseert aanvraagdossiers op basis van risicoindicatoren teneinde handhavingscapaciteit doelmatiger te alloceren.").unwrap();
        assert!(easy.score > hard.score + 40.0, "{easy:?} {hard:?}");
        assert_eq!(hard.level(), "hard");
        assert!(readability("Te kort.").is_none());
    }

    #[test]
    fn finds_broken_links() {
        assert_eq!(broken_links("<a href=\"https://a.nl\">a</a> <a href=\"wetten.nl\">b</a>"), vec!["wetten.nl".to_string()]);
    }
}
