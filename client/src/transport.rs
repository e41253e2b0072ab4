//! Sending one operation: URL, authentication, body, retries, timeouts, bounded reading, and turning the
//! answer into a typed value or an [`Error`].
//!
//! [`Prepared`] is the contract between the generated methods (`api.rs`) and the runtime: a generated method
//! fills in the path, query and body of its operation and picks how the answer is read (`into_json`,
//! `into_events_or_whole`, …), which gives the public [`Call`].

use std::borrow::Cow;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use allmhub_types::{InBandEnvelope, Method, Operation, ParamLocation, SecurityScheme};
use backon::{ExponentialBuilder, Retryable};
use bytes::{Bytes, BytesMut};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::{Instrument, Span};

use crate::call::{Call, Response};
use crate::error::{
    ApiError, ApiErrorBody, DecodeError, LimitError, LimitKind, Timeout, TimeoutKind, UnexpectedAnswer,
    decode_json_path, decode_text_path, snippet,
};
use crate::options::RequestOptions;
use crate::stream::{ByteStream, EventStream, Head, looks_like_json, looks_like_sse};
use crate::whole::WholeAnswer;
use crate::{Client, Error};

/// Path-segment characters that stay as they are; everything else in a parameter is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Response headers that carry the gateway's request id, most specific first.
const REQUEST_ID_HEADERS: [HeaderName; 4] = [
    HeaderName::from_static("x-oneapi-request-id"),
    HeaderName::from_static("x-new-api-request-id"),
    HeaderName::from_static("x-request-id"),
    HeaderName::from_static("request-id"),
];

/// How much of an error answer is read: enough for any error envelope, bounded against hostile servers.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// What a call is sent to: an operation of the spec, or a path the spec does not have.
pub(crate) enum Target {
    Operation(&'static Operation),
    Custom(Box<CustomTarget>),
}

/// An endpoint outside the spec ([`Client::custom`]).
pub(crate) struct CustomTarget {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) security: Vec<SecurityScheme>,
    pub(crate) idempotent: bool,
}

impl Target {
    fn id(&self) -> &str {
        match self {
            Target::Operation(op) => op.id,
            Target::Custom(_) => "custom",
        }
    }

    fn method(&self) -> Method {
        match self {
            Target::Operation(op) => op.method,
            Target::Custom(custom) => custom.method,
        }
    }

    fn path(&self) -> &str {
        match self {
            Target::Operation(op) => op.path,
            Target::Custom(custom) => &custom.path,
        }
    }

    fn security(&self) -> &[SecurityScheme] {
        match self {
            Target::Operation(op) => op.security.first().copied().unwrap_or_default(),
            Target::Custom(custom) => &custom.security,
        }
    }

    fn in_band_errors(&self) -> &'static [InBandEnvelope] {
        match self {
            Target::Operation(op) => op.in_band_errors,
            Target::Custom(_) => &[],
        }
    }

    fn idempotent(&self) -> bool {
        match self {
            Target::Operation(op) => op.idempotent,
            Target::Custom(custom) => custom.idempotent,
        }
    }

    fn stream_flag(&self) -> Option<&'static str> {
        match self {
            Target::Operation(op) => op.stream_flag,
            Target::Custom(_) => None,
        }
    }
}

#[derive(Clone)]
enum Body {
    None,
    Json(Bytes),
    #[cfg(feature = "rt-multipart")]
    Multipart(Vec<Part>),
}

#[cfg(feature = "rt-multipart")]
#[derive(Clone)]
struct Part {
    name: &'static str,
    value: PartValue,
}

#[cfg(feature = "rt-multipart")]
#[derive(Clone)]
enum PartValue {
    Text(String),
    File {
        file_name: String,
        content_type: Option<String>,
        bytes: Bytes,
    },
}

/// One call of an operation, being built by a generated method; finished into a [`Call`].
#[doc(hidden)]
pub struct Prepared<'a> {
    client: &'a Client,
    target: Target,
    path_args: Vec<(&'static str, String)>,
    query: Vec<(Cow<'static, str>, String)>,
    body: Body,
    /// The typed request's stream flag, and the value the call needs.
    stream_flag: Option<(Option<bool>, bool)>,
    pub(crate) options: RequestOptions,
    error: Option<Error>,
}

/// What the head of a successful answer said, and its body still to read.
struct Answer {
    response: reqwest::Response,
    status: u16,
    headers: HeaderMap,
}

/// A whole answer, read.
struct FullAnswer {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

impl FullAnswer {
    fn request_id(&self) -> Option<String> {
        request_id(&self.headers)
    }
}

impl<'a> Prepared<'a> {
    /// A call of `op` with the client's default options.
    pub fn new(client: &'a Client, op: &'static Operation) -> Self {
        Self::with_target(client, Target::Operation(op))
    }

    pub(crate) fn with_target(client: &'a Client, target: Target) -> Self {
        Prepared {
            client,
            target,
            path_args: Vec::new(),
            query: Vec::new(),
            body: Body::None,
            stream_flag: None,
            options: client.default_options().clone(),
            error: None,
        }
    }

    pub(crate) fn custom_target(&mut self) -> Option<&mut CustomTarget> {
        match &mut self.target {
            Target::Custom(custom) => Some(custom),
            Target::Operation(_) => None,
        }
    }

    /// Fills the `{name}` segment of the path.
    pub fn path(mut self, name: &'static str, value: &str) -> Self {
        self.path_args.push((name, value.to_owned()));
        self
    }

    /// Adds a query member when `value` is set.
    pub fn query(mut self, name: &'static str, value: Option<&str>) -> Self {
        if let Some(value) = value {
            self.query.push((Cow::Borrowed(name), value.to_owned()));
        }
        self
    }

    /// A JSON body, serialized now (the request is not borrowed by the call).
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Body::Json(Bytes::from(bytes)),
            Err(error) => self.error = Some(Error::Request(format!("the request body does not serialize: {error}"))),
        }
        self
    }

    /// Forces the operation's stream flag to `on`; `current` is the typed request's value of it.
    pub fn stream_flag(mut self, current: Option<bool>, on: bool) -> Self {
        self.stream_flag = Some((current, on));
        self
    }

    /// A `multipart/form-data` body. File bytes are shared with the form, not copied.
    #[cfg(feature = "rt-multipart")]
    pub fn multipart<F: allmhub_types::MultipartForm>(mut self, form: &F) -> Self {
        use allmhub_types::FormPart;
        let parts = match form.parts() {
            Ok(parts) => parts,
            Err(error) => {
                self.error = Some(Error::Request(format!("the request form does not serialize: {error}")));
                return self;
            }
        };
        let parts = parts
            .into_iter()
            .map(|part| match part {
                FormPart::Text { name, value } => Part {
                    name,
                    value: PartValue::Text(value),
                },
                FormPart::File { name, upload } => Part {
                    name,
                    value: PartValue::File {
                        file_name: upload.file_name.clone(),
                        content_type: upload.content_type.clone(),
                        // Shares the upload's buffer (a reference count, not a copy).
                        bytes: upload.bytes.clone(),
                    },
                },
            })
            .collect();
        self.body = Body::Multipart(parts);
        self
    }

    /// Reads the answer as JSON of type `T`.
    pub fn into_json<T: DeserializeOwned + Send + 'a>(self) -> Call<'a, T> {
        Call::new(self, |prepared, keep_raw| Box::pin(prepared.json_answer(keep_raw)))
    }

    /// Reads the answer as text (`text/plain` formats).
    pub fn into_text(self) -> Call<'a, String> {
        Call::new(self, |prepared, keep_raw| Box::pin(prepared.text_answer(keep_raw)))
    }

    /// Reads the whole binary answer.
    pub fn into_bytes(self) -> Call<'a, Bytes> {
        Call::new(self, |prepared, _| Box::pin(prepared.bytes_answer()))
    }

    /// Streams the binary answer.
    pub fn into_byte_stream(self) -> Call<'a, ByteStream> {
        Call::new(self, |prepared, _| Box::pin(prepared.byte_stream_answer()))
    }

    /// Reads the answer as an event stream of `E`. A JSON answer is taken as one event, or an array of them
    /// (Gemini's `streamGenerateContent` answers a JSON array when not asked for SSE).
    pub fn into_events<E: DeserializeOwned + Send + 'static>(self) -> Call<'a, EventStream<E>> {
        Call::new(self, |prepared, _| {
            Box::pin(
                prepared
                    .event_answer(|status, body| decode_whole::<OneOrMany<E>>(status, body).map(OneOrMany::into_vec)),
            )
        })
    }

    /// Reads the answer as an event stream of `E`; a whole JSON answer `A` (a channel that ignored the
    /// stream flag) becomes the events it stands for.
    pub fn into_events_or_whole<E, A>(self) -> Call<'a, EventStream<E>>
    where
        E: DeserializeOwned + Send + 'static,
        A: WholeAnswer<Event = E> + Send + 'static,
    {
        Call::new(self, |prepared, _| {
            Box::pin(prepared.event_answer(|status, body| decode_whole::<A>(status, body).map(A::into_events)))
        })
    }

    async fn json_answer<T: DeserializeOwned>(self, keep_raw: bool) -> Result<Response<T>, Error> {
        let in_band = self.target.in_band_errors();
        let (answer, span) = self.send_full("application/json").await?;
        let value = decode_json(&answer, in_band)?;
        if !span.is_disabled() {
            let mut seen = crate::telemetry::Seen::default();
            seen.observe(&answer.body);
            seen.record(&span);
        }
        let raw = keep_raw.then(|| answer.body.clone());
        Ok(Response::new(value, answer.status, answer.headers, raw))
    }

    async fn text_answer(self, keep_raw: bool) -> Result<Response<String>, Error> {
        let (answer, _) = self.send_full("text/plain, application/json").await?;
        let text = String::from_utf8(answer.body.to_vec()).map_err(|error| {
            Error::Decode(Box::new(DecodeError::new(
                answer.status,
                "$".to_owned(),
                format!("the answer is not UTF-8 text: {error}"),
                &answer.body,
            )))
        })?;
        let raw = keep_raw.then(|| answer.body.clone());
        Ok(Response::new(text, answer.status, answer.headers, raw))
    }

    async fn bytes_answer(self) -> Result<Response<Bytes>, Error> {
        let limit = self.client.config().max_binary_bytes;
        let (answer, _) = self.send_read("*/*", limit).await?;
        Ok(Response::new(answer.body, answer.status, answer.headers, None))
    }

    async fn byte_stream_answer(self) -> Result<Response<ByteStream>, Error> {
        let idle = self.client.config().stream_idle_timeout;
        let (answer, _) = self.send_head("*/*").await?;
        let (status, headers) = (answer.status, answer.headers.clone());
        let mut response = answer.response;
        *response.headers_mut() = answer.headers;
        Ok(Response::new(ByteStream::new(response, idle), status, headers, None))
    }

    /// Opens an event stream; a body that is not one goes through `whole` (JSON) or fails, keeping it.
    async fn event_answer<E, F>(self, whole: F) -> Result<Response<EventStream<E>>, Error>
    where
        E: DeserializeOwned + Send + 'static,
        F: FnOnce(u16, &[u8]) -> Result<Vec<E>, Error>,
    {
        let config = self.client.config();
        let (idle, max_event, max_answer) = (
            config.stream_idle_timeout,
            config.max_event_bytes,
            config.max_answer_bytes,
        );
        let (answer, span) = self.send_head("text/event-stream").await?;
        let Answer {
            mut response,
            status,
            headers,
        } = answer;
        let content_type = content_type(&headers);
        let request_id = request_id(&headers);
        let meta_headers = headers.clone();
        let head = Head {
            status,
            headers,
            request_id: request_id.clone(),
        };
        // The first piece decides when the content type does not (some proxies send SSE as text/plain).
        let (first, sse) = if content_type.contains("event-stream") {
            (None, true)
        } else if content_type.contains("json") {
            (None, false)
        } else {
            let first = response
                .chunk()
                .await
                .map_err(|error| body_error(error, config.connect_timeout))?;
            let sse = first.as_deref().is_some_and(looks_like_sse);
            (Some(first.unwrap_or_default()), sse)
        };
        if sse {
            let rest = futures_util::TryStreamExt::map_err(response.bytes_stream(), std::io::Error::other);
            let bytes = futures_util::StreamExt::chain(futures_util::stream::iter(first.map(Ok)), rest);
            let stream = EventStream::from_sse(bytes, head, idle, max_event, span);
            return Ok(Response::new(stream, status, meta_headers, None));
        }
        let body = read_rest(response, first, max_answer, status, config.connect_timeout).await?;
        if !content_type.contains("json") && !looks_like_json(&body) {
            return Err(Error::Unexpected(Box::new(UnexpectedAnswer {
                status,
                content_type,
                expected: "an event stream",
                body,
                request_id,
            })));
        }
        // An error envelope is the error it is, whatever the status.
        if let Some(error) = serde_json::from_slice::<Value>(&body)
            .ok()
            .as_ref()
            .and_then(ApiErrorBody::from_value)
        {
            return Err(Error::Api(Box::new(
                ApiError::new(status, Some(error), None)
                    .with_request_id(request_id)
                    .in_band(),
            )));
        }
        let events = match whole(status, &body) {
            Ok(events) => events,
            Err(Error::Decode(_)) => {
                return Err(Error::Unexpected(Box::new(UnexpectedAnswer {
                    status,
                    content_type,
                    expected: "an event stream, or the operation's whole answer",
                    body,
                    request_id,
                })));
            }
            Err(other) => return Err(other),
        };
        tracing::debug!(parent: &span, "the stream request was answered with a whole JSON answer");
        let stream = EventStream::from_events(events, head, span);
        Ok(Response::new(stream, status, meta_headers, None))
    }

    /// Sends and reads the whole body of a JSON or text answer (bounded by the answer limit).
    async fn send_full(self, accept: &'static str) -> Result<(FullAnswer, Span), Error> {
        let limit = self.client.config().max_answer_bytes;
        self.send_read(accept, limit).await
    }

    async fn send_read(self, accept: &'static str, limit: usize) -> Result<(FullAnswer, Span), Error> {
        let connect_timeout = self.client.config().connect_timeout;
        self.send(accept, move |answer| async move {
            let body = read_rest(answer.response, None, limit, answer.status, connect_timeout).await?;
            Ok(FullAnswer {
                status: answer.status,
                headers: answer.headers,
                body,
            })
        })
        .await
    }

    async fn send_head(self, accept: &'static str) -> Result<(Answer, Span), Error> {
        self.send(accept, |answer| async move { Ok(answer) }).await
    }

    /// Sends with retries; `finish` reads what the call needs of a successful answer, within the attempt's
    /// timeout (a whole body is read inside the attempt, so a body that breaks off is retried like any
    /// failed attempt of an idempotent operation).
    async fn send<R, F, Fut>(mut self, accept: &'static str, finish: F) -> Result<(R, Span), Error>
    where
        F: Fn(Answer) -> Fut,
        Fut: Future<Output = Result<R, Error>>,
    {
        let span = self.span();
        let ready = self.ready(accept);
        let (url, headers, body) = match ready {
            Ok(ready) => ready,
            Err(error) => {
                span.record("error.type", crate::telemetry::error_type(&error).as_str());
                return Err(error);
            }
        };
        // Before the span is entered: OpenTelemetry exporters take the span's name when it starts.
        if !span.is_disabled() {
            self.record_request_model(&span, &body);
        }
        let outcome = async {
            let config = self.client.config();
            let policy = config.retry;
            let retries = self.options.max_retries.unwrap_or(policy.max_retries);
            let backoff = ExponentialBuilder::default()
                .with_min_delay(policy.initial_delay)
                .with_max_delay(policy.max_delay)
                .with_max_times(retries as usize)
                .with_jitter();
            // Paid creations are repeated only when the first attempt certainly did not reach the gateway.
            let repeat_anything = self.target.idempotent() || self.options.retry_unsafe;
            let attempts = AtomicU32::new(0);
            // The first attempt takes the headers as built; a retry builds them again (they built before, so
            // they build alike), which spares every call that is not retried a copy of the map.
            let first_headers = Mutex::new(Some(headers));
            let this = &self;
            let (url, first_headers, body, attempts, finish, span) =
                (&url, &first_headers, &body, &attempts, &finish, &span);
            (move || async move {
                let attempt = attempts.fetch_add(1, Ordering::Relaxed) + 1;
                span.record("attempt", attempt);
                let headers = match first_headers.lock().ok().and_then(|mut headers| headers.take()) {
                    Some(headers) => headers,
                    None => this.headers(accept)?,
                };
                // Boxed: the attempt's state (reqwest's futures, the body) stays out of the caller's future,
                // which would otherwise be kilobytes moved around on every poll setup.
                Box::pin(this.attempt(url, headers, body, finish)).await
            })
            .retry(backoff)
            .sleep(tokio::time::sleep)
            .when(|error: &Error| {
                if repeat_anything {
                    error.is_retryable()
                } else {
                    error.was_not_processed()
                }
            })
            // Out of retries `delay` is `None`; otherwise the server's `Retry-After` wins over the backoff.
            .adjust(|error, delay| delay.map(|delay| error.retry_after().unwrap_or(delay)))
            .notify(|error, delay| tracing::warn!(%error, ?delay, "retrying"))
            .await
        }
        .instrument(span.clone())
        .await;
        match outcome {
            Ok(value) => Ok((value, span)),
            Err(error) => {
                span.record("error.type", crate::telemetry::error_type(&error).as_str());
                Err(error)
            }
        }
    }

    /// What every attempt sends: the URL, the headers and the body.
    fn ready(&mut self, accept: &'static str) -> Result<(String, HeaderMap, Body), Error> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        self.options.check()?;
        Ok((self.url()?, self.headers(accept)?, self.final_body()?))
    }

    /// The request span, with the operation's OpenTelemetry GenAI names.
    fn span(&self) -> Span {
        let (system, operation) = match &self.target {
            Target::Operation(Operation {
                gen_ai: Some(gen_ai), ..
            }) => (Some(gen_ai.system), Some(gen_ai.operation)),
            _ => (None, None),
        };
        let span = tracing::info_span!(
            "allmhub.request",
            operation = self.target.id(),
            method = self.target.method().as_str(),
            path = self.target.path(),
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            "otel.name" = tracing::field::Empty,
            "gen_ai.system" = system,
            "gen_ai.operation.name" = operation,
            "gen_ai.request.model" = tracing::field::Empty,
            "gen_ai.response.model" = tracing::field::Empty,
            "gen_ai.usage.input_tokens" = tracing::field::Empty,
            "gen_ai.usage.output_tokens" = tracing::field::Empty,
            "gen_ai.response.finish_reasons" = tracing::field::Empty,
            "allmhub.time_to_first_event_ms" = tracing::field::Empty,
            "error.type" = tracing::field::Empty,
        );
        span
    }

    /// `gen_ai.request.model` from the body's `model` member or the `{model}` path parameter, and the span's
    /// OpenTelemetry name (`chat gpt-4o`), recorded once.
    fn record_request_model(&self, span: &Span, body: &Body) {
        let from_path = self
            .path_args
            .iter()
            .find(|(name, _)| *name == "model")
            .map(|(_, value)| value.clone());
        let model = from_path.or_else(|| match body {
            Body::Json(bytes) => crate::telemetry::request_model(bytes),
            _ => None,
        });
        if let (
            Some(model),
            Some(Operation {
                gen_ai: Some(gen_ai), ..
            }),
        ) = (
            model,
            match &self.target {
                Target::Operation(op) => Some(*op),
                Target::Custom(_) => None,
            },
        ) {
            span.record("gen_ai.request.model", model.as_str());
            span.record("otel.name", format!("{} {model}", gen_ai.operation).as_str());
        }
    }

    /// One attempt, within the request timeout (a single timer for the whole attempt).
    async fn attempt<R, F, Fut>(&self, url: &str, headers: HeaderMap, body: &Body, finish: &F) -> Result<R, Error>
    where
        F: Fn(Answer) -> Fut,
        Fut: Future<Output = Result<R, Error>>,
    {
        let timeout = self.options.timeout.unwrap_or(self.client.config().timeout);
        let attempt = async {
            let answer = self.exchange(url, headers, body).await?;
            finish(answer).await
        };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Error::Timeout(Timeout::new(TimeoutKind::Request, timeout))),
        }
    }

    /// Sends the request and checks the status; an error status reads the (bounded) error body.
    async fn exchange(&self, url: &str, headers: HeaderMap, body: &Body) -> Result<Answer, Error> {
        let config = self.client.config();
        let request = self.client.http().request(to_reqwest_method(self.target.method()), url);
        let request = match body {
            Body::None => request,
            Body::Json(bytes) => request.body(bytes.clone()),
            #[cfg(feature = "rt-multipart")]
            Body::Multipart(parts) => request.multipart(form(parts)?),
        };
        let mut request = request
            .build()
            .map_err(|error| Error::Request(format!("cannot build the request: {error}")))?;
        // A multipart body comes with its own content type, which the call's headers do not replace.
        if request.headers().is_empty() {
            *request.headers_mut() = headers;
        } else {
            request.headers_mut().extend(headers);
        }
        let mut response = self
            .client
            .http()
            .execute(request)
            .await
            .map_err(|error| transport_error(error, config.connect_timeout))?;
        let status = response.status().as_u16();
        tracing::Span::current().record("status", status);
        let headers = std::mem::take(response.headers_mut());
        if !(200..300).contains(&status) {
            let retry_after = retry_after(&headers, config.retry.max_retry_after);
            // The status says enough; a body that breaks off or runs past the limit is cut.
            let body = read_prefix(response, ERROR_BODY_LIMIT).await;
            return Err(api_error(status, request_id(&headers), &body, retry_after));
        }
        Ok(Answer {
            response,
            status,
            headers,
        })
    }

    fn url(&self) -> Result<String, Error> {
        let base = &self.client.config().base_url;
        let mut url = String::with_capacity(base.len() + self.target.path().len() + 64);
        url.push_str(base);
        let mut path = Cow::Borrowed(self.target.path());
        if let Target::Operation(op) = &self.target {
            for param in op.params.iter().filter(|param| param.location == ParamLocation::Path) {
                let value = self
                    .path_args
                    .iter()
                    .find(|(name, _)| *name == param.name)
                    .map(|(_, value)| value.as_str())
                    .ok_or_else(|| Error::Request(format!("missing path parameter `{}`", param.name)))?;
                if value.is_empty() {
                    return Err(Error::Request(format!("path parameter `{}` is empty", param.name)));
                }
                path = Cow::Owned(path.replace(
                    &format!("{{{}}}", param.name),
                    &utf8_percent_encode(value, SEGMENT).to_string(),
                ));
            }
        }
        url.push_str(&path);
        let fixed = match &self.target {
            Target::Operation(op) => op.params,
            Target::Custom(_) => &[],
        }
        .iter()
        .filter(|param| param.location == ParamLocation::Query)
        .filter_map(|param| {
            param
                .fixed_value
                .map(|value| (Cow::Borrowed(param.name), value.to_owned()))
        });
        let extra = self
            .options
            .query
            .iter()
            .map(|(name, value)| (Cow::Owned(name.clone()), value.clone()));
        // Credentials that travel in the query string (`?key=…`); every other scheme is a header.
        let mut credentials = Vec::new();
        for scheme in self.target.security() {
            if let SecurityScheme::GeminiApiKeyQuery = scheme {
                let key = self.client.config().auth.as_ref().ok_or_else(|| {
                    Error::Config(format!(
                        "no API key: set {} or use ClientBuilder::api_key",
                        crate::config::API_KEY_ENV
                    ))
                })?;
                let key = key
                    .plain
                    .to_str()
                    .map_err(|_| Error::Config("the API key has characters a query string cannot carry".to_owned()))?;
                credentials.push((Cow::Borrowed("key"), key.to_owned()));
            }
        }
        let mut separator = if path.contains('?') { '&' } else { '?' };
        for (name, value) in fixed.chain(self.query.iter().cloned()).chain(extra).chain(credentials) {
            url.push(separator);
            separator = '&';
            url.extend(utf8_percent_encode(&name, SEGMENT));
            url.push('=');
            url.extend(utf8_percent_encode(&value, SEGMENT));
        }
        Ok(url)
    }

    fn headers(&self, accept: &'static str) -> Result<HeaderMap, Error> {
        let config = self.client.config();
        let mut headers = config.headers.clone();
        headers.insert(ACCEPT, HeaderValue::from_static(accept));
        if matches!(self.body, Body::Json(_)) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        if let Target::Operation(op) = &self.target {
            for param in op.params.iter().filter(|param| param.location == ParamLocation::Header) {
                let value = match param.fixed_value {
                    Some(value) => value,
                    None if param.name.eq_ignore_ascii_case("anthropic-version") => config.anthropic_version.as_str(),
                    None => continue,
                };
                headers.insert(header_name(param.name)?, header_value(value, false)?);
            }
        }
        for scheme in self.target.security() {
            self.authenticate(*scheme, &mut headers)?;
        }
        for (name, value) in &self.options.headers {
            headers.insert(name.clone(), value.clone());
        }
        if let Some(key) = &self.options.idempotency_key {
            headers.insert(HeaderName::from_static("idempotency-key"), header_value(key, false)?);
        }
        Ok(headers)
    }

    /// Puts the credential of `scheme` into `headers`. Every scheme of the spec is handled here: a new one
    /// fails the build until it is.
    fn authenticate(&self, scheme: SecurityScheme, headers: &mut HeaderMap) -> Result<(), Error> {
        let config = self.client.config();
        let key = || {
            config.auth.as_ref().ok_or_else(|| {
                Error::Config(format!(
                    "no API key: set {} or use ClientBuilder::api_key",
                    crate::config::API_KEY_ENV
                ))
            })
        };
        let access = || {
            let (Some(token), Some(user)) = (config.access_token(), config.user_id.as_deref()) else {
                return Err(Error::Config(format!(
                    "{} needs the system access token and user id: ClientBuilder::access_token, or {} and {}",
                    self.target.path(),
                    crate::config::ACCESS_TOKEN_ENV,
                    crate::config::USER_ID_ENV
                )));
            };
            Ok((token, user))
        };
        match scheme {
            SecurityScheme::BearerAuth => {
                headers.insert(AUTHORIZATION, key()?.bearer.clone());
            }
            SecurityScheme::ClaudeApiKey => {
                headers.insert(HeaderName::from_static("x-api-key"), key()?.plain.clone());
            }
            SecurityScheme::GeminiApiKey => {
                headers.insert(HeaderName::from_static("x-goog-api-key"), key()?.plain.clone());
            }
            // The key goes into the query string (`url`), not a header.
            SecurityScheme::GeminiApiKeyQuery => {}
            SecurityScheme::MjApiSecret => {
                headers.insert(HeaderName::from_static("mj-api-secret"), key()?.plain.clone());
            }
            SecurityScheme::AccessToken => {
                let (token, _) = access()?;
                headers.insert(AUTHORIZATION, header_value(token, true)?);
            }
            SecurityScheme::NewApiUser => {
                let (_, user) = access()?;
                headers.insert(HeaderName::from_static("new-api-user"), header_value(user, false)?);
            }
        }
        Ok(())
    }

    /// The body as sent: the stream flag set as the call needs it, the options' extra members merged in.
    fn final_body(&self) -> Result<Body, Error> {
        let Body::Json(bytes) = &self.body else {
            if !self.options.body.is_empty() {
                return Err(Error::Request("extra body members need a JSON request body".to_owned()));
            }
            return Ok(self.body.clone());
        };
        let flag = match (self.target.stream_flag(), self.stream_flag) {
            (Some(name), Some((current, on))) if current.unwrap_or(false) != on => Some((name, current, on)),
            _ => None,
        };
        if flag.is_none() && self.options.body.is_empty() {
            return Ok(self.body.clone());
        }
        let bad = |error: serde_json::Error| Error::Request(format!("the request body does not serialize: {error}"));
        // The common case, a stream call of a request that leaves the flag unset, splices the member in.
        if let (Some((name, None, true)), true) = (flag, self.options.body.is_empty()) {
            if let Some(spliced) = splice_member(bytes, name, "true") {
                return Ok(Body::Json(spliced));
            }
        }
        let mut value: Value = serde_json::from_slice(bytes).map_err(bad)?;
        let Value::Object(object) = &mut value else {
            return Err(Error::Request("extra body members need a JSON object body".to_owned()));
        };
        if let Some((name, _, on)) = flag {
            if on {
                object.insert(name.to_owned(), Value::Bool(true));
            } else {
                object.remove(name);
            }
        }
        for (name, member) in &self.options.body {
            object.insert(name.clone(), member.clone());
        }
        serde_json::to_vec(&value)
            .map(|bytes| Body::Json(Bytes::from(bytes)))
            .map_err(bad)
    }
}

/// `{"name":value,` spliced after the opening brace of a serialized object; `None` when it is not one.
fn splice_member(bytes: &[u8], name: &str, value: &str) -> Option<Bytes> {
    let rest = bytes.strip_prefix(b"{")?;
    let empty = rest.iter().all(u8::is_ascii_whitespace) || rest.starts_with(b"}");
    let mut out = Vec::with_capacity(bytes.len() + name.len() + value.len() + 4);
    out.extend_from_slice(b"{\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
    out.extend_from_slice(value.as_bytes());
    if !empty {
        out.push(b',');
    }
    out.extend_from_slice(rest);
    Some(Bytes::from(out))
}

/// Reads the rest of a body after `first` (a piece already read), failing as soon as it passes `limit` (or at
/// once, when the declared length does).
async fn read_rest(
    mut response: reqwest::Response,
    first: Option<Bytes>,
    limit: usize,
    status: u16,
    connect_timeout: Duration,
) -> Result<Bytes, Error> {
    let too_large = || {
        Error::TooLarge(LimitError {
            kind: LimitKind::Answer,
            limit,
            status,
            events_received: 0,
        })
    };
    let declared = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok())
        .or_else(|| response.content_length());
    if declared.is_some_and(|declared| declared > limit as u64) {
        return Err(too_large());
    }
    let mut body = Pieces::new(declared.map_or(0, |declared| declared as usize));
    let mut next = first;
    loop {
        let chunk = match next.take() {
            Some(chunk) => chunk,
            None => match response
                .chunk()
                .await
                .map_err(|error| body_error(error, connect_timeout))?
            {
                Some(chunk) => chunk,
                None => break,
            },
        };
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.push(chunk);
    }
    Ok(body.into_bytes())
}

/// The pieces of a body, joined. Most answers arrive in one piece, which is kept as it came: no copy.
struct Pieces {
    whole: Option<Bytes>,
    joined: BytesMut,
    expected: usize,
}

impl Pieces {
    /// Room for `expected` bytes (the declared length) is made when a second piece arrives.
    fn new(expected: usize) -> Pieces {
        Pieces {
            whole: None,
            joined: BytesMut::new(),
            expected,
        }
    }

    fn len(&self) -> usize {
        self.whole.as_ref().map_or(0, Bytes::len) + self.joined.len()
    }

    fn push(&mut self, piece: Bytes) {
        if piece.is_empty() {
            return;
        }
        if self.whole.is_none() && self.joined.is_empty() {
            self.whole = Some(piece);
            return;
        }
        if let Some(first) = self.whole.take() {
            self.joined.reserve(self.expected.max(first.len() + piece.len()));
            self.joined.extend_from_slice(&first);
        }
        self.joined.extend_from_slice(&piece);
    }

    fn into_bytes(self) -> Bytes {
        match self.whole {
            Some(whole) => whole,
            None => self.joined.freeze(),
        }
    }
}

/// At most `limit` bytes of a body; what breaks off or runs past the limit is dropped.
async fn read_prefix(mut response: reqwest::Response, limit: usize) -> Bytes {
    let mut body = BytesMut::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = limit - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= limit {
            break;
        }
    }
    body.freeze()
}

/// Whether `haystack` contains `needle` (lower case), ignoring ASCII case.
fn contains_ignoring_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle))
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

fn header_name(name: &str) -> Result<HeaderName, Error> {
    HeaderName::try_from(name).map_err(|_| Error::Request(format!("invalid header name `{name}`")))
}

fn header_value(value: &str, sensitive: bool) -> Result<HeaderValue, Error> {
    // The message never repeats the value: it may be a secret.
    let mut value =
        HeaderValue::try_from(value).map_err(|_| Error::Config("a header value has invalid characters".to_owned()))?;
    value.set_sensitive(sensitive);
    Ok(value)
}

fn to_reqwest_method(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
    }
}

/// A fresh form for each attempt (a sent form is consumed); the file bytes are shared, not copied.
#[cfg(feature = "rt-multipart")]
fn form(parts: &[Part]) -> Result<reqwest::multipart::Form, Error> {
    let mut form = reqwest::multipart::Form::new();
    for part in parts {
        let built = match &part.value {
            PartValue::Text(text) => reqwest::multipart::Part::text(text.clone()),
            PartValue::File {
                file_name,
                content_type,
                bytes,
            } => {
                let mime = content_type
                    .clone()
                    .unwrap_or_else(|| mime_guess::from_path(file_name).first_or_octet_stream().to_string());
                reqwest::multipart::Part::stream_with_length(reqwest::Body::from(bytes.clone()), bytes.len() as u64)
                    .file_name(file_name.clone())
                    .mime_str(&mime)
                    .map_err(|_| Error::Request(format!("invalid content type `{mime}` for `{file_name}`")))?
            }
        };
        form = form.part(part.name, built);
    }
    Ok(form)
}

/// A failure while reading a body: the answer broke off (reqwest calls a cut chunked body a decode error).
fn body_error(error: reqwest::Error, connect_timeout: Duration) -> Error {
    if error.is_timeout() || error.is_connect() {
        transport_error(error, connect_timeout)
    } else {
        Error::Connection(error)
    }
}

fn transport_error(error: reqwest::Error, connect_timeout: Duration) -> Error {
    if error.is_connect() && error.is_timeout() {
        Error::Timeout(Timeout::new(TimeoutKind::Connect, connect_timeout))
    } else if error.is_connect() || error.is_request() || error.is_body() || error.is_timeout() {
        Error::Connection(error)
    } else {
        Error::Request(error.to_string())
    }
}

/// The request id the gateway sent, under any of the header names gateways use.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    request_id_str(headers).map(str::to_owned)
}

pub(crate) fn request_id_str(headers: &HeaderMap) -> Option<&str> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| headers.get(name))
        .and_then(|value| value.to_str().ok())
}

/// The wait a server asks for: `retry-after-ms`, or `Retry-After` in seconds or as an HTTP date; capped.
pub(crate) fn retry_after(headers: &HeaderMap, cap: Duration) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::trim);
    let wait = if let Some(millis) = text("retry-after-ms").and_then(|value| value.parse::<f64>().ok()) {
        Duration::try_from_secs_f64(millis / 1000.0).ok()?
    } else {
        let value = text(RETRY_AFTER.as_str())?;
        match value.parse::<f64>() {
            Ok(seconds) => Duration::try_from_secs_f64(seconds).ok()?,
            Err(_) => {
                let at = httpdate::parse_http_date(value).ok()?;
                at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO)
            }
        }
    };
    Some(wait.min(cap))
}

fn api_error(status: u16, request_id: Option<String>, body: &[u8], retry_after: Option<Duration>) -> Error {
    let decoded = serde_json::from_slice::<Value>(body)
        .ok()
        .as_ref()
        .and_then(ApiErrorBody::from_value);
    let raw = if decoded.is_none() && !body.is_empty() {
        Some(snippet(body))
    } else {
        None
    };
    Error::Api(Box::new(
        ApiError::new(status, decoded, raw)
            .with_request_id(request_id)
            .with_retry_after(retry_after),
    ))
}

fn decode_json<T: DeserializeOwned>(answer: &FullAnswer, in_band: &[InBandEnvelope]) -> Result<T, Error> {
    let declared = answer
        .headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let json =
        declared.is_empty() || contains_ignoring_case(declared.as_bytes(), b"json") || looks_like_json(&answer.body);
    if !json {
        return Err(Error::Unexpected(Box::new(UnexpectedAnswer {
            status: answer.status,
            content_type: content_type(&answer.headers),
            expected: "JSON",
            body: answer.body.clone(),
            request_id: answer.request_id(),
        })));
    }
    let decode_error = |path: String, message: String| {
        Error::Decode(Box::new(DecodeError::new(answer.status, path, message, &answer.body)))
    };
    if in_band.is_empty() {
        return decode_json_path(&answer.body).map_err(|(path, message)| decode_error(path, message));
    }
    // This operation may carry an error envelope with a 2xx status: look at the top-level members before
    // decoding (the text is checked as UTF-8 once); only an answer that looks like an envelope is read into a
    // `Value` to be decoded as one.
    let text =
        allmhub_types::json_path::text(&answer.body).map_err(|failure| decode_error(failure.path, failure.message))?;
    let envelope =
        ApiErrorBody::may_be_in_band(text, in_band).map_err(|error| decode_error("$".to_owned(), error.to_string()))?;
    if envelope {
        let value: Value =
            serde_json::from_str(text).map_err(|error| decode_error("$".to_owned(), error.to_string()))?;
        if let Some(body) = ApiErrorBody::from_value(&value) {
            return Err(Error::Api(Box::new(
                ApiError::new(answer.status, Some(body), None)
                    .with_request_id(answer.request_id())
                    .in_band(),
            )));
        }
    }
    // Decoded from the text rather than from a value: every answer type then has one decoder.
    decode_text_path(text).map_err(|(path, message)| decode_error(path, message))
}

/// Decodes a whole JSON answer given to a stream request.
fn decode_whole<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, Error> {
    decode_json_path(body)
        .map_err(|(path, message)| Error::Decode(Box::new(DecodeError::new(status, path, message, body))))
}

/// One event, or a JSON array of them.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum OneOrMany<E> {
    Many(Vec<E>),
    One(E),
}

impl<E> OneOrMany<E> {
    fn into_vec(self) -> Vec<E> {
        match self {
            OneOrMany::Many(events) => events,
            OneOrMany::One(event) => vec![event],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::splice_member;

    #[test]
    fn the_stream_flag_is_spliced_into_an_object() {
        let spliced = splice_member(br#"{"model":"m"}"#, "stream", "true").expect("an object");
        assert_eq!(&spliced[..], br#"{"stream":true,"model":"m"}"#);
        let value: serde_json::Value = serde_json::from_slice(&spliced).expect("valid JSON");
        assert_eq!(value["stream"], true);
        assert_eq!(
            &splice_member(b"{}", "stream", "true").expect("an object")[..],
            br#"{"stream":true}"#
        );
        assert_eq!(splice_member(b"[1]", "stream", "true"), None);
    }
}
