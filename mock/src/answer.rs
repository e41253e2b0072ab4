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
/// like this request (same model first, then the most equal top-level members), else the first of the
/// right kind. `Ok(None)` when the spec has no example of that kind (binary answers).
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
    let mut best: Option<(&'static Example, (bool, usize))> = None;
    for candidate in candidates {
        let score = likeness(op, candidate.key, wanted);
        if best.is_none_or(|(_, best_score)| score > best_score) {
            best = Some((candidate, score));
        }
    }
    Ok(best.map(|(example, _)| example))
}

/// How much the request example of `key` looks like this request: whether it names the same model, and
/// how many top-level scalar members and path parameters are equal.
fn likeness(op: &Operation, key: &str, wanted: &Wanted<'_>) -> (bool, usize) {
    let mut same_model = false;
    let mut equal = 0;
    for example in catalog::examples_of(op.id).filter(|example| example.key == key) {
        match example.place {
            Place::Request => {
                let Ok(Value::Object(members)) = serde_json::from_str::<Value>(example.body) else {
                    continue;
                };
                for (name, value) in &members {
                    let theirs = wanted.members.and_then(|request| request.get(name));
                    if name == "model" {
                        same_model |= value.as_str().is_some() && value.as_str() == wanted.model;
                    } else if !(value.is_object() || value.is_array()) && theirs == Some(value) {
                        equal += 1;
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
                        same_model = true;
                    } else {
                        equal += 1;
                    }
                }
            }
            Place::Response(_) => {}
        }
    }
    (same_model, equal)
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
                    Some(data) if data.starts_with('{') => format!("data: {}", echo_model(data, model)),
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
