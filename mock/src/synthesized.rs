//! Streams the spec has no example of: a streamed request for structured output or a tool call gets the
//! events of the whole answer the mock would give (see [`crate::structured`], [`crate::tools`]), cut into
//! pieces by the client's synthesizers — the same events a gateway streams, accumulating back to that answer.

use allmhub::synthesize::{Split, chat_chunks, claude_events, gemini_chunks, responses_events};
use allmhub::types::{
    ChatCompletionResponse, ClaudeMessagesResponse, GeminiGenerateContentResponse, ResponsesResponse,
};
use allmhub_types::operations::Family;
use serde::Serialize;
use serde_json::Value;

/// How many characters each text or argument fragment carries.
const PIECE: usize = 12;

/// The SSE events (each with its closing blank line) of `answer`, a whole answer of `family`; whether they
/// are named (`event:` lines). `None` when the answer does not decode as the family's answer.
pub(crate) fn stream_of(family: Family, answer: &Value) -> Option<(Vec<String>, bool)> {
    let split = Split::Chars(PIECE);
    match family {
        Family::OpenaiChat => {
            let answer: ChatCompletionResponse = decoded(answer)?;
            let mut events = data_events(&chat_chunks(&answer, &split))?;
            events.push("data: [DONE]\n\n".to_owned());
            Some((events, false))
        }
        Family::Responses => {
            let answer: ResponsesResponse = decoded(answer)?;
            Some((named_events(&responses_events(&answer, &split))?, true))
        }
        Family::Claude => {
            let answer: ClaudeMessagesResponse = decoded(answer)?;
            Some((named_events(&claude_events(&answer, &split))?, true))
        }
        Family::Gemini => {
            let answer: GeminiGenerateContentResponse = decoded(answer)?;
            Some((data_events(&gemini_chunks(&answer, &split))?, false))
        }
        _ => None,
    }
}

/// `answer` as the family's typed answer, decoded by conform's decoder of that type: a decoder instantiated
/// here for four large answer types tripled the mock's release build (27.3 s against 9.1 s alone).
fn decoded<T: 'static>(answer: &Value) -> Option<T> {
    allmhub_conform::decode(&answer.to_string()).ok()
}

/// `data: {…}` events.
fn data_events<T: Serialize>(events: &[T]) -> Option<Vec<String>> {
    events
        .iter()
        .map(|event| {
            serde_json::to_string(event)
                .ok()
                .map(|data| format!("data: {data}\n\n"))
        })
        .collect()
}

/// `event: {type}` + `data: {…}` events, as Claude and the Responses API name them.
fn named_events<T: Serialize>(events: &[T]) -> Option<Vec<String>> {
    events
        .iter()
        .map(|event| {
            let value = serde_json::to_value(event).ok()?;
            let name = value.get("type")?.as_str()?.to_owned();
            Some(format!("event: {name}\ndata: {value}\n\n"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_tool_call_streams_in_pieces_that_add_up() {
        let answer = json!({
            "id": "c", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "search", "arguments": "{\"query\":\"rust serde\"}"}}
            ]}, "finish_reason": "tool_calls"}]
        });
        let (events, named) = stream_of(Family::OpenaiChat, &answer).expect("a chat answer");
        assert!(!named);
        assert_eq!(events.last().map(String::as_str), Some("data: [DONE]\n\n"));
        let arguments: String = events
            .iter()
            .filter_map(|event| event.strip_prefix("data: "))
            .filter_map(|data| serde_json::from_str::<Value>(data.trim()).ok())
            .filter_map(|chunk| {
                chunk["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"]
                    .as_str()
                    .map(str::to_owned)
            })
            .collect();
        assert_eq!(arguments, "{\"query\":\"rust serde\"}");
        assert!(events.len() > 3, "the arguments come in pieces: {events:?}");

        let message = json!({"id": "m", "type": "message", "role": "assistant", "model": "c", "content": [
            {"type": "tool_use", "id": "toolu_1", "name": "search", "input": {"query": "rust serde"}}
        ], "stop_reason": "tool_use", "usage": {"input_tokens": 1, "output_tokens": 1}});
        let (events, named) = stream_of(Family::Claude, &message).expect("a Claude message");
        assert!(named);
        assert!(events[0].starts_with("event: message_start\n"), "{}", events[0]);
        assert!(events.iter().any(|event| event.contains("input_json_delta")));
        assert_eq!(stream_of(Family::Claude, &json!({"content": 5})), None, "not a message");
    }
}
