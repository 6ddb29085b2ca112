//! Text in XML documents (Atom feeds, OAI-PMH): escaped, and without the characters XML 1.0 cannot
//! carry (controls other than tab and line ends, U+FFFE, U+FFFF), wherever the text came from: a
//! harvested record, a signal, an answer, or an entity the HTML sanitiser turned into a character.

/// `s` as XML character data or attribute value.
pub(crate) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn leaves_out_what_xml_cannot_carry() {
        assert_eq!(super::text("a<b>&\"'\u{1}\u{FFFF}\u{FFFE}\tc\u{10000}"), "a&lt;b&gt;&amp;&quot;&apos;\tc\u{10000}");
    }
}
