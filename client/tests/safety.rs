//! Retries that never double-charge: a paid job (a Midjourney submit, a video job, an image generation) is
//! sent again only when the first attempt certainly did not reach the gateway, whatever the fault; an
//! exhausted quota is never retried and is its own error kind.

mod support;

use allmhub::types::{ChatCompletionRequest, ChatMessage, ImageGenerationRequest, MjImagineRequest, VideoRequest};
use allmhub::{ApiErrorKind, Error};
use support::{Reply, Server, client, within};

const SUBMITTED: &str = r#"{"code":1,"description":"提交成功","result":"1763539204123456789","properties":{}}"#;

const VIDEO: &str = r#"{"id":"video_68d7512d07848190","object":"video","model":"sora-2","status":"queued",
 "progress":0,"created_at":1762737988,"seconds":"8","size":"1280x720"}"#;

const COMPLETION: &str = r#"{"id":"chatcmpl-1","object":"chat.completion","created":1762737988,"model":"gpt-4o-mini",
 "choices":[{"index":0,"message":{"role":"assistant","content":"Hi!"},"finish_reason":"stop"}]}"#;

/// Every fault after which the gateway may already have accepted (and charged) the job.
fn ambiguous_faults() -> Vec<(&'static str, Reply)> {
    vec![
        (
            "502 Bad Gateway",
            Reply::json(502, r#"{"error":{"message":"bad gateway","type":"upstream_error"}}"#),
        ),
        ("500", Reply::json(500, "{}")),
        ("503 without Retry-After", Reply::json(503, "{}")),
        ("504", Reply::json(504, "<html>gateway timeout</html>")),
        ("408", Reply::json(408, "{}")),
        ("409", Reply::json(409, "{}")),
        ("connection reset after the request", Reply::Close),
        (
            "body cut off",
            Reply::Pieces {
                status: 200,
                content_type: "application/json",
                pieces: vec![(br#"{"code":1,"desc"#.to_vec(), std::time::Duration::ZERO)],
                then: support::Then::Cut,
            },
        ),
    ]
}

async fn imagine(server: &Server) -> Result<allmhub::types::MjSubmitResponse, Error> {
    within(
        20,
        client(&server.url)
            .midjourney()
            .submit_imagine(&MjImagineRequest::new("a cat")),
    )
    .await
}

async fn video(server: &Server) -> Result<allmhub::types::VideoTask, Error> {
    within(
        20,
        client(&server.url)
            .videos()
            .create(&VideoRequest::new("sora-2", "a cat")),
    )
    .await
}

async fn image(server: &Server) -> Result<allmhub::types::ImageResponse, Error> {
    within(
        20,
        client(&server.url)
            .images()
            .generate(&ImageGenerationRequest::new("gpt-image-1", "a cat")),
    )
    .await
}

#[tokio::test]
async fn a_paid_job_is_submitted_once_under_every_ambiguous_fault() {
    for (fault, reply) in ambiguous_faults() {
        let server = Server::start(vec![reply.clone(), Reply::json(200, SUBMITTED)]).await;
        let outcome = imagine(&server).await;
        assert!(
            outcome.is_err(),
            "{fault}: the fault is reported, not papered over by a second job"
        );
        assert_eq!(server.requests().len(), 1, "{fault}: Midjourney imagine submitted once");

        let server = Server::start(vec![reply.clone(), Reply::json(200, VIDEO)]).await;
        assert!(video(&server).await.is_err(), "{fault}");
        assert_eq!(server.requests().len(), 1, "{fault}: video job created once");

        let server = Server::start(vec![reply, Reply::json(200, r#"{"created":1,"data":[]}"#)]).await;
        assert!(image(&server).await.is_err(), "{fault}");
        assert_eq!(server.requests().len(), 1, "{fault}: image generated once");
    }
}

#[tokio::test]
async fn a_paid_job_is_submitted_once_when_the_answer_never_comes() {
    let server = Server::start(vec![Reply::Stall, Reply::json(200, SUBMITTED)]).await;
    let client = support::builder(&server.url)
        .timeout(std::time::Duration::from_millis(300))
        .build()
        .expect("client");
    let error = within(20, client.midjourney().submit_imagine(&MjImagineRequest::new("a cat")))
        .await
        .expect_err("the attempt timed out");
    assert!(matches!(error, Error::Timeout(_)), "{error:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_same_faults_are_retried_for_idempotent_operations() {
    for (fault, reply) in ambiguous_faults() {
        let server = Server::start(vec![reply, Reply::json(200, COMPLETION)]).await;
        let request = ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user("Hi")]);
        let answer = within(20, client(&server.url).chat().create(&request)).await;
        assert!(answer.is_ok(), "{fault}: {answer:?}");
        assert_eq!(server.requests().len(), 2, "{fault}");
    }
}

#[tokio::test]
async fn a_rate_limited_job_was_not_processed_and_is_retried() {
    let server = Server::start(vec![
        Reply::json(
            429,
            r#"{"error":{"message":"当前分组上游负载已饱和，请稍后再试","type":"new_api_error"}}"#,
        ),
        Reply::json(503, "{}").with_header("retry-after", "0"),
        Reply::json(200, SUBMITTED),
    ])
    .await;
    let answer = imagine(&server)
        .await
        .expect("submitted after the rate limit and the maintenance window");
    assert_eq!(
        answer.result.as_ref().map(|id| id.as_str()),
        Some("1763539204123456789")
    );
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_refused_connection_was_not_processed() {
    // Bind, learn the port, close: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let error = within(
        20,
        client(&url)
            .midjourney()
            .submit_imagine(&MjImagineRequest::new("a cat")),
    )
    .await
    .expect_err("nothing listens");
    assert!(
        error.was_not_processed(),
        "a refused connection cannot have submitted anything: {error:?}"
    );
}

#[tokio::test]
async fn a_caller_can_opt_in_to_retrying_a_paid_job() {
    let server = Server::start(vec![Reply::json(502, "{}"), Reply::json(200, SUBMITTED)]).await;
    let answer = within(
        20,
        client(&server.url)
            .midjourney()
            .submit_imagine(&MjImagineRequest::new("a cat"))
            .retry_unsafe()
            .idempotency_key("imagine-42"),
    )
    .await
    .expect("retried on request");
    assert!(answer.result.is_some());
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests
            .iter()
            .all(|request| request.header("idempotency-key") == Some("imagine-42")),
        "the same key on every attempt"
    );
}

/// Quota and balance exhaustion as new-api and its channels send it.
fn quota_answers() -> Vec<(&'static str, Reply)> {
    vec![
        (
            "new-api user quota",
            Reply::json(
                403,
                r#"{"error":{"message":"用户额度不足, 剩余额度: ＄0.000000","type":"new_api_error","param":"","code":"insufficient_user_quota"}}"#,
            ),
        ),
        (
            "new-api token quota",
            Reply::json(
                403,
                r#"{"error":{"message":"pre-consume token quota failed","type":"new_api_error","code":"pre_consume_token_quota_failed"}}"#,
            ),
        ),
        (
            "an exhausted token",
            Reply::json(
                401,
                r#"{"error":{"code":"","message":"该令牌额度已用尽 TokenStatusExhausted[sk-duK***qqX]","type":"new_api_error"}}"#,
            ),
        ),
        (
            "OpenAI upstream quota (a 429 that is not a rate limit)",
            Reply::json(
                429,
                r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#,
            ),
        ),
        (
            "HTTP 402",
            Reply::json(402, r#"{"error":{"message":"payment required"}}"#),
        ),
    ]
}

#[tokio::test]
async fn an_exhausted_quota_is_its_own_kind_and_never_retried() {
    for (case, reply) in quota_answers() {
        let server = Server::start(vec![reply, Reply::json(200, COMPLETION)]).await;
        let request = ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user("Hi")]);
        let error = within(20, client(&server.url).chat().create(&request))
            .await
            .expect_err(case);
        assert!(error.is_quota_exhausted(), "{case}: {error:?}");
        assert_eq!(
            error.api().map(|api| api.kind),
            Some(ApiErrorKind::QuotaExhausted),
            "{case}"
        );
        assert!(!error.is_retryable(), "{case}");
        assert_eq!(server.requests().len(), 1, "{case}: not retried");
        assert!(error.to_string().contains("quota exhausted"), "{case}: {error}");
    }
}

#[tokio::test]
async fn a_midjourney_quota_error_is_an_exhausted_quota() {
    let server = Server::start(vec![Reply::json(
        400,
        r#"{"code":4,"description":"quota_not_enough","type":"upstream_error"}"#,
    )])
    .await;
    let error = imagine(&server).await.expect_err("no quota");
    assert!(error.is_quota_exhausted(), "{error:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn other_errors_keep_their_kind() {
    let cases = [
        (
            401,
            r#"{"error":{"message":"无效的令牌","type":"new_api_error"}}"#,
            ApiErrorKind::Authentication,
        ),
        (
            404,
            r#"{"error":{"message":"model not found"}}"#,
            ApiErrorKind::NotFound,
        ),
        (400, r#"{"error":{"message":"bad"}}"#, ApiErrorKind::BadRequest),
        (429, r#"{"error":{"message":"slow down"}}"#, ApiErrorKind::RateLimited),
    ];
    for (status, body, kind) in cases {
        let server = Server::start(vec![Reply::json(status, body)]).await;
        let request = ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user("Hi")]);
        let error = within(20, client(&server.url).chat().create(&request).max_retries(0))
            .await
            .expect_err("an error");
        assert_eq!(error.api().map(|api| api.kind), Some(kind), "HTTP {status}");
    }
}
