//! An object in the schema is an object on the wire: serde_json would also read a struct from an array of its
//! members in order (and the client keeps that leniency), but a conformance check must report it, where the
//! array is, as a JSON Schema validator would. An array or object that a union does not take is named whole.

use allmhub_conform::{check_json, check_json_findings, find_schema};

fn failure(schema: &str, text: &str) -> (String, String) {
    let schema = find_schema(schema).expect("a schema of the spec");
    let error = check_json(schema, text.as_bytes()).expect_err("an array where an object belongs");
    // The verdict does not depend on whether the value is kept.
    let findings = check_json_findings(schema, text.as_bytes()).expect_err("the same failure");
    assert_eq!((&error.path, &error.message), (&findings.path, &findings.message));
    (error.path, error.message)
}

#[test]
fn an_array_of_an_objects_members_is_not_that_object() {
    // At the top level: `url` and `detail` in their order, as serde_json's struct-from-array form reads them.
    let (path, message) = failure("ChatImageUrl", r#"["https://example.test/a.png", "auto", null]"#);
    assert_eq!(path, "$");
    assert!(message.contains("expected struct ChatImageUrl"), "{message}");

    // A member.
    let (path, message) = failure(
        "ClaudeMessagesRequest",
        r#"{"model": "m", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}], "metadata": ["u1"]}"#,
    );
    assert_eq!(path, "$.metadata");
    assert!(message.contains("invalid type: sequence"), "{message}");

    // An element of an array.
    let (path, message) = failure(
        "GeminiGenerateContentRequest",
        r#"{"contents": [{"role": "user", "parts": [{"text": "hi"}]}], "generationConfig": {"temperature": 0.5}, "safetySettings": [["HARM_CATEGORY_HATE_SPEECH", "BLOCK_NONE"]]}"#,
    );
    assert_eq!(path, "$.safetySettings[0]");
    assert!(message.contains("invalid type: sequence"), "{message}");
}

#[test]
fn the_same_members_as_an_object_conform() {
    let schema = find_schema("ClaudeMessagesRequest").expect("a schema of the spec");
    let text = r#"{"model": "m", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}], "metadata": {"user_id": "u1"}}"#;
    let conformed = check_json(schema, text.as_bytes()).expect("conforms");
    assert_eq!(conformed.value["metadata"]["user_id"], "u1");
    assert!(conformed.unknown_members.is_empty());
}

#[test]
fn an_array_or_object_a_union_does_not_take_is_named_whole() {
    // `image_url` is a URL string or an object; `content` is text or an array of parts.
    let cases = [
        (
            r#"{"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": ["https://example.test/a.png", "auto"]}]}]}"#,
            "$.messages[0].content[0].image_url",
        ),
        (
            r#"{"model": "m", "messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}]}"#,
            "$.messages[0].content",
        ),
        (
            r#"{"model": "m", "messages": [{"role": "user", "content": []}], "stop": {"a": 1}}"#,
            "$.stop",
        ),
        // An error inside an array the union does take stays where it is.
        (
            r#"{"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]}"#,
            "$.messages[0].content[0].text",
        ),
    ];
    let schema = find_schema("ChatCompletionRequest").expect("a schema of the spec");
    for (text, expected) in cases {
        let error = check_json(schema, text.as_bytes()).expect_err("does not conform");
        assert_eq!(error.path, expected, "{}", error.message);
        // The client's decoding reads the same path.
        let failure = allmhub_types::json_path::decode::<allmhub_types::ChatCompletionRequest>(text.as_bytes())
            .expect_err("does not decode");
        assert_eq!(failure.path, expected, "{}", failure.message);
    }
}
