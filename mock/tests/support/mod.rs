//! Shared by the mock's tests: clients with fast retries, and a guard against hanging.

#![allow(dead_code)] // each test file uses part of it

use std::time::Duration;

/// A key that must never show up in reports or logs.
pub const KEY: &str = "sk-mock-test-0123456789-SECRET";

/// A client of `url` with the test key, short timeouts and fast retries.
pub fn builder(url: &str) -> allmhub::ClientBuilder {
    let mut retries = allmhub::RetryPolicy::default();
    retries.max_retries = 2;
    retries.initial_delay = Duration::from_millis(5);
    retries.max_delay = Duration::from_millis(20);
    retries.max_retry_after = Duration::from_secs(2);
    allmhub::Client::builder()
        .api_key(KEY)
        .access_token(KEY, "42")
        .base_url(url)
        .timeout(Duration::from_secs(10))
        .stream_idle_timeout(Duration::from_secs(10))
        .retry_policy(retries)
}

/// A client of `url` (see [`builder`]).
pub fn client(url: &str) -> allmhub::Client {
    builder(url).build().expect("a client")
}

/// Runs `future`, failing the test instead of hanging.
pub async fn within<T>(seconds: u64, future: impl std::future::IntoFuture<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(seconds), future.into_future()).await {
        Ok(value) => value,
        Err(_) => panic!("no result within {seconds} s"),
    }
}

/// A plain HTTP client, for what the generated client would not send.
pub fn http() -> reqwest::Client {
    // reqwest is built without a default TLS provider in this workspace.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
