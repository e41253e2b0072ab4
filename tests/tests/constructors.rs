//! Generated constructors ask only for what a caller must choose: constants (`x-fixed-value`) are filled in.

use allmhub_types::{ChatCompletionChunk, ChatCompletionResponse, ClaudeCacheControl, ClaudeMessagesResponse};
use serde_json::json;

#[test]
fn constants_are_filled_in_not_asked_for() {
    // `id` and `model` are optional (translated answers of older gateways omit them): nothing is asked for.
    let answer = ClaudeMessagesResponse::new();
    let value = serde_json::to_value(&answer).expect("serializes");
    assert_eq!(value["type"], "message");
    assert_eq!(value["role"], "assistant");
    assert!(
        value.get("id").is_none(),
        "an unset optional member is not sent: {value}"
    );

    let completion = ChatCompletionResponse::new("chatcmpl-1", 1_700_000_000, "gpt-4o-mini", vec![]);
    assert_eq!(completion.object, "chat.completion");
    let chunk = ChatCompletionChunk::new("chatcmpl-1", 1_700_000_000, "gpt-4o-mini", vec![]);
    assert_eq!(chunk.object, "chat.completion.chunk");
}

#[test]
fn a_type_with_nothing_to_choose_is_default() {
    assert_eq!(
        serde_json::to_value(ClaudeCacheControl::default()).expect("serializes"),
        json!({"type": "ephemeral"})
    );
    assert_eq!(ClaudeCacheControl::default(), ClaudeCacheControl::new());
}

#[test]
fn a_fixed_member_stays_open_when_decoding() {
    // The spec keeps such members `type: string`: another value still decodes (and is kept).
    let value = json!({"id": "m", "type": "message_v2", "role": "assistant", "model": "x", "content": []});
    let decoded: ClaudeMessagesResponse = serde_json::from_value(value).expect("decodes");
    assert_eq!(decoded.type_, "message_v2");
}
