//! Async client for the ALLMHUB LLM gateway and the new-api / one-api gateways it is built on.
//!
//! One API, four dialects: OpenAI (chat, responses, audio, embeddings, images, videos), Claude Messages,
//! Gemini v1beta, and Midjourney-proxy tasks, plus account endpoints. Requests and answers are the typed
//! models of [`types`] (the `allmhub-types` crate, generated from the spec); streams are typed too.
//!
//! ```no_run
//! # async fn run() -> Result<(), allmhub::Error> {
//! let client = allmhub::Client::from_env()?; // ALLMHUB_API_KEY, optional ALLMHUB_BASE_URL
//! let request: allmhub::types::ChatCompletionRequest = serde_json::from_value(serde_json::json!({
//!     "model": "gpt-4o-mini",
//!     "messages": [{"role": "user", "content": "Hello!"}],
//! })).expect("a valid request");
//! let answer = client.chat().create(&request).await?;
//! println!("{:?}", answer.choices[0].message.content);
//! # Ok(()) }
//! ```
//!
//! What the client does for every call:
//! - authentication per dialect (`Authorization: Bearer`, Claude's `x-api-key` + `anthropic-version`,
//!   Gemini's `x-goog-api-key`); the key never appears in `Debug` output, errors or logs;
//! - retries of connection failures and HTTP 408/409/429/5xx (2 by default) with exponential backoff,
//!   jitter and the server's `Retry-After`, never after a stream has delivered an event;
//! - timeouts for the whole request, for connecting, and between stream events;
//! - typed errors ([`Error`]) carrying the status, the decoded error envelope, the request id, and for
//!   answers that do not match the spec the JSON path where decoding failed; error envelopes the gateway
//!   sends with HTTP 200 are errors too;
//! - a `tracing` span per request (`allmhub.request`: operation, method, path, attempt, status).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod api;
mod config;
mod error;
mod stream;
mod transport;

use std::fmt;
use std::sync::Arc;

pub use allmhub_types as types;
pub use api::*;
pub use config::{
    ACCESS_TOKEN_ENV, API_KEY_ENV, BASE_URL_ENV, ClientBuilder, DEFAULT_ANTHROPIC_VERSION, DEFAULT_BASE_URL,
    RetryPolicy, USER_ID_ENV,
};
pub use error::{ApiError, ApiErrorBody, DecodeError, Error, StreamError, Timeout, TimeoutKind};
pub use stream::{ByteStream, EventStream};

use config::Config;

/// A client of the gateway. Cheap to clone; clones share the connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    http: reqwest::Client,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the defaults: base URL `https://api.allmhub.com`, 10 minute request timeout,
    /// 5 minute stream idle timeout, 10 s connect timeout, 2 retries.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment: `ALLMHUB_API_KEY` (required), `ALLMHUB_BASE_URL`, and
    /// for the user balance `ALLMHUB_ACCESS_TOKEN` with `ALLMHUB_USER_ID`.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    pub(crate) fn from_parts(config: Config, http: reqwest::Client) -> Client {
        Client {
            inner: Arc::new(Inner { config, http }),
        }
    }

    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.config.base_url
    }
}
