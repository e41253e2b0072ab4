//! Errors: one [`Error`] type whose variants tell what failed, [`ApiErrorBody`], the decoded error envelope of
//! whichever dialect the server answered in, and [`ApiErrorKind`], what that error means for the caller.

use std::fmt;
use std::time::Duration;

use allmhub_types::{
    ClaudeErrorResponse, ErrorDetail, ErrorResponse, GeminiErrorResponse, InBandEnvelope, MjErrorResponse,
    NewApiErrorResponse, StringOrNumber, TaskErrorResponse,
};
use bytes::Bytes;
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
    /// An answer, or one event of a stream, is larger than the client's limit; raised as soon as the limit
    /// is passed, before the rest is read.
    #[error("{0}")]
    TooLarge(LimitError),
    /// The answer is not of a kind this call can read (HTML where JSON was expected, JSON that is neither the
    /// answer nor an error envelope where a stream was expected); the body is kept.
    #[error("{0}")]
    Unexpected(Box<UnexpectedAnswer>),
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
    /// Whether sending an idempotent request again may succeed: connection failures, connect timeouts, and
    /// HTTP 408, 409, 429 and 5xx — but never an exhausted quota or balance, and never an error envelope
    /// that arrived with a 2xx status. Operations that are not idempotent (job submissions, paid creations)
    /// are retried on a narrower rule; see [`RequestOptions::retry_unsafe`](crate::RequestOptions::retry_unsafe).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(error) => {
                !error.in_band
                    && error.kind != ApiErrorKind::QuotaExhausted
                    && matches!(error.status, 408 | 409 | 429 | 500..=599)
            }
            Error::Connection(_) => true,
            Error::Timeout(timeout) => timeout.kind == TimeoutKind::Connect,
            _ => false,
        }
    }

    /// Whether the request certainly was not processed, so sending it again cannot do anything twice: the
    /// connection was never made, the gateway refused it for the rate limit (429, not an exhausted quota), or
    /// it asked to come back later (503 with `Retry-After`).
    pub fn was_not_processed(&self) -> bool {
        match self {
            Error::Api(error) => {
                !error.in_band
                    && (error.kind == ApiErrorKind::RateLimited || (error.status == 503 && error.retry_after.is_some()))
            }
            Error::Connection(error) => error.is_connect(),
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
            Error::Unexpected(answer) => Some(answer.status),
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

    /// Whether the key's quota or the account's balance is exhausted (never retried: it needs a top-up).
    pub fn is_quota_exhausted(&self) -> bool {
        self.api()
            .is_some_and(|error| error.kind == ApiErrorKind::QuotaExhausted)
    }
}

/// What an API error means for the caller, from the status and the error envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// The key's quota or the account's balance is exhausted (new-api `insufficient_user_quota`,
    /// `pre_consume_token_quota_failed`, an exhausted token, OpenAI `insufficient_quota`, Midjourney
    /// `quota_not_enough`, Claude `billing_error`, HTTP 402). Never retried.
    QuotaExhausted,
    /// Too many requests right now (HTTP 429 that is not an exhausted quota); retried after the server's wait.
    RateLimited,
    /// The request is malformed or names something the gateway does not accept (HTTP 400, 413, 415, 422…).
    BadRequest,
    /// The key is missing, wrong or disabled (HTTP 401).
    Authentication,
    /// The key may not use this model, group or route (HTTP 403).
    PermissionDenied,
    /// The route, model or task does not exist (HTTP 404).
    NotFound,
    /// The server gave up waiting for the request (HTTP 408).
    RequestTimeout,
    /// A conflicting request is in progress (HTTP 409).
    Conflict,
    /// The gateway or its upstream failed (HTTP 5xx).
    Server,
    /// Anything else, including error envelopes that arrived with HTTP 200 and say no more.
    Other,
}

/// Error codes and types (in any dialect's envelope) that mean an exhausted quota or balance.
const QUOTA_CODES: [&str; 8] = [
    "insufficient_user_quota",
    "pre_consume_token_quota_failed",
    "insufficient_quota",
    "quota_not_enough",
    "entitlement_daily_limit_exceeded",
    "entitlement_total_limit_exceeded",
    "billing_error",
    "payment_required",
];

/// Words of messages that mean an exhausted quota where the gateway sends no code (new-api's exhausted token:
/// HTTP 401 `该令牌额度已用尽 TokenStatusExhausted[…]`; one-api's `用户额度不足`).
const QUOTA_MESSAGES: [&str; 6] = [
    "TokenStatusExhausted",
    "额度已用尽",
    "额度不足",
    "余额不足",
    "quota_not_enough",
    "credit balance is too low",
];

impl ApiErrorKind {
    /// Classifies an error answer.
    pub fn classify(status: u16, body: Option<&ApiErrorBody>, raw: Option<&str>) -> ApiErrorKind {
        let codes = body
            .map(|body| [body.code(), body.error_type().map(str::to_owned)])
            .into_iter()
            .flatten()
            .flatten();
        let coded = codes.into_iter().any(|code| QUOTA_CODES.contains(&code.as_str()));
        let message = body.and_then(ApiErrorBody::message).or(raw).unwrap_or_default();
        if status == 402 || coded || QUOTA_MESSAGES.iter().any(|marker| message.contains(marker)) {
            return ApiErrorKind::QuotaExhausted;
        }
        match status {
            429 => ApiErrorKind::RateLimited,
            401 => ApiErrorKind::Authentication,
            403 => ApiErrorKind::PermissionDenied,
            404 => ApiErrorKind::NotFound,
            408 => ApiErrorKind::RequestTimeout,
            409 => ApiErrorKind::Conflict,
            400..=499 => ApiErrorKind::BadRequest,
            500..=599 => ApiErrorKind::Server,
            _ => ApiErrorKind::Other,
        }
    }
}

/// An error answer of the server.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status (200 for an error envelope in a successful answer).
    pub status: u16,
    /// What the error means: quota, rate limit, authentication…
    pub kind: ApiErrorKind,
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
    /// An error answer; its [`kind`](Self::kind) is classified from the status and the envelope.
    pub fn new(status: u16, body: Option<ApiErrorBody>, raw: Option<String>) -> ApiError {
        ApiError {
            status,
            kind: ApiErrorKind::classify(status, body.as_ref(), raw.as_deref()),
            body,
            request_id: None,
            raw,
            in_band: false,
            retry_after: None,
        }
    }

    /// The error message, from the envelope or the raw body.
    pub fn message(&self) -> Option<&str> {
        self.body
            .as_ref()
            .and_then(ApiErrorBody::message)
            .or(self.raw.as_deref())
    }

    pub(crate) fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    pub(crate) fn in_band(mut self) -> Self {
        self.in_band = true;
        self
    }

    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if self.in_band {
            f.write_str(" (error in a successful answer)")?;
        }
        if self.kind == ApiErrorKind::QuotaExhausted {
            f.write_str(" quota exhausted")?;
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

    /// Whether the 2xx JSON text `text` has the top-level members of one of the in-band error envelopes
    /// the operation lists (`envelopes`), read from the text without building its tree. An error is the text's
    /// JSON syntax error.
    pub(crate) fn may_be_in_band(text: &str, envelopes: &[InBandEnvelope]) -> Result<bool, serde_json::Error> {
        Ok(serde_json::from_str::<EnvelopeSigns>(text)?.match_any(envelopes))
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

    /// The machine-readable code, as text (Midjourney's numeric code, or its `description` when that is a
    /// code such as `quota_not_enough`).
    pub fn code(&self) -> Option<String> {
        match self {
            ApiErrorBody::OpenAi(body) => body.error.code.as_ref().map(ToString::to_string),
            ApiErrorBody::Gemini(body) => body.error.code.map(|code| code.to_string()),
            ApiErrorBody::Midjourney(body) => match body.description.as_deref() {
                Some(description) if is_code_like(description) => Some(description.to_owned()),
                _ => Some(body.code.to_string()),
            },
            ApiErrorBody::Task(body) => Some(body.code.clone()),
            ApiErrorBody::Claude(_) | ApiErrorBody::NewApi(_) => None,
        }
    }
}

/// `snake_case_words`: a machine-readable code rather than prose.
fn is_code_like(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_lowercase() || byte == b'_')
}

/// Which wait ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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
#[non_exhaustive]
pub struct Timeout {
    /// Which wait ran out.
    pub kind: TimeoutKind,
    /// How long it was.
    pub after: Duration,
}

impl Timeout {
    pub(crate) fn new(kind: TimeoutKind, after: Duration) -> Timeout {
        Timeout { kind, after }
    }
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
#[non_exhaustive]
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

impl DecodeError {
    pub(crate) fn new(status: u16, path: String, message: String, body: &[u8]) -> DecodeError {
        DecodeError {
            status,
            path,
            message,
            body: snippet(body),
            event: None,
        }
    }
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
#[non_exhaustive]
pub struct StreamError {
    /// What went wrong.
    pub message: String,
    /// How many events had been delivered before.
    pub events_received: usize,
}

impl StreamError {
    pub(crate) fn new(message: String, events_received: usize) -> StreamError {
        StreamError {
            message,
            events_received,
        }
    }
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

/// What was too large.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitKind {
    /// A whole answer (JSON or text).
    Answer,
    /// One event of a stream.
    Event,
}

/// An answer or event past the client's size limit ([`ClientBuilder::max_answer_bytes`](crate::ClientBuilder::max_answer_bytes),
/// [`ClientBuilder::max_event_bytes`](crate::ClientBuilder::max_event_bytes)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LimitError {
    /// What was too large.
    pub kind: LimitKind,
    /// The limit, in bytes.
    pub limit: usize,
    /// The HTTP status of the answer.
    pub status: u16,
    /// For a stream, how many events had been delivered before.
    pub events_received: usize,
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            LimitKind::Answer => write!(
                f,
                "the answer (HTTP {}) is larger than the limit of {} bytes",
                self.status, self.limit
            ),
            LimitKind::Event => write!(
                f,
                "stream event {} is larger than the limit of {} bytes",
                self.events_received, self.limit
            ),
        }
    }
}

/// An answer of a kind the call cannot read, kept whole.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnexpectedAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The answer's `Content-Type` (empty when it sent none).
    pub content_type: String,
    /// What the call expected.
    pub expected: &'static str,
    /// The whole body (within the client's answer limit).
    pub body: Bytes,
    /// The gateway's request id, when present.
    pub request_id: Option<String>,
}

impl fmt::Display for UnexpectedAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let content_type = if self.content_type.is_empty() {
            "no content type"
        } else {
            &self.content_type
        };
        write!(
            f,
            "expected {}, the server answered HTTP {} with {content_type} ({} bytes): {}",
            self.expected,
            self.status,
            self.body.len(),
            snippet(&self.body)
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
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

/// Decodes JSON as `T`; a failure says where it went wrong: `Err((json path, reason))`. The path is read from
/// the error's position, so no second, path-tracking decoder is compiled for every answer type; the bytes
/// are read as text (one UTF-8 check for the whole answer), as events and the checkers read them.
pub(crate) fn decode_json_path<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, (String, String)> {
    allmhub_types::json_path::decode(bytes).map_err(|failure| (failure.path, failure.message))
}

/// [`decode_json_path`] for text already checked as UTF-8 (an event's data).
pub(crate) fn decode_text_path<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, (String, String)> {
    allmhub_types::json_path::decode_text(text).map_err(|failure| (failure.path, failure.message))
}

/// The top-level members that tell an in-band error envelope apart, read from a `Value` or straight from the
/// text (the last of repeated members wins, as in a `Value`).
#[derive(Debug, Default, PartialEq, Eq)]
struct EnvelopeSigns {
    error: Option<Shape>,
    success: Option<Shape>,
    code: Option<Shape>,
}

impl EnvelopeSigns {
    /// Whether these are the signs of one of `envelopes`.
    fn match_any(&self, envelopes: &[InBandEnvelope]) -> bool {
        envelopes.iter().any(|envelope| match envelope {
            InBandEnvelope::ErrorResponse => self.error == Some(Shape::Object),
            InBandEnvelope::NewApiErrorResponse => self.success == Some(Shape::Bool(false)),
            // Midjourney answers always carry `code`: 1 submitted, 21 waiting for a modal, 22 queued.
            InBandEnvelope::MjErrorResponse => {
                matches!(self.code, Some(Shape::Integer(code)) if !matches!(code, 1 | 21 | 22))
            }
        })
    }
}

/// What a JSON value is, as far as the envelope tests ask: an object, a bool, an integer that fits `i64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Object,
    Bool(bool),
    Integer(i64),
    Other,
}

impl<'de> serde::Deserialize<'de> for EnvelopeSigns {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Any document but an object is no envelope; its values are read (and checked) all the same.
        Ok(match deserializer.deserialize_any(Peek { top: true })? {
            Peeked::Signs(signs) => signs,
            Peeked::Shape(_) => EnvelopeSigns::default(),
        })
    }
}

impl<'de> serde::Deserialize<'de> for Shape {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match deserializer.deserialize_any(Peek { top: false })? {
            Peeked::Shape(shape) => shape,
            Peeked::Signs(_) => Shape::Object,
        })
    }
}

/// What [`Peek`] found: the signs of the document (its top level, when an object), or a value's shape.
enum Peeked {
    Signs(EnvelopeSigns),
    Shape(Shape),
}

/// Reads one JSON value: at the top level an object's signs, below it only the shape of each value (the
/// contents of objects and arrays are skipped).
struct Peek {
    top: bool,
}

impl<'de> serde::de::Visitor<'de> for Peek {
    type Value = Peeked;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Peeked, A::Error> {
        if !self.top {
            while map
                .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                .is_some()
            {}
            return Ok(Peeked::Shape(Shape::Object));
        }
        let mut signs = EnvelopeSigns::default();
        while let Some(name) = map.next_key::<Member>()? {
            let slot = match name {
                Member::Error => &mut signs.error,
                Member::Success => &mut signs.success,
                Member::Code => &mut signs.code,
                Member::Other => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value::<Shape>()?);
        }
        Ok(Peeked::Signs(signs))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Peeked, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Peeked::Shape(Shape::Other))
    }

    fn visit_bool<E>(self, value: bool) -> Result<Peeked, E> {
        Ok(Peeked::Shape(Shape::Bool(value)))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Peeked, E> {
        Ok(Peeked::Shape(Shape::Integer(value)))
    }

    // As `Value::as_i64`: an integer past `i64::MAX` is no `i64`.
    fn visit_u64<E>(self, value: u64) -> Result<Peeked, E> {
        Ok(Peeked::Shape(i64::try_from(value).map_or(Shape::Other, Shape::Integer)))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Peeked, E> {
        Ok(Peeked::Shape(Shape::Other))
    }

    fn visit_str<E>(self, _: &str) -> Result<Peeked, E> {
        Ok(Peeked::Shape(Shape::Other))
    }

    fn visit_unit<E>(self) -> Result<Peeked, E> {
        Ok(Peeked::Shape(Shape::Other))
    }
}

/// A top-level member name that matters to the envelope tests.
enum Member {
    Error,
    Success,
    Code,
    Other,
}

impl<'de> serde::Deserialize<'de> for Member {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Name;

        impl serde::de::Visitor<'_> for Name {
            type Value = Member;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }

            fn visit_str<E>(self, name: &str) -> Result<Member, E> {
                Ok(match name {
                    "error" => Member::Error,
                    "success" => Member::Success,
                    "code" => Member::Code,
                    _ => Member::Other,
                })
            }
        }

        deserializer.deserialize_identifier(Name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signs as a `Value` shows them: what the peek must read from the text.
    fn signs_of_value(value: &Value) -> EnvelopeSigns {
        let Some(object) = value.as_object() else {
            return EnvelopeSigns::default();
        };
        let shape = |name: &str| {
            object.get(name).map(|value| match value {
                Value::Object(_) => Shape::Object,
                Value::Bool(value) => Shape::Bool(*value),
                // An integer past `i64::MAX`, or any float, is no `i64`.
                Value::Number(number) => number.as_i64().map_or(Shape::Other, Shape::Integer),
                _ => Shape::Other,
            })
        };
        EnvelopeSigns {
            error: shape("error"),
            success: shape("success"),
            code: shape("code"),
        }
    }

    #[test]
    fn the_envelope_peek_decides_as_the_value_test_does() {
        let documents = [
            r#"{"error":{"message":"quota","type":"new_api_error"}}"#,
            r#"{"id":"x","error":null}"#,
            r#"{"error":"a string"}"#,
            r#"{"error":[{}]}"#,
            r#"{"err\u006fr":{}}"#,
            r#"{"data":{"error":{}},"success":true}"#,
            r#"{"success":false,"message":"get user group failed"}"#,
            r#"{"success":"false"}"#,
            r#"{"success":false,"success":true}"#,
            r#"{"code":1,"description":"submitted","result":"1730621718151844"}"#,
            r#"{"code":21}"#,
            r#"{"code":22}"#,
            r#"{"code":24,"description":"banned"}"#,
            r#"{"code":24.0}"#,
            r#"{"code":"24","message":"task"}"#,
            r#"{"code":-5}"#,
            r#"{"code":9223372036854775808}"#,
            r#"{"code":1,"code":24}"#,
            r#"{"code":24,"code":1}"#,
            r#"{"code":[24],"error":{"a":[1,{"b":null}]},"success":false}"#,
            r#"[{"error":{}}]"#,
            "3",
            r#""error""#,
            "null",
            "{}",
        ];
        let sets: [&[InBandEnvelope]; 4] = [
            &[InBandEnvelope::ErrorResponse],
            &[InBandEnvelope::NewApiErrorResponse],
            &[InBandEnvelope::MjErrorResponse],
            &[
                InBandEnvelope::ErrorResponse,
                InBandEnvelope::NewApiErrorResponse,
                InBandEnvelope::MjErrorResponse,
            ],
        ];
        let mut envelopes_seen = 0;
        for document in documents {
            let value: Value = serde_json::from_str(document).expect("valid JSON");
            let peeked: EnvelopeSigns = serde_json::from_str(document).expect("valid JSON");
            assert_eq!(peeked, signs_of_value(&value), "{document}");
            for envelopes in sets {
                let expected = signs_of_value(&value).match_any(envelopes);
                envelopes_seen += usize::from(expected);
                let peeked = ApiErrorBody::may_be_in_band(document, envelopes).expect("valid JSON");
                assert_eq!(peeked, expected, "{document} as {envelopes:?}");
            }
        }
        assert!(
            envelopes_seen >= 10,
            "the documents include envelopes ({envelopes_seen})"
        );
    }

    #[test]
    fn the_envelope_peek_fails_where_the_text_is_not_json() {
        for text in [r#"{"code":24"#, r#"{"code":24}}"#, "", "{\"a\":}"] {
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
            assert!(
                ApiErrorBody::may_be_in_band(text, &[InBandEnvelope::MjErrorResponse]).is_err(),
                "{text}"
            );
        }
    }
}
