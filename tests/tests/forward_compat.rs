//! What the server may add or change without breaking decoding: unknown members, new enum values, new event
//! types, `null` where a value was optional, and ids too large for a float.

use allmhub_types::{
    ChatCompletionChunk, ClaudeMessagesRequest, ClaudeStreamEvent, ClaudeTool, ClaudeTypedTool, FinishReason,
    MjSubmitResponse, MjTask, MjTaskStatus, ResponsesInputItem, ResponsesInputTypedItem, ResponsesStreamEvent,
    StringOrNumber,
};
use serde_json::{Value, json};

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(value: &Value) -> (T, Value) {
    let decoded: T = serde_json::from_value(value.clone()).unwrap_or_else(|error| panic!("{error}: {value}"));
    let again = serde_json::to_value(&decoded).expect("serializes");
    (decoded, again)
}

fn chunk(choice: Value) -> Value {
    json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [choice]})
}

#[test]
fn unknown_members_are_ignored_at_every_level() {
    let mut value = chunk(json!({"index": 0, "delta": {"content": "hi", "brand_new": [1, 2]}, "future": true}));
    value["gateway_cost"] = json!({"usd": 0.01});
    let (decoded, _): (ChatCompletionChunk, _) = round_trip(&value);
    assert_eq!(decoded.choices[0].delta.content.as_deref(), Some("hi"));
}

#[test]
fn an_unknown_enum_value_is_kept_and_written_back_unchanged() {
    let value = chunk(json!({"index": 0, "delta": {}, "finish_reason": "moderation_pause"}));
    let (decoded, again): (ChatCompletionChunk, _) = round_trip(&value);
    assert_eq!(
        decoded.choices[0].finish_reason,
        Some(FinishReason::Unknown("moderation_pause".into()))
    );
    assert_eq!(again["choices"][0]["finish_reason"], "moderation_pause");
    // Known values still map to their variant, and a new Midjourney status is kept too.
    assert_eq!("stop".parse::<FinishReason>(), Ok(FinishReason::Stop));
    let task: MjTask = serde_json::from_value(json!({"id": "1", "status": "PAUSED"})).expect("decodes");
    assert_eq!(task.status, Some(MjTaskStatus::Unknown("PAUSED".into())));
}

#[test]
fn an_unknown_event_type_is_kept_whole() {
    let event = json!({"type": "content_block_reasoning_summary", "index": 2, "summary": {"text": "…"}});
    let (decoded, again): (ClaudeStreamEvent, _) = round_trip(&event);
    assert!(matches!(decoded, ClaudeStreamEvent::Unknown(_)));
    assert_eq!(decoded.tag(), "content_block_reasoning_summary");
    assert_eq!(again, event, "written back as it came");

    let responses = json!({"type": "response.audio_transcript.delta", "sequence_number": 7, "delta": "hi"});
    let (decoded, again): (ResponsesStreamEvent, _) = round_trip(&responses);
    assert!(matches!(decoded, ResponsesStreamEvent::Unknown(_)));
    assert_eq!(again, responses);

    // A known event type decodes into its variant whatever the member order.
    let ping: ClaudeStreamEvent = serde_json::from_value(json!({"type": "ping"})).expect("ping");
    assert!(matches!(ping, ClaudeStreamEvent::Ping(_)));
    let late_tag = r#"{"index":0,"type":"content_block_stop"}"#;
    let stop: ClaudeStreamEvent = serde_json::from_str(late_tag).expect("tag after the members");
    assert!(matches!(stop, ClaudeStreamEvent::ContentBlockStop(_)));
}

#[test]
fn a_known_event_with_a_bad_member_is_an_error_not_an_unknown_event() {
    let bad = r#"{"type":"content_block_stop","index":"first"}"#;
    let error = serde_json::from_str::<ClaudeStreamEvent>(bad).expect_err("index must be an integer");
    assert!(error.to_string().contains("invalid type: string \"first\""), "{error}");
}

#[test]
fn null_and_absent_optional_members_decode_alike() {
    let with_nulls =
        chunk(json!({"index": 0, "delta": {"role": null, "content": null}, "logprobs": null, "finish_reason": null}));
    let mut with_nulls = with_nulls;
    with_nulls["usage"] = Value::Null;
    with_nulls["system_fingerprint"] = Value::Null;
    let absent = chunk(json!({"index": 0, "delta": {}}));
    let a: ChatCompletionChunk = serde_json::from_value(with_nulls).expect("nulls");
    let b: ChatCompletionChunk = serde_json::from_value(absent).expect("absent");
    assert_eq!(a, b);
    assert_eq!(a.usage, None);
}

#[test]
fn ids_beyond_2_pow_53_keep_every_digit_as_numbers_and_strings() {
    let big = "14001934816969359"; // > 2^53: a float would make it …360
    let as_number: Value =
        serde_json::from_str(&format!(r#"{{"code":1,"description":"ok","result":{big}}}"#)).expect("json");
    let (decoded, again): (MjSubmitResponse, _) = round_trip(&as_number);
    let id = decoded.result.as_ref().expect("an id");
    assert_eq!(id.as_str(), big);
    assert!(id.is_number());
    assert_eq!(again["result"].to_string(), big, "written back as the same number");

    let text = format!(r#"{{"code":1,"result":"{big}"}}"#);
    let decoded: MjSubmitResponse = serde_json::from_str(&text).expect("string id");
    assert_eq!(decoded.result, Some(StringOrNumber::from(big)));
    assert_eq!(
        serde_json::to_string(&decoded.result).expect("json"),
        format!("\"{big}\"")
    );

    // A number that cannot be an exact 64-bit integer is refused rather than rounded.
    let huge = r#"{"code":1,"result":123456789012345678901234567890}"#;
    let error = serde_json::from_str::<MjSubmitResponse>(huge).expect_err("too large to keep exactly");
    assert!(error.to_string().contains("exact digits"), "{error}");
}

#[test]
fn null_optional_arrays_and_objects_decode_as_absent_and_are_written_back_absent() {
    let absent = json!({"model": "claude-sonnet-4-5", "max_tokens": 16, "messages": []});
    let mut with_nulls = absent.clone();
    for member in [
        "stop_sequences",
        "tools",
        "mcp_servers",
        "context_management",
        "output_format",
    ] {
        with_nulls[member] = Value::Null;
    }
    let (a, again): (ClaudeMessagesRequest, _) = round_trip(&with_nulls);
    let (b, _): (ClaudeMessagesRequest, _) = round_trip(&absent);
    assert_eq!(a, b);
    assert_eq!(again, absent, "null members are written back as absent");

    // In an answer too, at depth: a chunk's delta with `annotations: null`.
    let chunk_value = chunk(json!({"index": 0, "delta": {"content": "hi", "annotations": null}}));
    let (decoded, again): (ChatCompletionChunk, _) = round_trip(&chunk_value);
    assert!(decoded.choices[0].delta.annotations.is_empty());
    assert!(again["choices"][0]["delta"].get("annotations").is_none());

    // A required array is still required: `null` there is an error naming the member.
    let error =
        serde_json::from_value::<ClaudeMessagesRequest>(json!({"model": "m", "max_tokens": 1, "messages": null}))
            .expect_err("messages is required");
    assert!(error.to_string().contains("invalid type: null"), "{error}");
}

#[test]
fn a_missing_or_null_tag_decodes_into_the_catch_all_variant() {
    for event in [
        json!({"index": 0, "delta": {"type": "text_delta", "text": "hi"}}),
        json!({"type": null, "index": 0}),
        json!({"index": 0, "type": null}),
        json!({"type": 7, "index": 0}),
        json!({}),
    ] {
        let (decoded, again): (ClaudeStreamEvent, _) = round_trip(&event);
        assert!(matches!(decoded, ClaudeStreamEvent::Unknown(_)), "{event}");
        assert_eq!(decoded.tag(), "", "{event}");
        assert_eq!(again, event, "kept whole: {event}");
    }
    // Inside a list, one such item no longer fails the whole answer.
    let stream: Vec<ClaudeStreamEvent> =
        serde_json::from_str(r#"[{"type":"ping"},{"type":null},{"type":"message_stop"}]"#).expect("decodes");
    assert!(matches!(stream[0], ClaudeStreamEvent::Ping(_)));
    assert!(matches!(stream[1], ClaudeStreamEvent::Unknown(_)));
    assert!(matches!(stream[2], ClaudeStreamEvent::MessageStop(_)));
    // Read from text: a tag written with an escape is the same tag; a tag of another kind keeps the object
    // whole, in front or behind.
    let text = r#"[{"type":"pi\u006eg"},{"type":[1],"index":0},{"index":0,"type":{"a":"b"}},{"type":true}]"#;
    let events: Vec<ClaudeStreamEvent> = serde_json::from_str(text).expect("decodes");
    assert!(matches!(events[0], ClaudeStreamEvent::Ping(_)), "{:?}", events[0]);
    let kept = serde_json::to_value(&events[1..]).expect("serializes");
    assert_eq!(
        kept,
        json!([{"type": [1], "index": 0}, {"index": 0, "type": {"a": "b"}}, {"type": true}])
    );
}

#[test]
fn json_paths_and_unknown_members_still_reach_into_tolerant_members() {
    let schema = allmhub_conform::find_schema("ChatCompletionChunk").expect("registered");
    let bad = serde_json::to_vec(&chunk(
        json!({"index": 0, "delta": {"annotations": [{"type": "url_citation", "url_citation": 5}]}}),
    ))
    .expect("json");
    let error = allmhub_conform::check_json(schema, &bad).expect_err("a citation is an object");
    assert_eq!(error.path, "$.choices[0].delta.annotations[0].url_citation");

    let extra = serde_json::to_vec(&chunk(
        json!({"index": 0, "delta": {"annotations": [{"type": "url_citation", "url_citation": {"url": "u", "brand_new": 1}}]}}),
    ))
    .expect("json");
    let conformed = allmhub_conform::check_json(schema, &extra).expect("decodes");
    assert_eq!(
        conformed.unknown_members,
        ["$.choices[0].delta.annotations[0].url_citation.brand_new"]
    );

    let tagless = allmhub_conform::find_schema("ClaudeStreamEvent").expect("registered");
    let conformed = allmhub_conform::check_json(tagless, br#"{"type":null,"index":0}"#).expect("decodes");
    assert_eq!(conformed.value, json!({"type": null, "index": 0}));
}

#[test]
fn in_a_union_tried_in_order_a_tagged_alternative_takes_only_objects_with_its_tag() {
    // Responses input: a typed item has `type`; the short message form has none.
    let short: ResponsesInputItem = serde_json::from_value(json!({"role": "user", "content": "Hi"})).expect("short");
    assert!(matches!(short, ResponsesInputItem::Message(_)), "{short:?}");
    let typed: ResponsesInputItem =
        serde_json::from_value(json!({"type": "message", "role": "user", "content": "Hi"})).expect("typed");
    assert!(
        matches!(typed, ResponsesInputItem::Item(ResponsesInputTypedItem::Message(_))),
        "{typed:?}"
    );
    let later: ResponsesInputItem =
        serde_json::from_value(json!({"type": "computer_call_v2", "role": "user", "content": "Hi"})).expect("new kind");
    assert!(
        matches!(later, ResponsesInputItem::Item(ResponsesInputTypedItem::Unknown(_))),
        "{later:?}"
    );

    // Claude tools: a custom tool first (with or without `type: custom`), then the typed tools.
    let custom = json!({"name": "get_weather", "input_schema": {"type": "object"}});
    let tool: ClaudeTool = serde_json::from_value(custom).expect("custom");
    assert!(matches!(tool, ClaudeTool::Custom(_)));
    let tool: ClaudeTool =
        serde_json::from_value(json!({"type": "web_search_20250305", "name": "web_search"})).expect("typed");
    assert!(
        matches!(tool, ClaudeTool::Typed(ClaudeTypedTool::WebSearch20250305(_))),
        "{tool:?}"
    );

    // Nothing matches: the error names each alternative's reason.
    let error = serde_json::from_value::<ResponsesInputItem>(json!({"role": "user"})).expect_err("no content");
    let message = error.to_string();
    assert!(message.contains("untagged enum ResponsesInputItem"), "{message}");
    assert!(message.contains("Item: no string `type` member"), "{message}");
    assert!(message.contains("Message: missing field `content`"), "{message}");
}
