//! Bounded memory: a stream event or a whole answer past the client's limit is a typed error raised as soon as
//! the limit is passed, from servers that never end their event, their lines or their body.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use allmhub::types::{ChatCompletionRequest, ChatMessage};
use allmhub::{Error, LimitKind};
use futures_util::StreamExt;
use support::{Reply, Server, builder, within};

const LIMIT: usize = 1024 * 1024;

fn request() -> ChatCompletionRequest {
    ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user("Hello!")])
}

fn endless(
    content_type: &'static str,
    prefix: &[u8],
    piece: &[u8],
    content_length: Option<u64>,
) -> (Reply, Arc<AtomicU64>) {
    let sent = Arc::new(AtomicU64::new(0));
    let reply = Reply::Endless {
        content_type,
        prefix: prefix.to_vec(),
        piece: piece.to_vec(),
        content_length,
        sent: sent.clone(),
    };
    (reply, sent)
}

fn client(url: &str) -> allmhub::Client {
    builder(url)
        .max_event_bytes(LIMIT)
        .max_answer_bytes(LIMIT)
        .build()
        .expect("client")
}

/// The first item of the chat stream a server answers with.
async fn first_item(server: &Server) -> Result<allmhub::types::ChatCompletionChunk, Error> {
    let mut stream = within(30, client(&server.url).chat().create_stream(&request()))
        .await
        .expect("the stream opens");
    within(30, stream.next()).await.expect("an item, not the end")
}

fn assert_too_large(error: Error, kind: LimitKind) {
    match error {
        Error::TooLarge(limit) => {
            assert_eq!(limit.kind, kind);
            assert_eq!(limit.limit, LIMIT);
        }
        other => panic!("expected Error::TooLarge, got {other:?}"),
    }
}

/// The server kept writing into socket buffers after the client stopped; what it sent is bounded by the
/// limit plus those buffers, far below what an unbounded reader would have taken.
fn assert_stopped_early(sent: &AtomicU64) {
    let sent = sent.load(Ordering::Relaxed);
    assert!(sent < 64 * 1024 * 1024, "the client kept reading: {sent} bytes");
}

#[tokio::test]
async fn an_event_that_never_ends_is_too_large() {
    let (reply, sent) = endless("text/event-stream", b"data: {\"x\":\"", &[b'x'; 64 * 1024], None);
    let server = Server::start(vec![reply]).await;
    assert_too_large(first_item(&server).await.expect_err("too large"), LimitKind::Event);
    assert_stopped_early(&sent);
}

#[tokio::test]
async fn an_event_of_endless_lines_without_a_blank_line_is_too_large() {
    let (reply, sent) = endless("text/event-stream", b"", &b"data: {\"x\":1}\n".repeat(4096), None);
    let server = Server::start(vec![reply]).await;
    assert_too_large(first_item(&server).await.expect_err("too large"), LimitKind::Event);
    assert_stopped_early(&sent);
}

#[tokio::test]
async fn events_under_the_limit_keep_flowing() {
    let event = format!(
        "data: {{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{}\"}}}}]}}\n\n",
        "y".repeat(LIMIT / 2)
    );
    let body = format!("{event}{event}{event}data: [DONE]\n\n");
    let server = Server::start(vec![Reply::sse_in_pieces(&body, 64 * 1024)]).await;
    let stream = within(30, client(&server.url).chat().create_stream(&request()))
        .await
        .expect("stream");
    let items: Vec<_> = within(30, stream.collect::<Vec<_>>()).await;
    assert_eq!(items.len(), 3, "three events of half the limit each pass");
    assert!(items.iter().all(Result::is_ok));
}

#[tokio::test]
async fn a_json_answer_that_never_ends_is_too_large() {
    let (reply, sent) = endless("application/json", b"{\"padding\":\"", &[b'x'; 64 * 1024], None);
    let server = Server::start(vec![reply]).await;
    let error = within(30, client(&server.url).chat().create(&request()))
        .await
        .expect_err("too large");
    assert_too_large(error, LimitKind::Answer);
    assert_stopped_early(&sent);
    assert_eq!(server.requests().len(), 1, "a too-large answer is not retried");
}

#[tokio::test]
async fn a_declared_length_past_the_limit_fails_before_reading() {
    let (reply, sent) = endless("application/json", b"{", &[b' '; 1024], Some(10 * 1024 * 1024 * 1024));
    let server = Server::start(vec![reply]).await;
    let error = within(30, client(&server.url).chat().create(&request()))
        .await
        .expect_err("too large");
    assert_too_large(error, LimitKind::Answer);
    assert_stopped_early(&sent);
}

#[tokio::test]
async fn a_stream_request_answered_with_endless_json_is_too_large() {
    let (reply, sent) = endless("application/json", b"{\"padding\":\"", &[b'x'; 64 * 1024], None);
    let server = Server::start(vec![reply]).await;
    let error = within(30, client(&server.url).chat().create_stream(&request()))
        .await
        .expect_err("too large");
    assert_too_large(error, LimitKind::Answer);
    assert_stopped_early(&sent);
}

const COMPLETION: &str = r#"{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello — 你好, in many pieces."},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":7,"total_tokens":16}}"#;

/// A chunked JSON answer in pieces of `size` bytes.
fn json_in_pieces(size: usize) -> Reply {
    Reply::Pieces {
        status: 200,
        content_type: "application/json",
        pieces: COMPLETION
            .as_bytes()
            .chunks(size)
            .map(|piece| (piece.to_vec(), std::time::Duration::ZERO))
            .collect(),
        then: support::Then::End,
    }
}

#[tokio::test]
async fn a_json_answer_in_many_pieces_is_joined_whole() {
    // Pieces of 1 and 7 bytes split the multi-byte characters too; one piece is the body as it came.
    for size in [1, 7, COMPLETION.len()] {
        let server = Server::start(vec![json_in_pieces(size)]).await;
        let answer = within(30, client(&server.url).chat().create(&request()).with_raw_response())
            .await
            .unwrap_or_else(|error| panic!("pieces of {size}: {error}"));
        assert_eq!(
            answer.raw_body().map(|raw| &raw[..]),
            Some(COMPLETION.as_bytes()),
            "pieces of {size}"
        );
        let whole: allmhub::types::ChatCompletionResponse = serde_json::from_str(COMPLETION).expect("decodes");
        assert_eq!(answer.into_inner(), whole, "pieces of {size}");
    }
}

#[tokio::test]
async fn a_json_answer_in_pieces_past_the_limit_is_too_large() {
    // The limit is passed by the last piece, and (pieces of the whole body) by the first and only one.
    for size in [16, COMPLETION.len()] {
        let server = Server::start(vec![json_in_pieces(size)]).await;
        let client = builder(&server.url)
            .max_answer_bytes(COMPLETION.len() - 1)
            .build()
            .expect("client");
        let error = within(30, client.chat().create(&request()))
            .await
            .expect_err("too large");
        match error {
            Error::TooLarge(limit) => {
                assert_eq!(limit.kind, LimitKind::Answer);
                assert_eq!(limit.limit, COMPLETION.len() - 1);
            }
            other => panic!("pieces of {size}: expected Error::TooLarge, got {other:?}"),
        }
    }
}
