//! Per-call options, response metadata, the escape hatch for paths outside the spec, client-wide option
//! views, and base URLs written the OpenAI-SDK way.

mod support;

use std::time::Duration;

use allmhub::types::{ChatCompletionRequest, ChatMessage, Method, SecurityScheme};
use allmhub::{Error, RequestOptions, TimeoutKind};
use futures_util::StreamExt;
use support::{KEY, Reply, Server, builder, client, within};

const COMPLETION: &str = r#"{"id":"chatcmpl-1","object":"chat.completion","created":1762737988,"model":"gpt-4o-mini",
 "choices":[{"index":0,"message":{"role":"assistant","content":"Hi!"},"finish_reason":"stop"}],
 "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11},"x_gateway_extra":{"route":"b"}}"#;

fn request() -> ChatCompletionRequest {
    ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user("Hello!")])
}

#[tokio::test]
async fn per_call_headers_query_and_body_members_are_sent() {
    let server = Server::start(vec![Reply::json(200, COMPLETION)]).await;
    within(
        10,
        client(&server.url)
            .chat()
            .create(&request())
            .header("x-trace", "checkout-42")
            .query("api-version", "2025-01-01")
            .body_member("seed", 7)
            .body_member("temperature", 0.5),
    )
    .await
    .expect("answer");
    let sent = &server.requests()[0];
    assert_eq!(sent.header("x-trace"), Some("checkout-42"));
    assert_eq!(sent.target, "/v1/chat/completions?api-version=2025-01-01");
    let body = sent.json();
    assert_eq!(body["seed"], 7);
    assert_eq!(body["temperature"], 0.5);
    assert_eq!(body["model"], "gpt-4o-mini", "the typed members stay");
    assert!(
        body.get("stream").is_none(),
        "a whole-answer call leaves the flag unset"
    );
}

#[tokio::test]
async fn an_invalid_header_fails_the_call_without_sending_or_echoing_the_value() {
    let server = Server::start(vec![Reply::json(200, COMPLETION)]).await;
    let error = within(
        10,
        client(&server.url).chat().create(&request()).header("x-bad", "a\nb"),
    )
    .await
    .expect_err("invalid header");
    assert!(matches!(&error, Error::Request(message) if message.contains("x-bad") && !message.contains("a\nb")));
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_per_call_timeout_and_retry_count_override_the_clients() {
    let server = Server::start(vec![Reply::Stall]).await;
    let error = within(
        10,
        client(&server.url)
            .chat()
            .create(&request())
            .timeout(Duration::from_millis(200))
            .max_retries(0),
    )
    .await
    .expect_err("the call times out");
    match error {
        Error::Timeout(timeout) => {
            assert_eq!(timeout.kind, TimeoutKind::Request);
            assert_eq!(timeout.after, Duration::from_millis(200));
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 1, "no retry");

    let server = Server::start(vec![Reply::json(500, "{}"), Reply::json(200, COMPLETION)]).await;
    let error = within(10, client(&server.url).chat().create(&request()).max_retries(0))
        .await
        .expect_err("no retry");
    assert_eq!(error.status(), Some(500));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn with_response_gives_status_headers_request_id_and_on_request_the_raw_body() {
    let server = Server::start(vec![
        Reply::json(200, COMPLETION)
            .with_header("x-oneapi-request-id", "20251110-abc")
            .with_header("x-ratelimit-remaining-requests", "99"),
    ])
    .await;
    let response = within(10, client(&server.url).chat().create(&request()).with_raw_response())
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    assert_eq!(response.request_id(), Some("20251110-abc"));
    assert_eq!(
        response
            .headers()
            .get("x-ratelimit-remaining-requests")
            .map(|value| value.as_bytes()),
        Some(b"99".as_slice())
    );
    assert_eq!(response.id, "chatcmpl-1", "the response derefs to the answer");
    let raw = response.raw_json().expect("kept").expect("JSON");
    assert_eq!(
        raw["x_gateway_extra"]["route"], "b",
        "members the spec does not know are in the raw body"
    );

    let server = Server::start(vec![Reply::json(200, COMPLETION)]).await;
    let response = within(10, client(&server.url).chat().create(&request()).with_response())
        .await
        .expect("answer");
    assert!(response.raw_body().is_none(), "the raw body is kept only on request");
    assert_eq!(response.into_inner().id, "chatcmpl-1");
}

#[tokio::test]
async fn a_stream_exposes_its_metadata_from_the_headers_on() {
    let body = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[]}\n\ndata: [DONE]\n\n";
    let server = Server::start(vec![Reply::Status {
        status: 200,
        headers: vec![
            ("content-type", "text/event-stream".into()),
            ("x-new-api-request-id", "req-7".into()),
        ],
        body: body.as_bytes().to_vec(),
    }])
    .await;
    let response = within(10, client(&server.url).chat().create_stream(&request()).with_response())
        .await
        .expect("stream");
    assert_eq!(response.request_id(), Some("req-7"));
    let stream = response.into_inner();
    assert_eq!(stream.request_id(), Some("req-7"));
    assert_eq!(stream.status(), 200);
    assert!(stream.headers().contains_key("x-new-api-request-id"));
    assert!(!stream.is_synthesized());
    let events: Vec<_> = within(10, stream.collect::<Vec<_>>()).await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        server.requests()[0].json()["stream"],
        true,
        "the stream call sets the flag"
    );
}

#[tokio::test]
async fn a_client_view_with_options_applies_them_to_every_call() {
    let server = Server::start(vec![Reply::json(200, COMPLETION)]).await;
    let base = client(&server.url);
    let tagged = base.with_options(RequestOptions::new().header("x-team", "search").query("tenant", "a"));
    within(10, tagged.chat().create(&request())).await.expect("answer");
    within(10, tagged.chat().create(&request()).query("extra", "1"))
        .await
        .expect("answer");
    within(10, base.chat().create(&request())).await.expect("answer");
    let sent = server.requests();
    assert_eq!(sent[0].header("x-team"), Some("search"));
    assert_eq!(sent[0].target, "/v1/chat/completions?tenant=a");
    assert_eq!(sent[1].target, "/v1/chat/completions?tenant=a&extra=1");
    assert_eq!(sent[2].header("x-team"), None, "the original client is unchanged");
}

#[tokio::test]
async fn a_custom_path_is_called_with_the_same_auth_and_errors() {
    let server = Server::start(vec![Reply::json(
        200,
        r#"{"id":"cmp_1","object":"response.compaction"}"#,
    )])
    .await;
    let answer: serde_json::Value = within(
        10,
        client(&server.url)
            .custom(Method::Post, "/v1/responses/compact")
            .json(&serde_json::json!({"model": "gpt-5", "input": []}))
            .into_json(),
    )
    .await
    .expect("answer");
    assert_eq!(answer["object"], "response.compaction");
    let sent = &server.requests()[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.target, "/v1/responses/compact");
    assert_eq!(sent.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(sent.json()["model"], "gpt-5");

    // A POST is not retried after an ambiguous failure; a GET is.
    let server = Server::start(vec![Reply::json(502, "{}"), Reply::json(200, "{}")]).await;
    let error = within(
        10,
        client(&server.url)
            .custom(Method::Post, "v1/things")
            .into_json::<serde_json::Value>(),
    )
    .await
    .expect_err("502");
    assert_eq!(error.status(), Some(502));
    assert_eq!(server.requests().len(), 1);
    let server = Server::start(vec![Reply::json(502, "{}"), Reply::json(200, r#"{"ok":true}"#)]).await;
    let answer: serde_json::Value = within(
        10,
        client(&server.url).custom(Method::Get, "/api/usage/token").into_json(),
    )
    .await
    .expect("retried");
    assert_eq!(answer["ok"], true);
    assert_eq!(server.requests().len(), 2);

    // Another scheme, or none.
    let server = Server::start(vec![Reply::json(200, "{}")]).await;
    within(
        10,
        client(&server.url)
            .custom(Method::Get, "/v1beta/openai/models")
            .auth(&[SecurityScheme::GeminiApiKey])
            .into_json::<serde_json::Value>(),
    )
    .await
    .expect("answer");
    let sent = &server.requests()[0];
    assert_eq!(sent.header("x-goog-api-key"), Some(KEY));
    assert_eq!(sent.header("authorization"), None);
}

#[tokio::test]
async fn a_base_url_ending_in_v1_is_not_doubled() {
    let server = Server::start(vec![Reply::json(200, COMPLETION)]).await;
    for base in [format!("{}/v1", server.url), format!("{}/v1/", server.url)] {
        let client = builder(&base).build().expect("client");
        assert_eq!(client.base_url(), server.url);
        within(10, client.chat().create(&request())).await.expect("answer");
    }
    assert!(
        server
            .requests()
            .iter()
            .all(|request| request.target == "/v1/chat/completions")
    );
}
