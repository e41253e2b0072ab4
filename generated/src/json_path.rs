//! Where a JSON decoding error happened, as a JSON path, read from the error's position.
//!
//! serde_json gives every error a line and column; the decoders place data errors right after what they
//! consumed (the wrongly typed value, the closing `}` of an object missing a member). Re-reading the document
//! up to that point tells which member or element the error is in. This replaces decoding a failed document a
//! second time with a path-tracking deserializer, which would compile every decoder twice.
//!
//! [`decode`] and [`decode_text`] are the way this workspace decodes a document into a generated type: they
//! return the failure's path with its reason, and they read text, so that every type has one decoder (over
//! serde_json's text reader) and no string's UTF-8 is checked twice.

use std::fmt::Write as _;

/// A JSON document that did not decode as the type asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The JSON path of the value where it went wrong (`$.choices[0].index`; `$` for the whole document).
    pub path: String,
    /// serde_json's reason, with its line and column.
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for Failure {}

/// `input` as text, its UTF-8 checked in one pass; a failure names the member holding the first bad byte.
///
/// serde_json's byte reader checks the UTF-8 of each string it reads, one call per string (a third of the
/// time of a chunk of non-Latin text); one pass over the document, then the text reader, costs less.
pub fn text(input: &[u8]) -> Result<&str, Failure> {
    std::str::from_utf8(input).map_err(|error| {
        let at = error.valid_up_to();
        Failure {
            path: at_offset(input, at),
            message: format!("invalid UTF-8 at byte {at}"),
        }
    })
}

/// Decodes one JSON document from bytes as `T` (see [`text`] and [`decode_text`]).
///
/// ```
/// #[derive(serde::Deserialize, Debug)]
/// struct Choice { #[allow(dead_code)] index: u32 }
/// let failure = allmhub_types::json_path::decode::<Vec<Choice>>(br#"[{"index":0},{"index":"one"}]"#)
///     .unwrap_err();
/// assert_eq!(failure.path, "$[1].index");
/// ```
pub fn decode<T: serde::de::DeserializeOwned>(input: &[u8]) -> Result<T, Failure> {
    decode_text(text(input)?)
}

/// Decodes one JSON document from text as `T`; a failure carries the path of the value it happened in.
pub fn decode_text<T: serde::de::DeserializeOwned>(input: &str) -> Result<T, Failure> {
    serde_json::from_str(input).map_err(|error| Failure {
        path: of_error(input.as_bytes(), &error),
        message: error.to_string(),
    })
}

/// The JSON path (`$.choices[0].message.content`) of the value `error` was raised in while decoding `input`.
///
/// Member names made of letters, digits and `_` are written `.name`, others as a quoted index
/// (`$.headers["x-request-id"]`). An error without a position (I/O) is placed at `$`.
///
/// ```
/// let input = br#"{"choices":[{"index":"zero"}]}"#;
/// #[derive(serde::Deserialize, Debug)]
/// struct Choice { #[allow(dead_code)] index: u32 }
/// #[derive(serde::Deserialize, Debug)]
/// struct Answer { #[allow(dead_code)] choices: Vec<Choice> }
/// let error = serde_json::from_slice::<Answer>(input).unwrap_err();
/// assert_eq!(allmhub_types::json_path::of_error(input, &error), "$.choices[0].index");
/// ```
pub fn of_error(input: &[u8], error: &serde_json::Error) -> String {
    if error.line() == 0 {
        return "$".to_owned();
    }
    let mut end = offset(input, error.line(), error.column());
    if error.is_syntax() {
        // Syntax errors are placed after the byte that broke the grammar (a `}` where a value belongs): the
        // path is that of the value before it.
        end = end.saturating_sub(1);
    }
    at_offset(input, end)
}

/// The byte offset of a 1-based line and serde_json's column (bytes consumed on that line).
fn offset(input: &[u8], line: usize, column: usize) -> usize {
    let start_of_line = if line <= 1 {
        0
    } else {
        input
            .iter()
            .enumerate()
            .filter(|(_, byte)| **byte == b'\n')
            .nth(line - 2)
            .map_or(input.len(), |(index, _)| index + 1)
    };
    (start_of_line + column).min(input.len())
}

/// One open container while reading.
enum Frame {
    Object {
        /// The member whose value is being read (set at its `:`).
        member: Option<String>,
        /// A name read, before its `:`.
        pending: Option<String>,
        /// The next string is a member name (after `{` and `,`).
        expecting_name: bool,
    },
    Array {
        index: usize,
    },
}

/// The path of the value being read after the first `end` bytes of `input`.
fn at_offset(input: &[u8], end: usize) -> String {
    let input = &input[..end];
    let mut stack: Vec<Frame> = Vec::new();
    let mut at = 0;
    while at < input.len() {
        match input[at] {
            b'{' => stack.push(Frame::Object {
                member: None,
                pending: None,
                expecting_name: true,
            }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object {
                    member,
                    pending,
                    expecting_name,
                }) => {
                    *member = None;
                    *pending = None;
                    *expecting_name = true;
                }
                None => {}
            },
            b':' => {
                if let Some(Frame::Object { member, pending, .. }) = stack.last_mut() {
                    *member = pending.take();
                }
            }
            b'"' => {
                let start = at;
                at += 1;
                while at < input.len() && input[at] != b'"' {
                    at += if input[at] == b'\\' { 2 } else { 1 };
                }
                if at >= input.len() {
                    // The string runs past the error: it is the value (or name) being read.
                    break;
                }
                if let Some(Frame::Object {
                    pending,
                    expecting_name: expecting_name @ true,
                    ..
                }) = stack.last_mut()
                {
                    *expecting_name = false;
                    let raw = &input[start..=at];
                    *pending = Some(
                        serde_json::from_slice::<String>(raw)
                            .unwrap_or_else(|_| String::from_utf8_lossy(&raw[1..raw.len() - 1]).into_owned()),
                    );
                }
            }
            // Scalars and whitespace do not move the path.
            _ => {}
        }
        at += 1;
    }
    let mut path = String::from("$");
    for frame in &stack {
        match frame {
            Frame::Object { member: Some(name), .. } => push_member(&mut path, name),
            Frame::Object { member: None, .. } => {}
            Frame::Array { index } => {
                let _ = write!(path, "[{index}]");
            }
        }
    }
    path
}

/// Appends a member to a JSON path: `.name`, or `["name"]` when the name is not made of letters, digits and
/// `_` (every path this crate and its checkers print is written this way).
pub fn push_member(path: &mut String, name: &str) {
    if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        path.push('.');
        path.push_str(name);
    } else {
        path.push('[');
        path.push_str(&serde_json::Value::String(name.to_owned()).to_string());
        path.push(']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_of<T: serde::de::DeserializeOwned + std::fmt::Debug>(input: &str) -> String {
        let error = serde_json::from_str::<T>(input).expect_err("fails");
        of_error(input.as_bytes(), &error)
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        a: u32,
        b: Option<Vec<u32>>,
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        inner: Inner,
        list: Vec<Inner>,
    }

    #[test]
    fn invalid_utf8_is_placed_in_its_member() {
        let input = b"{\"name\":\"n\",\"inner\":{\"a\":1,\"note\":\"caf\xe9\"},\"list\":[]}";
        let failure = decode::<Outer>(input).expect_err("not UTF-8");
        assert_eq!(failure.path, "$.inner.note");
        assert_eq!(failure.message, "invalid UTF-8 at byte 38");
        // The same document in UTF-8 decodes (unknown members are ignored).
        let fixed = String::from_utf8_lossy(input).into_owned();
        assert!(decode::<Outer>(fixed.as_bytes()).is_ok());
    }

    #[test]
    fn decode_reports_the_path_and_serde_json_s_reason() {
        let failure = decode::<Outer>(br#"{"name":"n","inner":{"a":true},"list":[]}"#).expect_err("fails");
        assert_eq!(failure.path, "$.inner.a");
        assert!(
            failure.message.starts_with("invalid type: boolean `true`"),
            "{}",
            failure.message
        );
        assert!(failure.message.ends_with("at line 1 column 29"), "{}", failure.message);
    }

    #[test]
    fn a_wrongly_typed_member_is_named() {
        let input = r#"{"name":"n","inner":{"a":"x"},"list":[]}"#;
        assert_eq!(path_of::<Outer>(input), "$.inner.a");
        let input = r#"{"name":"n","inner":{"a":1,"b":[1,2,"three"]},"list":[]}"#;
        assert_eq!(path_of::<Outer>(input), "$.inner.b[2]");
    }

    #[test]
    fn a_missing_member_names_its_object() {
        let input = "{\"name\":\"n\",\"inner\":{\"a\":1},\"list\":[{\"a\":1},\n  {\"b\":null}\n]}";
        assert_eq!(path_of::<Outer>(input), "$.list[1]");
        assert_eq!(path_of::<Outer>(r#"{"name":"n"}"#), "$");
    }

    #[test]
    fn pretty_printed_documents_and_escaped_names() {
        let input = "{\n  \"name\": \"n \\\" } [\",\n  \"inner\": {\n    \"a\": -1\n  },\n  \"list\": []\n}";
        assert_eq!(path_of::<Outer>(input), "$.inner.a");
        let input = r#"{"x-id": {"é\"": true}}"#;
        let error =
            serde_json::from_str::<std::collections::HashMap<String, std::collections::HashMap<String, u8>>>(input)
                .expect_err("fails");
        assert_eq!(of_error(input.as_bytes(), &error), r#"$["x-id"]["é\""]"#);
    }

    #[test]
    fn syntax_errors_and_trailing_text() {
        assert_eq!(path_of::<Outer>(r#"{"name":"n","inner":{"a":}"#), "$.inner.a");
        assert_eq!(path_of::<Vec<u32>>("[1, 2] 3"), "$");
        assert_eq!(path_of::<Vec<u32>>("[1, 2"), "$[1]");
    }
}
