//! No stream request ends empty and silent: a gateway that answers a stream request with the whole JSON answer
//! gives the dialect's events (flagged as synthesized); an error envelope is the typed error it is; any other
//! body is a typed error that keeps it. Checked with every answer example of the spec, in all four dialects.

mod support;

use allmhub::Error;
use allmhub::types::{
    ChatCompletionChunk, ChatCompletionRequest, ChatCompletionResponse, ChatMessage, ChatMessageContent,
    ClaudeContentBlock, ClaudeContentBlockDelta, ClaudeMessage, ClaudeMessagesRequest, ClaudeMessagesResponse,
    ClaudeStreamEvent, GeminiContent, GeminiGenerateContentRequest, GeminiGenerateContentResponse, ResponsesRequest,
    ResponsesResponse, ResponsesStreamEvent,
};
use allmhub_tests::{Place, examples};
use futures_util::StreamExt;
use support::{Reply, Server, client, within};

/// The JSON 200 answer examples of an operation.
fn answers(operation: &str) -> Vec<(String, serde_json::Value)> {
    let found: Vec<_> = examples()
        .into_iter()
        .filter(|example| {
            example.operation == operation
                && example.place == Place::Response("200".to_owned())
                && example.media_type == "application/json"
        })
        .map(|example| (example.key, example.value))
        .collect();
    assert!(!found.is_empty(), "{operation} has answer examples");
    found
}

fn whole(body: &serde_json::Value) -> Reply {
    Reply::json(200, &body.to_string())
}

async fn collect<T: serde::de::DeserializeOwned>(stream: allmhub::EventStream<T>) -> Vec<T> {
    assert!(stream.is_synthesized(), "flagged as made from a whole answer");
    within(10, stream.collect::<Vec<_>>())
        .await
        .into_iter()
        .map(|event| event.expect("every synthesized event is Ok"))
        .collect()
}

#[tokio::test]
async fn chat_answered_whole_streams_the_answers_chunks() {
    for (key, example) in answers("create_chat_completion") {
        let answer: ChatCompletionResponse = serde_json::from_value(example.clone()).expect("decodes");
        let server = Server::start(vec![whole(&example)]).await;
        let request = ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user("Hi")]);
        let stream = within(10, client(&server.url).chat().create_stream(&request))
            .await
            .expect(&key);
        let chunks: Vec<ChatCompletionChunk> = collect(stream).await;
        assert!(!chunks.is_empty(), "{key}");
        for choice in &answer.choices {
            let index = choice.index.unwrap_or(0);
            let of_choice = || {
                chunks
                    .iter()
                    .flat_map(|chunk| &chunk.choices)
                    .filter(|c| c.index.unwrap_or(0) == index)
            };
            let text: String = of_choice().filter_map(|c| c.delta.content.clone()).collect();
            let expected = match &choice.message.content {
                Some(ChatMessageContent::Text(text)) => text.clone(),
                _ => String::new(),
            };
            assert_eq!(text, expected, "{key}: the content arrives whole");
            let finish = of_choice().find_map(|c| c.finish_reason.clone());
            assert_eq!(finish, choice.finish_reason, "{key}");
            let calls: usize = of_choice()
                .filter_map(|c| c.delta.tool_calls.as_ref())
                .map(Vec::len)
                .sum();
            assert_eq!(
                calls,
                choice.message.tool_calls.as_ref().map_or(0, Vec::len),
                "{key}: tool calls"
            );
        }
        let usage = chunks.iter().find_map(|chunk| chunk.usage.as_deref().cloned());
        assert_eq!(usage, answer.usage, "{key}: usage rides along");
    }
}

#[tokio::test]
async fn claude_answered_whole_streams_the_messages_events() {
    for (key, example) in answers("create_claude_message") {
        let answer: ClaudeMessagesResponse = serde_json::from_value(example.clone()).expect("decodes");
        let server = Server::start(vec![whole(&example)]).await;
        let request = ClaudeMessagesRequest::new("claude-sonnet-4-5", 1024, vec![ClaudeMessage::user("Hi")]);
        let stream = within(10, client(&server.url).claude().messages().create_stream(&request))
            .await
            .expect(&key);
        let events: Vec<ClaudeStreamEvent> = collect(stream).await;
        assert!(
            matches!(events.first(), Some(ClaudeStreamEvent::MessageStart(_))),
            "{key}"
        );
        assert!(
            matches!(events.last(), Some(ClaudeStreamEvent::MessageStop(_))),
            "{key}"
        );
        for (index, block) in answer.content.iter().enumerate() {
            let deltas = events.iter().filter_map(|event| match event {
                ClaudeStreamEvent::ContentBlockDelta(delta) if delta.index == index as i64 => Some(&delta.delta),
                _ => None,
            });
            match block {
                ClaudeContentBlock::Text(text) => {
                    let streamed: String = deltas
                        .filter_map(|delta| match delta {
                            ClaudeContentBlockDelta::TextDelta(delta) => Some(delta.text.as_str()),
                            _ => None,
                        })
                        .collect();
                    assert_eq!(streamed, text.text, "{key}: block {index}");
                }
                ClaudeContentBlock::ToolUse(tool) => {
                    let json: String = deltas
                        .filter_map(|delta| match delta {
                            ClaudeContentBlockDelta::InputJsonDelta(delta) => Some(delta.partial_json.as_str()),
                            _ => None,
                        })
                        .collect();
                    let input: serde_json::Value = serde_json::from_str(&json).expect("whole JSON");
                    // A call without `input` (translated answers of older gateways) streams as `{}`.
                    let expected = tool.input.clone().unwrap_or_else(|| serde_json::json!({}));
                    assert_eq!(input, expected, "{key}: block {index}");
                }
                _ => {}
            }
        }
        let stop = events.iter().find_map(|event| match event {
            ClaudeStreamEvent::MessageDelta(delta) => Some(delta.delta.stop_reason.clone()),
            _ => None,
        });
        assert_eq!(stop, Some(answer.stop_reason.clone()), "{key}");
    }
}

#[tokio::test]
async fn responses_answered_whole_stream_created_then_completed() {
    for (key, example) in answers("create_response") {
        let answer: ResponsesResponse = serde_json::from_value(example.clone()).expect("decodes");
        let server = Server::start(vec![whole(&example)]).await;
        let request: ResponsesRequest =
            serde_json::from_value(serde_json::json!({"model": "gpt-5", "input": "Hi"})).expect("request");
        let stream = within(10, client(&server.url).responses().create_stream(&request))
            .await
            .expect(&key);
        let events: Vec<ResponsesStreamEvent> = collect(stream).await;
        assert!(
            matches!(events.first(), Some(ResponsesStreamEvent::ResponseCreated(_))),
            "{key}"
        );
        let last = match events.last() {
            Some(
                ResponsesStreamEvent::ResponseCompleted(end)
                | ResponsesStreamEvent::ResponseIncomplete(end)
                | ResponsesStreamEvent::ResponseFailed(end),
            ) => &end.response,
            other => panic!("{key}: ends with {other:?}"),
        };
        assert_eq!(last, &answer, "{key}: the final event carries the whole response");
    }
}

#[tokio::test]
async fn gemini_answered_with_json_streams_each_response() {
    for (key, example) in answers("gemini_generate_content") {
        let answer: GeminiGenerateContentResponse = serde_json::from_value(example.clone()).expect("decodes");
        let request = GeminiGenerateContentRequest::new(vec![GeminiContent::user("Hi")]);
        // One object, and the JSON array `streamGenerateContent` answers without `alt=sse`.
        for body in [example.clone(), serde_json::json!([example, example])] {
            let server = Server::start(vec![whole(&body)]).await;
            let stream = within(
                10,
                client(&server.url)
                    .gemini()
                    .generate_content_stream("gemini-2.5-flash", &request),
            )
            .await
            .expect(&key);
            let events: Vec<GeminiGenerateContentResponse> = collect(stream).await;
            let expected = if body.is_array() { 2 } else { 1 };
            assert_eq!(events.len(), expected, "{key}");
            assert!(events.iter().all(|event| event == &answer), "{key}");
        }
    }
}

#[tokio::test]
async fn an_error_envelope_answered_to_a_stream_request_is_the_typed_error() {
    let server = Server::start(vec![Reply::json(
        200,
        r#"{"error":{"message":"model gpt-x does not exist","type":"invalid_request_error","code":"model_not_found"}}"#,
    )])
    .await;
    let request = ChatCompletionRequest::new("gpt-x", vec![ChatMessage::user("Hi")]);
    let error = within(10, client(&server.url).chat().create_stream(&request))
        .await
        .expect_err("an error, not an empty stream");
    let api = error.api().expect("an API error");
    assert!(api.in_band);
    assert_eq!(api.message(), Some("model gpt-x does not exist"));
}

#[tokio::test]
async fn any_other_body_is_a_typed_error_that_keeps_it() {
    let page = "<html><body>502 Bad Gateway (nginx)</body></html>";
    let server = Server::start(vec![Reply::Status {
        status: 200,
        headers: vec![("content-type", "text/html".into())],
        body: page.as_bytes().to_vec(),
    }])
    .await;
    let request = ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user("Hi")]);
    let error = within(10, client(&server.url).chat().create_stream(&request))
        .await
        .expect_err("not a stream");
    match error {
        Error::Unexpected(answer) => {
            assert_eq!(answer.body, page.as_bytes(), "the whole body is kept");
            assert_eq!(answer.content_type, "text/html");
        }
        other => panic!("expected Error::Unexpected, got {other:?}"),
    }

    // JSON that is neither the answer nor an error envelope.
    let server = Server::start(vec![Reply::json(200, r#"{"status":"ok"}"#)]).await;
    let error = within(10, client(&server.url).chat().create_stream(&request))
        .await
        .expect_err("not a stream");
    assert!(
        matches!(&error, Error::Unexpected(answer) if answer.body.as_ref() == br#"{"status":"ok"}"#),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_event_stream_sent_as_text_plain_is_still_read_as_one() {
    let body = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n";
    let server = Server::start(vec![Reply::Status {
        status: 200,
        headers: vec![("content-type", "text/plain; charset=utf-8".into())],
        body: body.as_bytes().to_vec(),
    }])
    .await;
    let request = ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user("Hi")]);
    let stream = within(10, client(&server.url).chat().create_stream(&request))
        .await
        .expect("stream");
    assert!(!stream.is_synthesized());
    let chunks: Vec<_> = within(10, stream.collect::<Vec<_>>()).await;
    assert_eq!(chunks.len(), 1);
    assert_eq!(
        chunks[0].as_ref().expect("a chunk").choices[0].delta.content.as_deref(),
        Some("Hi")
    );
}
