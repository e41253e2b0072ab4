//! Editing top-level members of a JSON object in its text, so that everything else (member order, number
//! spelling, escapes) goes out exactly as the spec's example has it.

use std::fmt;
use std::ops::Range;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// The top-level members of a JSON object and where their values sit in the text.
pub(crate) fn members(json: &str) -> Option<Vec<(String, Range<usize>)>> {
    struct Members<'a>(&'a str);

    impl<'de> Visitor<'de> for Members<'de> {
        type Value = Vec<(String, Range<usize>)>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            let base = self.0.as_ptr() as usize;
            while let Some(key) = map.next_key::<String>()? {
                let raw: &'de RawValue = map.next_value()?;
                // The raw value borrows from the input: its address gives its place in the text.
                let start = raw.get().as_ptr() as usize - base;
                out.push((key, start..start + raw.get().len()));
            }
            Ok(out)
        }
    }

    let mut deserializer = serde_json::Deserializer::from_str(json);
    let members = deserializer.deserialize_map(Members(json)).ok()?;
    deserializer.end().ok()?;
    Some(members)
}

/// `json` with the top-level members in `updates` set to the given JSON texts: existing ones replaced in
/// place, new ones appended. `None` when `json` is not an object.
pub(crate) fn set_members(json: &str, updates: &[(&str, String)]) -> Option<String> {
    let members = members(json)?;
    let mut replacements: Vec<(Range<usize>, &str)> = Vec::new();
    let mut appended = String::new();
    for (name, value) in updates {
        match members.iter().find(|(key, _)| key == name) {
            Some((_, range)) => replacements.push((range.clone(), value)),
            None => {
                appended.push(',');
                appended.push_str(&serde_json::to_string(name).ok()?);
                appended.push(':');
                appended.push_str(value);
            }
        }
    }
    replacements.sort_by_key(|(range, _)| range.start);
    let mut out = String::with_capacity(json.len() + appended.len() + 64);
    let mut at = 0;
    for (range, value) in replacements {
        out.push_str(&json[at..range.start]);
        out.push_str(value);
        at = range.end;
    }
    let rest = &json[at..];
    if appended.is_empty() {
        out.push_str(rest);
    } else {
        let close = rest.rfind('}')?;
        let body = &rest[..close];
        out.push_str(body);
        if members.is_empty() && at == 0 {
            // `{}`: no comma before the first member.
            out.push_str(&appended[1..]);
        } else {
            out.push_str(&appended);
        }
        out.push_str(&rest[close..]);
    }
    Some(out)
}

/// A JSON string literal.
pub(crate) fn string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// The value of a top-level string member of `json`.
pub(crate) fn string_member(json: &str, name: &str) -> Option<String> {
    let members = members(json)?;
    let (_, range) = members.iter().find(|(key, _)| key == name)?;
    serde_json::from_str(&json[range.clone()]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_in_place_and_appends() {
        let json = r#"{"id":"a","model":"gpt-4o-mini-2024","n":1.50}"#;
        let out = set_members(json, &[("model", string("m")), ("extra", "true".to_owned())]).expect("object");
        assert_eq!(out, r#"{"id":"a","model":"m","n":1.50,"extra":true}"#);
        assert_eq!(
            set_members("{}", &[("a", "1".to_owned())]).as_deref(),
            Some(r#"{"a":1}"#)
        );
        assert_eq!(set_members("[1]", &[("a", "1".to_owned())]), None);
        assert_eq!(string_member(json, "model").as_deref(), Some("gpt-4o-mini-2024"));
    }
}
