//! Finds the elements of one array in a JSON document's top-level object without parsing them, so
//! that large exports and feeds can be parsed on all cores, element by element. Strings (with their
//! escapes) are skipped correctly. Anything unexpected gives `None`, and the caller parses the whole
//! document the ordinary way (which also gives the precise error).

use std::ops::Range;

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\n' | b'\r' | b'\t') {
        i += 1;
    }
    i
}

/// The index just past the string that starts at `i` (where `b[i]` is the opening quote).
fn skip_string(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        j += memchr::memchr2(b'"', b'\\', b.get(j..)?)?;
        if b[j] == b'\\' {
            j += 2;
        } else {
            return Some(j + 1);
        }
    }
}

/// The index just past the value that starts at `i`.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match *b.get(j)? {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// Walks the object that starts at `start`; the value of `key` is passed over by `on_key` (which returns
/// where it ends), every other value by [`skip_value`]. Gives the span of the key's value (if there) and
/// where the object ends. `None` when there is no such object, the key occurs twice, or any key is
/// written with an escape (a parser decodes those, and both paths must agree on which value counts).
fn scan_object(
    b: &[u8],
    start: usize,
    key: &[u8],
    mut on_key: impl FnMut(usize) -> Option<usize>,
) -> Option<(Option<Range<usize>>, usize)> {
    if *b.get(start)? != b'{' {
        return None;
    }
    let mut i = start + 1;
    let mut found = None;
    loop {
        i = skip_ws(b, i);
        match *b.get(i)? {
            b',' => {
                i += 1;
                continue;
            }
            b'}' => return Some((found, i + 1)),
            b'"' => {}
            _ => return None,
        }
        let key_end = skip_string(b, i)?;
        let k = &b[i + 1..key_end - 1];
        if k.contains(&b'\\') {
            return None;
        }
        i = skip_ws(b, key_end);
        if *b.get(i)? != b':' {
            return None;
        }
        i = skip_ws(b, i + 1);
        let end = if k == key {
            if found.is_some() {
                return None;
            }
            let end = on_key(i)?;
            found = Some(i..end);
            end
        } else {
            skip_value(b, i)?
        };
        i = end;
    }
}

/// Walks the array that starts at `start`, each element by `element` (which returns where it ends), and
/// gives where the array ends.
fn scan_array(b: &[u8], start: usize, mut element: impl FnMut(usize) -> Option<usize>) -> Option<usize> {
    if *b.get(start)? != b'[' {
        return None;
    }
    let mut i = skip_ws(b, start + 1);
    if *b.get(i)? == b']' {
        return Some(i + 1);
    }
    loop {
        i = skip_ws(b, i);
        let end = element(i)?;
        i = skip_ws(b, end);
        match *b.get(i)? {
            b',' => i += 1,
            b']' => return Some(i + 1),
            _ => return None,
        }
    }
}

/// The elements of the array under `key` in the top-level object: the array's span and each element's.
/// The array is walked once.
pub fn array_elements(b: &[u8], key: &[u8]) -> Option<(Range<usize>, Vec<Range<usize>>)> {
    let mut elems = vec![];
    let (span, _) = scan_object(b, skip_ws(b, 0), key, |at| {
        scan_array(b, at, |i| {
            let end = skip_value(b, i)?;
            elems.push(i..end);
            Some(end)
        })
    })?;
    Some((span?, elems))
}

/// How many elements the array under `key` in the top-level object has, counted without keeping them,
/// up to `max`: `Err(())` as soon as there are more; `Ok(None)` when no such array is found.
pub fn count_elements(b: &[u8], key: &[u8], max: usize) -> Result<Option<usize>, ()> {
    let mut n = 0usize;
    let mut over = false;
    let found = scan_object(b, skip_ws(b, 0), key, |at| {
        scan_array(b, at, |i| {
            n += 1;
            if n > max {
                over = true;
                return None;
            }
            skip_value(b, i)
        })
    });
    if over {
        return Err(());
    }
    Ok(found.and_then(|(span, _)| span).map(|_| n))
}

/// For the array under `key` in the top-level object: per element, the span of its member `inner`
/// (none when the element has no such member or is no object). Every byte is walked once.
pub fn array_members(b: &[u8], key: &[u8], inner: &[u8]) -> Option<Vec<Option<Range<usize>>>> {
    let mut spans = vec![];
    scan_object(b, skip_ws(b, 0), key, |at| {
        scan_array(b, at, |i| {
            if b[i] != b'{' {
                spans.push(None);
                return skip_value(b, i);
            }
            let (span, end) = scan_object(b, i, inner, |v| skip_value(b, v))?;
            spans.push(span);
            Some(end)
        })
    })?
    .0?;
    Some(spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    #[test]
    fn elements_are_counted_up_to_a_limit() {
        let doc = br#"{"format": "algoreg-feed", "records": [1, {"a": [2, 3]}, "x"]}"#;
        assert_eq!(count_elements(doc, b"records", 3), Ok(Some(3)));
        assert_eq!(count_elements(doc, b"records", 2), Err(()));
        assert_eq!(count_elements(br#"{"records": []}"#, b"records", 0), Ok(Some(0)));
        assert_eq!(count_elements(br#"{"other": [1]}"#, b"records", 5), Ok(None));
        assert_eq!(count_elements(br#"{"records": [1, "#, b"records", 5), Ok(None));
    }

    fn elements(doc: &str) -> Option<Vec<Value>> {
        let (span, el) = array_elements(doc.as_bytes(), b"records")?;
        assert_eq!(&doc[span.start..span.start + 1], "[");
        Some(el.into_iter().map(|r| serde_json::from_str(&doc[r]).unwrap()).collect())
    }

    #[test]
    fn finds_the_elements_past_tricky_strings() {
        let records = json!([
            {"id": "1", "text": "a \"quoted\" } ] { [ word", "n": [1, [2, 3], {"x": "\\"}]},
            "plain",
            42,
            null,
            {"nested": {"records": [9]}},
        ]);
        let doc = json!({"format": "algoreg-export", "other": {"records": "no"}, "list": [1, "]"], "records": records, "after": true});
        let text = serde_json::to_string_pretty(&doc).unwrap();
        assert_eq!(elements(&text), Some(records.as_array().unwrap().clone()));
        assert_eq!(elements(&serde_json::to_string(&doc).unwrap()), Some(records.as_array().unwrap().clone()));
        assert_eq!(elements(r#"{"records": []}"#), Some(vec![]));
    }

    #[test]
    fn gives_up_on_what_it_does_not_expect() {
        for doc in [
            "",
            "[]",
            "{",
            r#"{"records": [1, 2"#,
            r#"{"records": [1 2]}"#,
            r#"{"a": "unterminated"#,
            r#"{"records": {"a": 1}}"#,
            r#"{"x": 1}"#,
            r#"{"records": [1], "rec\u006frds": [2]}"#,
            r#"{"records": [1], "records": [2]}"#,
        ] {
            assert!(array_elements(doc.as_bytes(), b"records").is_none(), "{doc}");
        }
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            "\\PC{0,12}".prop_map(Value::String),
            "[\"\\\\{}\\[\\],: ]{0,8}".prop_map(Value::String),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        leaf().prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(("[a-z\"\\\\]{0,6}", inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn array_members_finds_what_a_parser_finds(items in prop::collection::vec(prop::option::of((value(), any::<bool>())), 0..6), pretty in any::<bool>()) {
            // Each element: an object with "content" (when the flag says so) among other members, or a bare value.
            let list: Vec<Value> = items.iter().map(|it| match it {
                Some((v, true)) => json!({"number": 1, "content": v, "after": [1, {"content": 2}]}),
                Some((v, false)) => json!({"number": 1, "other": v}),
                None => json!("not an object"),
            }).collect();
            let doc = json!({"id": "1", "versions": list});
            let text = if pretty { serde_json::to_string_pretty(&doc).unwrap() } else { serde_json::to_string(&doc).unwrap() };
            let spans = array_members(text.as_bytes(), b"versions", b"content").unwrap();
            prop_assert_eq!(spans.len(), items.len());
            for (span, it) in spans.into_iter().zip(&items) {
                match (span, it) {
                    (Some(r), Some((v, true))) => prop_assert_eq!(&serde_json::from_str::<Value>(&text[r]).unwrap(), v),
                    (None, Some((_, false)) | None) => {}
                    (s, it) => prop_assert!(false, "{:?} for {:?}", s, it),
                }
            }
        }

        #[test]
        fn elements_parse_back_to_the_originals(before in value(), records in prop::collection::vec(value(), 0..8), after in value(), pretty in any::<bool>()) {
            let doc = json!({"before": before, "records": records, "after": after});
            let text = if pretty { serde_json::to_string_pretty(&doc).unwrap() } else { serde_json::to_string(&doc).unwrap() };
            prop_assert_eq!(elements(&text), Some(records));
        }
    }
}
