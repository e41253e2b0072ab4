//! Verdicts on whole exchanges: a request body (JSON or form) and an answer (JSON, an event stream event by
//! event, an error envelope, bytes) checked against the operation they belong to, and the one-line JSON
//! report of an exchange shared by the validating proxy and HAR checks.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use allmhub_types::{Operation, SchemaInfo};
use serde::{Deserialize, Serialize};

use crate::form::{FormField, parse_multipart};
use crate::{
    Conformed, DecodeError, UnknownValue, catalog, check_form, check_json_array, check_json_findings, find_schema, sse,
};

/// One finding: where a payload departs from the spec and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// For an event stream, the index of the event (0-based, among events with data).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub event: Option<usize>,
    /// A JSON path (`$.choices[0].index`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// The verdict on one payload (a request body or an answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Verdict {
    /// Nothing is wrong: no errors, and under `--strict` no unknown members or values either. An answer that was
    /// not validated (see `validated`) is not `ok`.
    pub ok: bool,
    /// Where decoding failed.
    pub errors: Vec<Finding>,
    /// Members the spec does not know, as JSON paths (each once, for streams across all events).
    pub unknown: Vec<String>,
    /// Values the spec does not list (an open enum's value, a tagged union's tag), each once.
    #[serde(default)]
    pub unknown_values: Vec<UnknownValue>,
    /// For an event stream, how many events carried data.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub events: Option<usize>,
    /// Whether the payload was checked at all (`false` for answers over the size limit).
    #[serde(default = "yes")]
    pub validated: bool,
    /// Why the payload was not checked, or what was checked instead of a schema (bytes, plain text).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
}

fn yes() -> bool {
    true
}

impl Verdict {
    /// A payload found conforming, with what the spec does not know: members and values.
    pub fn conforming(unknown: Vec<String>, unknown_values: Vec<UnknownValue>, strict: bool) -> Verdict {
        Verdict {
            ok: !strict || (unknown.is_empty() && unknown_values.is_empty()),
            errors: Vec::new(),
            unknown,
            unknown_values,
            events: None,
            validated: true,
            note: None,
        }
    }

    /// A payload with one error.
    pub fn failed(path: impl Into<String>, message: impl Into<String>) -> Verdict {
        Verdict {
            ok: false,
            errors: vec![Finding {
                event: None,
                path: path.into(),
                message: message.into(),
            }],
            unknown: Vec::new(),
            unknown_values: Vec::new(),
            events: None,
            validated: true,
            note: None,
        }
    }

    /// A payload accepted without a schema check, and why (no body, bytes, plain text).
    pub fn noted(note: impl Into<String>) -> Verdict {
        Verdict {
            note: Some(note.into()),
            ..Verdict::conforming(Vec::new(), Vec::new(), false)
        }
    }

    /// A payload that was not checked, and why.
    pub fn not_validated(reason: impl Into<String>) -> Verdict {
        Verdict {
            ok: false,
            validated: false,
            note: Some(reason.into()),
            ..Verdict::conforming(Vec::new(), Vec::new(), false)
        }
    }

    fn of(conformed: Conformed, strict: bool) -> Verdict {
        Verdict::conforming(conformed.unknown_members, conformed.unknown_values, strict)
    }

    fn from_outcome(outcome: Result<Conformed, DecodeError>, strict: bool) -> Verdict {
        match outcome {
            Ok(conformed) => Verdict::of(conformed, strict),
            Err(DecodeError { path, message }) => Verdict::failed(path, message),
        }
    }

    /// The first error as `path: message` (with the event for streams), for one-line messages.
    pub fn first_error(&self) -> Option<String> {
        self.errors.first().map(|finding| match finding.event {
            Some(event) => format!("event {event}: {}: {}", finding.path, finding.message),
            None => format!("{}: {}", finding.path, finding.message),
        })
    }
}

/// A request body checked and decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedRequest {
    /// The verdict.
    pub verdict: Verdict,
    /// The body as JSON (a form as an object of its fields) when it decoded, re-serialized by the
    /// generated type; `None` without a body or when it does not decode.
    pub value: Option<serde_json::Value>,
}

fn schema(name: &str) -> Option<&'static SchemaInfo> {
    find_schema(name).ok()
}

/// The media type of a `Content-Type` value, lower-case, without parameters.
pub fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Checks a request body of `operation`: JSON, or a `multipart/form-data` form, by the content type the
/// request declares (`content_type` is the header value, with the boundary for forms).
pub fn check_request(operation: &Operation, content_type: &str, body: &[u8], strict: bool) -> CheckedRequest {
    checked_request(operation, content_type, body, strict, true)
}

/// Like [`check_request`], the verdict alone: the body's decoded value is not serialized back. What the
/// validating proxy and HAR checks need.
pub fn check_request_verdict(operation: &Operation, content_type: &str, body: &[u8], strict: bool) -> Verdict {
    checked_request(operation, content_type, body, strict, false).verdict
}

fn checked_request(
    operation: &Operation,
    content_type: &str,
    body: &[u8],
    strict: bool,
    keep_value: bool,
) -> CheckedRequest {
    if operation.request.is_empty() {
        let verdict = if body.iter().all(u8::is_ascii_whitespace) {
            Verdict::noted("no body")
        } else {
            Verdict::noted("the operation takes no body; the body was ignored")
        };
        return CheckedRequest { verdict, value: None };
    }
    let media = essence(content_type);
    let declared = operation
        .request
        .iter()
        .find(|request| request.content_type == media)
        .or_else(|| {
            // A JSON body sent without (or with another) content type is still read as JSON, as the
            // gateway reads it (`curl -d` sends `application/x-www-form-urlencoded`).
            let looks_like_json = body
                .iter()
                .find(|byte| !byte.is_ascii_whitespace())
                .is_some_and(|byte| matches!(byte, b'{' | b'['));
            let json_like = media.is_empty() || media.ends_with("json") || looks_like_json;
            json_like
                .then(|| {
                    operation
                        .request
                        .iter()
                        .find(|request| request.content_type.ends_with("json"))
                })
                .flatten()
        });
    let Some(declared) = declared else {
        let accepted: Vec<&str> = operation.request.iter().map(|request| request.content_type).collect();
        return CheckedRequest {
            verdict: Verdict::failed(
                "$",
                format!(
                    "content type `{media}` is not accepted here; the operation takes {}",
                    accepted.join(" or ")
                ),
            ),
            value: None,
        };
    };
    let Some(schema) = declared.schema.and_then(schema) else {
        return CheckedRequest {
            verdict: Verdict::noted("the spec gives no schema for this body"),
            value: None,
        };
    };
    let outcome = if declared.content_type == "multipart/form-data" {
        match parse_multipart(content_type, body) {
            Ok(fields) => check_form(schema, &fields),
            Err(error) => Err(DecodeError {
                path: "$".to_owned(),
                message: error.to_string(),
            }),
        }
    } else if declared.array {
        crate::check_array(schema, body, keep_value)
    } else {
        crate::check_document(schema, body, keep_value)
    };
    let mut outcome = outcome;
    let value = outcome
        .as_mut()
        .ok()
        .filter(|_| keep_value)
        .map(|conformed| std::mem::take(&mut conformed.value));
    CheckedRequest {
        verdict: Verdict::from_outcome(outcome, strict),
        value,
    }
}

/// Checks the form fields of a request body (already split into fields, as HAR captures keep them).
pub fn check_request_form(operation: &Operation, fields: &[FormField], strict: bool) -> CheckedRequest {
    let declared = operation
        .request
        .iter()
        .find(|request| request.content_type == "multipart/form-data");
    let Some(schema) = declared.and_then(|request| request.schema).and_then(schema) else {
        return CheckedRequest {
            verdict: Verdict::failed("$", "the operation takes no multipart/form-data body"),
            value: None,
        };
    };
    let outcome = check_form(schema, fields);
    let value = outcome.as_ref().ok().map(|conformed| conformed.value.clone());
    CheckedRequest {
        verdict: Verdict::from_outcome(outcome, strict),
        value,
    }
}

/// Decodes `body` as the first of `schemas` it fits; the verdict of the first schema when none fits.
fn check_alternatives(schemas: &[&str], body: &[u8], strict: bool) -> Option<Verdict> {
    let mut first = None;
    for name in schemas {
        let Some(schema) = schema(name) else {
            continue;
        };
        match check_json_findings(schema, body) {
            Ok(conformed) => return Some(Verdict::of(conformed, strict)),
            Err(error) => {
                first.get_or_insert(error);
            }
        }
    }
    first.map(|DecodeError { path, message }| Verdict::failed(path, message))
}

/// Checks an answer of `operation`: by status (an error envelope for 4xx/5xx), then by content type (a
/// JSON body, an event stream event by event, bytes, plain text). An error envelope the operation may send
/// with a 2xx status, and an error event inside a stream, conform too.
pub fn check_response(operation: &Operation, status: u16, content_type: &str, body: &[u8], strict: bool) -> Verdict {
    let media = essence(content_type);
    if status >= 400 {
        let schemas = catalog::error_schemas(operation.id, status);
        if schemas.is_empty() {
            return Verdict::noted(format!("the spec describes no answer with HTTP {status}"));
        }
        return check_alternatives(schemas, body, strict).unwrap_or_else(|| Verdict::noted("no schema"));
    }
    if !(200..300).contains(&status) {
        return Verdict::noted(format!("HTTP {status}: nothing to check"));
    }
    let response = &operation.response;
    if media == "text/event-stream" {
        let Some(event_schema) = response.stream_event.and_then(schema) else {
            return Verdict::failed("$", "the operation does not answer with an event stream");
        };
        return check_stream(operation, event_schema, body, strict);
    }
    if media.ends_with("json") || (media.is_empty() && body.first().is_some_and(|byte| matches!(byte, b'{' | b'['))) {
        let Some(name) = response.json else {
            // Binary operations answer errors as JSON; with 2xx that is one of their in-band envelopes.
            return check_alternatives(&in_band(operation), body, strict)
                .unwrap_or_else(|| Verdict::failed("$", "the operation does not answer JSON"));
        };
        let Some(answer_schema) = schema(name) else {
            return Verdict::noted(format!("no schema `{name}`"));
        };
        let outcome = if response.json_array {
            check_json_array(answer_schema, body)
        } else {
            check_json_findings(answer_schema, body)
        };
        return match outcome {
            Ok(conformed) => Verdict::of(conformed, strict),
            Err(error) => check_alternatives(&in_band(operation), body, strict)
                .filter(|verdict| verdict.errors.is_empty())
                .unwrap_or_else(|| Verdict::failed(error.path, error.message)),
        };
    }
    if media == "text/plain" && response.text {
        return Verdict::noted("plain text");
    }
    if response.binary.iter().any(|binary| *binary == media) {
        return Verdict::noted(format!("{} bytes of {media}", body.len()));
    }
    if body.is_empty() {
        return Verdict::noted("empty answer");
    }
    Verdict::failed(
        "$",
        format!("content type `{media}` is not one the operation answers with"),
    )
}

/// The spec names of the envelopes an operation may send with a 2xx status.
fn in_band(operation: &Operation) -> Vec<&'static str> {
    operation
        .in_band_errors
        .iter()
        .map(|envelope| envelope.schema())
        .collect()
}

fn check_stream(operation: &Operation, event_schema: &'static SchemaInfo, body: &[u8], strict: bool) -> Verdict {
    let error_envelopes = catalog::error_schemas(operation.id, 500);
    let mut errors = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    let mut unknown_values: Vec<UnknownValue> = Vec::new();
    let mut count = 0;
    let events = sse::events(body);
    for (index, event) in events
        .iter()
        .filter(|event| !event.data.is_empty() && event.data != sse::DONE)
        .enumerate()
    {
        count += 1;
        let outcome = check_json_findings(event_schema, event.data.as_bytes());
        let outcome = match outcome {
            Ok(conformed) => Ok((conformed.unknown_members, conformed.unknown_values)),
            // An error event inside a stream: an error envelope of the operation.
            Err(error) => match check_alternatives(error_envelopes, event.data.as_bytes(), false) {
                Some(verdict) if verdict.errors.is_empty() => Ok((verdict.unknown, verdict.unknown_values)),
                _ => Err(error),
            },
        };
        match outcome {
            Ok((members, values)) => {
                add_new(&mut unknown, members);
                add_new(&mut unknown_values, values);
            }
            Err(DecodeError { path, message }) => errors.push(Finding {
                event: Some(index),
                path,
                message,
            }),
        }
    }
    if count == 0 && errors.is_empty() {
        errors.push(Finding {
            event: None,
            path: "$".to_owned(),
            message: "the stream holds no event with data".to_owned(),
        });
    }
    Verdict {
        ok: errors.is_empty() && (!strict || (unknown.is_empty() && unknown_values.is_empty())),
        errors,
        unknown,
        unknown_values,
        events: Some(count),
        validated: true,
        note: None,
    }
}

/// Appends the items of `found` that `all` does not hold yet.
fn add_new<T: PartialEq + Clone>(all: &mut Vec<T>, found: impl IntoIterator<Item = T>) {
    for item in found {
        if !all.contains(&item) {
            all.push(item);
        }
    }
}

/// The report of one exchange: one JSON line of the proxy's report, or of `conform --har --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExchangeReport {
    /// The operation's id, or `None` when the request matches no operation of the spec.
    pub operation: Option<String>,
    /// The HTTP method.
    pub method: String,
    /// The request path, without the query (which may carry a key).
    pub path: String,
    /// The answer's HTTP status (0 when there was no answer).
    pub status: u16,
    /// Milliseconds from the request to the end of the answer.
    pub ms: f64,
    /// The verdict on the request body.
    pub request: Verdict,
    /// The verdict on the answer.
    pub response: Verdict,
}

impl ExchangeReport {
    /// Whether the request and the answer both conform.
    pub fn ok(&self) -> bool {
        self.operation.is_some() && self.request.ok && self.response.ok
    }

    /// The report as one JSON line (without the newline).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|error| format!("{{\"error\":\"report: {error}\"}}"))
    }
}

/// The path of a URL or request target, without query or fragment.
pub fn path_only(target: &str) -> &str {
    let without_scheme = match target.find("://") {
        Some(at) => {
            let rest = &target[at + 3..];
            rest.find('/').map_or("/", |slash| &rest[slash..])
        }
        None => target,
    };
    without_scheme.split(['?', '#']).next().unwrap_or("/")
}

/// Checks one exchange: matches it to its operation, then checks its request body and its answer.
/// `request_content_type` and `response_content_type` are the header values.
#[allow(clippy::too_many_arguments)]
pub fn check_exchange(
    method: &str,
    target: &str,
    request_content_type: &str,
    request_body: &[u8],
    status: u16,
    response_content_type: &str,
    response_body: &[u8],
    ms: f64,
    strict: bool,
) -> ExchangeReport {
    let path = path_only(target).to_owned();
    let Some(route) = crate::route::find(method, &path) else {
        return ExchangeReport {
            operation: None,
            method: method.to_ascii_uppercase(),
            path,
            status,
            ms,
            request: Verdict::noted("no operation of the spec"),
            response: Verdict::noted("no operation of the spec"),
        };
    };
    let operation = route.operation;
    ExchangeReport {
        operation: Some(operation.id.to_owned()),
        method: method.to_ascii_uppercase(),
        path,
        status,
        ms,
        request: check_request_verdict(operation, request_content_type, request_body, strict),
        response: check_response(operation, status, response_content_type, response_body, strict),
    }
}

/// Per-operation counts over many exchanges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    rows: BTreeMap<String, Row>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Row {
    exchanges: usize,
    failures: usize,
    not_validated: usize,
    unknown: Vec<String>,
    unknown_values: Vec<UnknownValue>,
}

impl Summary {
    /// Counts one exchange.
    pub fn add(&mut self, report: &ExchangeReport) {
        let key = report.operation.clone().unwrap_or_else(|| "(no operation)".to_owned());
        let row = self.rows.entry(key).or_default();
        row.exchanges += 1;
        if report.operation.is_some() && (!report.request.ok || !report.response.ok) {
            if report.response.validated {
                row.failures += 1;
            } else {
                row.not_validated += 1;
            }
        }
        add_new(
            &mut row.unknown,
            report.request.unknown.iter().chain(&report.response.unknown).cloned(),
        );
        add_new(
            &mut row.unknown_values,
            report
                .request
                .unknown_values
                .iter()
                .chain(&report.response.unknown_values)
                .cloned(),
        );
    }

    /// Whether no exchange was counted.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The number of exchanges counted.
    pub fn exchanges(&self) -> usize {
        self.rows.values().map(|row| row.exchanges).sum()
    }

    /// The number of exchanges that did not conform.
    pub fn failures(&self) -> usize {
        self.rows.values().map(|row| row.failures).sum()
    }

    /// A table: one line per operation with its exchanges, failures, unknown members and unknown values.
    pub fn table(&self) -> String {
        let width = self.rows.keys().map(String::len).max().unwrap_or(9).max(9);
        let mut out = format!(
            "{:<width$}  exchanges  failures  not validated  unknown members; values\n",
            "operation"
        );
        for (operation, row) in &self.rows {
            let mut unknown = row.unknown.join(", ");
            if !row.unknown_values.is_empty() {
                let values: Vec<String> = row.unknown_values.iter().map(ToString::to_string).collect();
                let _ = write!(unknown, "; {}", values.join(", "));
            }
            if unknown.is_empty() {
                unknown.push('-');
            }
            let _ = writeln!(
                out,
                "{operation:<width$}  {:>9}  {:>8}  {:>13}  {unknown}",
                row.exchanges, row.failures, row.not_validated
            );
        }
        out
    }
}
