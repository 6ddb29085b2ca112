//! Rich text: the allow-list and counting length without markup.
//!
//! Allowed: `p`, `br`, `div`, `ul`, `ol`, `li`, and `a` with an `http`/`https` `href`. Everything else is
//! removed (the content of `script` and `style` with it). Sanitising is idempotent.

use std::cell::RefCell;

thread_local! {
    static CLEANER: RefCell<ammonia::Builder<'static>> = RefCell::new(builder());
}

fn builder() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::empty();
    b.add_tags(["p", "br", "div", "ul", "ol", "li", "a"])
        .add_tag_attributes("a", ["href"])
        .add_url_schemes(["http", "https"])
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer"))
        .clean_content_tags(["script", "style"].into_iter().collect())
        .strip_comments(true);
    b
}

/// Sanitises rich text to the allow-list. Text that is already in the exact form the sanitiser writes
/// (bare allowed tags, well nested, only `&amp;`, `&lt;`, `&gt;` escapes) is returned as is without parsing.
pub fn sanitize_rich_text(input: &str) -> String {
    sanitize_rich_text_cow(input).into_owned()
}

/// As [`sanitize_rich_text`], borrowing the input when it is clean already.
pub fn sanitize_rich_text_cow(input: &str) -> std::borrow::Cow<'_, str> {
    if already_clean(input) {
        return std::borrow::Cow::Borrowed(input);
    }
    let clean = |s: &str| CLEANER.with(|c| c.borrow().clean(s).to_string());
    // HTML parsing reads a carriage return as a line feed (also one written as `&#13;`): done here, a
    // second pass changes nothing (found by fuzzing).
    let crlf = |s: String| if s.contains('\r') { s.replace("\r\n", "\n").replace('\r', "\n") } else { s };
    let out = crlf(clean(&crlf(input.to_string())));
    // Markup nested deeper than any registration needs is reshaped again by every parse (found by
    // fuzzing): such text keeps its words, one paragraph per line, and loses its markup.
    if nesting_depth(&out) > MAX_DEPTH {
        let paragraphs: Vec<String> = plain_text(&out).lines().map(|l| format!("<p>{}</p>", escape_text(l))).collect();
        return std::borrow::Cow::Owned(paragraphs.concat());
    }
    std::borrow::Cow::Owned(out)
}

/// Deeper nesting than this keeps the words but not the markup.
const MAX_DEPTH: usize = 32;

fn escape_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The deepest nesting of elements in sanitiser output (which has no `<` but in tags).
fn nesting_depth(s: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let b = s.as_bytes();
    for i in memchr::memchr_iter(b'<', b) {
        match b.get(i + 1) {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(_) if !b[i + 1..].starts_with(b"br") => {
                depth += 1;
                max = max.max(depth);
            }
            _ => {}
        }
    }
    max
}

/// Whether `input` is exactly what the sanitiser would write for it: a fast path for stored and
/// generated text. Anything unusual (attributes, other tags, odd nesting, other entities) says no.
fn already_clean(input: &str) -> bool {
    if memchr::memchr(b'\r', input.as_bytes()).is_some() {
        return false;
    }
    let markup = |s: &str| memchr::memchr3(b'<', b'>', b'&', s.as_bytes());
    if markup(input).is_none() {
        return true;
    }
    if memchr::memmem::find(input.as_bytes(), "\u{a0}".as_bytes()).is_some() {
        return false;
    }
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = input;
    while let Some(i) = markup(rest) {
        let after = &rest[i..];
        if after.starts_with('>') {
            return false;
        }
        if after.starts_with('&') {
            match ["&amp;", "&lt;", "&gt;"].iter().find(|e| after.starts_with(**e)) {
                Some(e) => {
                    rest = &after[e.len()..];
                    continue;
                }
                None => return false,
            }
        }
        let Some(end) = memchr::memchr(b'>', after.as_bytes()) else { return false };
        let tag = &after[1..end];
        rest = &after[end + 1..];
        match tag {
            "br" => {}
            "p" | "div" | "ul" | "ol" if stack.len() >= 64 => return false, // deep nesting: the sanitiser decides
            "li" if stack.len() >= 64 => return false,
            "p" | "div" | "ul" | "ol" => {
                if stack.contains(&"p") {
                    return false; // a block inside a paragraph is reshaped by HTML parsing
                }
                stack.push(tag);
            }
            "li" => {
                // HTML parsing closes an open paragraph, and an open item not separated by a list
                // (a `div` does not separate), before a new item.
                if stack.contains(&"p") || stack.iter().rev().find(|t| **t != "div") == Some(&"li") {
                    return false;
                }
                stack.push(tag);
            }
            "/p" | "/div" | "/ul" | "/ol" | "/li" => {
                if stack.pop() != Some(&tag[1..]) {
                    return false;
                }
            }
            _ => return false,
        }
    }
    stack.is_empty()
}

/// Length in characters as a reader sees it: tags do not count, an entity counts as one character.
pub fn text_len(input: &str) -> usize {
    // Works on bytes: `<`, `>`, `&`, `;` and `#` are ASCII, so every cut falls between characters, and the
    // plain text between markup is counted in characters at once.
    let b = input.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        let Some(at) = memchr::memchr2(b'<', b'&', &b[i..]).map(|p| i + p) else {
            n += input[i..].chars().count();
            break;
        };
        n += input[i..at].chars().count();
        if b[at] == b'<' {
            // Only a real tag start counts as markup: `<` followed by a letter, `/` or `!`.
            if b.get(at + 1).is_some_and(|p| p.is_ascii_alphabetic() || *p == b'/' || *p == b'!') {
                match memchr::memchr(b'>', &b[at + 1..]) {
                    Some(p) => i = at + 1 + p + 1,
                    None => break, // an unclosed tag: the rest is markup
                }
            } else {
                n += 1;
                i = at + 1;
            }
        } else {
            // Skip a well-formed entity body so that it counts once.
            let mut len = 0;
            let mut ok = false;
            for &p in &b[at + 1..] {
                if p == b';' {
                    ok = len > 0;
                    break;
                }
                if !(p.is_ascii_alphanumeric() || p == b'#') || len > 10 {
                    break;
                }
                len += 1;
            }
            n += 1;
            i = if ok { at + len + 2 } else { at + 1 };
        }
    }
    n
}

/// The text of rich text without markup, entities decoded, block ends as line breaks, white space folded.
pub fn plain_text(input: &str) -> String {
    if !input.contains(['<', '&']) {
        return input.trim().to_string();
    }
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    // Once a `<` has no `>` after it, no later `<` has one either: every further `<` is text. Remembering
    // that keeps the walk linear on a long run of `<` without `>`.
    let mut no_more_gt = false;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('<') {
            let close = if no_more_gt { None } else { rest.find('>') };
            no_more_gt |= close.is_none();
            match close {
                Some(end) => {
                    let tag = rest[1..end].trim_start_matches('/').to_ascii_lowercase();
                    let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
                    if matches!(name.as_str(), "p" | "br" | "div" | "li" | "ul" | "ol") && !out.ends_with('\n') {
                        out.push('\n');
                    }
                    rest = &rest[end + 1..];
                }
                None => {
                    out.push('<');
                    rest = &rest[1..];
                }
            }
        } else {
            let end = rest.char_indices().take(12).find(|(_, c)| *c == ';').map(|(i, _)| i);
            let decoded = end.and_then(|e| decode_entity(&rest[1..e]).map(|c| (c, e)));
            match decoded {
                Some((c, e)) => {
                    out.push(c);
                    rest = &rest[e + 1..];
                }
                None => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        }
    }
    out.push_str(rest);
    let lines: Vec<String> = out.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|l| !l.is_empty()).collect();
    lines.join("\n")
}

fn decode_entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" | "#39" => Some('\''),
        "nbsp" => Some(' '),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    /// The character-by-character count that [`text_len`] must agree with.
    fn text_len_reference(input: &str) -> usize {
        let mut n = 0;
        let mut in_tag = false;
        let mut chars = input.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '<' if !in_tag => {
                    // Only a real tag start counts as markup: `<` followed by a letter, `/` or `!`.
                    if chars.peek().is_some_and(|p| p.is_ascii_alphabetic() || *p == '/' || *p == '!') {
                        in_tag = true;
                    } else {
                        n += 1;
                    }
                }
                '>' if in_tag => in_tag = false,
                '&' if !in_tag => {
                    // Skip a well-formed entity body so that it counts once.
                    let look = chars.clone();
                    let mut len = 0;
                    let mut ok = false;
                    for p in look {
                        if p == ';' {
                            ok = len > 0;
                            break;
                        }
                        if !(p.is_ascii_alphanumeric() || p == '#') || len > 10 {
                            break;
                        }
                        len += 1;
                    }
                    if ok {
                        for _ in 0..=len {
                            chars.next();
                        }
                    }
                    n += 1;
                }
                _ if in_tag => {}
                _ => n += 1,
            }
        }
        n
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keeps_allowed_markup() {
        let s = "<p>Een <a href=\"https://wetten.overheid.nl/\">wet</a></p><ul><li>één</li></ul>";
        let out = sanitize_rich_text(s);
        assert!(out.contains("<p>") && out.contains("<li>één</li>") && out.contains("href=\"https://wetten.overheid.nl/\""));
    }

    #[test]
    fn removes_dangerous_markup() {
        let out =
            sanitize_rich_text("<p onclick=\"x()\">a</p><script>alert(1)</script><a href=\"javascript:alert(1)\">b</a><img src=x><b>c</b>");
        assert!(
            !out.contains("script")
                && !out.contains("onclick")
                && !out.contains("javascript")
                && !out.contains("img")
                && !out.contains("<b>"),
            "{out}"
        );
        assert!(out.contains('a') && out.contains('c'));
    }

    #[test]
    fn length_ignores_markup() {
        assert_eq!(text_len("<p>abc</p>"), 3);
        assert_eq!(text_len("a &amp; b"), 5);
        assert_eq!(text_len("a < b"), 5);
        assert_eq!(text_len("<div><ul><li>x</li></ul></div>"), 1);
    }

    #[test]
    fn plain_text_is_linear_on_unclosed_tags() {
        // Quadratic before: every `<` searched the rest of the text for a `>`.
        let s = "<".repeat(2_000_000);
        let t = std::time::Instant::now();
        assert_eq!(plain_text(&s).len(), 2_000_000);
        assert!(t.elapsed() < std::time::Duration::from_secs(5), "took {:?}", t.elapsed());
        assert_eq!(plain_text("<p>c</p> a < b < d"), "c\na < b < d");
    }

    #[test]
    fn plain_text_strips() {
        assert_eq!(plain_text("<p>Hallo &amp; welkom</p><p>daar</p>"), "Hallo & welkom\ndaar");
    }

    proptest! {
        #[test]
        fn text_len_counts_as_the_reference(s in "(<p>|</p>|<a href=\"x\">|<|>|< p|<!--|&amp;|&#233;|&x|&;|&abcdefghijklm;|;|#|é|€|🙂|[a-z ]{0,4}){0,16}") {
            prop_assert_eq!(text_len(&s), text_len_reference(&s));
        }

        #[test]
        fn text_len_counts_any_text_as_the_reference(s in "\\PC{0,40}") {
            prop_assert_eq!(text_len(&s), text_len_reference(&s));
        }

        #[test]
        fn sanitising_is_idempotent(s in "(<p>|</p>|<a href=\"https://x.nl/?a=1&b=2\">|</a>|<script>|<b>|&amp;|&|<|>|[a-zé ]{0,5}){0,12}") {
            let once = sanitize_rich_text(&s);
            let twice = sanitize_rich_text(&once);
            prop_assert_eq!(once, twice);
        }

        #[test]
        fn fast_path_agrees_with_the_sanitiser(s in "(<p>|</p>|<br>|<ul>|</ul>|<li>|</li>|<div>|</div>|&amp;|&lt;|[a-z ]{0,4}){0,10}") {
            if already_clean(&s) {
                let full = CLEANER.with(|c| c.borrow().clean(&s).to_string());
                prop_assert_eq!(full, s);
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,64}") {
            let _ = sanitize_rich_text(&s);
            let _ = text_len(&s);
            let _ = plain_text(&s);
        }
    }
}
