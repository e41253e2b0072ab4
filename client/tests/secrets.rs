//! The API key and the access token never show in `Debug` or `Display` output, in errors, or in `tracing`
//! output.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::json;
use support::{KEY, Reply, Server, builder, within};

const TOKEN: &str = "access-token-SECRET-42";

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(KEY), "the API key leaked into {what}: {text}");
    assert!(!text.contains(TOKEN), "the access token leaked into {what}: {text}");
}

#[test]
fn debug_output_of_the_client_and_builder_hides_secrets() {
    let builder = builder("http://127.0.0.1:9").access_token(TOKEN, "42");
    assert_clean("ClientBuilder Debug", &format!("{builder:?}"));
    let client = builder.build().expect("client");
    let debug = format!("{client:?}");
    assert_clean("Client Debug", &debug);
    assert!(debug.contains("[REDACTED]"), "secrets show as redacted: {debug}");
    assert!(
        debug.contains("127.0.0.1:9"),
        "the rest of the configuration is visible"
    );
}

/// A `tracing` writer that keeps everything in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn errors_and_traces_hide_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = Server::start(vec![
        Reply::json(503, "{}"),
        Reply::json(
            401,
            r#"{"error":{"message":"无效的令牌 (request id: 1)","type":"new_api_error"}}"#,
        ),
    ])
    .await;
    let client = builder(&server.url).access_token(TOKEN, "42").build().expect("client");
    let request = serde_json::from_value(json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]}))
        .expect("request");
    let error = within(10, client.chat().create(&request)).await.expect_err("401");
    assert_eq!(error.status(), Some(401));
    assert_clean("the error's Debug", &format!("{error:?}"));
    assert_clean("the error's Display", &error.to_string());

    let user = within(10, client.account().user_self())
        .await
        .expect_err("the server has no more answers but 401");
    assert_clean("the dashboard error", &format!("{user:?}"));

    let missing_key = allmhub::Client::builder()
        .base_url(&server.url)
        .build()
        .expect("client");
    let config_error = within(10, missing_key.chat().create(&request))
        .await
        .expect_err("no key");
    assert!(matches!(config_error, allmhub::Error::Config(_)), "{config_error:?}");

    let trace = String::from_utf8(captured.0.lock().expect("buffer").clone()).expect("utf-8");
    assert!(trace.contains("allmhub.request"), "requests are traced: {trace}");
    assert!(trace.contains("retrying"), "retries are traced: {trace}");
    assert_clean("tracing output", &trace);
    // The server did receive the secrets, where they belong.
    let requests = server.requests();
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(
        requests.last().and_then(|request| request.header("authorization")),
        Some(TOKEN)
    );
}
