//! Schema conformance of captured payloads.
//!
//! Decodes a JSON body, or every event of a Server-Sent Events stream, with the type generated for a spec
//! schema, and reports what the spec does not know (unknown members, as JSON paths) and where decoding
//! fails (JSON path and reason). `cargo xtask conform` and `allmhub conform` are thin wrappers over [`cli`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cli;
pub mod sse;

use std::fmt;

use allmhub_types::{SCHEMAS, SchemaInfo, SchemaVisitor, visit_schema};
use serde_json::Value;

/// A schema name that is not in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSchema {
    /// The name asked for.
    pub name: String,
    /// The nearest spec or Rust names, best first.
    pub suggestions: Vec<&'static str>,
}

impl fmt::Display for UnknownSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown schema `{}`", self.name)?;
        if !self.suggestions.is_empty() {
            write!(f, "; nearest: {}", self.suggestions.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownSchema {}

/// Looks a schema up by its spec name (`任务`) or Rust name (`MjTask`).
pub fn find_schema(name: &str) -> Result<&'static SchemaInfo, UnknownSchema> {
    if let Some(schema) = SCHEMAS
        .iter()
        .find(|schema| schema.name == name || schema.rust_name == name)
    {
        return Ok(schema);
    }
    let wanted = name.to_lowercase();
    let mut scored: Vec<(f64, &'static str)> = SCHEMAS
        .iter()
        .flat_map(|schema| [schema.name, schema.rust_name])
        .map(|candidate| (strsim::jaro_winkler(&wanted, &candidate.to_lowercase()), candidate))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let mut suggestions: Vec<&'static str> = Vec::new();
    for (_, candidate) in scored {
        if !suggestions.contains(&candidate) {
            suggestions.push(candidate);
        }
        if suggestions.len() == 5 {
            break;
        }
    }
    Err(UnknownSchema {
        name: name.to_owned(),
        suggestions,
    })
}

/// A payload that decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Conformed {
    /// The decoded value, serialized back to JSON.
    pub value: Value,
    /// Members the schema does not know, as JSON paths (`$.choices[0].delta.foo`).
    pub unknown_members: Vec<String>,
}

/// Why a payload does not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Where it went wrong, as a JSON path (`$.choices[0].index`).
    pub path: String,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for DecodeError {}

/// Decodes `input` (one JSON document) as `schema`.
pub fn check_json(schema: &'static SchemaInfo, input: &[u8]) -> Result<Conformed, DecodeError> {
    visit_schema(schema.rust_name, Check { input }).unwrap_or_else(|| unreachable_schema(schema))
}

fn unreachable_schema(schema: &SchemaInfo) -> Result<Conformed, DecodeError> {
    // `SCHEMAS` and `visit_schema` are generated from the same list; a miss is a generator bug.
    Err(DecodeError {
        path: "$".to_owned(),
        message: format!("schema `{}` has no decoder", schema.name),
    })
}

struct Check<'a> {
    input: &'a [u8],
}

impl SchemaVisitor for Check<'_> {
    type Output = Result<Conformed, DecodeError>;

    fn visit<T>(self, _schema: &'static SchemaInfo) -> Self::Output
    where
        T: serde::de::DeserializeOwned + serde::Serialize + 'static,
    {
        let mut unknown_members = Vec::new();
        let mut json = serde_json::Deserializer::from_slice(self.input);
        let decoded: Result<T, _> = {
            let mut report = |path: serde_ignored::Path<'_>| unknown_members.push(json_path_of_ignored(&path));
            let ignoring = serde_ignored::Deserializer::new(&mut json, &mut report);
            serde_path_to_error::deserialize(ignoring)
        };
        let value = decoded.map_err(|error| DecodeError {
            path: json_path(&error.path().to_string()),
            message: error.inner().to_string(),
        })?;
        json.end().map_err(|error| DecodeError {
            path: "$".to_owned(),
            message: error.to_string(),
        })?;
        let value = serde_json::to_value(&value).map_err(|error| DecodeError {
            path: "$".to_owned(),
            message: format!("decoded, but could not serialize back: {error}"),
        })?;
        Ok(Conformed { value, unknown_members })
    }
}

/// `choices[0].delta` (serde_path_to_error's form) → `$.choices[0].delta`.
fn json_path(path: &str) -> String {
    if path == "." || path.is_empty() {
        "$".to_owned()
    } else if path.starts_with('[') {
        format!("${path}")
    } else {
        format!("$.{path}")
    }
}

fn json_path_of_ignored(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => "$".to_owned(),
        Path::Seq { parent, index } => format!("{}[{index}]", json_path_of_ignored(parent)),
        Path::Map { parent, key } => {
            let simple = !key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || c == '_');
            if simple {
                format!("{}.{key}", json_path_of_ignored(parent))
            } else {
                format!("{}[{}]", json_path_of_ignored(parent), Value::String(key.clone()))
            }
        }
        Path::Some { parent } | Path::NewtypeStruct { parent } | Path::NewtypeVariant { parent } => {
            json_path_of_ignored(parent)
        }
    }
}

/// The outcome of one event of a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct EventReport {
    /// The event's position among the events that carry data (0-based).
    pub index: usize,
    /// The event's `event:` name, when the stream names events.
    pub event: String,
    /// The decoded event, or why it does not decode.
    pub outcome: Result<Conformed, DecodeError>,
}

/// Decodes every data event of a raw SSE stream as `schema`. `[DONE]` markers and events without data are
/// skipped. Decoding goes on after a bad event; callers decide whether to stop at the first failure.
pub fn check_sse(schema: &'static SchemaInfo, input: &[u8]) -> Vec<EventReport> {
    sse::events(input)
        .into_iter()
        .filter(|event| !event.data.is_empty() && event.data != sse::DONE)
        .enumerate()
        .map(|(index, event)| EventReport {
            index,
            outcome: check_json(schema, event.data.as_bytes()),
            event: event.event,
        })
        .collect()
}
