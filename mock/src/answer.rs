//! Choosing the spec example an answer is made of, and making it the answer to this request: the request's
//! model echoed, a stream cut into its events.

use allmhub_conform::catalog::{self, Example, Place};
use allmhub_types::Operation;
use serde_json::Value;

use crate::json;

/// What the request asks for, as far as choosing an answer goes.
#[derive(Debug, Default)]
pub(crate) struct Wanted<'a> {
    /// A streamed answer.
    pub(crate) stream: bool,
    /// The request's `Accept` header.
    pub(crate) accept: &'a str,
    /// The example named by `x-allmhub-mock-example`.
    pub(crate) key: Option<&'a str>,
    /// The request body's top-level members (a form's fields).
    pub(crate) members: Option<&'a serde_json::Map<String, Value>>,
    /// The path parameters.
    pub(crate) params: &'a [(&'static str, String)],
    /// The model the request names (body `model` or path parameter `model`).
    pub(crate) model: Option<&'a str>,
}

/// Why no example can answer.
pub(crate) enum NoExample {
    /// The named example does not exist; the keys that do.
    UnknownKey(Vec<&'static str>),
}

fn media_kind(example: &Example, wanted: &Wanted<'_>, op: &Operation) -> bool {
    if wanted.stream {
        return example.is_stream();
    }
    if example.is_stream() {
        return false;
    }
    let first_accept = wanted
        .accept
        .split(',')
        .next()
        .map(|media| media.split(';').next().unwrap_or_default().trim())
        .unwrap_or_default();
    if first_accept == "text/plain" && op.response.text {
        example.media_type == "text/plain"
    } else {
        example.media_type != "text/plain"
    }
}

/// The successful answer for this request: the named example, else the one whose request example is most
/// like this request (an answer that succeeds before one that shows a failure — failures are asked for by
/// name or by fault —, then by [`Likeness`]), else the first of the right kind. `Ok(None)` when the spec has no example of that kind (binary answers).
pub(crate) fn choose(op: &Operation, wanted: &Wanted<'_>) -> Result<Option<&'static Example>, NoExample> {
    let answers: Vec<&'static Example> = catalog::examples_of(op.id)
        .filter(|example| example.is_success_answer())
        .collect();
    if let Some(key) = wanted.key {
        return answers
            .iter()
            .filter(|example| example.key == key)
            .max_by_key(|example| media_kind(example, wanted, op))
            .copied()
            .map(Some)
            .ok_or_else(|| {
                let mut keys: Vec<&'static str> = answers.iter().map(|example| example.key).collect();
                keys.dedup();
                NoExample::UnknownKey(keys)
            });
    }
    let candidates: Vec<&'static Example> = answers
        .iter()
        .copied()
        .filter(|example| media_kind(example, wanted, op))
        .collect();
    let mut best: Option<(&'static Example, (bool, Likeness))> = None;
    for candidate in candidates {
        let score = (!is_failure_example(candidate), likeness(op, candidate.key, wanted));
        if best.is_none_or(|(_, best_score)| score > best_score) {
            best = Some((candidate, score));
        }
    }
    Ok(best.map(|(example, _)| example))
}

/// Whether a success answer of the spec shows a failure ([`shows_failure`]), looked up in a table made once:
/// choosing an answer must not parse every candidate's body on every request.
fn is_failure_example(example: &Example) -> bool {
    type Failing = std::collections::HashSet<(&'static str, &'static str, &'static str)>;
    static FAILING: std::sync::OnceLock<Failing> = std::sync::OnceLock::new();
    FAILING
        .get_or_init(|| {
            catalog::EXAMPLES
                .iter()
                .filter(|example| example.is_success_answer() && shows_failure(example))
                .map(|example| (example.operation, example.key, example.media_type))
                .collect()
        })
        .contains(&(example.operation, example.key, example.media_type))
}

/// Whether a success-status example shows a failure: an error event or a failed response inside a stream, or
/// an error envelope sent with HTTP 200.
fn shows_failure(example: &Example) -> bool {
    let failed = |data: &str| match serde_json::from_str::<Value>(data) {
        Ok(Value::Object(members)) => {
            members.get("error").is_some_and(Value::is_object)
                || matches!(
                    members.get("type").and_then(Value::as_str),
                    Some("error" | "response.failed")
                )
                || members.get("success") == Some(&Value::Bool(false))
        }
        _ => false,
    };
    if example.is_stream() {
        example
            .body
            .lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .any(|data| failed(data.trim()))
    } else {
        example.media_type.contains("json") && failed(example.body)
    }
}

/// A documented example elides long base64 (`iVBORw0KGgo...`); served as is, a client that decodes it fails.
/// Such a string is served as a valid image (a 1×1 PNG) instead; everything else stays byte for byte.
pub(crate) fn fill_elided_base64(body: String) -> String {
    fn elided(text: &str) -> bool {
        text.strip_suffix("...").is_some_and(|prefix| {
            prefix.len() >= 16
                && prefix
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'/' | b'='))
        })
    }
    fn fill(value: &mut Value) {
        match value {
            Value::String(text) if elided(text) => *text = PIXEL_PNG_BASE64.to_owned(),
            Value::Array(items) => items.iter_mut().for_each(fill),
            Value::Object(members) => members.values_mut().for_each(fill),
            _ => {}
        }
    }
    if !body.contains("...\"") {
        return body;
    }
    let Ok(mut value) = serde_json::from_str::<Value>(&body) else {
        return body;
    };
    fill(&mut value);
    serde_json::to_string(&value).unwrap_or(body)
}

/// A 1×1 transparent PNG, base64.
const PIXEL_PNG_BASE64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// How much the request example of `key` looks like this request: whether it names the same model, and
/// how many top-level scalar members and path parameters are equal.
fn likeness(op: &Operation, key: &str, wanted: &Wanted<'_>) -> Likeness {
    let mut likeness = Likeness::default();
    for example in catalog::examples_of(op.id).filter(|example| example.key == key) {
        match example.place {
            Place::Request => {
                let Ok(Value::Object(members)) = serde_json::from_str::<Value>(example.body) else {
                    continue;
                };
                for (name, value) in &members {
                    let theirs = wanted.members.and_then(|request| request.get(name));
                    if name == "model" {
                        likeness.same_model |= value.as_str().is_some() && value.as_str() == wanted.model;
                    } else if !(value.is_object() || value.is_array()) && theirs == Some(value) {
                        likeness.equal += 1;
                    }
                }
            }
            Place::Parameter(name) => {
                let theirs = wanted
                    .params
                    .iter()
                    .find(|(param, _)| *param == name)
                    .map(|(_, value)| value);
                if theirs.is_some_and(|value| value == example.body) {
                    if name == "model" {
                        likeness.same_model = true;
                    } else {
                        likeness.equal += 1;
                    }
                }
            }
            Place::Response(_) => {}
        }
    }
    likeness
}

/// How an example's request compares with this one, most telling first: the same model, then the number of
/// equal top-level scalar members and path parameters.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Likeness {
    same_model: bool,
    equal: u32,
}

/// `body` with its top-level `model` set to `model`, when it has one.
pub(crate) fn echo_model(body: &str, model: Option<&str>) -> String {
    let Some(model) = model else {
        return body.to_owned();
    };
    if json::string_member(body, "model").is_none() {
        return body.to_owned();
    }
    json::set_members(body, &[("model", json::string(model))]).unwrap_or_else(|| body.to_owned())
}

/// A raw event stream cut into its events (each with its closing blank line), each event's data with its
/// top-level `model` echoed.
pub(crate) fn stream_events(stream: &str, model: Option<&str>) -> Vec<String> {
    let normalized = stream.replace("\r\n", "\n");
    normalized
        .split("\n\n")
        .map(|event| event.trim_matches('\n'))
        .filter(|event| !event.is_empty())
        .map(|event| {
            let lines: Vec<String> = event
                .lines()
                .map(|line| match line.strip_prefix("data: ") {
                    Some(data) if data.starts_with('{') => {
                        format!("data: {}", fill_elided_base64(echo_model(data, model)))
                    }
                    _ => line.to_owned(),
                })
                .collect();
            format!("{}\n\n", lines.join("\n"))
        })
        .collect()
}

/// Whether a raw stream names its events (`event:` lines), as Claude and the Responses API do.
pub(crate) fn names_events(stream: &str) -> bool {
    stream.lines().any(|line| line.starts_with("event:"))
}

/// A few bytes of the given media type, for answers the spec shows no example of (speech, video).
pub(crate) fn media_bytes(content_type: &str) -> Vec<u8> {
    let mut bytes = match content_type {
        "video/mp4" => b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom".to_vec(),
        "audio/mpeg" => b"ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x64".to_vec(),
        "audio/wav" => b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec(),
        "audio/flac" => b"fLaC\x00\x00\x00\x22".to_vec(),
        _ => Vec::new(),
    };
    bytes.extend_from_slice(format!("allmhub mock {content_type}").as_bytes());
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(media_type: &'static str, body: &'static str) -> Example {
        Example {
            operation: "op",
            place: Place::Response("200"),
            media_type,
            key: "key",
            body,
        }
    }

    #[test]
    fn elided_base64_becomes_a_valid_image_and_nothing_else_changes() {
        let body = r#"{"data":[{"b64_json":"iVBORw0KGgoAAAANSUhEUgAABAAAAAQACAIAAADwf7zUAAAAA..."}],"note":"wait..."}"#;
        let served: Value = serde_json::from_str(&fill_elided_base64(body.to_owned())).expect("JSON");
        assert_eq!(served["data"][0]["b64_json"], PIXEL_PNG_BASE64);
        assert_eq!(
            served["note"], "wait...",
            "prose that ends in an ellipsis is not base64"
        );
        let untouched = r#"{"b64_json": "iVBORw0KGgo="}"#;
        assert_eq!(
            fill_elided_base64(untouched.to_owned()),
            untouched,
            "bytes stay as they are"
        );
    }

    #[test]
    fn failures_in_success_examples_are_recognized() {
        let failing_stream = "event: message_start\ndata: {\"type\":\"message_start\"}\n\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}\n\n";
        assert!(shows_failure(&example("text/event-stream", failing_stream)));
        let clean_stream = "data: {\"choices\":[]}\n\ndata: [DONE]\n\n";
        assert!(!shows_failure(&example("text/event-stream", clean_stream)));
        assert!(shows_failure(&example(
            "application/json",
            r#"{"error":{"message":"no"}}"#
        )));
        assert!(shows_failure(&example(
            "application/json",
            r#"{"success":false,"message":"no"}"#
        )));
        assert!(!shows_failure(&example(
            "application/json",
            r#"{"error":null,"output":[]}"#
        )));
    }

    #[test]
    fn a_plain_stream_request_gets_a_succeeding_stream_although_the_spec_shows_failing_ones() {
        let op = allmhub_types::operations::ALL
            .iter()
            .copied()
            .find(|op| op.id == "create_claude_message")
            .expect("the Claude operation");
        let failing = catalog::examples_of(op.id)
            .filter(|example| example.is_success_answer() && example.is_stream())
            .filter(|example| is_failure_example(example))
            .count();
        assert!(failing > 0, "the spec shows a Claude stream that fails with HTTP 200");
        let wanted = Wanted {
            stream: true,
            ..Wanted::default()
        };
        let chosen = match choose(op, &wanted) {
            Ok(Some(example)) => example,
            _ => panic!("a stream example"),
        };
        assert!(chosen.is_stream() && !is_failure_example(chosen), "{}", chosen.key);
    }
}
