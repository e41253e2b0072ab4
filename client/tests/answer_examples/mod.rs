//! The spec's answer examples of the four streaming dialects, decoded: whole answers (JSON bodies) and
//! streams (the data of each SSE event, `[DONE]` left out).

#![allow(dead_code)] // each test file uses part of it

use allmhub::types::{
    ChatCompletionChunk, ChatCompletionResponse, ClaudeMessagesResponse, ClaudeStreamEvent,
    GeminiGenerateContentResponse, ResponsesResponse, ResponsesStreamEvent,
};
use allmhub_tests::{Example, Place};
use serde::de::DeserializeOwned;

mod fixtures;

/// An example decoded as `T`, with its label.
pub type Labeled<T> = (String, T);

fn answer_examples(schema: &str) -> Vec<Example> {
    allmhub_tests::examples()
        .into_iter()
        .filter(|example| matches!(&example.place, Place::Response(status) if status.starts_with('2')))
        .filter(|example| {
            example
                .schema_name()
                .is_some_and(|(name, array)| name == schema && !array)
        })
        .collect()
}

/// Every JSON answer example whose schema is `schema` (the spec's name), decoded.
pub fn answers<T: DeserializeOwned>(schema: &str) -> Vec<Labeled<T>> {
    let out: Vec<Labeled<T>> = answer_examples(schema)
        .into_iter()
        .filter(|example| example.media_type == "application/json")
        .map(|example| {
            let value = serde_json::from_value(example.value.clone())
                .unwrap_or_else(|error| panic!("{}: {error}", example.label()));
            (example.label(), value)
        })
        .collect();
    assert!(!out.is_empty(), "no answer example of {schema}");
    out
}

/// Every streamed example whose events are `event` (the spec's name), each event decoded.
pub fn streams<T: DeserializeOwned>(event: &str) -> Vec<Labeled<Vec<T>>> {
    let out: Vec<Labeled<Vec<T>>> = allmhub_tests::examples()
        .into_iter()
        .filter(|example| example.stream_event.as_deref() == Some(event))
        .map(|example| {
            let text = example
                .value
                .as_str()
                .unwrap_or_else(|| panic!("{}: not text", example.label()));
            let events = allmhub_tests::sse_data(text)
                .into_iter()
                .filter(|data| data != "[DONE]")
                .map(|data| {
                    serde_json::from_str(&data).unwrap_or_else(|error| panic!("{}: {error}: {data}", example.label()))
                })
                .collect();
            (example.label(), events)
        })
        .collect();
    assert!(!out.is_empty(), "no stream example of {event}");
    out
}

/// The spec's examples and a fixture that has every member a stream can carry.
fn with_fixture<T: DeserializeOwned>(mut answers: Vec<Labeled<T>>, fixture: serde_json::Value) -> Vec<Labeled<T>> {
    let decoded = serde_json::from_value(fixture).unwrap_or_else(|error| panic!("fixture: {error}"));
    answers.push(("fixture/everything".to_owned(), decoded));
    answers
}

pub fn chat_answers() -> Vec<Labeled<ChatCompletionResponse>> {
    with_fixture(answers("ChatCompletionResponse"), fixtures::chat())
}

pub fn claude_answers() -> Vec<Labeled<ClaudeMessagesResponse>> {
    with_fixture(answers("ClaudeResponse"), fixtures::claude())
}

pub fn responses_answers() -> Vec<Labeled<ResponsesResponse>> {
    with_fixture(answers("ResponsesResponse"), fixtures::responses())
}

pub fn gemini_answers() -> Vec<Labeled<GeminiGenerateContentResponse>> {
    with_fixture(answers("GeminiResponse"), fixtures::gemini())
}

pub fn chat_streams() -> Vec<Labeled<Vec<ChatCompletionChunk>>> {
    streams("ChatCompletionChunk")
}

pub fn claude_streams() -> Vec<Labeled<Vec<ClaudeStreamEvent>>> {
    streams("ClaudeStreamEvent")
}

pub fn responses_streams() -> Vec<Labeled<Vec<ResponsesStreamEvent>>> {
    streams("ResponsesStreamEvent")
}

pub fn gemini_streams() -> Vec<Labeled<Vec<GeminiGenerateContentResponse>>> {
    streams("GeminiResponse")
}
