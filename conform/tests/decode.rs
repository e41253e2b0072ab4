//! `decode::<T>`: a typed value through conform's decoder of `T`'s schema, as strict as `check_json`.

use allmhub_conform::{check_json, decode, find_schema};
use allmhub_types::types::{ChatCompletionResponse, ChatImageUrl, ClaudeContentBlock, ClaudeMessagesResponse};

const COMPLETION: &str = r#"{"id": "c1", "object": "chat.completion", "created": 1, "model": "m",
  "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}],
  "future_member": 1}"#;

#[test]
fn decodes_the_type_asked_for() {
    let answer: ChatCompletionResponse = decode(COMPLETION).expect("a chat completion");
    assert_eq!(answer.id, "c1");
    assert_eq!(answer.choices.len(), 1);
    // The same value check_json keeps (unknown members are allowed in both).
    let kept = check_json(
        find_schema("ChatCompletionResponse").expect("a schema"),
        COMPLETION.as_bytes(),
    )
    .expect("conforms");
    assert_eq!(kept.value, serde_json::to_value(&answer).expect("serializes"));

    let message: ClaudeMessagesResponse = decode(
        r#"{"id": "m", "type": "message", "role": "assistant", "model": "c",
            "content": [{"type": "text", "text": "Hello"}], "stop_reason": "end_turn",
            "usage": {"input_tokens": 1, "output_tokens": 2}}"#,
    )
    .expect("a Claude message");
    assert!(
        matches!(&message.content[..], [ClaudeContentBlock::Text(_)]),
        "{message:?}"
    );
}

#[test]
fn fails_where_check_json_fails() {
    let text = r#"{"id": "c1", "object": "chat.completion", "created": "yesterday", "model": "m", "choices": []}"#;
    let error = decode::<ChatCompletionResponse>(text).expect_err("created is not a number");
    let checked = check_json(
        find_schema("ChatCompletionResponse").expect("a schema"),
        text.as_bytes(),
    )
    .expect_err("the same failure");
    assert_eq!(error, checked);
    assert_eq!(error.path, "$.created");

    // As strict: an array of an object's members is not that object (serde_json alone would read it).
    let error = decode::<ChatImageUrl>(r#"["https://example.test/a.png", "auto"]"#).expect_err("an array");
    assert_eq!(error.path, "$");
    // Trailing text after the document.
    let error = decode::<ChatImageUrl>(r#"{"url": "https://example.test/a.png"} {}"#).expect_err("two documents");
    assert!(error.message.contains("trailing"), "{error}");
}

#[test]
fn a_type_of_no_schema_is_an_error_not_a_panic() {
    let error = decode::<String>(r#""text""#).expect_err("String is no schema's type");
    assert_eq!(error.path, "$");
    assert!(error.message.contains("alloc::string::String"), "{error}");
    assert!(error.message.contains("not the type of a schema"), "{error}");
}
