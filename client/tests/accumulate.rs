//! The accumulators against the synthesizers, over every answer example and every stream example of the
//! spec: an answer synthesized into events with any split accumulates back to the same answer (up to what a
//! stream cannot carry, normalized here as the synthesizers document), and a stream example's answer is a
//! fixpoint of synthesize → accumulate. Snapshots grow by appending; cut-off streams never panic.

mod answer_examples;

use allmhub::accumulate::{
    Accumulator, ChatAccumulator, ClaudeAccumulator, GeminiAccumulator, ResponsesAccumulator, merge_part,
};
use allmhub::synthesize::{Split, chat_chunks, claude_events, gemini_chunks, responses_events};
use allmhub::types::{
    ChatCompletionResponse, ChatMessageContent, ChatToolCall, ClaudeContentBlock, ClaudeMessagesResponse,
    ClaudeStreamEvent, GeminiGenerateContentResponse, GeminiPart, ResponsesItemStatus, ResponsesOutputItem,
    ResponsesResponse, ResponsesStatus, ResponsesStreamEvent,
};
use answer_examples::*;
use proptest::prelude::*;

fn accumulate<A: Accumulator>(events: &[A::Event]) -> A::Output {
    let mut accumulator = A::default();
    for event in events {
        accumulator.push(event).expect("a synthesized event accumulates");
    }
    accumulator.finish().expect("a final answer")
}

fn fixed_splits() -> Vec<Split> {
    vec![
        Split::Whole,
        Split::Chars(1),
        Split::Chars(4),
        Split::Pattern(vec![2, 0, 1, 9, 0]),
    ]
}

fn patterns() -> impl Strategy<Value = Split> {
    proptest::collection::vec(0usize..12, 1..6).prop_map(Split::Pattern)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 48,
        ..ProptestConfig::default()
    }
}

// ---- chat

/// What a chat stream cannot carry (see `chat_chunks`).
fn normalize_chat(answer: &ChatCompletionResponse) -> ChatCompletionResponse {
    let mut answer = answer.clone();
    answer.object = "chat.completion".to_owned();
    answer.metadata = None;
    for (position, choice) in answer.choices.iter_mut().enumerate() {
        choice.index.get_or_insert(position as i64);
        let message = &mut choice.message;
        if let Some(content @ ChatMessageContent::Parts(_)) = &message.content {
            message.content = Some(ChatMessageContent::Text(content.text().into_owned()));
        }
        message.name = None;
        message.tool_call_id = None;
        message.prefix = None;
        if let Some(calls) = &mut message.tool_calls {
            calls.retain(|call| !matches!(call, ChatToolCall::Unknown(_)));
        }
    }
    answer
}

fn check_chat(label: &str, answer: &ChatCompletionResponse, split: &Split) -> Result<(), TestCaseError> {
    let chunks = chat_chunks(answer, split);
    let mut accumulator = ChatAccumulator::new();
    let final_text = |answer: &ChatCompletionResponse| {
        answer.choices.first().and_then(|choice| match &choice.message.content {
            Some(ChatMessageContent::Text(text)) => Some(text.clone()),
            _ => None,
        })
    };
    let expected = normalize_chat(answer);
    let mut last_len = 0;
    for chunk in &chunks {
        accumulator.push(chunk).expect("never fails");
        // Text only grows, by appending: a UI can render every snapshot.
        let text = final_text(accumulator.snapshot()).unwrap_or_default();
        let whole = final_text(&expected).unwrap_or_default();
        prop_assert!(whole.starts_with(&text) && text.len() >= last_len, "{label}: {text:?}");
        last_len = text.len();
    }
    let accumulated = accumulator.finish().expect("an answer");
    prop_assert_eq!(&accumulated, &expected, "{} {:?}", label, split);
    Ok(())
}

#[test]
fn chat_answers_survive_any_split() {
    for (label, answer) in chat_answers() {
        for split in fixed_splits() {
            check_chat(&label, &answer, &split).unwrap();
        }
    }
    proptest!(config(), |(split in patterns())| {
        for (label, answer) in chat_answers() {
            check_chat(&label, &answer, &split)?;
        }
    });
}

#[test]
fn chat_stream_examples_are_fixpoints() {
    for (label, chunks) in chat_streams() {
        let answer = accumulate::<ChatAccumulator>(&chunks);
        assert!(!answer.choices.is_empty(), "{label}");
        for split in fixed_splits() {
            let again = accumulate::<ChatAccumulator>(&chat_chunks(&answer, &split));
            assert_eq!(again, answer, "{label} {split:?}");
        }
    }
}

// ---- Claude

fn check_claude(label: &str, message: &ClaudeMessagesResponse, split: &Split) -> Result<(), TestCaseError> {
    let events = claude_events(message, split);
    let accumulated = accumulate::<ClaudeAccumulator>(&events);
    prop_assert_eq!(&accumulated, message, "{} {:?}", label, split);
    Ok(())
}

#[test]
fn claude_messages_survive_any_split() {
    for (label, message) in claude_answers() {
        for split in fixed_splits() {
            check_claude(&label, &message, &split).unwrap();
        }
    }
    proptest!(config(), |(split in patterns())| {
        for (label, message) in claude_answers() {
            check_claude(&label, &message, &split)?;
        }
    });
}

#[test]
fn claude_stream_examples_are_fixpoints() {
    let mut checked = 0;
    for (label, events) in claude_streams() {
        if events.iter().any(|event| matches!(event, ClaudeStreamEvent::Error(_))) {
            // An error event is an error of the accumulator, never a panic.
            let mut accumulator = ClaudeAccumulator::new();
            let failed = events.iter().any(|event| accumulator.push(event).is_err());
            assert!(failed, "{label}: the error event is reported");
            continue;
        }
        let message = accumulate::<ClaudeAccumulator>(&events);
        for split in fixed_splits() {
            let again = accumulate::<ClaudeAccumulator>(&claude_events(&message, &split));
            assert_eq!(again, message, "{label} {split:?}");
        }
        checked += 1;
    }
    assert!(checked >= 2);
}

// ---- Responses

/// The response a stream without its final event assembles: the snapshot of `response.created` with the
/// output as the items' events build it. With `done` the items' `.done` events are there; without, items keep
/// the status they were added with.
fn assembled_responses(response: &ResponsesResponse, events: &[ResponsesStreamEvent], done: bool) -> ResponsesResponse {
    let ResponsesStreamEvent::ResponseCreated(created) = &events[0] else {
        panic!("starts with response.created");
    };
    let mut expected = created.response.clone();
    expected.output = response.output.clone();
    if !done {
        for item in &mut expected.output {
            let status = match item {
                ResponsesOutputItem::Message(item) => &mut item.status,
                ResponsesOutputItem::Reasoning(item) => &mut item.status,
                ResponsesOutputItem::FunctionCall(item) => &mut item.status,
                ResponsesOutputItem::CodeInterpreterCall(item) => &mut item.status,
                _ => continue,
            };
            if status.is_some() {
                *status = Some(ResponsesItemStatus::InProgress);
            }
        }
    }
    expected
}

/// Whether an event only confirms what the deltas built (`*.done`), so that dropping it leaves the deltas
/// alone to assemble the output.
fn confirms(event: &ResponsesStreamEvent) -> bool {
    use ResponsesStreamEvent as E;
    matches!(
        event,
        E::ResponseOutputItemDone(_)
            | E::ResponseContentPartDone(_)
            | E::ResponseOutputTextDone(_)
            | E::ResponseRefusalDone(_)
            | E::ResponseReasoningSummaryPartDone(_)
            | E::ResponseReasoningSummaryTextDone(_)
            | E::ResponseReasoningTextDone(_)
            | E::ResponseFunctionCallArgumentsDone(_)
            | E::ResponseCustomToolCallInputDone(_)
            | E::ResponseCodeInterpreterCallCodeDone(_)
    )
}

fn is_final(event: &ResponsesStreamEvent) -> bool {
    matches!(
        event,
        ResponsesStreamEvent::ResponseCompleted(_)
            | ResponsesStreamEvent::ResponseIncomplete(_)
            | ResponsesStreamEvent::ResponseFailed(_)
    )
}

fn check_responses(label: &str, response: &ResponsesResponse, split: &Split) -> Result<(), TestCaseError> {
    let events = responses_events(response, split);
    prop_assert_eq!(
        &accumulate::<ResponsesAccumulator>(&events),
        response,
        "{} {:?}",
        label,
        split
    );

    // A gateway that never sends `response.completed`.
    let unfinished: Vec<_> = events.iter().filter(|event| !is_final(event)).cloned().collect();
    let expected = assembled_responses(response, &events, true);
    prop_assert_eq!(
        &accumulate::<ResponsesAccumulator>(&unfinished),
        &expected,
        "{} {:?}",
        label,
        split
    );

    // Nothing but deltas: the output assembled from fragments alone.
    let deltas: Vec<_> = unfinished.iter().filter(|event| !confirms(event)).cloned().collect();
    let expected = assembled_responses(response, &events, false);
    prop_assert_eq!(
        &accumulate::<ResponsesAccumulator>(&deltas),
        &expected,
        "{} {:?}",
        label,
        split
    );
    Ok(())
}

#[test]
fn responses_survive_any_split_with_or_without_the_final_event() {
    for (label, response) in responses_answers() {
        for split in fixed_splits() {
            check_responses(&label, &response, &split).unwrap();
        }
    }
    proptest!(config(), |(split in patterns())| {
        for (label, response) in responses_answers() {
            check_responses(&label, &response, &split)?;
        }
    });
}

#[test]
fn responses_stream_examples_are_fixpoints() {
    for (label, events) in responses_streams() {
        let response = accumulate::<ResponsesAccumulator>(&events);
        // A response that fails before producing anything has no output.
        let failed = response.status == Some(ResponsesStatus::Failed);
        assert!(failed || !response.output.is_empty(), "{label}");
        for split in fixed_splits() {
            let again = accumulate::<ResponsesAccumulator>(&responses_events(&response, &split));
            assert_eq!(again, response, "{label} {split:?}");
        }
        // Without its final event the example still assembles its output.
        let unfinished: Vec<_> = events.iter().filter(|event| !is_final(event)).cloned().collect();
        let assembled = accumulate::<ResponsesAccumulator>(&unfinished);
        assert_eq!(assembled.output, response.output, "{label}");
    }
}

// ---- Gemini

/// What a Gemini stream cannot carry (see `gemini_chunks`).
fn normalize_gemini(response: &GeminiGenerateContentResponse) -> GeminiGenerateContentResponse {
    let mut response = response.clone();
    let several = response.candidates.len() > 1;
    for (position, candidate) in response.candidates.iter_mut().enumerate() {
        if several {
            candidate.index.get_or_insert(position as i64);
        }
        if let Some(content) = &mut candidate.content {
            let mut parts: Vec<GeminiPart> = Vec::new();
            for part in &content.parts {
                merge_part(&mut parts, part);
            }
            content.parts = parts;
        }
    }
    response
}

/// Per candidate: the text of its thoughts, the text of its answer, its signatures and its other parts, in
/// order — what joining text parts must keep.
fn gemini_essentials(response: &GeminiGenerateContentResponse) -> Vec<(String, String, Vec<String>, Vec<GeminiPart>)> {
    response
        .candidates
        .iter()
        .map(|candidate| {
            let parts = candidate.content.iter().flat_map(|content| &content.parts);
            let text = |thought: bool| {
                parts
                    .clone()
                    .filter(|part| part.thought.unwrap_or(false) == thought)
                    .filter_map(|part| part.text.as_deref())
                    .collect::<String>()
            };
            let signatures = parts
                .clone()
                .filter_map(|part| part.thought_signature.clone())
                .collect();
            let others = parts.clone().filter(|part| part.text.is_none()).cloned().collect();
            (text(true), text(false), signatures, others)
        })
        .collect()
}

fn check_gemini(label: &str, response: &GeminiGenerateContentResponse, split: &Split) -> Result<(), TestCaseError> {
    let accumulated = accumulate::<GeminiAccumulator>(&gemini_chunks(response, split));
    prop_assert_eq!(&accumulated, &normalize_gemini(response), "{} {:?}", label, split);
    // Independent of how parts are joined: no text, signature or other part is lost or reordered.
    prop_assert_eq!(
        gemini_essentials(&accumulated),
        gemini_essentials(response),
        "{}",
        label
    );
    Ok(())
}

#[test]
fn gemini_responses_survive_any_split() {
    for (label, response) in gemini_answers() {
        for split in fixed_splits() {
            check_gemini(&label, &response, &split).unwrap();
        }
    }
    proptest!(config(), |(split in patterns())| {
        for (label, response) in gemini_answers() {
            check_gemini(&label, &response, &split)?;
        }
    });
}

#[test]
fn gemini_stream_examples_are_fixpoints() {
    for (label, chunks) in gemini_streams() {
        let response = accumulate::<GeminiAccumulator>(&chunks);
        assert!(!response.candidates.is_empty(), "{label}");
        for split in fixed_splits() {
            let again = accumulate::<GeminiAccumulator>(&gemini_chunks(&response, &split));
            assert_eq!(again, normalize_gemini(&response), "{label} {split:?}");
            assert_eq!(again, response, "{label}: a streamed answer is already normal");
        }
    }
}

// ---- cut-off streams and bad input

/// Every prefix of every synthesized stream accumulates without a panic. Finishing fails when nothing
/// arrived, and otherwise only for a Claude tool input cut off mid-JSON (a decode error).
#[test]
fn cut_off_streams_never_panic() {
    fn prefixes<A: Accumulator>(events: &[A::Event]) {
        for end in 0..=events.len() {
            let mut accumulator = A::default();
            for event in &events[..end] {
                let _ = accumulator.push(event);
            }
            let _ = accumulator.snapshot();
            match accumulator.finish() {
                Ok(_) => assert!(end > 0),
                Err(allmhub::Error::Stream(_)) => assert_eq!(end, 0),
                Err(allmhub::Error::Decode(error)) => assert!(error.path.ends_with(".input"), "{error}"),
                Err(other) => panic!("{other}"),
            }
        }
    }
    let split = Split::Chars(3);
    for (_, answer) in chat_answers() {
        prefixes::<ChatAccumulator>(&chat_chunks(&answer, &split));
    }
    for (_, message) in claude_answers() {
        prefixes::<ClaudeAccumulator>(&claude_events(&message, &split));
    }
    for (_, response) in responses_answers() {
        prefixes::<ResponsesAccumulator>(&responses_events(&response, &split));
    }
    for (_, response) in gemini_answers() {
        prefixes::<GeminiAccumulator>(&gemini_chunks(&response, &split));
    }
}

#[test]
fn a_claude_tool_input_that_is_not_json_is_an_error_naming_the_block() {
    let (label, message) = claude_answers()
        .into_iter()
        .find(|(_, message)| {
            message
                .content
                .iter()
                .any(|block| matches!(block, ClaudeContentBlock::ToolUse(_)))
        })
        .expect("an example with a tool call");
    let position = message
        .content
        .iter()
        .position(|block| matches!(block, ClaudeContentBlock::ToolUse(_)))
        .expect("a tool block");
    let mut events = claude_events(&message, &Split::Chars(5));
    // Damage the last input fragment: the JSON text is cut short.
    let last_fragment = events
        .iter()
        .rposition(|event| {
            matches!(event, ClaudeStreamEvent::ContentBlockDelta(delta)
                if matches!(delta.delta, allmhub::types::ClaudeContentBlockDelta::InputJsonDelta(_)))
        })
        .expect("input fragments");
    events.remove(last_fragment);

    let mut accumulator = ClaudeAccumulator::new();
    let mut errors = Vec::new();
    for event in &events {
        if let Err(error) = accumulator.push(event) {
            errors.push(error);
        }
    }
    assert_eq!(errors.len(), 1, "{label}: {errors:?}");
    let allmhub::Error::Decode(error) = &errors[0] else {
        panic!("{label}: {:?}", errors[0]);
    };
    assert_eq!(error.path, format!("$.content[{position}].input"));
    assert!(error.message.contains("is not valid JSON"), "{}", error.message);
    assert!(!error.body.is_empty(), "the JSON text is kept");
    // The rest of the message is still there.
    let message_after = accumulator.finish().expect("the rest of the message");
    assert_eq!(message_after.content.len(), message.content.len());
    assert_eq!(message_after.stop_reason, message.stop_reason);
}

#[test]
fn an_error_event_fed_by_hand_is_the_servers_error_with_its_message() {
    // Claude: the error is the event's `error` object, in Claude's envelope.
    let event: ClaudeStreamEvent = serde_json::from_str(
        r#"{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}, "request_id": "req_1"}"#,
    )
    .expect("a Claude error event");
    let error = ClaudeAccumulator::new().push(&event).expect_err("an error event");
    let api = error.api().expect("the server's error");
    assert_eq!((api.status, api.in_band), (200, true));
    let body = api.body.as_ref().expect("the envelope decodes");
    assert_eq!(body.message(), Some("Overloaded"));
    assert_eq!(body.error_type(), Some("overloaded_error"));
    let raw: serde_json::Value = serde_json::from_str(api.raw.as_deref().expect("the event's text")).expect("JSON");
    assert_eq!(raw["type"], "error", "the event with its tag: {raw}");
    assert_eq!(raw["request_id"], "req_1");

    // Responses: the event's own members (`code`, `message`) make the error.
    let event: ResponsesStreamEvent = serde_json::from_str(
        r#"{"type": "error", "code": "rate_limit_exceeded", "message": "Slow down", "param": null, "sequence_number": 3}"#,
    )
    .expect("a Responses error event");
    let error = ResponsesAccumulator::new().push(&event).expect_err("an error event");
    let body = error.api().and_then(|api| api.body.as_ref()).expect("the envelope");
    assert_eq!(body.message(), Some("Slow down"));
    assert_eq!(body.code().as_deref(), Some("rate_limit_exceeded"));
}
