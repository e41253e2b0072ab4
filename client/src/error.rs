//! Errors: one [`Error`] type whose variants tell what failed, and [`ApiErrorBody`], the decoded error
//! envelope of whichever dialect the server answered in.

use std::fmt;
use std::time::Duration;

use allmhub_types::{
    ClaudeErrorResponse, ErrorDetail, ErrorResponse, GeminiErrorResponse, MjErrorResponse, NewApiErrorResponse,
    StringOrNumber, TaskErrorResponse,
};
use serde_json::Value;

/// Everything that can go wrong calling the API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error: HTTP 4xx/5xx, or an error envelope with HTTP 200.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// No answer (or no stream event) in time.
    #[error("{0}")]
    Timeout(Timeout),
    /// The connection failed or broke before the answer was complete.
    #[error("connection failed: {0}")]
    Connection(#[source] reqwest::Error),
    /// The answer arrived but does not match the spec's schema.
    #[error("{0}")]
    Decode(Box<DecodeError>),
    /// The event stream broke: malformed framing, invalid UTF-8, or the connection dropped mid-stream.
    #[error("{0}")]
    Stream(StreamError),
    /// The client is not configured for this call (no API key, no access token, bad base URL).
    #[error("configuration: {0}")]
    Config(String),
    /// Building the request failed (e.g. a request body that does not serialize).
    #[error("request: {0}")]
    Request(String),
    /// A long job (Midjourney task, video job) failed or ran past the wait's deadline.
    #[error("{0}")]
    Job(crate::jobs::JobError),
}

impl Error {
    /// Whether sending the request again may succeed: connection failures, connect timeouts, and HTTP 408,
    /// 409, 429 and 5xx.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(error) => !error.in_band && matches!(error.status, 408 | 409 | 429 | 500..=599),
            Error::Connection(_) => true,
            Error::Timeout(timeout) => timeout.kind == TimeoutKind::Connect,
            _ => false,
        }
    }

    /// How long the server asked us to wait (`Retry-After`), when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(error) => error.retry_after,
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(error) => Some(error.status),
            Error::Decode(error) => Some(error.status),
            _ => None,
        }
    }

    /// The API error, when the server answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(error) => Some(error),
            _ => None,
        }
    }
}

/// An error answer of the server.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status (200 for an error envelope in a successful answer).
    pub status: u16,
    /// The decoded error envelope, when the body is one.
    pub body: Option<ApiErrorBody>,
    /// The gateway's request id (`X-Oneapi-Request-Id` and friends), when present.
    pub request_id: Option<String>,
    /// The start of the raw body (at most 2 KiB), kept when it does not decode as an error envelope.
    pub raw: Option<String>,
    /// Whether the error arrived with a 2xx status (`x-in-band-errors` in the spec) or inside a stream.
    pub in_band: bool,
    /// The server's `Retry-After`, when it sent one (capped by the client's limit).
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// The error message, from the envelope or the raw body.
    pub fn message(&self) -> Option<&str> {
        self.body
            .as_ref()
            .and_then(ApiErrorBody::message)
            .or(self.raw.as_deref())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if self.in_band {
            f.write_str(" (error in a successful answer)")?;
        }
        if let Some(body) = &self.body {
            let kind = [body.error_type().map(str::to_owned), body.code()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("/");
            if !kind.is_empty() {
                write!(f, " {kind}")?;
            }
        }
        if let Some(message) = self.message() {
            write!(f, ": {message}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

/// A decoded error envelope; the gateway family uses one per dialect.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ApiErrorBody {
    /// `{"error": {"message", "type", "param", "code"}}` — most routes.
    OpenAi(ErrorResponse),
    /// `{"type": "error", "error": {"type", "message"}}` — `/v1/messages`.
    Claude(ClaudeErrorResponse),
    /// `{"error": {"code", "message", "status"}}` — Google's own envelope, passed through on Gemini routes.
    Gemini(GeminiErrorResponse),
    /// `{"code", "description", …}` — Midjourney routes.
    Midjourney(MjErrorResponse),
    /// `{"code": "<string>", "message", "data"}` — video task routes.
    Task(TaskErrorResponse),
    /// `{"success": false, "message"}` — dashboard routes and some gateway failures.
    NewApi(NewApiErrorResponse),
}

impl ApiErrorBody {
    /// Recognizes an error envelope by its shape.
    pub fn from_value(value: &Value) -> Option<ApiErrorBody> {
        fn decode<T: serde::de::DeserializeOwned>(value: &Value) -> Option<T> {
            T::deserialize(value).ok()
        }
        let object = value.as_object()?;
        if let Some(error) = object.get("error").filter(|error| error.is_object()) {
            if object.get("type").and_then(Value::as_str) == Some("error") {
                return decode(value).map(ApiErrorBody::Claude);
            }
            if error.get("status").is_some_and(Value::is_string) {
                return decode(value).map(ApiErrorBody::Gemini);
            }
            return decode(value).map(ApiErrorBody::OpenAi);
        }
        if object.get("success").and_then(Value::as_bool) == Some(false) {
            return decode(value).map(ApiErrorBody::NewApi);
        }
        match object.get("code") {
            Some(Value::Number(_)) if object.contains_key("description") => decode(value).map(ApiErrorBody::Midjourney),
            Some(Value::String(_)) if object.contains_key("message") => decode(value).map(ApiErrorBody::Task),
            _ => None,
        }
    }

    /// Recognizes an error event inside a stream: an error envelope, or a Responses-API
    /// `{"type": "error", "code", "message"}` event.
    pub fn from_stream_event(value: &Value) -> Option<ApiErrorBody> {
        if let Some(body) = Self::from_value(value) {
            return Some(body);
        }
        if value.get("type").and_then(Value::as_str) != Some("error") {
            return None;
        }
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        let code = match value.get("code") {
            Some(Value::String(code)) => Some(StringOrNumber::from(code.as_str())),
            Some(Value::Number(code)) => code.as_i64().map(StringOrNumber::from),
            _ => None,
        };
        Some(ApiErrorBody::OpenAi(ErrorResponse {
            error: ErrorDetail {
                message: text("message"),
                type_: Some("error".to_owned()),
                param: text("param"),
                code,
                ..ErrorDetail::default()
            },
        }))
    }

    /// Whether a 2xx JSON body is one of the in-band error envelopes the operation lists.
    pub(crate) fn in_band(value: &Value, envelopes: &[&str]) -> Option<ApiErrorBody> {
        let object = value.as_object()?;
        for envelope in envelopes {
            let found = match *envelope {
                "ErrorResponse" => object.get("error").is_some_and(Value::is_object),
                "NewApiErrorResponse" => object.get("success").and_then(Value::as_bool) == Some(false),
                // Midjourney answers always carry `code`: 1 submitted, 21 waiting for a modal, 22 queued.
                "MjErrorResponse" => object
                    .get("code")
                    .and_then(Value::as_i64)
                    .is_some_and(|code| !matches!(code, 1 | 21 | 22)),
                _ => false,
            };
            if found {
                return Self::from_value(value);
            }
        }
        None
    }

    /// The error message.
    pub fn message(&self) -> Option<&str> {
        match self {
            ApiErrorBody::OpenAi(body) => body.error.message.as_deref(),
            ApiErrorBody::Claude(body) => body.error.message.as_deref(),
            ApiErrorBody::Gemini(body) => body.error.message.as_deref(),
            ApiErrorBody::Midjourney(body) => body.description.as_deref(),
            ApiErrorBody::Task(body) => Some(body.message.as_str()),
            ApiErrorBody::NewApi(body) => body.message.as_deref(),
        }
    }

    /// The error class (`type`, or Google's `status`).
    pub fn error_type(&self) -> Option<&str> {
        match self {
            ApiErrorBody::OpenAi(body) => body.error.type_.as_deref(),
            ApiErrorBody::Claude(body) => body.error.type_.as_deref(),
            ApiErrorBody::Gemini(body) => body.error.status.as_deref(),
            ApiErrorBody::Midjourney(body) => body.type_.as_deref(),
            ApiErrorBody::Task(_) | ApiErrorBody::NewApi(_) => None,
        }
    }

    /// The machine-readable code, as text.
    pub fn code(&self) -> Option<String> {
        match self {
            ApiErrorBody::OpenAi(body) => body.error.code.as_ref().map(ToString::to_string),
            ApiErrorBody::Gemini(body) => body.error.code.map(|code| code.to_string()),
            ApiErrorBody::Midjourney(body) => Some(body.code.to_string()),
            ApiErrorBody::Task(body) => Some(body.code.clone()),
            ApiErrorBody::Claude(_) | ApiErrorBody::NewApi(_) => None,
        }
    }
}

/// Which wait ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutKind {
    /// Connecting to the server.
    Connect,
    /// The whole request (for streams: until the answer's headers).
    Request,
    /// The gap between two events of a stream.
    StreamIdle,
}

/// A timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout {
    /// Which wait ran out.
    pub kind: TimeoutKind,
    /// How long it was.
    pub after: Duration,
}

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TimeoutKind::Connect => "connecting",
            TimeoutKind::Request => "waiting for the answer",
            TimeoutKind::StreamIdle => "waiting for the next stream event",
        };
        write!(f, "timed out after {:?} {what}", self.after)
    }
}

/// An answer that does not match the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The HTTP status.
    pub status: u16,
    /// Where in the JSON it went wrong (`$.choices[0].index`).
    pub path: String,
    /// What went wrong.
    pub message: String,
    /// The start of the body (at most 2 KiB).
    pub body: String,
    /// For a stream, the index of the event (0-based, among events with data).
    pub event: Option<usize>,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.event {
            Some(index) => write!(
                f,
                "cannot decode stream event {index} at {}: {}",
                self.path, self.message
            ),
            None => write!(
                f,
                "cannot decode the answer (HTTP {}) at {}: {}",
                self.status, self.path, self.message
            ),
        }
    }
}

/// A broken event stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamError {
    /// What went wrong.
    pub message: String,
    /// How many events had been delivered before.
    pub events_received: usize,
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stream broke after {} events: {}",
            self.events_received, self.message
        )
    }
}

/// At most 2 KiB of a body, cut at a character boundary.
pub(crate) fn snippet(body: &[u8]) -> String {
    const LIMIT: usize = 2048;
    let text = String::from_utf8_lossy(&body[..body.len().min(LIMIT + 4)]);
    let mut end = text.len().min(LIMIT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = text[..end].to_owned();
    if body.len() > LIMIT {
        out.push('…');
    }
    out
}

/// Decodes JSON as `T`. Success takes the plain decoder; only a failure is decoded again with path tracking,
/// to say where it went wrong: `Err((json path, reason))`.
pub(crate) fn decode_json_path<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, (String, String)> {
    let first = match serde_json::from_slice(bytes) {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    let mut json = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut json) {
        Err(error) => Err((json_path(error.path()), error.inner().to_string())),
        // The document decodes; what failed was what follows it.
        Ok(_) => Err(("$".to_owned(), first.to_string())),
    }
}

/// A JSON path from serde_path_to_error's form (`choices[0].delta`).
pub(crate) fn json_path(path: &serde_path_to_error::Path) -> String {
    let path = path.to_string();
    if path == "." {
        "$".to_owned()
    } else if path.starts_with('[') {
        format!("${path}")
    } else {
        format!("$.{path}")
    }
}
