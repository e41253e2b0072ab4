//! The answer helpers of the four dialects: text, tool calls with typed arguments and JSON paths in their
//! errors, structured output with refusals and code fences.

use allmhub_types::{
    AnswerError, ChatCompletionResponse, ClaudeMessagesResponse, GeminiGenerateContentResponse, ResponsesResponse,
};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize, PartialEq)]
struct Weather {
    city: String,
    days: Vec<Day>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Day {
    high: f64,
}

fn paris() -> Weather {
    Weather {
        city: "Paris".to_owned(),
        days: vec![Day { high: 21.5 }],
    }
}

fn chat(message: serde_json::Value) -> ChatCompletionResponse {
    serde_json::from_value(
        json!({"id": "c", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}),
    )
    .expect("a chat answer")
}

#[test]
fn chat_text_of_strings_and_parts() {
    let answer = chat(json!({"role": "assistant", "content": "Hello"}));
    assert_eq!(answer.text().as_deref(), Some("Hello"));
    let answer = chat(json!({"role": "assistant", "content": [
        {"type": "text", "text": "Hel"}, {"type": "image_url", "image_url": {"url": "https://x"}}, {"type": "text", "text": "lo"}]}));
    assert_eq!(answer.text().as_deref(), Some("Hello"));
    let answer = chat(json!({"role": "assistant", "content": null, "reasoning": "Because."}));
    assert_eq!(answer.text(), None);
    assert_eq!(answer.choices[0].message.reasoning_text(), Some("Because."));
    let none: ChatCompletionResponse = serde_json::from_value(
        json!({"id": "c", "object": "chat.completion", "created": 1, "model": "m", "choices": []}),
    )
    .expect("decodes");
    assert_eq!(none.text(), None);
    assert_eq!(none.parse::<Weather>(), Err(AnswerError::NoText));
}

#[test]
fn chat_tool_arguments_are_typed_and_errors_name_the_path() {
    let answer = chat(json!({"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "forecast",
            "arguments": "{\"city\":\"Paris\",\"days\":[{\"high\":21.5}]}"}},
        {"id": "call_2", "type": "function", "function": {"name": "forecast",
            "arguments": "{\"city\":\"Paris\",\"days\":[{\"high\":21.5},{\"high\":\"warm\"}]}"}},
        {"id": "call_3", "type": "custom", "custom": {"name": "sql", "input": "SELECT 1"}},
        {"id": "call_4", "type": "function", "function": {"name": "broken", "arguments": "{\"city\": "}}
    ]}));
    let calls = answer.tool_calls();
    assert_eq!(calls.len(), 3, "custom tool calls carry free text, not arguments");
    assert_eq!((calls[0].id, calls[0].name), (Some("call_1"), "forecast"));
    assert_eq!(calls[0].arguments::<Weather>(), Ok(paris()));
    match calls[1].arguments::<Weather>() {
        Err(AnswerError::Json {
            what,
            path,
            message,
            text,
        }) => {
            assert_eq!(path, "$.days[1].high");
            assert!(what.contains("`forecast`"), "{what}");
            assert!(message.contains("invalid type"), "{message}");
            assert!(text.contains("warm"), "the text is kept");
        }
        other => panic!("{other:?}"),
    }
    // Cut-off JSON: the path says where the text ended.
    let error = calls[2].arguments::<Weather>().expect_err("not JSON");
    assert!(
        matches!(&error, AnswerError::Json { path, message, .. } if path == "$.city" && message.contains("EOF")),
        "{error:?}"
    );
    assert!(error.to_string().contains("tool call `broken`"), "{error}");
    assert_eq!(calls[2].arguments_json(), "{\"city\": ");
}

#[test]
fn chat_structured_output_refusals_and_fences() {
    let answer = chat(json!({"role": "assistant", "content": "{\"city\":\"Paris\",\"days\":[{\"high\":21.5}]}"}));
    assert_eq!(answer.parse::<Weather>(), Ok(paris()));
    let fenced = chat(
        json!({"role": "assistant", "content": "```json\n{\"city\":\"Paris\",\"days\":[{\"high\":21.5}]}\n```\n"}),
    );
    assert_eq!(fenced.parse::<Weather>(), Ok(paris()));
    let refused = chat(json!({"role": "assistant", "content": null, "refusal": "I can't help with that."}));
    assert_eq!(
        refused.parse::<Weather>(),
        Err(AnswerError::Refusal("I can't help with that.".to_owned()))
    );
    let trailing = chat(json!({"role": "assistant", "content": "{\"city\":\"Paris\",\"days\":[]} and more"}));
    assert!(matches!(trailing.parse::<Weather>(), Err(AnswerError::Json { path, .. }) if path == "$"));
    let missing = chat(json!({"role": "assistant", "content": "{\"days\":[]}"}));
    match missing.parse::<Weather>() {
        Err(error @ AnswerError::Json { .. }) => {
            assert!(
                error.to_string().starts_with("the text of the answer does not match"),
                "{error}"
            );
            assert!(error.to_string().contains("missing field `city`"), "{error}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn claude_text_thinking_tools_and_refusals() {
    let message: ClaudeMessagesResponse = serde_json::from_value(json!({
        "id": "msg", "type": "message", "role": "assistant", "model": "claude",
        "content": [
            {"type": "thinking", "thinking": "Hmm.", "signature": "sig"},
            {"type": "text", "text": "{\"city\":\"Paris\","},
            {"type": "server_tool_use", "id": "srv", "name": "web_search", "input": {"query": "q"}},
            {"type": "text", "text": "\"days\":[{\"high\":21.5}]}"},
            {"type": "tool_use", "id": "toolu_1", "name": "forecast", "input": {"city": "Paris", "days": [{"high": "hot"}]}}
        ],
        "stop_reason": "tool_use"
    }))
    .expect("a message");
    assert_eq!(message.thinking().as_deref(), Some("Hmm."));
    assert_eq!(message.parse::<Weather>(), Ok(paris()), "text blocks are joined");
    let calls = message.tool_calls();
    assert_eq!(calls.len(), 1, "server tools are not the client's to run");
    assert_eq!(calls[0].id, Some("toolu_1"));
    assert!(matches!(calls[0].arguments::<Weather>(), Err(AnswerError::Json { path, .. }) if path == "$.days[0].high"));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&calls[0].arguments_json()).expect("JSON"),
        json!({"city": "Paris", "days": [{"high": "hot"}]})
    );

    let refused: ClaudeMessagesResponse = serde_json::from_value(json!({
        "id": "msg", "type": "message", "role": "assistant", "model": "claude",
        "content": [{"type": "text", "text": "I won't."}], "stop_reason": "refusal"
    }))
    .expect("a message");
    assert_eq!(
        refused.parse::<Weather>(),
        Err(AnswerError::Refusal("I won't.".to_owned()))
    );
}

#[test]
fn responses_output_text_tools_and_refusals() {
    let response: ResponsesResponse = serde_json::from_value(json!({
        "id": "resp", "output": [
            {"type": "reasoning", "id": "rs", "summary": []},
            {"type": "message", "id": "m1", "role": "assistant", "content": [{"type": "output_text", "text": "{\"city\":"}]},
            {"type": "function_call", "call_id": "call_1", "name": "forecast", "arguments": "{\"city\":\"Paris\",\"days\":[]}"},
            {"type": "message", "id": "m2", "role": "assistant", "content": [
                {"type": "output_text", "text": "\"Paris\",\"days\":[{\"high\":21.5}]}"}]}
        ]
    }))
    .expect("a response");
    assert_eq!(
        response.output_text(),
        "{\"city\":\"Paris\",\"days\":[{\"high\":21.5}]}"
    );
    assert_eq!(response.parse::<Weather>(), Ok(paris()));
    let calls = response.tool_calls();
    assert_eq!((calls[0].id, calls[0].name), (Some("call_1"), "forecast"));
    assert_eq!(calls[0].arguments::<Weather>().expect("typed").days, vec![]);

    let convenience: ResponsesResponse =
        serde_json::from_value(json!({"id": "resp", "output": [], "output_text": "Hi"})).expect("a response");
    assert_eq!(
        convenience.output_text(),
        "Hi",
        "the member is used when the output has no text"
    );
    let empty: ResponsesResponse = serde_json::from_value(json!({"id": "resp", "output": []})).expect("a response");
    assert_eq!(empty.output_text(), "");
    assert_eq!(empty.parse::<Weather>(), Err(AnswerError::NoText));

    let refused: ResponsesResponse = serde_json::from_value(json!({"id": "resp", "output": [
        {"type": "message", "content": [{"type": "refusal", "refusal": "No."}]}]}))
    .expect("a response");
    assert_eq!(refused.parse::<Weather>(), Err(AnswerError::Refusal("No.".to_owned())));
}

#[test]
fn gemini_text_without_thoughts_tools_and_blocked_prompts() {
    let response: GeminiGenerateContentResponse = serde_json::from_value(json!({
        "candidates": [{"index": 0, "content": {"role": "model", "parts": [
            {"text": "Let me think.", "thought": true},
            {"text": "{\"city\":\"Paris\","},
            {"functionCall": {"name": "forecast", "args": {"city": "Paris", "days": [{"high": 21.5}]}}},
            {"text": "\"days\":[{\"high\":21.5}]}"}
        ]}}]
    }))
    .expect("a response");
    assert_eq!(response.parse::<Weather>(), Ok(paris()));
    assert_eq!(
        response.first_candidate().and_then(|c| c.thoughts()).as_deref(),
        Some("Let me think.")
    );
    let calls = response.tool_calls();
    assert_eq!((calls[0].id, calls[0].name), (None, "forecast"));
    assert_eq!(calls[0].arguments::<Weather>(), Ok(paris()));

    let blocked: GeminiGenerateContentResponse =
        serde_json::from_value(json!({"candidates": [], "promptFeedback": {"blockReason": "SAFETY"}}))
            .expect("decodes");
    assert_eq!(
        blocked.parse::<Weather>(),
        Err(AnswerError::Refusal("the prompt was blocked (SAFETY)".to_owned()))
    );
}
