//! Every fault the mock can produce, as the generated client sees it: the typed error, or the retry, it
//! should be.

mod support;

use std::time::{Duration, Instant};

use allmhub::types::{ChatCompletionRequest, ChatMessage, MjImagineRequest};
use allmhub::{ApiErrorBody, Error, TimeoutKind};
use allmhub_mock::{AfterAccept, Fault, MockServer, Scenario};
use futures_util::StreamExt;
use support::{builder, client, within};

const CHAT: &str = "create_chat_completion";

fn chat_request() -> ChatCompletionRequest {
    ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user("Hello!")])
}

fn fault(text: &str) -> Fault {
    text.parse().expect("a fault")
}

#[tokio::test]
async fn http_429_with_retry_after_is_retried_after_the_wait() {
    let mock = MockServer::builder()
        .scenario(Scenario::new().then(CHAT, Some(fault("429; retry-after=1"))))
        .start()
        .await
        .expect("a mock");
    let started = Instant::now();
    let answer = within(20, client(mock.url()).chat().create(&chat_request()))
        .await
        .expect("success after the retry");
    assert_eq!(answer.model, "gpt-4o-mini");
    assert_eq!(mock.requests_for(CHAT).len(), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_with_the_envelope() {
    let mock = MockServer::start().await;
    mock.push_fault(CHAT, fault("503"));
    let answer = within(20, client(mock.url()).chat().create(&chat_request())).await;
    assert!(answer.is_ok(), "{answer:?}");
    assert_eq!(mock.requests_for(CHAT).len(), 2);

    mock.clear_requests();
    for _ in 0..3 {
        mock.push_fault(CHAT, fault("502"));
    }
    let error = within(20, client(mock.url()).chat().create(&chat_request()))
        .await
        .expect_err("out of retries");
    let api = error.api().expect("an API error");
    assert_eq!(api.status, 502);
    assert!(matches!(api.body, Some(ApiErrorBody::OpenAi(_))), "{api:?}");
    assert!(api.request_id.as_deref().is_some_and(|id| id.starts_with("mock")));
    assert_eq!(mock.requests_for(CHAT).len(), 3, "the first call and 2 retries");
}

#[tokio::test]
async fn quota_exhausted_is_a_403_api_error_that_is_not_retried() {
    let mock = MockServer::start().await;
    mock.push_fault(CHAT, Fault::Quota);
    let error = within(20, client(mock.url()).chat().create(&chat_request()))
        .await
        .expect_err("no quota");
    let api = error.api().expect("an API error");
    assert_eq!(api.status, 403);
    assert_eq!(
        api.body.as_ref().and_then(ApiErrorBody::code).as_deref(),
        Some("insufficient_user_quota")
    );
    assert!(!error.is_retryable());
    assert_eq!(mock.requests_for(CHAT).len(), 1);
}

#[tokio::test]
async fn an_error_envelope_with_http_200_is_an_in_band_api_error_where_the_spec_lists_it() {
    let mock = MockServer::start().await;
    mock.push_fault("get_billing_subscription", Fault::InBand);
    let error = within(20, client(mock.url()).account().billing_subscription())
        .await
        .expect_err("an in-band error");
    let api = error.api().expect("an API error");
    assert_eq!(api.status, 200);
    assert!(api.in_band);
    // Where the spec lists no in-band envelope (chat), today's client reports an answer that does not
    // decode.
    mock.push_fault(CHAT, Fault::InBand);
    let error = within(20, client(mock.url()).chat().create(&chat_request()))
        .await
        .expect_err("not a completion");
    assert!(matches!(error, Error::Decode(_) | Error::Api(_)), "{error:?}");
}

#[tokio::test]
async fn a_reset_before_the_headers_is_a_connection_error_that_is_retried() {
    let mock = MockServer::start().await;
    mock.push_fault(CHAT, Fault::Reset);
    let answer = within(20, client(mock.url()).chat().create(&chat_request())).await;
    assert!(answer.is_ok(), "retried after the reset: {answer:?}");
    assert_eq!(mock.requests_for(CHAT).len(), 2);

    for _ in 0..3 {
        mock.push_fault(CHAT, Fault::Reset);
    }
    let error = within(20, client(mock.url()).chat().create(&chat_request()))
        .await
        .expect_err("reset every time");
    assert!(matches!(error, Error::Connection(_)), "{error:?}");
}

#[tokio::test]
async fn a_stream_reset_after_some_events_delivers_them_then_a_stream_error() {
    let mock = MockServer::start().await;
    mock.push_fault(CHAT, Fault::ResetAfter(2));
    let stream = within(20, client(mock.url()).chat().create_stream(&chat_request()))
        .await
        .expect("the stream opens");
    let items: Vec<_> = within(20, stream.collect::<Vec<_>>()).await;
    let delivered = items.iter().take_while(|item| item.is_ok()).count();
    assert_eq!(delivered, 2, "{items:?}");
    let error = items
        .last()
        .and_then(|item| item.as_ref().err())
        .expect("an error at the end");
    assert!(matches!(error, Error::Stream(_) | Error::Connection(_)), "{error:?}");
    assert_eq!(mock.requests_for(CHAT).len(), 1, "never retried after an event");
}

#[tokio::test]
async fn a_stall_longer_than_the_timeout_is_a_request_timeout() {
    let mock = MockServer::start().await;
    let client = builder(mock.url())
        .timeout(Duration::from_millis(300))
        .max_retries(0)
        .build()
        .expect("a client");
    mock.push_fault(CHAT, Fault::Stall(Duration::from_secs(5)));
    let error = within(20, client.chat().create(&chat_request()))
        .await
        .expect_err("too slow");
    assert!(
        matches!(error, Error::Timeout(timeout) if timeout.kind == TimeoutKind::Request),
        "{error:?}"
    );
    // A short stall is only a delay.
    mock.push_fault(CHAT, Fault::Stall(Duration::from_millis(50)));
    let answer = within(20, client.chat().create(&chat_request())).await;
    assert!(answer.is_ok(), "{answer:?}");
}

#[tokio::test]
async fn a_stream_that_stalls_between_events_hits_the_idle_timeout() {
    let mock = MockServer::builder()
        .pace(Duration::from_secs(5))
        .start()
        .await
        .expect("a mock");
    let client = builder(mock.url())
        .stream_idle_timeout(Duration::from_millis(300))
        .build()
        .expect("a client");
    let stream = within(20, client.chat().create_stream(&chat_request()))
        .await
        .expect("the stream opens");
    let items: Vec<_> = within(20, stream.collect::<Vec<_>>()).await;
    let error = items.last().and_then(|item| item.as_ref().err()).expect("an error");
    assert!(
        matches!(error, Error::Timeout(timeout) if timeout.kind == TimeoutKind::StreamIdle),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_truncated_body_is_a_connection_error() {
    let mock = MockServer::start().await;
    for _ in 0..3 {
        mock.push_fault(CHAT, Fault::Truncate);
    }
    let error = within(20, client(mock.url()).chat().create(&chat_request()))
        .await
        .expect_err("cut short");
    // A body that breaks off should be a connection error (and retried); today's client reports reqwest's
    // "error decoding response body" as `Error::Request` and does not retry it.
    assert!(matches!(error, Error::Connection(_) | Error::Request(_)), "{error:?}");

    mock.push_fault(CHAT, Fault::Truncate);
    let stream = within(20, client(mock.url()).chat().create_stream(&chat_request()))
        .await
        .expect("the stream opens");
    let items: Vec<_> = within(20, stream.collect::<Vec<_>>()).await;
    assert!(
        items.last().is_some_and(Result::is_err),
        "a truncated stream ends in an error: {items:?}"
    );
}

#[tokio::test]
async fn an_error_event_inside_a_stream_is_an_in_band_api_error() {
    let mock = MockServer::start().await;
    mock.push_fault(CHAT, Fault::StreamError(1));
    let stream = within(20, client(mock.url()).chat().create_stream(&chat_request()))
        .await
        .expect("the stream opens");
    let items: Vec<_> = within(20, stream.collect::<Vec<_>>()).await;
    assert!(items[0].is_ok());
    let error = items
        .iter()
        .find_map(|item| item.as_ref().err())
        .expect("the error event");
    let api = error.api().expect("an API error");
    assert!(api.in_band);

    // Claude names its events: the error arrives as `event: error`.
    mock.push_fault("create_claude_message", Fault::StreamError(2));
    let request: allmhub::types::ClaudeMessagesRequest = serde_json::from_value(serde_json::json!({
        "model": "claude-sonnet-4", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]
    }))
    .expect("a request");
    let stream = within(20, client(mock.url()).claude().messages().create_stream(&request))
        .await
        .expect("the stream opens");
    let items: Vec<_> = within(20, stream.collect::<Vec<_>>()).await;
    let error = items
        .iter()
        .find_map(|item| item.as_ref().err())
        .expect("the error event");
    assert!(error.api().is_some_and(|api| api.in_band), "{error:?}");
    let received = mock.requests_for("create_claude_message");
    assert_eq!(received.len(), 1);
}

#[tokio::test]
async fn a_stream_request_answered_with_json_becomes_the_events_of_the_whole_answer() {
    let mock = MockServer::start().await;
    mock.push_fault(CHAT, Fault::JsonForStream);
    let stream = within(20, client(mock.url()).chat().create_stream(&chat_request()))
        .await
        .expect("the stream opens");
    let items: Vec<_> = within(20, stream.collect::<Vec<_>>()).await;
    let text: String = items
        .iter()
        .map(|item| item.as_ref().expect("synthesized events"))
        .flat_map(|chunk| chunk.choices.iter().filter_map(|choice| choice.delta.content.clone()))
        .collect();
    assert_eq!(text, "Hello! How can I help you today?");
    let received = mock.requests_for(CHAT);
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].fault, Some(Fault::JsonForStream));
}

#[tokio::test]
async fn endless_bodies_are_cut_by_the_clients_timeouts() {
    let mock = MockServer::start().await;
    let client = builder(mock.url())
        .timeout(Duration::from_millis(500))
        .max_retries(0)
        .build()
        .expect("a client");
    mock.push_fault(CHAT, Fault::EndlessJson);
    let error = within(20, client.chat().create(&chat_request()))
        .await
        .expect_err("never ends");
    // The answer limit or the request timeout, whichever comes first on this machine.
    assert!(matches!(error, Error::TooLarge(_) | Error::Timeout(_)), "{error:?}");

    // An endless event: bytes keep coming, so no idle timeout fires; today's client delivers no event.
    mock.push_fault(CHAT, Fault::EndlessEvent);
    let mut stream = within(20, client.chat().create_stream(&chat_request()))
        .await
        .expect("the stream opens");
    let next = tokio::time::timeout(Duration::from_millis(500), stream.next()).await;
    assert!(
        next.is_err() || matches!(next, Ok(Some(Err(_)))),
        "no event from an endless line"
    );
}

#[tokio::test]
async fn an_accepted_submission_that_then_fails_is_not_sent_again() {
    let mock = MockServer::start().await;
    mock.push_fault("mj_submit_imagine", Fault::AcceptedThen(AfterAccept::BadGateway));
    let error = within(
        20,
        client(mock.url())
            .midjourney()
            .submit_imagine(&MjImagineRequest::new("a cat")),
    )
    .await
    .expect_err("the answer failed");
    assert_eq!(error.status(), Some(502));
    // The gateway may have charged the first attempt: the client does not submit again.
    assert_eq!(mock.requests_for("mj_submit_imagine").len(), 1);
    assert_eq!(mock.jobs_accepted(), 1, "exactly one submission");

    let mock = MockServer::start().await;
    mock.push_fault("create_video", Fault::AcceptedThen(AfterAccept::Reset));
    let request = allmhub::types::VideoRequest::new("sora-2", "a cat");
    let error = within(20, client(mock.url()).videos().create(&request))
        .await
        .expect_err("the connection was reset");
    assert!(matches!(error, Error::Connection(_)), "{error:?}");
    assert_eq!(mock.requests_for("create_video").len(), 1);
    assert_eq!(mock.jobs_accepted(), 1, "the reset submission exists");
}
