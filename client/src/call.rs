//! [`Call`]: what every operation method returns. Awaiting it sends the request; before that, its methods set
//! options for this one request, or ask for the answer together with its metadata ([`Response`]).

use std::future::{Future, IntoFuture};
use std::ops::Deref;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use serde::Serialize;

use crate::Error;
use crate::options::RequestOptions;
use crate::transport::Prepared;

type Receiving<'a, T> = Pin<Box<dyn Future<Output = Result<Response<T>, Error>> + Send + 'a>>;

/// One call of an operation, ready to send: `.await` it for the answer. Nothing is sent until then.
///
/// ```no_run
/// # async fn run(client: allmhub::Client, request: allmhub::types::ChatCompletionRequest) -> Result<(), allmhub::Error> {
/// // The answer alone.
/// let answer = client.chat().create(&request).await?;
/// // Options for this call only, and the answer with its status, headers and request id.
/// let response = client
///     .chat()
///     .create(&request)
///     .timeout(std::time::Duration::from_secs(20))
///     .max_retries(0)
///     .with_response()
///     .await?;
/// println!("{:?} {:?}", response.request_id(), response.headers().get("x-ratelimit-remaining-requests"));
/// let answer = response.into_inner();
/// # Ok(()) }
/// ```
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<'a, T> {
    prepared: Prepared<'a>,
    receive: fn(Prepared<'a>, bool) -> Receiving<'a, T>,
}

impl<T> std::fmt::Debug for Call<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("options", &self.prepared.options)
            .finish_non_exhaustive()
    }
}

impl<'a, T: 'a> Call<'a, T> {
    pub(crate) fn new(prepared: Prepared<'a>, receive: fn(Prepared<'a>, bool) -> Receiving<'a, T>) -> Self {
        Call { prepared, receive }
    }

    fn with(mut self, change: impl FnOnce(RequestOptions) -> RequestOptions) -> Self {
        let options = std::mem::take(&mut self.prepared.options);
        self.prepared.options = change(options);
        self
    }

    /// Sets the timeout of each attempt of this call.
    pub fn timeout(self, timeout: Duration) -> Self {
        self.with(|options| options.timeout(timeout))
    }

    /// Sets the retries of this call (0: no retry).
    pub fn max_retries(self, retries: u32) -> Self {
        self.with(|options| options.max_retries(retries))
    }

    /// Allows retrying this call after failures that may have reached the gateway even though the operation
    /// is not idempotent (it may charge twice); see [`RequestOptions::retry_unsafe`].
    pub fn retry_unsafe(self) -> Self {
        self.with(|options| options.retry_unsafe(true))
    }

    /// Adds a header to this call.
    pub fn header(self, name: &str, value: &str) -> Self {
        self.with(|options| options.header(name, value))
    }

    /// Adds a query member to this call.
    pub fn query(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.with(|options| options.query(name, value))
    }

    /// Adds (or replaces) a top-level member of the JSON request body, for parameters the spec does not know.
    pub fn body_member(self, name: impl Into<String>, value: impl Serialize) -> Self {
        self.with(|options| options.body_member(name, value))
    }

    /// Sends `Idempotency-Key: <key>` with every attempt of this call.
    pub fn idempotency_key(self, key: impl Into<String>) -> Self {
        self.with(|options| options.idempotency_key(key))
    }

    /// Applies `options` on top of what is set.
    pub fn options(self, options: &RequestOptions) -> Self {
        self.with(|current| current.merged(options))
    }

    /// Sends the call and returns the answer with its status, headers and request id.
    pub fn with_response(self) -> impl Future<Output = Result<Response<T>, Error>> + Send + 'a {
        (self.receive)(self.prepared, false)
    }

    /// Like [`with_response`](Self::with_response), and keeps the raw body too ([`Response::raw_body`]),
    /// for members the spec does not know. Streams have no raw body.
    pub fn with_raw_response(self) -> impl Future<Output = Result<Response<T>, Error>> + Send + 'a {
        (self.receive)(self.prepared, true)
    }
}

impl<'a, T: 'a> IntoFuture for Call<'a, T> {
    type Output = Result<T, Error>;
    type IntoFuture = CallFuture<'a, T>;

    fn into_future(self) -> Self::IntoFuture {
        CallFuture {
            receiving: (self.receive)(self.prepared, false),
        }
    }
}

/// An awaited [`Call`]: the answer without its HTTP metadata (see [`Call::with_response`] for those).
#[must_use = "futures do nothing unless awaited"]
pub struct CallFuture<'a, T> {
    // The call's own future, already boxed: this one only drops the metadata, without a second allocation.
    receiving: Receiving<'a, T>,
}

impl<T> Future for CallFuture<'_, T> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        self.receiving
            .as_mut()
            .poll(cx)
            .map(|answer| answer.map(Response::into_inner))
    }
}

impl<T> std::fmt::Debug for CallFuture<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallFuture").finish_non_exhaustive()
    }
}

/// An answer with the metadata of the HTTP response it came in.
#[derive(Debug, Clone)]
pub struct Response<T> {
    value: T,
    status: u16,
    headers: HeaderMap,
    raw: Option<Bytes>,
}

impl<T> Response<T> {
    pub(crate) fn new(value: T, status: u16, headers: HeaderMap, raw: Option<Bytes>) -> Self {
        Response {
            value,
            status,
            headers,
            raw,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers (rate limits, the gateway's request id, caching).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The gateway's request id (`X-Oneapi-Request-Id`, `X-New-Api-Request-Id`, `X-Request-Id` or
    /// `Request-Id`), for support tickets and logs.
    pub fn request_id(&self) -> Option<&str> {
        crate::transport::request_id_str(&self.headers)
    }

    /// The body as received, when asked for with [`Call::with_raw_response`].
    pub fn raw_body(&self) -> Option<&Bytes> {
        self.raw.as_ref()
    }

    /// The raw body as JSON, when it was kept (members the spec does not know included).
    pub fn raw_json(&self) -> Option<serde_json::Result<serde_json::Value>> {
        self.raw.as_ref().map(|raw| serde_json::from_slice(raw))
    }

    /// The answer.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The answer, dropping the metadata.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The answer and the headers.
    pub fn into_parts(self) -> (T, HeaderMap) {
        (self.value, self.headers)
    }
}

impl<T> Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}
