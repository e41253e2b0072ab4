//! Per-request options: [`RequestOptions`], set on one [`Call`](crate::Call) or on a
//! [`Client::with_options`](crate::Client::with_options) view of the client.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::Error;

/// Options of one request, layered over the client's settings; anything left unset keeps the client's value.
///
/// ```no_run
/// # async fn run(client: &allmhub::Client, request: &allmhub::types::ChatCompletionRequest) -> Result<(), allmhub::Error> {
/// use std::time::Duration;
/// let answer = client
///     .chat()
///     .create(request)
///     .timeout(Duration::from_secs(30))
///     .header("x-trace", "checkout-42")
///     .body_member("seed", 7)
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct RequestOptions {
    /// Timeout of each attempt (default: the client's).
    pub timeout: Option<Duration>,
    /// Retries after the first attempt (default: the client's).
    pub max_retries: Option<u32>,
    /// Retry an operation that is not idempotent (a job submission, an image generation) after failures that
    /// may have reached the gateway, such as a 502 or a connection cut after the request was sent. Off by
    /// default: the gateway may have accepted and charged the first attempt. Without it such operations are
    /// retried only when the request certainly was not processed (see [`Error::was_not_processed`]). Give an
    /// [`idempotency_key`](Self::idempotency_key) too if the gateway honours one.
    pub retry_unsafe: bool,
    /// Headers added to the request (replacing the client's headers of the same name).
    pub headers: HeaderMap,
    /// Query members added to the URL.
    pub query: Vec<(String, String)>,
    /// Top-level members merged into a JSON request body (replacing members of the same name), for
    /// parameters the spec does not know yet.
    pub body: Map<String, Value>,
    /// An `Idempotency-Key` header, sent unchanged with every attempt.
    pub idempotency_key: Option<String>,
    /// Set when an option could not be built (an invalid header); the call fails with it instead of being sent.
    pub(crate) invalid: Option<String>,
}

impl fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may carry credentials: names only.
        f.debug_struct("RequestOptions")
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("retry_unsafe", &self.retry_unsafe)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("query", &self.query)
            .field("body", &self.body.keys().collect::<Vec<_>>())
            .field("idempotency_key", &self.idempotency_key.as_ref().map(|_| "[set]"))
            .finish()
    }
}

impl RequestOptions {
    /// No options: everything as the client is configured.
    pub fn new() -> RequestOptions {
        RequestOptions::default()
    }

    /// Sets the timeout of each attempt.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the number of retries after the first attempt (0 disables retrying).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// Allows retrying an operation that is not idempotent after ambiguous failures (see the field's docs).
    pub fn retry_unsafe(mut self, allow: bool) -> Self {
        self.retry_unsafe = allow;
        self
    }

    /// Adds a header. An invalid name or value makes the call fail with [`Error::Request`] (the message
    /// names the header, never the value).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(name), Ok(value)) => {
                self.headers.insert(name, value);
            }
            _ => self.invalid = Some(format!("invalid header `{name}`")),
        }
        self
    }

    /// Adds a query member.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds (or replaces) a top-level member of the JSON request body.
    pub fn body_member(mut self, name: impl Into<String>, value: impl Serialize) -> Self {
        let name = name.into();
        match serde_json::to_value(value) {
            Ok(value) => {
                self.body.insert(name, value);
            }
            Err(error) => self.invalid = Some(format!("body member `{name}` does not serialize: {error}")),
        }
        self
    }

    /// Sends `Idempotency-Key: <key>` with every attempt.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// These options with `other`'s set values on top (headers, query and body members are added).
    pub fn merged(mut self, other: &RequestOptions) -> RequestOptions {
        self.timeout = other.timeout.or(self.timeout);
        self.max_retries = other.max_retries.or(self.max_retries);
        self.retry_unsafe |= other.retry_unsafe;
        for (name, value) in &other.headers {
            self.headers.insert(name.clone(), value.clone());
        }
        self.query.extend(other.query.iter().cloned());
        for (name, value) in &other.body {
            self.body.insert(name.clone(), value.clone());
        }
        if other.idempotency_key.is_some() {
            self.idempotency_key.clone_from(&other.idempotency_key);
        }
        if other.invalid.is_some() {
            self.invalid.clone_from(&other.invalid);
        }
        self
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        match &self.invalid {
            Some(message) => Err(Error::Request(message.clone())),
            None => Ok(()),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.timeout.is_none()
            && self.max_retries.is_none()
            && !self.retry_unsafe
            && self.headers.is_empty()
            && self.query.is_empty()
            && self.body.is_empty()
            && self.idempotency_key.is_none()
            && self.invalid.is_none()
    }
}
