//! Sending one operation: URL, authentication, body, retries, timeouts, and turning the answer into a typed
//! value or an [`Error`].

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use allmhub_types::{FormPart, MultipartForm, Operation, ParamLocation};
use backon::{ExponentialBuilder, Retryable};
use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::Instrument;

use crate::error::{ApiError, ApiErrorBody, DecodeError, Timeout, TimeoutKind, decode_json_path, json_path, snippet};
use crate::stream::{ByteStream, EventStream};
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

/// One call of an operation, being built.
pub(crate) struct Call<'a> {
    client: &'a Client,
    op: &'static Operation,
    path_args: Vec<(&'static str, String)>,
    query: Vec<(&'static str, String)>,
    body: Body,
    error: Option<Error>,
}

#[derive(Clone)]
enum Body {
    None,
    Json(Bytes),
    Multipart(Vec<Part>),
}

#[derive(Clone)]
struct Part {
    name: &'static str,
    value: PartValue,
}

#[derive(Clone)]
enum PartValue {
    Text(String),
    File {
        file_name: String,
        content_type: Option<String>,
        bytes: Bytes,
    },
}

/// What an attempt produced.
enum Answer {
    /// Status and headers; the body is still to be read (streams).
    Head(reqwest::Response),
    /// The whole answer.
    Full(FullAnswer),
}

struct FullAnswer {
    status: u16,
    request_id: Option<String>,
    content_type: String,
    body: Bytes,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Full,
    Head,
}

impl<'a> Call<'a> {
    pub(crate) fn new(client: &'a Client, op: &'static Operation) -> Self {
        Call {
            client,
            op,
            path_args: Vec::new(),
            query: Vec::new(),
            body: Body::None,
            error: None,
        }
    }

    /// Fills the `{name}` segment of the path.
    pub(crate) fn path(mut self, name: &'static str, value: &str) -> Self {
        self.path_args.push((name, value.to_owned()));
        self
    }

    /// Adds a query member when `value` is set.
    pub(crate) fn query(mut self, name: &'static str, value: Option<&str>) -> Self {
        if let Some(value) = value {
            self.query.push((name, value.to_owned()));
        }
        self
    }

    /// A JSON body. `stream` forces the operation's stream flag on (`Some(true)`) or off (`Some(false)`).
    pub(crate) fn json<T: Serialize>(mut self, body: &T, stream: Option<bool>) -> Self {
        let encoded = serde_json::to_vec(body).and_then(|bytes| match (stream, self.op.stream_flag) {
            (Some(on), Some(flag)) => set_flag(bytes, flag, on),
            _ => Ok(bytes),
        });
        match encoded {
            Ok(bytes) => self.body = Body::Json(Bytes::from(bytes)),
            Err(error) => self.error = Some(Error::Request(format!("the request body does not serialize: {error}"))),
        }
        self
    }

    /// A `multipart/form-data` body.
    pub(crate) fn multipart<F: MultipartForm>(mut self, form: &F) -> Self {
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

    /// Sends the call and decodes the JSON answer.
    pub(crate) async fn json_response<T: DeserializeOwned>(self) -> Result<T, Error> {
        let in_band = self.op.in_band_errors;
        let answer = self.send_full("application/json").await?;
        decode_json(&answer, in_band)
    }

    /// Sends the call and returns the answer's bytes (audio, video).
    pub(crate) async fn bytes_response(self) -> Result<Bytes, Error> {
        Ok(self.send_full("*/*").await?.body)
    }

    /// Sends the call and returns the answer as text (`text/plain` transcription formats).
    pub(crate) async fn text_response(self) -> Result<String, Error> {
        let answer = self.send_full("text/plain, application/json").await?;
        String::from_utf8(answer.body.to_vec()).map_err(|error| {
            Error::Decode(Box::new(DecodeError {
                status: answer.status,
                path: "$".to_owned(),
                message: format!("the answer is not UTF-8 text: {error}"),
                body: snippet(&answer.body),
                event: None,
            }))
        })
    }

    /// Sends the call and returns its event stream. Retries stop once the answer's headers arrived.
    pub(crate) async fn event_stream<T: DeserializeOwned>(self) -> Result<EventStream<T>, Error> {
        let idle = self.client.config().stream_idle_timeout;
        match self.send(Mode::Head, "text/event-stream").await? {
            Answer::Head(response) => Ok(EventStream::new(response, idle)),
            Answer::Full(_) => unreachable!("head mode returns the head"),
        }
    }

    /// Sends the call and returns the answer's body as a stream of chunks.
    pub(crate) async fn byte_stream(self) -> Result<ByteStream, Error> {
        let idle = self.client.config().stream_idle_timeout;
        match self.send(Mode::Head, "*/*").await? {
            Answer::Head(response) => Ok(ByteStream::new(response, idle)),
            Answer::Full(_) => unreachable!("head mode returns the head"),
        }
    }

    async fn send_full(self, accept: &'static str) -> Result<FullAnswer, Error> {
        match self.send(Mode::Full, accept).await? {
            Answer::Full(answer) => Ok(answer),
            Answer::Head(_) => unreachable!("full mode reads the body"),
        }
    }

    async fn send(mut self, mode: Mode, accept: &'static str) -> Result<Answer, Error> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        let url = self.url()?;
        let headers = self.headers(accept)?;
        let config = self.client.config();
        let policy = config.retry;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(policy.initial_delay)
            .with_max_delay(policy.max_delay)
            .with_max_times(policy.max_retries as usize)
            .with_jitter();
        let attempts = AtomicU32::new(0);
        let span = tracing::info_span!(
            "allmhub.request",
            operation = self.op.id,
            method = self.op.method.as_str(),
            path = self.op.path,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        let this = &self;
        let (url, headers, attempts) = (&url, &headers, &attempts);
        (move || async move {
            let attempt = attempts.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::Span::current().record("attempt", attempt);
            // Boxed: the attempt's state (reqwest's futures, the body) stays out of the caller's future,
            // which would otherwise be kilobytes moved around on every poll setup.
            Box::pin(this.attempt(mode, url, headers)).await
        })
        .retry(backoff)
        .sleep(tokio::time::sleep)
        .when(Error::is_retryable)
        // Out of retries `delay` is `None`; otherwise the server's `Retry-After` wins over the backoff.
        .adjust(|error, delay| delay.map(|delay| error.retry_after().unwrap_or(delay)))
        .notify(|error, delay| tracing::warn!(%error, ?delay, "retrying"))
        .instrument(span)
        .await
    }

    /// One attempt, within the request timeout (a single timer for the whole attempt).
    async fn attempt(&self, mode: Mode, url: &str, headers: &HeaderMap) -> Result<Answer, Error> {
        let config = self.client.config();
        match tokio::time::timeout(config.timeout, self.attempt_untimed(mode, url, headers)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Error::Timeout(Timeout {
                kind: TimeoutKind::Request,
                after: config.timeout,
            })),
        }
    }

    async fn attempt_untimed(&self, mode: Mode, url: &str, headers: &HeaderMap) -> Result<Answer, Error> {
        let config = self.client.config();
        let request = self.client.http().request(to_reqwest_method(self.op.method), url);
        let request = match &self.body {
            Body::None => request,
            Body::Json(bytes) => request.body(bytes.clone()),
            Body::Multipart(parts) => request.multipart(form(parts)?),
        };
        let mut request = request
            .build()
            .map_err(|error| Error::Request(format!("cannot build the request: {error}")))?;
        // The headers were built and checked once per call; each attempt only copies them in.
        request.headers_mut().extend(headers.clone());
        let response = self
            .client
            .http()
            .execute(request)
            .await
            .map_err(|error| transport_error(error, config.connect_timeout))?;
        let status = response.status().as_u16();
        tracing::Span::current().record("status", status);
        // Only errors carry the request id; successful answers skip the lookups.
        let in_band_possible = !self.op.in_band_errors.is_empty();
        let request_id = if (200..300).contains(&status) && !in_band_possible {
            None
        } else {
            request_id(response.headers())
        };
        if !(200..300).contains(&status) {
            let retry_after = retry_after(response.headers(), config.retry.max_retry_after);
            // The status says enough; a body that breaks off is reported as empty.
            let body = response.bytes().await.unwrap_or_default();
            return Err(api_error(status, request_id, &body, false, retry_after));
        }
        if mode == Mode::Head {
            return Ok(Answer::Head(response));
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response
            .bytes()
            .await
            .map_err(|error| transport_error(error, config.connect_timeout))?;
        Ok(Answer::Full(FullAnswer {
            status,
            request_id,
            content_type,
            body,
        }))
    }

    fn url(&self) -> Result<String, Error> {
        let mut path = self.op.path.to_owned();
        for param in self
            .op
            .params
            .iter()
            .filter(|param| param.location == ParamLocation::Path)
        {
            let value = self
                .path_args
                .iter()
                .find(|(name, _)| *name == param.name)
                .map(|(_, value)| value.as_str())
                .ok_or_else(|| Error::Request(format!("missing path parameter `{}`", param.name)))?;
            if value.is_empty() {
                return Err(Error::Request(format!("path parameter `{}` is empty", param.name)));
            }
            path = path.replace(
                &format!("{{{}}}", param.name),
                &utf8_percent_encode(value, SEGMENT).to_string(),
            );
        }
        let mut url = format!("{}{path}", self.client.config().base_url);
        let fixed = self
            .op
            .params
            .iter()
            .filter(|param| param.location == ParamLocation::Query)
            .filter_map(|param| param.fixed_value.map(|value| (param.name, value.to_owned())));
        let query: Vec<(&str, String)> = fixed.chain(self.query.iter().cloned()).collect();
        for (index, (name, value)) in query.iter().enumerate() {
            url.push(if index == 0 { '?' } else { '&' });
            url.push_str(&utf8_percent_encode(name, SEGMENT).to_string());
            url.push('=');
            url.push_str(&utf8_percent_encode(value, SEGMENT).to_string());
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
        for param in self
            .op
            .params
            .iter()
            .filter(|param| param.location == ParamLocation::Header)
        {
            let value = match param.fixed_value {
                Some(value) => value,
                None if param.name.eq_ignore_ascii_case("anthropic-version") => config.anthropic_version.as_str(),
                None => continue,
            };
            headers.insert(header_name(param.name)?, header_value(value, false)?);
        }
        let key = || {
            config.auth.as_ref().ok_or_else(|| {
                Error::Config(format!(
                    "no API key: set {} or use ClientBuilder::api_key",
                    crate::config::API_KEY_ENV
                ))
            })
        };
        let requirement = self.op.security.first().copied().unwrap_or_default();
        for scheme in requirement {
            match *scheme {
                "bearerAuth" => {
                    headers.insert(AUTHORIZATION, key()?.bearer.clone());
                }
                "claudeApiKey" => {
                    headers.insert(HeaderName::from_static("x-api-key"), key()?.plain.clone());
                }
                "geminiApiKey" => {
                    headers.insert(HeaderName::from_static("x-goog-api-key"), key()?.plain.clone());
                }
                "mjApiSecret" => {
                    headers.insert(HeaderName::from_static("mj-api-secret"), key()?.plain.clone());
                }
                "accessToken" | "newApiUser" => {
                    let (Some(token), Some(user)) = (config.access_token(), config.user_id.as_deref()) else {
                        return Err(Error::Config(format!(
                            "{} needs the system access token and user id: ClientBuilder::access_token, or {} and {}",
                            self.op.path,
                            crate::config::ACCESS_TOKEN_ENV,
                            crate::config::USER_ID_ENV
                        )));
                    };
                    headers.insert(AUTHORIZATION, header_value(token, true)?);
                    headers.insert(HeaderName::from_static("new-api-user"), header_value(user, false)?);
                }
                other => return Err(Error::Config(format!("unsupported security scheme `{other}`"))),
            }
        }
        Ok(headers)
    }
}

/// Sets (or clears) the top-level boolean `flag` of a serialized object. The body is rebuilt only when it
/// changes: a request already saying what the call needs goes out as serialized.
fn set_flag(bytes: Vec<u8>, flag: &str, on: bool) -> serde_json::Result<Vec<u8>> {
    let set = format!("\"{flag}\":true");
    // A quote inside a JSON string is escaped, so the pattern only matches a member (at some depth).
    let maybe_set = memchr::memchr_iter(b'"', &bytes).any(|at| bytes[at..].starts_with(set.as_bytes()));
    if !on && !maybe_set {
        return Ok(bytes);
    }
    let mut value: Value = serde_json::from_slice(&bytes)?;
    if let Value::Object(object) = &mut value {
        if on {
            object.insert(flag.to_owned(), Value::Bool(true));
        } else if object.get(flag) == Some(&Value::Bool(true)) {
            object.remove(flag);
        }
    }
    serde_json::to_vec(&value)
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

fn to_reqwest_method(method: allmhub_types::Method) -> reqwest::Method {
    match method {
        allmhub_types::Method::Get => reqwest::Method::GET,
        allmhub_types::Method::Post => reqwest::Method::POST,
        allmhub_types::Method::Put => reqwest::Method::PUT,
        allmhub_types::Method::Patch => reqwest::Method::PATCH,
        allmhub_types::Method::Delete => reqwest::Method::DELETE,
    }
}

/// A fresh form for each attempt (a sent form is consumed); the file bytes are shared, not copied.
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

fn transport_error(error: reqwest::Error, connect_timeout: Duration) -> Error {
    if error.is_connect() && error.is_timeout() {
        Error::Timeout(Timeout {
            kind: TimeoutKind::Connect,
            after: connect_timeout,
        })
    } else if error.is_connect() || error.is_request() || error.is_body() || error.is_timeout() {
        Error::Connection(error)
    } else {
        Error::Request(error.to_string())
    }
}

/// The request id the gateway sent, under any of the header names gateways use.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| headers.get(name))
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
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

fn api_error(
    status: u16,
    request_id: Option<String>,
    body: &[u8],
    in_band: bool,
    retry_after: Option<Duration>,
) -> Error {
    let decoded = serde_json::from_slice::<Value>(body)
        .ok()
        .as_ref()
        .and_then(ApiErrorBody::from_value);
    let raw = if decoded.is_none() && !body.is_empty() {
        Some(snippet(body))
    } else {
        None
    };
    Error::Api(Box::new(ApiError {
        status,
        body: decoded,
        request_id,
        raw,
        in_band,
        retry_after,
    }))
}

fn decode_json<T: DeserializeOwned>(answer: &FullAnswer, in_band: &[&str]) -> Result<T, Error> {
    let decode_error = |path: String, message: String| {
        Error::Decode(Box::new(DecodeError {
            status: answer.status,
            path,
            message,
            body: snippet(&answer.body),
            event: None,
        }))
    };
    let looks_like_json = answer.content_type.is_empty()
        || answer.content_type.contains("json")
        || answer.body.starts_with(b"{")
        || answer.body.starts_with(b"[");
    if !looks_like_json {
        return Err(decode_error(
            "$".to_owned(),
            format!("expected JSON, the server answered `{}`", answer.content_type),
        ));
    }
    if !in_band.is_empty() {
        // This operation may carry an error envelope with a 2xx status: look before decoding.
        let value: Value =
            serde_json::from_slice(&answer.body).map_err(|error| decode_error("$".to_owned(), error.to_string()))?;
        if let Some(body) = ApiErrorBody::in_band(&value, in_band) {
            return Err(Error::Api(Box::new(ApiError {
                status: answer.status,
                body: Some(body),
                request_id: answer.request_id.clone(),
                raw: None,
                in_band: true,
                retry_after: None,
            })));
        }
        return serde_path_to_error::deserialize(value)
            .map_err(|error| decode_error(json_path(error.path()), error.inner().to_string()));
    }
    decode_json_path(&answer.body).map_err(|(path, message)| decode_error(path, message))
}
