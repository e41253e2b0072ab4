//! Client configuration: [`ClientBuilder`] and [`Client::from_env`](crate::Client::from_env).

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::Error;

/// The ALLMHUB gateway.
pub const DEFAULT_BASE_URL: &str = "https://api.allmhub.com";
/// The `anthropic-version` sent with Claude requests unless configured otherwise.
pub const DEFAULT_ANTHROPIC_VERSION: &str = "2023-06-01";
/// Environment variable holding the API key.
pub const API_KEY_ENV: &str = "ALLMHUB_API_KEY";
/// Environment variable overriding the base URL.
pub const BASE_URL_ENV: &str = "ALLMHUB_BASE_URL";
/// Environment variable holding the system access token (for the user balance).
pub const ACCESS_TOKEN_ENV: &str = "ALLMHUB_ACCESS_TOKEN";
/// Environment variable holding the numeric user id that owns the access token.
pub const USER_ID_ENV: &str = "ALLMHUB_USER_ID";
/// The default limit of a whole JSON or text answer: large enough for base64 images in image answers.
pub const DEFAULT_MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;
/// The default limit of a whole binary answer read into memory; larger files should be streamed
/// (the `_stream` methods).
pub const DEFAULT_MAX_BINARY_BYTES: usize = 1024 * 1024 * 1024;

/// Retry behaviour.
///
/// ```
/// use std::time::Duration;
/// let policy = allmhub::RetryPolicy::default().max_retries(4).delays(Duration::from_secs(1), Duration::from_secs(20));
/// assert_eq!(policy.max_retries, 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 2).
    pub max_retries: u32,
    /// First backoff delay, doubled on each retry, with jitter (default 500 ms).
    pub initial_delay: Duration,
    /// Longest backoff delay (default 8 s).
    pub max_delay: Duration,
    /// Longest `Retry-After` honoured; longer requests are capped to it (default 60 s).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Sets the retries after the first attempt.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the first backoff delay and the longest one.
    pub fn delays(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_delay = initial;
        self.max_delay = max;
        self
    }

    /// Sets the longest `Retry-After` honoured.
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }
}

/// The API key as ready-made header values (marked sensitive, so `http` never prints them).
#[derive(Clone)]
pub(crate) struct KeyHeaders {
    /// `Bearer <key>`.
    pub(crate) bearer: HeaderValue,
    /// `<key>`.
    pub(crate) plain: HeaderValue,
}

impl KeyHeaders {
    fn new(key: &str) -> Result<Self, Error> {
        let value = |text: &str| {
            let mut value = HeaderValue::try_from(text)
                .map_err(|_| Error::Config("the API key has characters a header cannot carry".to_owned()))?;
            value.set_sensitive(true);
            Ok::<_, Error>(value)
        };
        Ok(KeyHeaders {
            bearer: value(&format!("Bearer {key}"))?,
            plain: value(key)?,
        })
    }
}

/// Resolved settings of a [`Client`](crate::Client).
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) base_url: String,
    pub(crate) api_key: Option<SecretString>,
    pub(crate) access_token: Option<SecretString>,
    pub(crate) user_id: Option<String>,
    pub(crate) anthropic_version: String,
    pub(crate) timeout: Duration,
    pub(crate) stream_idle_timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) headers: HeaderMap,
    /// Built from `api_key` when the client is built.
    pub(crate) auth: Option<KeyHeaders>,
    pub(crate) max_event_bytes: usize,
    pub(crate) max_answer_bytes: usize,
    pub(crate) max_binary_bytes: usize,
    pub(crate) proxy: Option<String>,
}

impl Config {
    pub(crate) fn access_token(&self) -> Option<&str> {
        self.access_token.as_ref().map(ExposeSecret::expose_secret)
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Secrets print as set / not set, never their value.
        f.debug_struct("Config")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("access_token", &self.access_token.as_ref().map(|_| "[REDACTED]"))
            .field("user_id", &self.user_id)
            .field("anthropic_version", &self.anthropic_version)
            .field("timeout", &self.timeout)
            .field("stream_idle_timeout", &self.stream_idle_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("max_event_bytes", &self.max_event_bytes)
            .field("max_answer_bytes", &self.max_answer_bytes)
            .field("max_binary_bytes", &self.max_binary_bytes)
            // A proxy URL may carry credentials.
            .field("proxy", &self.proxy.as_ref().map(|_| "[set]"))
            .finish()
    }
}

/// Builds a [`Client`](crate::Client).
///
/// ```no_run
/// use std::time::Duration;
/// let client = allmhub::Client::builder()
///     .api_key("sk-…")
///     .timeout(Duration::from_secs(120))
///     .max_retries(3)
///     .build()?;
/// # Ok::<(), allmhub::Error>(())
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    config: Config,
    http: Option<reqwest::Client>,
    error: Option<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            config: Config {
                base_url: DEFAULT_BASE_URL.to_owned(),
                api_key: None,
                access_token: None,
                user_id: None,
                anthropic_version: DEFAULT_ANTHROPIC_VERSION.to_owned(),
                timeout: Duration::from_secs(600),
                stream_idle_timeout: Duration::from_secs(300),
                connect_timeout: Duration::from_secs(10),
                retry: RetryPolicy::default(),
                headers: HeaderMap::new(),
                auth: None,
                max_event_bytes: crate::stream::DEFAULT_MAX_EVENT_BYTES,
                max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES,
                max_binary_bytes: DEFAULT_MAX_BINARY_BYTES,
                proxy: None,
            },
            http: None,
            error: None,
        }
    }
}

impl ClientBuilder {
    /// The API key (令牌, `sk-…`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.config.api_key = Some(SecretString::from(key.into()));
        self
    }

    /// The base URL (default `https://api.allmhub.com`); any new-api / one-api gateway works. A URL ending in
    /// `/v1` or `/v1beta` (the OpenAI and Google SDK habit) is understood: every operation path already starts
    /// with its version, so that segment is dropped rather than doubled.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.config.base_url = normalize_base_url(&url.into());
        self
    }

    /// The system access token and the numeric user id that owns it; only the user-balance endpoint
    /// (`/api/user/self`) needs them.
    pub fn access_token(mut self, token: impl Into<String>, user_id: impl Into<String>) -> Self {
        self.config.access_token = Some(SecretString::from(token.into()));
        self.config.user_id = Some(user_id.into());
        self
    }

    /// Timeout of a whole request, retries excluded (default 10 minutes). For a stream it covers the wait
    /// for the answer's headers; [`stream_idle_timeout`](Self::stream_idle_timeout) covers the rest.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// Longest gap between two events of a stream (default 5 minutes). Chat-format video models stream
    /// progress for many minutes; the stream lives as long as events keep coming.
    pub fn stream_idle_timeout(mut self, timeout: Duration) -> Self {
        self.config.stream_idle_timeout = timeout;
        self
    }

    /// Timeout of connecting to the server (default 10 s). Ignored with [`http_client`](Self::http_client).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// Retries after a failed attempt (default 2; 0 disables retrying).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.config.retry.max_retries = retries;
        self
    }

    /// The whole retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.config.retry = policy;
        self
    }

    /// The `anthropic-version` header of Claude requests (default `2023-06-01`).
    pub fn anthropic_version(mut self, version: impl Into<String>) -> Self {
        self.config.anthropic_version = version.into();
        self
    }

    /// A header sent with every request.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(name), Ok(value)) => {
                self.config.headers.insert(name, value);
            }
            _ => self.error = Some(format!("invalid header `{name}`")),
        }
        self
    }

    /// The largest event of a stream the client accepts (default 64 MiB). A larger one is
    /// [`Error::TooLarge`](crate::Error::TooLarge) as soon as it passes the limit, before the rest is read.
    pub fn max_event_bytes(mut self, limit: usize) -> Self {
        self.config.max_event_bytes = limit;
        self
    }

    /// The largest whole JSON or text answer the client reads (default 64 MiB); see
    /// [`max_event_bytes`](Self::max_event_bytes).
    pub fn max_answer_bytes(mut self, limit: usize) -> Self {
        self.config.max_answer_bytes = limit;
        self
    }

    /// The largest binary answer read whole into memory (default 1 GiB); stream larger files.
    pub fn max_binary_bytes(mut self, limit: usize) -> Self {
        self.config.max_binary_bytes = limit;
        self
    }

    /// Sends every request through this proxy (`http://host:port`, `socks5://…` is not supported). Without
    /// it, the usual environment variables apply: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`
    /// (upper or lower case), as curl reads them. Ignored with [`http_client`](Self::http_client).
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.config.proxy = Some(url.into());
        self
    }

    /// Uses this HTTP client (its timeouts, proxies, TLS settings) instead of building one.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Builds the client.
    pub fn build(mut self) -> Result<crate::Client, Error> {
        if let Some(error) = self.error {
            return Err(Error::Config(error));
        }
        self.config.auth = match &self.config.api_key {
            Some(key) => Some(KeyHeaders::new(key.expose_secret())?),
            None => None,
        };
        let base = &self.config.base_url;
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::Config(format!(
                "base URL must start with http:// or https://, found {base:?}"
            )));
        }
        let http = match self.http {
            Some(http) => http,
            None => build_http(&self.config)?,
        };
        Ok(crate::Client::from_parts(self.config, http))
    }

    /// A builder filled from the environment: `ALLMHUB_API_KEY` (required), `ALLMHUB_BASE_URL`,
    /// `ALLMHUB_ACCESS_TOKEN` with `ALLMHUB_USER_ID`.
    pub fn from_env() -> Result<Self, Error> {
        let mut builder = ClientBuilder::default();
        match std::env::var(API_KEY_ENV) {
            Ok(key) if !key.trim().is_empty() => builder = builder.api_key(key.trim()),
            _ => return Err(Error::Config(format!("{API_KEY_ENV} is not set"))),
        }
        if let Ok(url) = std::env::var(BASE_URL_ENV) {
            if !url.trim().is_empty() {
                builder = builder.base_url(url.trim());
            }
        }
        if let (Ok(token), Ok(user)) = (std::env::var(ACCESS_TOKEN_ENV), std::env::var(USER_ID_ENV)) {
            builder = builder.access_token(token.trim(), user.trim());
        }
        Ok(builder)
    }
}

/// `https://host/v1/` → `https://host`: the operations' paths carry their own version.
fn normalize_base_url(url: &str) -> String {
    let mut url = url.trim().trim_end_matches('/');
    for version in ["/v1", "/v1beta"] {
        if let Some(stripped) = url.strip_suffix(version) {
            url = stripped.trim_end_matches('/');
            break;
        }
    }
    url.to_owned()
}

fn build_http(config: &Config) -> Result<reqwest::Client, Error> {
    let error = |error: reqwest::Error| Error::Config(format!("cannot build the HTTP client: {error}"));
    let builder = reqwest::Client::builder()
        .connect_timeout(config.connect_timeout)
        .user_agent(concat!("allmhub-rs/", env!("CARGO_PKG_VERSION")));
    #[cfg(not(feature = "http2"))]
    let builder = builder.http1_only();
    let builder = match &config.proxy {
        Some(url) => builder.proxy(
            reqwest::Proxy::all(url.as_str()).map_err(|_| Error::Config("the proxy URL is not valid".to_owned()))?,
        ),
        None => builder,
    };
    let builder = tls(builder)?;
    builder.build().map_err(error)
}

/// rustls with `ring`, configured for this client only: no process-wide provider is installed, so an
/// application that chooses another provider (or none) is unaffected.
#[cfg(feature = "rustls")]
fn tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_platform_verifier())
        .map_err(|error| Error::Config(format!("cannot set up TLS: {error}")))?
        .with_no_client_auth();
    tls.alpn_protocols = if cfg!(feature = "http2") {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    Ok(builder.tls_backend_preconfigured(tls))
}

/// The platform's TLS (OpenSSL, Secure Transport, SChannel).
#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
fn tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    Ok(builder.tls_backend_native())
}

/// No TLS backend: plain `http://` only.
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
fn tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    Ok(builder)
}

#[cfg(test)]
mod tests {
    use super::normalize_base_url;

    #[test]
    fn a_base_url_ending_in_its_version_is_not_doubled() {
        for url in [
            "https://api.allmhub.com",
            "https://api.allmhub.com/",
            "https://api.allmhub.com/v1",
            "https://api.allmhub.com/v1/",
            "https://api.allmhub.com/v1beta",
            " https://api.allmhub.com/v1beta/ ",
        ] {
            assert_eq!(normalize_base_url(url), "https://api.allmhub.com", "{url}");
        }
        // A gateway mounted under a prefix keeps it; only the version goes.
        assert_eq!(
            normalize_base_url("http://127.0.0.1:3000/gateway/v1"),
            "http://127.0.0.1:3000/gateway"
        );
        // `v1` inside a name is not a version segment.
        assert_eq!(
            normalize_base_url("https://example.com/apiv1"),
            "https://example.com/apiv1"
        );
    }
}
