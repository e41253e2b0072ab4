//! `into_final` and `text_deltas` on the client's typed streams, over HTTP on 127.0.0.1: a stream served in
//! small pieces gives the answer its events accumulate to, and the text lens gives only the answer text.

mod answer_examples;
mod support;

use allmhub::accumulate::{Accumulator, ChatAccumulator, ClaudeAccumulator, GeminiAccumulator, ResponsesAccumulator};
use allmhub::synthesize::{Split, chat_chunks, claude_events, gemini_chunks, responses_events};
use allmhub::types::{
    ChatCompletionRequest, ChatMessage, ClaudeMessage, ClaudeMessagesRequest, GeminiContent,
    GeminiGenerateContentRequest, ResponsesRequest,
};
use answer_examples::*;
use futures_util::StreamExt;
use serde::Serialize;
use support::{Reply, Server, client, within};

fn fixture<T>(answers: Vec<Labeled<T>>) -> T {
    answers
        .into_iter()
        .find(|(label, _)| label.starts_with("fixture/"))
        .map(|(_, answer)| answer)
        .expect("the fixture")
}

/// The events as a Server-Sent Events body; `name` gives an event its `event:` line.
fn sse<T: Serialize>(events: &[T], name: impl Fn(&serde_json::Value) -> Option<String>, done: bool) -> String {
    let mut body = String::new();
    for event in events {
        let value = serde_json::to_value(event).expect("serializes");
        if let Some(name) = name(&value) {
            body.push_str(&format!("event: {name}\n"));
        }
        body.push_str(&format!("data: {value}\n\n"));
    }
    if done {
        body.push_str("data: [DONE]\n\n");
    }
    body
}

fn typed(value: &serde_json::Value) -> Option<String> {
    value.get("type").and_then(|kind| kind.as_str()).map(str::to_owned)
}

fn accumulate<A: Accumulator>(events: &[A::Event]) -> A::Output {
    let mut accumulator = A::default();
    for event in events {
        accumulator.push(event).expect("accumulates");
    }
    accumulator.finish().expect("an answer")
}

#[tokio::test]
async fn chat_streams_into_the_final_answer_and_the_text() {
    let answer = fixture(chat_answers());
    let chunks = chat_chunks(&answer, &Split::Chars(3));
    let body = sse(&chunks, |_| None, true);
    let server = Server::start(vec![Reply::sse_in_pieces(&body, 7), Reply::sse_in_pieces(&body, 5)]).await;
    let client = client(&server.url);
    let request = ChatCompletionRequest::new("gpt-5", vec![ChatMessage::user("Weather?")]);

    let stream = within(10, client.chat().create_stream(&request))
        .await
        .expect("a stream");
    let accumulated = within(10, stream.into_final()).await.expect("the final answer");
    assert_eq!(accumulated, accumulate::<ChatAccumulator>(&chunks));
    assert_eq!(accumulated.choices.len(), 2);

    let stream = within(10, client.chat().create_stream(&request))
        .await
        .expect("a stream");
    let pieces: Vec<String> = within(10, stream.text_deltas().map(|piece| piece.expect("text")).collect()).await;
    assert!(
        pieces.len() > 3 && pieces.iter().all(|piece| !piece.is_empty()),
        "{pieces:?}"
    );
    assert_eq!(
        pieces.concat(),
        "Il fait 21 °C à Paris ☀️ et 天气很好.",
        "the first choice's text only"
    );
}

#[tokio::test]
async fn claude_streams_into_the_final_message_and_the_text() {
    let message = fixture(claude_answers());
    let events = claude_events(&message, &Split::Chars(4));
    let body = sse(&events, typed, false);
    let server = Server::start(vec![Reply::sse_in_pieces(&body, 9)]).await;
    let client = client(&server.url);
    let request = ClaudeMessagesRequest::new("claude-sonnet-4-5", 1024, vec![ClaudeMessage::user("Weather?")]);

    let stream = within(10, client.claude().messages().create_stream(&request))
        .await
        .expect("a stream");
    let accumulated = within(10, stream.into_final()).await.expect("the final message");
    assert_eq!(accumulated, message);
    assert_eq!(accumulated, accumulate::<ClaudeAccumulator>(&events));

    let stream = within(10, client.claude().messages().create_stream(&request))
        .await
        .expect("a stream");
    let text: Vec<String> = within(10, stream.text_deltas().map(|piece| piece.expect("text")).collect()).await;
    assert_eq!(text.concat(), "It is sunny in Paris ☀️.");
}

#[tokio::test]
async fn responses_stream_into_the_final_response_and_the_text() {
    let response = fixture(responses_answers());
    let events = responses_events(&response, &Split::Chars(2));
    let body = sse(&events, typed, false);
    let server = Server::start(vec![Reply::sse_in_pieces(&body, 11)]).await;
    let client = client(&server.url);
    let request = ResponsesRequest::new("gpt-5", "Weather?");

    let stream = within(10, client.responses().create_stream(&request))
        .await
        .expect("a stream");
    let accumulated = within(10, stream.into_final()).await.expect("the final response");
    assert_eq!(accumulated, response);
    assert_eq!(accumulated, accumulate::<ResponsesAccumulator>(&events));

    let stream = within(10, client.responses().create_stream(&request))
        .await
        .expect("a stream");
    let text: Vec<String> = within(10, stream.text_deltas().map(|piece| piece.expect("text")).collect()).await;
    assert_eq!(
        text.concat(),
        "Sunny ☀️, 21 °C.",
        "refusals and reasoning are not answer text"
    );
}

#[tokio::test]
async fn gemini_streams_into_one_response_and_the_text() {
    let response = fixture(gemini_answers());
    let chunks = gemini_chunks(&response, &Split::Chars(5));
    let body = sse(&chunks, |_| None, false);
    let server = Server::start(vec![Reply::sse_in_pieces(&body, 13)]).await;
    let client = client(&server.url);
    let request = GeminiGenerateContentRequest::new(vec![GeminiContent::user("Weather?")]);

    let stream = within(10, client.gemini().generate_content_stream("gemini-2.5-pro", &request))
        .await
        .expect("a stream");
    let accumulated = within(10, stream.into_final()).await.expect("the final response");
    assert_eq!(accumulated, accumulate::<GeminiAccumulator>(&chunks));

    let stream = within(10, client.gemini().generate_content_stream("gemini-2.5-pro", &request))
        .await
        .expect("a stream");
    let text: Vec<String> = within(10, stream.text_deltas().map(|piece| piece.expect("text")).collect()).await;
    assert_eq!(
        text.concat(),
        "Voici la réponse: il fait beau ☀️.Fin.",
        "thoughts are not answer text"
    );
}

#[tokio::test]
async fn a_stream_without_events_has_no_final_answer() {
    let server = Server::start(vec![Reply::sse_in_pieces("data: [DONE]\n\n", 4)]).await;
    let client = client(&server.url);
    let request = ChatCompletionRequest::new("gpt-5", vec![ChatMessage::user("Hi")]);
    let stream = within(10, client.chat().create_stream(&request))
        .await
        .expect("a stream");
    match within(10, stream.into_final()).await {
        Err(allmhub::Error::Stream(error)) => assert_eq!(error.events_received, 0),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_error_event_ends_into_final_with_the_api_error() {
    let answer = fixture(chat_answers());
    let chunks = chat_chunks(&answer, &Split::Chars(8));
    let mut body = sse(&chunks[..3], |_| None, false);
    body.push_str(
        "event: error\ndata: {\"error\":{\"message\":\"upstream overloaded\",\"type\":\"server_error\"}}\n\n",
    );
    let server = Server::start(vec![Reply::sse_in_pieces(&body, 6)]).await;
    let client = client(&server.url);
    let request = ChatCompletionRequest::new("gpt-5", vec![ChatMessage::user("Hi")]);
    let stream = within(10, client.chat().create_stream(&request))
        .await
        .expect("a stream");
    match within(10, stream.into_final()).await {
        Err(allmhub::Error::Api(error)) => assert_eq!(error.message(), Some("upstream overloaded")),
        other => panic!("{other:?}"),
    }
}

/// A gateway that answers a stream request with the whole JSON: the client synthesizes the events, and
/// `into_final` gives the answer back.
#[tokio::test]
async fn a_whole_answer_to_a_stream_request_accumulates_back_to_itself() {
    let answer = fixture(chat_answers());
    let chat = Server::start(vec![Reply::json(200, &serde_json::to_string(&answer).expect("JSON"))]).await;
    let request = ChatCompletionRequest::new("gpt-5", vec![ChatMessage::user("Weather?")]);
    let stream = within(10, client(&chat.url).chat().create_stream(&request))
        .await
        .expect("a stream");
    assert!(stream.is_synthesized());
    assert_eq!(within(10, stream.into_final()).await.expect("the answer"), answer);

    let message = fixture(claude_answers());
    let claude = Server::start(vec![Reply::json(200, &serde_json::to_string(&message).expect("JSON"))]).await;
    let request = ClaudeMessagesRequest::new("claude-sonnet-4-5", 1024, vec![ClaudeMessage::user("Weather?")]);
    let stream = within(10, client(&claude.url).claude().messages().create_stream(&request))
        .await
        .expect("a stream");
    assert_eq!(within(10, stream.into_final()).await.expect("the message"), message);

    let response = fixture(responses_answers());
    let responses = Server::start(vec![Reply::json(200, &serde_json::to_string(&response).expect("JSON"))]).await;
    let request = ResponsesRequest::new("gpt-5", "Weather?");
    let stream = within(10, client(&responses.url).responses().create_stream(&request))
        .await
        .expect("a stream");
    assert_eq!(within(10, stream.into_final()).await.expect("the response"), response);
}
