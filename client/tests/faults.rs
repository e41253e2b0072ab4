//! The fault matrix: each misbehaving server gets an exact expected outcome, and no call may hang or panic.

mod support;

use std::time::{Duration, Instant};

use allmhub::types::{ChatCompletionChunk, ChatCompletionRequest, FinishReason};
use allmhub::{ApiErrorBody, Error, TimeoutKind};
use futures_util::StreamExt;
use serde_json::json;
use support::{KEY, Reply, Server, Then, builder, client, within};

fn chat_request() -> ChatCompletionRequest {
    serde_json::from_value(json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello!"}]}))
        .expect("a valid request")
}

const COMPLETION: &str = r#"{"id":"chatcmpl-1","object":"chat.completion","created":1762737988,"model":"gpt-4o-mini",
 "choices":[{"index":0,"message":{"role":"assistant","content":"Hi!"},"finish_reason":"stop"}],
 "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}"#;

fn chunk(content: &str) -> String {
    format!(
        r#"data: {{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{{"index":0,"delta":{{"content":{}}},"finish_reason":null}}]}}"#,
        serde_json::to_string(content).expect("string")
    ) + "\n\n"
}

/// Every item of the chat stream `server` answers with.
async fn chat_stream_items(server: &Server) -> Vec<Result<ChatCompletionChunk, Error>> {
    let stream = within(10, client(&server.url).chat().create_stream(&chat_request()))
        .await
        .expect("the stream opens");
    within(10, stream.collect()).await
}

fn assert_no_key(error: &Error) {
    assert!(!format!("{error:?}").contains(KEY), "the key leaked into {error:?}");
    assert!(!error.to_string().contains(KEY));
}

#[tokio::test]
async fn http_429_with_retry_after_is_retried_after_the_wait() {
    let server = Server::start(vec![
        Reply::json(
            429,
            r#"{"error":{"message":"当前分组上游负载已饱和，请稍后再试","type":"new_api_error"}}"#,
        )
        .with_header("retry-after", "1"),
        Reply::json(200, COMPLETION),
    ])
    .await;
    let started = Instant::now();
    let answer = within(10, client(&server.url).chat().create(&chat_request()))
        .await
        .expect("success after the retry");
    assert_eq!(answer.id, "chatcmpl-1");
    assert_eq!(server.requests().len(), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited {:?}, the server asked for 1 s",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_retried_call_sends_the_same_request_again() {
    let server = Server::start(vec![
        Reply::json(429, r#"{"error":{"message":"busy","type":"new_api_error"}}"#).with_header("retry-after", "0"),
        Reply::json(200, COMPLETION),
    ])
    .await;
    let answer = within(
        10,
        client(&server.url)
            .chat()
            .create(&chat_request())
            .header("x-trace", "t-1")
            .idempotency_key("call-1"),
    )
    .await
    .expect("success after the retry");
    assert_eq!(answer.id, "chatcmpl-1");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let (first, second) = (&requests[0], &requests[1]);
    assert_eq!(first.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(first.header("x-trace"), Some("t-1"));
    assert_eq!(first.header("idempotency-key"), Some("call-1"));
    // Every header but the connection's own, in the same order, and the same body.
    let headers = |request: &support::Received| {
        request
            .headers
            .iter()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("host"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(headers(second), headers(first));
    assert_eq!(second.body, first.body);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured_and_capped() {
    let in_an_hour = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3600));
    let server = Server::start(vec![
        Reply::json(503, "{}").with_header("retry-after", &in_an_hour),
        Reply::json(200, COMPLETION),
    ])
    .await;
    let started = Instant::now();
    within(10, client(&server.url).chat().create(&chat_request()))
        .await
        .expect("success");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1900) && waited < Duration::from_secs(5),
        "capped at 2 s, waited {waited:?}"
    );
}

#[tokio::test]
async fn http_500_twice_then_200_succeeds_on_the_third_attempt() {
    let server = Server::start(vec![
        Reply::json(500, "{}"),
        Reply::json(500, "{}"),
        Reply::json(200, COMPLETION),
    ])
    .await;
    let answer = within(10, client(&server.url).chat().create(&chat_request()))
        .await
        .expect("third attempt succeeds");
    assert_eq!(answer.id, "chatcmpl-1");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn http_500_three_times_gives_up_after_two_retries() {
    let server = Server::start(vec![Reply::json(
        500,
        r#"{"error":{"message":"upstream down","type":"upstream_error"}}"#,
    )])
    .await;
    let error = within(10, client(&server.url).chat().create(&chat_request()))
        .await
        .expect_err("fails");
    assert_eq!(error.status(), Some(500));
    assert_eq!(server.requests().len(), 3);
    assert_no_key(&error);
}

#[tokio::test]
async fn http_400_is_not_retried_and_carries_the_decoded_body_and_request_id() {
    let body = r#"{"error":{"message":"model gpt-9 not found (request id: 2025111006261234)","type":"new_api_error","param":"","code":"model_not_found"}}"#;
    let server = Server::start(vec![
        Reply::json(400, body).with_header("x-oneapi-request-id", "2025111006261234"),
    ])
    .await;
    let error = within(10, client(&server.url).chat().create(&chat_request()))
        .await
        .expect_err("fails");
    assert_eq!(server.requests().len(), 1, "400 is not retried");
    let api = error.api().expect("an API error");
    assert_eq!(api.status, 400);
    assert_eq!(api.request_id.as_deref(), Some("2025111006261234"));
    let Some(ApiErrorBody::OpenAi(envelope)) = &api.body else {
        panic!("OpenAI envelope, got {:?}", api.body)
    };
    assert_eq!(
        envelope.error.code.as_ref().map(|code| code.as_str()),
        Some("model_not_found")
    );
    assert!(error.to_string().contains("model_not_found"), "{error}");
    assert_no_key(&error);
}

#[tokio::test]
async fn a_reset_before_the_headers_is_retried() {
    let server = Server::start(vec![Reply::Close, Reply::json(200, COMPLETION)]).await;
    within(10, client(&server.url).chat().create(&chat_request()))
        .await
        .expect("the retry succeeds");
    assert_eq!(server.requests().len(), 2);

    let always = Server::start(vec![Reply::Close]).await;
    let error = within(10, client(&always.url).chat().create(&chat_request()))
        .await
        .expect_err("fails");
    assert!(matches!(error, Error::Connection(_)), "{error:?}");
    assert_eq!(always.requests().len(), 3);
    assert_no_key(&error);
}

#[tokio::test]
async fn a_reset_mid_stream_ends_the_stream_with_an_error_and_no_retry() {
    let pieces = vec![
        (chunk("one").into_bytes(), Duration::from_millis(20)),
        (chunk("two").into_bytes(), Duration::from_millis(20)),
        (b"data: {\"id\":\"c\",\"obj".to_vec(), Duration::ZERO),
    ];
    let server = Server::start(vec![Reply::Pieces {
        status: 200,
        content_type: "text/event-stream",
        pieces,
        then: Then::Cut,
    }])
    .await;
    let items = chat_stream_items(&server).await;
    assert_eq!(items.len(), 3, "two events, then the break: {items:?}");
    let contents: Vec<String> = items[..2]
        .iter()
        .map(|item| {
            item.as_ref().expect("an event").choices[0]
                .delta
                .content
                .clone()
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(contents, ["one", "two"]);
    let Err(Error::Stream(broken)) = &items[2] else {
        panic!("a stream error, got {:?}", items[2])
    };
    assert_eq!(broken.events_received, 2);
    assert_eq!(
        server.requests().len(),
        1,
        "a stream that delivered events is never retried"
    );
}

/// The decode error a chat call gets from `server`'s answer.
async fn chat_decode_error(server: &Server) -> Box<allmhub::DecodeError> {
    let error = within(10, client(&server.url).chat().create(&chat_request()))
        .await
        .expect_err("fails");
    match error {
        Error::Decode(decode) => decode,
        other => panic!("a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_truncated_json_body_is_a_decode_error_naming_the_path() {
    let server = Server::start(vec![Reply::json(
        200,
        r#"{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"mess"#,
    )])
    .await;
    let decode = chat_decode_error(&server).await;
    assert_eq!(decode.status, 200);
    assert!(decode.path.starts_with("$.choices[0]"), "path {}", decode.path);
    assert!(decode.message.contains("EOF"), "{}", decode.message);
    assert!(decode.body.starts_with(r#"{"id":"chatcmpl-1""#));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_wrongly_typed_member_is_a_decode_error_naming_the_path() {
    let server = Server::start(vec![Reply::json(
        200,
        &COMPLETION.replace(r#""created":1762737988"#, r#""created":"yesterday""#),
    )])
    .await;
    let decode = chat_decode_error(&server).await;
    assert_eq!(decode.path, "$.created");
}

#[tokio::test]
async fn invalid_utf8_in_an_answer_is_a_decode_error_naming_its_member() {
    // A Latin-1 `é` (one byte 0xE9) in the answer text, as a misconfigured upstream may send.
    let mut body = COMPLETION
        .replace(r#""model":"#, r#""note":"caf\u00e9","model":"#)
        .into_bytes();
    let at = body
        .windows(6)
        .position(|window| window == b"\\u00e9")
        .expect("the escape");
    body.splice(at..at + 6, [0xE9]);
    let server = Server::start(vec![Reply::Status {
        status: 200,
        headers: vec![("content-type", "application/json".into())],
        body,
    }])
    .await;
    let decode = chat_decode_error(&server).await;
    assert_eq!(decode.path, "$.note");
    assert_eq!(decode.message, format!("invalid UTF-8 at byte {at}"));
    assert_eq!(server.requests().len(), 1, "a body that arrived whole is not retried");
}

#[tokio::test]
async fn an_html_502_keeps_the_raw_body_and_is_retried() {
    let html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let server = Server::start(vec![Reply::Status {
        status: 502,
        headers: vec![("content-type", "text/html".into())],
        body: html.as_bytes().to_vec(),
    }])
    .await;
    let error = within(10, client(&server.url).chat().create(&chat_request()))
        .await
        .expect_err("fails");
    let api = error.api().expect("an API error");
    assert_eq!(api.status, 502);
    assert_eq!(api.body, None);
    assert_eq!(api.raw.as_deref(), Some(html));
    assert_eq!(server.requests().len(), 3, "5xx is retried twice");
}

#[tokio::test]
async fn http_200_error_envelopes_are_errors() {
    // Billing answers its OpenAI-style error with HTTP 200.
    let server = Server::start(vec![Reply::json(
        200,
        r#"{"error":{"message":"令牌额度已用尽","type":"new_api_error"}}"#,
    )])
    .await;
    let error = within(10, client(&server.url).account().billing_subscription())
        .await
        .expect_err("an in-band error");
    let api = error.api().expect("API error");
    assert!(api.in_band && api.status == 200);
    assert!(matches!(api.body, Some(ApiErrorBody::OpenAi(_))));
    assert!(!error.is_retryable());

    // /v1/models answers new-api's `success: false` with HTTP 200.
    let server = Server::start(vec![Reply::json(
        200,
        r#"{"success":false,"message":"get user group failed"}"#,
    )])
    .await;
    let error = within(10, client(&server.url).account().models())
        .await
        .expect_err("an in-band error");
    let Some(ApiErrorBody::NewApi(body)) = &error.api().expect("API error").body else {
        panic!("{error:?}")
    };
    assert_eq!(body.message.as_deref(), Some("get user group failed"));

    // A Midjourney submit with a failure code (24: banned prompt) and HTTP 200.
    let server = Server::start(vec![Reply::json(
        200,
        r#"{"code":24,"description":"可能包含敏感词","result":null,"properties":{"bannedWord":"x"}}"#,
    )])
    .await;
    let imagine = serde_json::from_value(json!({"prompt": "x"})).expect("request");
    let error = within(10, client(&server.url).midjourney().submit_imagine(&imagine))
        .await
        .expect_err("an in-band error");
    let Some(ApiErrorBody::Midjourney(body)) = &error.api().expect("API error").body else {
        panic!("{error:?}")
    };
    assert_eq!(body.code, 24);

    // Code 21 (waiting for a modal) and 22 (queued) are not failures.
    let server = Server::start(vec![Reply::json(
        200,
        r#"{"code":22,"description":"排队中","result":"1730621718151844","properties":{}}"#,
    )])
    .await;
    let submitted = within(10, client(&server.url).midjourney().submit_imagine(&imagine))
        .await
        .expect("queued is fine");
    assert_eq!(submitted.code, 22);
}

#[tokio::test]
async fn an_error_event_inside_a_stream_is_a_typed_error() {
    let body = chunk("partial")
        + "data: {\"error\":{\"message\":\"upstream timeout\",\"type\":\"upstream_error\",\"code\":\"bad_response\"}}\n\n";
    let server = Server::start(vec![Reply::sse_in_pieces(&body, 7)]).await;
    let mut stream = within(10, client(&server.url).chat().create_stream(&chat_request()))
        .await
        .expect("opens");
    assert!(within(10, stream.next()).await.expect("an item").is_ok());
    let error = within(10, stream.next())
        .await
        .expect("an item")
        .expect_err("the error event");
    let api = error.api().expect("API error");
    assert!(api.in_band);
    assert_eq!(
        api.body.as_ref().and_then(ApiErrorBody::code).as_deref(),
        Some("bad_response")
    );
    assert!(within(10, stream.next()).await.is_none(), "the error ends the stream");

    // Claude's `event: error`.
    let claude = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"c\"}}\n\n\
                  event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
    let server = Server::start(vec![Reply::sse_in_pieces(claude, 5)]).await;
    let request = serde_json::from_value(
        json!({"model": "claude-sonnet-4-20250514", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]}),
    )
    .expect("request");
    let mut stream = within(10, client(&server.url).claude().messages().create_stream(&request))
        .await
        .expect("opens");
    assert!(within(10, stream.next()).await.expect("message_start").is_ok());
    let error = within(10, stream.next())
        .await
        .expect("an item")
        .expect_err("the error event");
    let Some(ApiErrorBody::Claude(body)) = &error.api().expect("API error").body else {
        panic!("{error:?}")
    };
    assert_eq!(body.error.type_.as_deref(), Some("overloaded_error"));
}

#[tokio::test]
async fn a_malformed_event_is_a_decode_error_and_the_stream_goes_on() {
    let body = chunk("a") + "data: {this is not json}\n\n" + &chunk("b") + "data: [DONE]\n\n";
    let server = Server::start(vec![Reply::sse_in_pieces(&body, 3)]).await;
    let items = chat_stream_items(&server).await;
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[2].is_ok());
    let Err(Error::Decode(decode)) = &items[1] else {
        panic!("{:?}", items[1])
    };
    assert_eq!(decode.event, Some(1));

    // Bytes that are not UTF-8 break the framing: a stream error, then the end.
    let mut bytes = chunk("a").into_bytes();
    bytes.extend_from_slice(b"data: \xff\xfe\n\n");
    let pieces = vec![(bytes, Duration::ZERO)];
    let server = Server::start(vec![Reply::Pieces {
        status: 200,
        content_type: "text/event-stream",
        pieces,
        then: Then::End,
    }])
    .await;
    let items = chat_stream_items(&server).await;
    assert!(items[0].is_ok());
    assert!(matches!(items.last(), Some(Err(Error::Stream(_)))), "{items:?}");
}

#[tokio::test]
async fn a_server_that_stalls_hits_the_request_timeout() {
    let server = Server::start(vec![Reply::Stall]).await;
    let client = builder(&server.url)
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let started = Instant::now();
    let error = within(10, client.chat().create(&chat_request()))
        .await
        .expect_err("times out");
    let Error::Timeout(timeout) = error else {
        panic!("a timeout, got {error:?}")
    };
    assert_eq!(timeout.kind, TimeoutKind::Request);
    assert_eq!(server.requests().len(), 1, "an overall timeout is not retried");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_stream_that_stalls_between_events_hits_the_idle_timeout() {
    let pieces = vec![(chunk("first").into_bytes(), Duration::ZERO)];
    let server = Server::start(vec![Reply::Pieces {
        status: 200,
        content_type: "text/event-stream",
        pieces,
        then: Then::Stall,
    }])
    .await;
    let client = builder(&server.url)
        .stream_idle_timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let mut stream = within(10, client.chat().create_stream(&chat_request()))
        .await
        .expect("opens");
    assert!(within(10, stream.next()).await.expect("first").is_ok());
    let error = within(10, stream.next())
        .await
        .expect("an item")
        .expect_err("idle timeout");
    assert!(
        matches!(error, Error::Timeout(timeout) if timeout.kind == TimeoutKind::StreamIdle),
        "{error:?}"
    );
    assert!(within(10, stream.next()).await.is_none());
}

#[tokio::test]
async fn a_stream_of_one_byte_pieces_decodes_like_a_whole_one() {
    let body = chunk("你好，")
        + &chunk("世界 🌍")
        + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\r\n\r\ndata: [DONE]\n\n";
    let server = Server::start(vec![Reply::sse_in_pieces(&body, 1)]).await;
    let chunks: Vec<ChatCompletionChunk> = chat_stream_items(&server)
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("all decode");
    let text: String = chunks
        .iter()
        .filter_map(|chunk| chunk.choices[0].delta.content.clone())
        .collect();
    assert_eq!(text, "你好，世界 🌍");
    assert_eq!(chunks[2].choices[0].finish_reason, Some(FinishReason::Stop));
}
