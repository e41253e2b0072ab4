//! The mock and the validating proxy on hostile requests: every operation of the spec with damaged, truncated,
//! wrongly typed or arbitrary bodies, odd media types, odd path parameters and junk in the mock's own control
//! headers. Whatever comes in, the mock answers (it never drops the connection or stops serving), never with a
//! server error, and every refusal is a JSON error envelope; the proxy forwards each exchange as the mock
//! answered it and reports it, with no credential in its report. A replayed capture is served as recorded,
//! byte for byte, and what HTTP cannot carry is a 500 that says why.

mod support;

use std::time::Duration;

use allmhub_conform::catalog::{EXAMPLES, Place};
use allmhub_conform::har::HarExchange;
use allmhub_conform::route::path_of;
use allmhub_mock::proxy::Proxy;
use allmhub_mock::{EXAMPLE_HEADER, FAULT_HEADER, MockServer};
use allmhub_types::operations;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use support::{KEY, http, within};

/// What the request body is.
#[derive(Debug, Clone)]
enum BodyKind {
    /// The operation's first request example, whole.
    Example,
    /// The example cut short at this fraction of its length (in 1/16ths).
    Truncated(u8),
    /// The example with one byte replaced.
    Flipped(usize, u8),
    /// JSON of the wrong kind for any request.
    WrongKind(&'static str),
    /// Arbitrary bytes.
    Bytes(Vec<u8>),
    /// No body.
    Empty,
}

#[derive(Debug, Clone)]
struct Case {
    operation: usize,
    parameter: &'static str,
    body: BodyKind,
    content_type: &'static str,
    fault: Option<&'static str>,
    example: Option<&'static str>,
}

fn case() -> impl Strategy<Value = Case> {
    let body = prop_oneof![
        Just(BodyKind::Example),
        (0u8..16).prop_map(BodyKind::Truncated),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| BodyKind::Flipped(at, byte)),
        prop::sample::select(vec![
            "[]",
            "\"text\"",
            "42",
            "null",
            "true",
            "{\"model\":{}}",
            "{\"\":null}"
        ])
        .prop_map(BodyKind::WrongKind),
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(BodyKind::Bytes),
        Just(BodyKind::Empty),
    ];
    (
        any::<usize>(),
        prop::sample::select(vec![
            "m1",
            "0",
            "1234567890123456789",
            "%00",
            "%FF%FE",
            "a%2Fb",
            "..",
            "é",
            "x:y",
        ]),
        body,
        prop::sample::select(vec![
            "application/json",
            "application/json; charset=latin1",
            "multipart/form-data; boundary=b",
            "multipart/form-data",
            "text/plain",
            "application/x-www-form-urlencoded",
            "",
        ]),
        proptest::option::weighted(
            0.1,
            prop::sample::select(vec!["", "nonsense", "status=abc", "stall=-1", "reset-after=x", "😀"]),
        ),
        proptest::option::weighted(
            0.1,
            prop::sample::select(vec!["", "no-such-example", "../etc", "default"]),
        ),
    )
        .prop_map(|(operation, parameter, body, content_type, fault, example)| Case {
            operation,
            parameter,
            body,
            content_type,
            fault,
            example,
        })
}

fn body_of(case: &Case, example: &str) -> Vec<u8> {
    let example = example.as_bytes();
    match &case.body {
        BodyKind::Example => example.to_vec(),
        BodyKind::Truncated(sixteenths) => example[..example.len() * usize::from(*sixteenths) / 16].to_vec(),
        BodyKind::Flipped(at, byte) => {
            let mut body = example.to_vec();
            if !body.is_empty() {
                let at = at % body.len();
                body[at] = *byte;
            }
            body
        }
        BodyKind::WrongKind(text) => text.as_bytes().to_vec(),
        BodyKind::Bytes(bytes) => bytes.clone(),
        BodyKind::Empty => Vec::new(),
    }
}

/// The cases, the same on every run.
fn cases(count: usize) -> Vec<Case> {
    let mut runner = TestRunner::deterministic();
    let strategy = case();
    (0..count)
        .map(|_| strategy.new_tree(&mut runner).expect("a case").current())
        .collect()
}

/// What came back for one case.
struct Answer {
    url: String,
    status: u16,
    content_type: String,
    body: bytes::Bytes,
}

/// `request` with the credentials of every dialect: bearer, Claude's, Gemini's, Midjourney's and the access
/// token's user.
fn with_every_credential(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request
        .bearer_auth(KEY)
        .header("x-api-key", KEY)
        .header("x-goog-api-key", KEY)
        .header("mj-api-secret", KEY)
        .header("New-Api-User", "42")
        .header("anthropic-version", "2023-06-01")
}

/// Sends `case` to `base` with every credential form (and the key in the query too), and reads the whole answer;
/// no answer, or one that breaks off, fails the test.
async fn send(http: &reqwest::Client, base: &str, case: &Case) -> Answer {
    let operation = operations::ALL[case.operation % operations::ALL.len()];
    let example = EXAMPLES
        .iter()
        .find(|example| example.operation == operation.id && example.place == Place::Request)
        .map_or("{}", |example| example.body);
    let url = format!("{base}{}?key={KEY}", path_of(operation, case.parameter));
    let method = reqwest::Method::from_bytes(operation.method.as_str().as_bytes()).expect("a method");
    let mut request = with_every_credential(http.request(method, &url)).body(body_of(case, example));
    if !case.content_type.is_empty() {
        request = request.header("content-type", case.content_type);
    }
    if let Some(fault) = case.fault {
        request = request.header(FAULT_HEADER, fault);
    }
    if let Some(name) = case.example {
        request = request.header(EXAMPLE_HEADER, name);
    }
    let response = within(20, request.send())
        .await
        .unwrap_or_else(|error| panic!("{case:?} on {url}: no answer: {error}"));
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = within(20, response.bytes())
        .await
        .unwrap_or_else(|error| panic!("{case:?} on {url}: the answer broke off: {error}"));
    Answer {
        url,
        status,
        content_type,
        body,
    }
}

#[tokio::test]
async fn hostile_requests_get_an_answer_never_a_server_error_and_refusals_are_envelopes() {
    let mock = MockServer::start().await;
    let http = http();
    let (mut accepted, mut refused) = (0, 0);
    for case in cases(1000) {
        let Answer {
            url,
            status,
            content_type,
            body,
        } = send(&http, mock.url(), &case).await;
        assert!(status < 500, "{case:?} on {url}: a server error {status}: {body:?}");
        if status >= 400 {
            refused += 1;
            assert!(
                content_type.starts_with("application/json"),
                "{case:?} on {url}: a {status} refusal as {content_type:?}"
            );
            let envelope: serde_json::Value = serde_json::from_slice(&body)
                .unwrap_or_else(|error| panic!("{case:?} on {url}: a {status} refusal that is not JSON: {error}"));
            assert!(
                envelope.is_object() && !envelope.as_object().is_some_and(|members| members.is_empty()),
                "{case:?} on {url}: an empty {status} refusal"
            );
        } else {
            accepted += 1;
        }
    }
    // Hostile input is mostly refused, but the examples and tolerated damage still get answers.
    assert!(accepted > 30 && refused > 200, "accepted {accepted}, refused {refused}");
    // And the mock still serves an ordinary request.
    let models = within(
        20,
        http.get(format!("{}/v1/models", mock.url())).bearer_auth(KEY).send(),
    )
    .await
    .expect("an answer");
    assert_eq!(models.status(), 200);
}

#[tokio::test]
async fn the_proxy_forwards_and_reports_hostile_exchanges_as_the_mock_answers_them() {
    // Two mocks fed the same requests in the same order answer alike (up to fresh ids and times): one
    // directly, one behind the proxy.
    let direct = MockServer::start().await;
    let behind = MockServer::start().await;
    let proxy = Proxy::builder(behind.url())
        .strict(true)
        .start()
        .await
        .expect("a proxy");
    let http = http();
    let cases = cases(300);
    let mut statuses = Vec::new();
    for case in &cases {
        let expected = send(&http, direct.url(), case).await;
        let proxied = send(&http, proxy.url(), case).await;
        assert_eq!(
            (proxied.status, &proxied.content_type),
            (expected.status, &expected.content_type),
            "{case:?} on {}",
            proxied.url
        );
        statuses.push(proxied.status);
    }
    let reports = proxy.wait_for_reports(cases.len(), Duration::from_secs(60)).await;
    assert_eq!(reports.len(), cases.len(), "one report per exchange");
    // Each exchange is checked off the forwarding path, so reports may come in another order.
    let mut reported: Vec<(String, u16)> = reports
        .iter()
        .map(|report| (report.operation.clone().unwrap_or_default(), report.status))
        .collect();
    let mut sent: Vec<(String, u16)> = cases
        .iter()
        .zip(&statuses)
        .map(|(case, status)| {
            let operation = operations::ALL[case.operation % operations::ALL.len()];
            // The path as sent: the URL parser resolves `..` and escapes what must be escaped.
            let url = format!("http://127.0.0.1{}", path_of(operation, case.parameter));
            let path = reqwest::Url::parse(&url).expect("a URL").path().to_owned();
            // A parameter like `..` or `a%2Fb` takes the path off every operation: the mock answers 404, and the
            // proxy reports an exchange on no operation.
            match allmhub_conform::route::find(operation.method.as_str(), &path) {
                Some(route) => (route.operation.id.to_owned(), *status),
                None => {
                    assert_eq!(*status, 404, "{case:?}: {path} is no operation's, yet answered");
                    (String::new(), *status)
                }
            }
        })
        .collect();
    reported.sort();
    sent.sort();
    assert_eq!(reported, sent, "the reports' operations and statuses");
    for report in &reports {
        let line = report.to_json_line();
        assert!(!line.contains(KEY), "a credential in the report: {line}");
    }
    let failing = reports.iter().filter(|report| !report.ok()).count();
    assert!(
        failing > 100 && failing < reports.len(),
        "{failing} of {} exchanges not conforming",
        reports.len()
    );
}

/// An operation with a request the mock accepts: its first JSON request example (or none, for `GET`), and its
/// path with the parameters filled in.
fn replayable() -> Vec<(&'static allmhub_types::Operation, String, &'static str)> {
    operations::ALL
        .iter()
        .copied()
        .filter_map(|operation| {
            let path = path_of(operation, "m1");
            if operation.request.is_empty() {
                return Some((operation, path, ""));
            }
            let example = EXAMPLES.iter().find(|example| {
                example.operation == operation.id
                    && example.place == Place::Request
                    && example.media_type == "application/json"
            })?;
            Some((operation, path, example.body))
        })
        .collect()
}

/// One recorded exchange: which operation, its status and media type (some that HTTP does not allow), its bytes.
fn recorded() -> impl Strategy<Value = (usize, u16, &'static str, Vec<u8>)> {
    (
        any::<usize>(),
        prop::sample::select(vec![200u16, 201, 202, 400, 401, 404, 429, 500, 503, 42, 1000]),
        prop::sample::select(vec![
            "application/json",
            "audio/mpeg",
            "text/plain; charset=utf-8",
            "",
            "bad\ntype",
        ]),
        proptest::collection::vec(any::<u8>(), 0..200),
    )
}

#[tokio::test]
async fn a_replayed_capture_is_served_as_recorded_and_what_http_cannot_carry_is_a_500_that_says_why() {
    let replayable = replayable();
    assert!(replayable.len() > 20, "only {} operations to replay", replayable.len());
    let http = http();
    let mut runner = TestRunner::deterministic();
    let strategy = proptest::collection::vec(recorded(), 1..6);
    let (mut faithful, mut unsendable) = (0, 0);
    for _ in 0..40 {
        let records = strategy.new_tree(&mut runner).expect("a capture").current();
        let exchanges: Vec<HarExchange> = records
            .iter()
            .map(|(which, status, media_type, body)| {
                let (operation, path, request) = &replayable[which % replayable.len()];
                let mut exchange = HarExchange::new(
                    operation.method.as_str(),
                    format!("https://gateway.example{path}"),
                    *status,
                );
                exchange.request_type = if request.is_empty() { "" } else { "application/json" }.to_owned();
                exchange.request_body = (*request).to_owned();
                exchange.response_type = (*media_type).to_owned();
                exchange.response_body = Some(body.clone());
                exchange
            })
            .collect();
        let mock = MockServer::builder()
            .replay(exchanges.clone())
            .start()
            .await
            .expect("a mock");
        for exchange in &exchanges {
            let path = allmhub_conform::exchange::path_only(&exchange.url);
            let method = reqwest::Method::from_bytes(exchange.method.as_bytes()).expect("a method");
            let mut request = with_every_credential(http.request(method, format!("{}{path}", mock.url())));
            if !exchange.request_body.is_empty() {
                request = request
                    .header("content-type", "application/json")
                    .body(exchange.request_body.clone());
            }
            let response = within(20, request.send()).await.expect("an answer");
            let status = response.status().as_u16();
            let media_type = response
                .headers()
                .get("content-type")
                .map(|value| value.as_bytes().to_vec())
                .unwrap_or_default();
            let body = within(20, response.bytes()).await.expect("the whole answer");
            let sendable = (100..=999).contains(&exchange.status) && !exchange.response_type.contains('\n');
            if sendable {
                faithful += 1;
                assert_eq!(status, exchange.status, "{exchange:?}");
                assert_eq!(media_type, exchange.response_type.as_bytes(), "{exchange:?}");
                assert_eq!(Some(body.to_vec()), exchange.response_body, "{exchange:?}");
            } else {
                unsendable += 1;
                assert_eq!(status, 500, "{exchange:?}");
                let envelope: serde_json::Value = serde_json::from_slice(&body).expect("a JSON envelope");
                let message = envelope["error"]["message"].as_str().unwrap_or_default();
                assert!(message.contains("cannot send this answer"), "{envelope}");
            }
        }
    }
    assert!(
        faithful > 50 && unsendable > 10,
        "served as recorded {faithful}, unsendable {unsendable}"
    );
}
