//! The validating proxy over 127.0.0.1: answers forwarded byte for byte (streams as they arrive), each
//! exchange reported with the JSON path of what does not conform, and no credential written anywhere.

mod support;

use std::sync::Arc;
use std::time::Duration;

use allmhub_conform::har::read_har;
use allmhub_mock::MockServer;
use allmhub_mock::proxy::{Proxy, REDACTED};
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use futures_util::StreamExt;
use serde_json::{Value, json};
use support::{KEY, http, within};
use tokio::sync::Notify;

/// A completion whose `created` is a string: drifted from the spec, which says integer.
const DRIFTED: &str = r#"{"id":"chatcmpl-1","object":"chat.completion","created":"yesterday","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#;

const CHUNK_1: &str = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n";
const CHUNK_2: &str = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"paused\"}],\"extra_member\":1}\n\ndata: [DONE]\n\n";

/// An upstream with fixed answers: a drifted completion with odd headers, and a stream whose second part
/// waits for `release`.
async fn upstream(release: Arc<Notify>) -> String {
    let router = axum::Router::new()
        .route(
            "/v1/chat/completions",
            post(move |headers: HeaderMap| {
                let release = release.clone();
                async move {
                    if headers.get("x-test-gzip").is_some() {
                        use std::io::Write;
                        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                        gzip.write_all(DRIFTED.as_bytes()).expect("compressed");
                        return Response::builder()
                            .header("content-type", "application/json")
                            .header("content-encoding", "gzip")
                            .body(Body::from(gzip.finish().expect("compressed")))
                            .expect("a response");
                    }
                    if headers.get("x-test-break").is_some() {
                        // The first event, then the upstream fails: the chunked body never ends properly. The
                        // pause leaves the body pending once, so that the head and the first event are sent first.
                        let first = futures_util::stream::once(async { Ok::<_, std::io::Error>(CHUNK_1) });
                        let broken = futures_util::stream::once(async {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Err(std::io::Error::other("upstream died"))
                        });
                        return Response::builder()
                            .header("content-type", "text/event-stream")
                            .body(Body::from_stream(first.chain(broken)))
                            .expect("a response");
                    }
                    if headers.get("x-test-stream").is_some() {
                        let first = futures_util::stream::once(async { Ok::<_, std::io::Error>(CHUNK_1) });
                        let second = futures_util::stream::once(async move {
                            release.notified().await;
                            Ok(CHUNK_2)
                        });
                        return Response::builder()
                            .header("content-type", "text/event-stream")
                            .body(Body::from_stream(first.chain(second)))
                            .expect("a response");
                    }
                    Response::builder()
                        .status(StatusCode::OK)
                        .header("content-type", "application/json; charset=utf-8")
                        .header("x-upstream-thing", "kept as it is")
                        .header("set-cookie", "a=1")
                        .header("set-cookie", "b=2")
                        .body(Body::from(DRIFTED))
                        .expect("a response")
                }
            }),
        )
        .route(
            "/v1/models",
            get(|| async {
                // Large: 4 KiB of model ids.
                let data: Vec<Value> = (0..100)
                    .map(|index| json!({"id": format!("model-{index:04}"), "object": "model"}))
                    .collect();
                json!({"object": "list", "data": data}).to_string()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    url
}

fn chat() -> Value {
    json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello!"}]})
}

#[tokio::test]
async fn answers_are_forwarded_unchanged_and_drift_is_reported_with_its_path() {
    let release = Arc::new(Notify::new());
    let upstream = upstream(release.clone()).await;
    let report = std::env::temp_dir().join(format!("allmhub-proxy-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&report);
    let proxy = Proxy::builder(&upstream)
        .report(&report)
        .start()
        .await
        .expect("a proxy");

    let direct = within(
        10,
        http()
            .post(format!("{upstream}/v1/chat/completions"))
            .bearer_auth(KEY)
            .json(&chat())
            .send(),
    )
    .await
    .expect("direct");
    let proxied = within(
        10,
        http()
            .post(format!("{}/v1/chat/completions", proxy.url()))
            .bearer_auth(KEY)
            .json(&chat())
            .send(),
    )
    .await
    .expect("proxied");
    assert_eq!(proxied.status(), direct.status());
    for name in ["content-type", "x-upstream-thing", "content-length"] {
        assert_eq!(proxied.headers().get(name), direct.headers().get(name), "{name}");
    }
    let cookies = |response: &reqwest::Response| -> Vec<String> {
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|value| value.to_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(cookies(&proxied), ["a=1", "b=2"]);
    let direct = direct.bytes().await.expect("bytes");
    let proxied = proxied.bytes().await.expect("bytes");
    assert_eq!(proxied, direct, "byte-identical");
    assert_eq!(proxied, DRIFTED.as_bytes(), "the client still gets the drifted answer");

    let reports = proxy.wait_for_reports(1, Duration::from_secs(10)).await;
    let exchange = &reports[0];
    assert_eq!(exchange.operation.as_deref(), Some("create_chat_completion"));
    assert_eq!(exchange.status, 200);
    assert!(exchange.request.ok);
    assert!(!exchange.response.ok);
    assert_eq!(exchange.response.errors[0].path, "$.created", "{:?}", exchange.response);

    let lines: Vec<Value> = std::fs::read_to_string(&report)
        .expect("the report")
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    for member in ["operation", "method", "path", "status", "ms", "request", "response"] {
        assert!(line.get(member).is_some(), "{member} in {line}");
    }
    assert_eq!(line["response"]["errors"][0]["path"], "$.created");
    assert_eq!(line["method"], "POST");
    let _ = std::fs::remove_file(&report);
}

#[tokio::test]
async fn streams_pass_through_as_they_arrive_and_are_checked_event_by_event() {
    let release = Arc::new(Notify::new());
    let upstream = upstream(release.clone()).await;
    let proxy = Proxy::builder(&upstream).strict(true).start().await.expect("a proxy");
    let response = within(
        10,
        http()
            .post(format!("{}/v1/chat/completions", proxy.url()))
            .bearer_auth(KEY)
            .header("x-test-stream", "1")
            .json(&json!({"model": "m", "messages": [{"role": "user", "content": "Hi"}], "stream": true}))
            .send(),
    )
    .await
    .expect("the stream");
    let mut body = response.bytes_stream();
    // The first event arrives while the upstream still holds the second: nothing is buffered.
    let mut received = Vec::new();
    while received.len() < CHUNK_1.len() {
        let piece = within(10, body.next()).await.expect("a piece").expect("bytes");
        received.extend_from_slice(&piece);
    }
    assert_eq!(received, CHUNK_1.as_bytes());
    release.notify_one();
    while let Some(piece) = within(10, body.next()).await {
        received.extend_from_slice(&piece.expect("bytes"));
    }
    assert_eq!(received, format!("{CHUNK_1}{CHUNK_2}").as_bytes());

    let reports = proxy.wait_for_reports(1, Duration::from_secs(10)).await;
    let response = &reports[0].response;
    assert_eq!(response.events, Some(2));
    assert_eq!(response.unknown, ["$.extra_member"]);
    assert_eq!(response.unknown_values.len(), 1);
    assert_eq!(
        response.unknown_values[0].to_string(),
        r#"$.choices[0].finish_reason = "paused""#
    );
    assert!(!response.ok, "unknown members and values fail under --strict");
}

#[tokio::test]
async fn no_credential_is_written_to_the_report_or_the_recording() {
    let mock = MockServer::start().await;
    let report = std::env::temp_dir().join(format!("allmhub-proxy-secrets-{}.jsonl", std::process::id()));
    let cassette = std::env::temp_dir().join(format!("allmhub-proxy-secrets-{}.har", std::process::id()));
    let _ = std::fs::remove_file(&report);
    let _ = std::fs::remove_file(&cassette);
    let proxy = Proxy::builder(mock.url())
        .report(&report)
        .record(&cassette)
        .start()
        .await
        .expect("a proxy");
    let url = proxy.url();
    let gemini = json!({"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]});
    let calls = [
        http()
            .post(format!("{url}/v1/chat/completions"))
            .bearer_auth(KEY)
            .json(&chat()),
        http()
            .post(format!("{url}/v1/messages"))
            .header("x-api-key", KEY)
            .header("anthropic-version", "2023-06-01")
            .json(
                &json!({"model": "claude-sonnet-4", "max_tokens": 16, "messages": [{"role": "user", "content": "Hi"}]}),
            ),
        http()
            .post(format!("{url}/v1beta/models/gemini-2.5-flash:generateContent"))
            .header("x-goog-api-key", KEY)
            .json(&gemini),
        http()
            .post(format!(
                "{url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key={KEY}"
            ))
            .json(&gemini),
        http()
            .get(format!("{url}/mj/task/1320098173412546/fetch"))
            .header("mj-api-secret", KEY),
        // A failing call: its error answer is reported too.
        http().get(format!("{url}/v1/models")),
    ];
    let count = calls.len();
    for call in calls {
        let response = within(10, call.send()).await.expect("an answer");
        let _ = response.bytes().await;
    }
    let reports = proxy.wait_for_reports(count, Duration::from_secs(10)).await;
    assert_eq!(reports.len(), count);
    assert!(reports[..count - 1].iter().all(|report| report.ok()), "{reports:#?}");
    let text = std::fs::read_to_string(&report).expect("the report");
    assert_eq!(text.lines().count(), count);
    assert!(!text.contains(KEY), "a credential in the report: {text}");
    assert!(!text.contains("key="), "{text}");
    assert!(!format!("{:?}", proxy.summary()).contains(KEY));

    let recorded = std::fs::read_to_string(&cassette).expect("the recording");
    assert!(!recorded.contains(KEY), "a credential in the recording: {recorded}");
    let exchanges = read_har(recorded.as_bytes()).expect("a HAR capture");
    assert_eq!(exchanges.len(), count);
    let header = |index: usize, name: &str| {
        exchanges[index]
            .request_headers
            .iter()
            .find(|(header, _)| header == name)
            .map(|(_, value)| value.clone())
    };
    assert_eq!(header(0, "authorization").as_deref(), Some(REDACTED));
    assert_eq!(header(1, "x-api-key").as_deref(), Some(REDACTED));
    assert_eq!(
        header(1, "anthropic-version").as_deref(),
        Some("2023-06-01"),
        "other headers stay"
    );
    assert_eq!(header(4, "mj-api-secret").as_deref(), Some(REDACTED));
    assert!(
        exchanges[3].url.ends_with(&format!("?alt=sse&key={REDACTED}")),
        "{}",
        exchanges[3].url
    );
    let _ = std::fs::remove_file(&report);
    let _ = std::fs::remove_file(&cassette);
}

#[tokio::test]
async fn a_recording_replays_the_upstreams_answers_byte_for_byte_and_checks_like_live_traffic() {
    let release = Arc::new(Notify::new());
    release.notify_one();
    let upstream = upstream(release).await;
    let cassette = std::env::temp_dir().join(format!("allmhub-proxy-replay-{}.har", std::process::id()));
    let _ = std::fs::remove_file(&cassette);
    let proxy = Proxy::builder(&upstream)
        .record(&cassette)
        .start()
        .await
        .expect("a proxy");
    let whole = chat();
    let mut streamed = chat();
    streamed["stream"] = json!(true);
    let send = |url: String, body: &Value, stream: bool| {
        let mut request = http()
            .post(format!("{url}/v1/chat/completions"))
            .bearer_auth(KEY)
            .json(body);
        if stream {
            request = request.header("x-test-stream", "1");
        }
        async move {
            let response = within(10, request.send()).await.expect("an answer");
            let status = response.status().as_u16();
            (status, within(10, response.text()).await.expect("a body"))
        }
    };
    assert_eq!(
        send(proxy.url().to_owned(), &whole, false).await,
        (200, DRIFTED.to_owned())
    );
    let stream_text = format!("{CHUNK_1}{CHUNK_2}");
    assert_eq!(
        send(proxy.url().to_owned(), &streamed, true).await,
        (200, stream_text.clone())
    );
    proxy.wait_for_reports(2, Duration::from_secs(10)).await;

    let recorded = std::fs::read(&cassette).expect("the recording");
    let reports = allmhub_conform::har::check_har(&recorded, false).expect("a HAR capture");
    assert_eq!(reports.len(), 2);
    assert_eq!(
        reports[0].response.errors[0].path, "$.created",
        "the drift shows in the recording too"
    );
    assert!(reports[1].ok(), "{:?}", reports[1]);

    // The mock answers what was recorded (the spec's examples never say `"created": "yesterday"`), in
    // either order, a stream event by event.
    let mock = MockServer::builder()
        .replay(read_har(&recorded).expect("a HAR capture"))
        .start()
        .await
        .expect("a mock");
    assert_eq!(send(mock.url().to_owned(), &streamed, false).await, (200, stream_text));
    assert_eq!(
        send(mock.url().to_owned(), &whole, false).await,
        (200, DRIFTED.to_owned())
    );
    // A request the recording does not hold gets the spec's examples.
    let models = within(
        10,
        http().get(format!("{}/v1/models", mock.url())).bearer_auth(KEY).send(),
    )
    .await
    .expect("an answer");
    assert_eq!(models.status().as_u16(), 200);
    let _ = std::fs::remove_file(&cassette);
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_502_that_says_so() {
    // A port that was free a moment ago: nothing listens there.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let proxy = Proxy::builder(format!("http://127.0.0.1:{port}"))
        .start()
        .await
        .expect("a proxy");
    let response = within(
        10,
        http()
            .post(format!("{}/v1/chat/completions", proxy.url()))
            .bearer_auth(KEY)
            .json(&chat())
            .send(),
    )
    .await
    .expect("an answer");
    assert_eq!(response.status(), 502);
    let body: Value = response.json().await.expect("an envelope");
    let message = body["error"]["message"].as_str().expect("a message");
    assert!(message.contains("unreachable"), "{message}");
    let reports = proxy.wait_for_reports(1, Duration::from_secs(10)).await;
    assert_eq!(reports[0].status, 502);
    assert!(!reports[0].response.validated);
}

#[tokio::test]
async fn answers_over_the_limit_are_forwarded_whole_and_reported_as_not_validated() {
    let upstream = upstream(Arc::new(Notify::new())).await;
    let proxy = Proxy::builder(&upstream).limit(1024).start().await.expect("a proxy");
    let body = within(
        10,
        http().get(format!("{}/v1/models", proxy.url())).bearer_auth(KEY).send(),
    )
    .await
    .expect("an answer")
    .bytes()
    .await
    .expect("bytes");
    assert!(body.len() > 1024);
    let listed: Value = serde_json::from_slice(&body).expect("the whole answer");
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(100));
    let reports = proxy.wait_for_reports(1, Duration::from_secs(10)).await;
    let response = &reports[0].response;
    assert!(!response.validated);
    assert!(
        response.note.as_deref().is_some_and(|note| note.contains("limit")),
        "{response:?}"
    );
}

#[tokio::test]
async fn an_answer_that_breaks_off_is_forwarded_as_far_as_it_came_and_reported_as_not_validated() {
    let upstream = upstream(Arc::new(Notify::new())).await;
    let proxy = Proxy::builder(&upstream).start().await.expect("a proxy");
    let response = within(
        10,
        http()
            .post(format!("{}/v1/chat/completions", proxy.url()))
            .bearer_auth(KEY)
            .header("x-test-break", "1")
            .json(&chat())
            .send(),
    )
    .await
    .expect("the head of the answer");
    assert_eq!(response.status(), 200);
    let mut body = response.bytes_stream();
    let first = within(10, body.next())
        .await
        .expect("a piece")
        .expect("the first event");
    assert_eq!(&first[..], CHUNK_1.as_bytes(), "what came is forwarded as it came");
    // The break reaches the client as a broken body, not as a proper end.
    let mut ended_properly = true;
    while let Some(piece) = within(10, body.next()).await {
        if piece.is_err() {
            ended_properly = false;
            break;
        }
    }
    assert!(!ended_properly, "the client sees the answer break off");
    let reports = proxy.wait_for_reports(1, Duration::from_secs(10)).await;
    let response = &reports[0].response;
    assert!(!response.validated, "{response:?}");
    assert!(
        response.note.as_deref().is_some_and(|note| note.contains("broke off")),
        "{response:?}"
    );
    assert_eq!(reports[0].operation.as_deref(), Some("create_chat_completion"));
}

#[tokio::test]
async fn a_path_of_no_operation_is_forwarded_and_reported_with_a_null_operation() {
    let mock = MockServer::start().await;
    let proxy = Proxy::builder(mock.url()).start().await.expect("a proxy");
    let response = within(
        10,
        http()
            .get(format!("{}/v1/nothing/here", proxy.url()))
            .bearer_auth(KEY)
            .send(),
    )
    .await
    .expect("an answer");
    assert_eq!(response.status(), 404, "the upstream's answer");
    let reports = proxy.wait_for_reports(1, Duration::from_secs(10)).await;
    assert_eq!(reports[0].operation, None);
    let line: Value = serde_json::from_str(&reports[0].to_json_line()).expect("JSON");
    assert_eq!(line["operation"], Value::Null);
    assert!(proxy.summary().table().contains("(no operation)"));
}

#[tokio::test]
async fn compressed_answers_are_forwarded_compressed_and_checked_decompressed() {
    let upstream = upstream(Arc::new(Notify::new())).await;
    let cassette = std::env::temp_dir().join(format!("allmhub-proxy-gzip-{}.har", std::process::id()));
    let proxy = Proxy::builder(&upstream)
        .record(&cassette)
        .start()
        .await
        .expect("a proxy");
    let request = || {
        http()
            .post(format!("{}/v1/chat/completions", proxy.url()))
            .bearer_auth(KEY)
            .header("x-test-gzip", "1")
            .header("accept-encoding", "gzip")
            .json(&chat())
    };
    let response = within(10, request().send()).await.expect("an answer");
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let bytes = response.bytes().await.expect("bytes");
    assert_eq!(&bytes[..2], b"\x1f\x8b", "still gzip: forwarded as it came");
    let reports = proxy.wait_for_reports(1, Duration::from_secs(10)).await;
    assert_eq!(
        reports[0].response.errors[0].path, "$.created",
        "{:?}",
        reports[0].response
    );
    // The recording keeps the answer as the spec describes it: decompressed, without its encoding.
    let recorded = read_har(&std::fs::read(&cassette).expect("the recording")).expect("a HAR capture");
    assert_eq!(recorded[0].response_body.as_deref(), Some(DRIFTED.as_bytes()));
    assert!(
        !recorded[0]
            .response_headers
            .iter()
            .any(|(name, _)| name == "content-encoding"),
        "{:?}",
        recorded[0].response_headers
    );
    let _ = std::fs::remove_file(&cassette);
}
