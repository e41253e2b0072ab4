//! Values the spec does not list: an open enum keeps them in `Unknown(String)`, a tagged union keeps an object
//! with an unknown tag in `Unknown(Value)`. Decoding succeeds (forward compatibility); conform reports each
//! one where it is, and `--strict` fails on it.

mod common;

use allmhub_conform::exchange::{check_request, check_response};
use allmhub_conform::{UnknownValue, check_json, check_json_array, check_json_findings, find_schema};
use allmhub_types::json_path::push_member;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The unknown values conform finds in `document`, written as a `Value` writes it (members sorted by name).
fn values(schema: &str, document: &Value) -> Vec<UnknownValue> {
    let schema = find_schema(schema).expect("a schema of the spec");
    let text = document.to_string();
    let conformed = check_json(schema, text.as_bytes()).expect("decodes");
    let findings = check_json_findings(schema, text.as_bytes()).expect("decodes");
    assert_eq!(
        conformed.unknown_values, findings.unknown_values,
        "kept or not, the same findings"
    );
    conformed.unknown_values
}

fn at(path: &str, value: Option<&str>) -> UnknownValue {
    UnknownValue {
        path: path.to_owned(),
        value: value.map(str::to_owned),
    }
}

#[test]
fn an_enum_value_and_a_tag_the_spec_does_not_list_are_reported_where_they_are() {
    let completion = json!({
        "id": "c", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "a"}, "finish_reason": "stop"},
            {"index": 1, "message": {"role": "assistant", "content": "b"}, "finish_reason": "out_of_coffee"}
        ]
    });
    assert_eq!(
        values("ChatCompletionResponse", &completion),
        [at("$.choices[1].finish_reason", Some("out_of_coffee"))]
    );

    let message = json!({
        "id": "msg", "type": "message", "role": "assistant", "model": "c",
        "content": [
            {"type": "text", "text": "hi"},
            {"type": "hologram", "frames": 3},
            {"text": "no tag"}
        ],
        "stop_reason": "end_turn", "usage": {"input_tokens": 1, "output_tokens": 1}
    });
    assert_eq!(
        values("ClaudeMessagesResponse", &message),
        [at("$.content[1]", Some("hologram")), at("$.content[2]", None)]
    );
}

#[test]
fn a_value_inside_a_tagged_object_whose_tag_comes_last_is_reported_where_it_is() {
    // An output item's `status` is an open enum. With the tag first the item is decoded in place; with the
    // tag last the item is read whole and decoded once its tag is known, and conform watches that decoding
    // too: the value is named where it is either way.
    // (Text, not `json!`: a `Value` writes its members sorted, which would put `type` last.)
    let schema = find_schema("ResponsesOutputItem").expect("a schema");
    let first = r#"{"type": "message", "id": "m", "status": "drifting", "role": "assistant", "content": []}"#;
    let conformed = check_json(schema, first.as_bytes()).expect("decodes");
    assert_eq!(conformed.unknown_values, [at("$.status", Some("drifting"))]);
    let last = r#"{"id": "m", "status": "drifting", "role": "assistant", "content": [], "type": "message"}"#;
    let conformed = check_json(schema, last.as_bytes()).expect("decodes");
    assert_eq!(conformed.unknown_values, [at("$.status", Some("drifting"))]);

    // The tag itself, last, is the object's as usual.
    let tag = last.replace(r#""type": "message""#, r#""type": "sketch""#);
    let conformed = check_json(schema, tag.as_bytes()).expect("decodes");
    assert_eq!(conformed.unknown_values, [at("$", Some("sketch"))]);
}

#[test]
fn values_and_members_inside_objects_read_whole_are_reported_where_they_are() {
    // A Responses input item is read whole (a typed item or a short message, told apart by `type`), and so
    // is a tagged object whose tag comes last, inside it or not: what they hold is reported all the same.
    let schema = find_schema("ResponsesRequest").expect("a schema");
    let request = r#"{"model": "m", "input": [
        {"role": "overseer", "content": "hi", "mood": 1},
        {"role": "user", "content": [{"text": "a", "extra": 2, "type": "input_text"}], "type": "message"},
        {"role": "user", "content": [{"text": "b", "type": "input_pigment"}]}
    ]}"#;
    let conformed = check_json_findings(schema, request.as_bytes()).expect("decodes");
    assert_eq!(
        conformed.unknown_values,
        [
            at("$.input[0].role", Some("overseer")),
            at("$.input[2].content[0]", Some("input_pigment"))
        ]
    );
    assert_eq!(
        conformed.unknown_members,
        ["$.input[0].mood", "$.input[1].content[0].extra"]
    );

    // A tool call's `type` follows its `id`: the call is read whole, and its members are still checked,
    // before the tag as after it.
    let schema = find_schema("ChatCompletionResponse").expect("a schema");
    let completion = r#"{"id": "c", "object": "chat.completion", "created": 1, "model": "m", "choices": [
        {"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": null, "tool_calls": [
            {"lane": 2, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}", "strict": true}, "shard": 0}
        ]}}
    ]}"#;
    let conformed = check_json_findings(schema, completion.as_bytes()).expect("decodes");
    assert_eq!(
        conformed.unknown_members,
        [
            "$.choices[0].message.tool_calls[0].lane",
            "$.choices[0].message.tool_calls[0].function.strict",
            "$.choices[0].message.tool_calls[0].shard"
        ]
    );
    assert!(conformed.unknown_values.is_empty(), "{:?}", conformed.unknown_values);
}

#[test]
fn arrays_of_documents_name_the_element() {
    let schema = find_schema("ChatImageUrl").expect("a schema");
    let conformed = check_json_array(
        schema,
        br#"[{"url": "https://example.test/a.png", "detail": "low"}, {"url": "https://example.test/b.png", "detail": "ultra"}]"#,
    )
    .expect("decodes");
    assert_eq!(conformed.unknown_values, [at("$[1].detail", Some("ultra"))]);
    assert!(!conformed.is_exact());
}

#[test]
fn strict_verdicts_fail_on_unknown_values_and_lenient_ones_list_them() {
    let operation = &allmhub_types::operations::CREATE_CHAT_COMPLETION;
    let request = br#"{"model": "m", "messages": [{"role": "user", "content": "hi"}], "reasoning_effort": "maximal"}"#;
    let lenient = check_request(operation, "application/json", request, false).verdict;
    assert!(lenient.ok, "{lenient:?}");
    assert_eq!(lenient.unknown_values, [at("$.reasoning_effort", Some("maximal"))]);
    let strict = check_request(operation, "application/json", request, true).verdict;
    assert!(!strict.ok);

    // A stream: each value once, however many events carry it.
    let stream = concat!(
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":\"paused\"}]}\n\n",
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"},\"finish_reason\":\"paused\"}]}\n\n",
        "data: [DONE]\n\n",
    );
    let verdict = check_response(operation, 200, "text/event-stream", stream.as_bytes(), false);
    assert!(verdict.ok, "{verdict:?}");
    assert_eq!(
        verdict.unknown_values,
        [at("$.choices[0].finish_reason", Some("paused"))]
    );
    let line: Value = serde_json::from_str(&serde_json::to_string(&verdict).expect("JSON")).expect("JSON");
    assert_eq!(
        line["unknown_values"],
        json!([{"path": "$.choices[0].finish_reason", "value": "paused"}])
    );
    assert!(!check_response(operation, 200, "text/event-stream", stream.as_bytes(), true).ok);
}

/// The byte range of every string value of a JSON text (not member names), with its JSON path, in the
/// text's own order (a union's tag stays where the document has it).
fn strings(text: &str) -> Vec<(String, std::ops::Range<usize>)> {
    fn string_end(bytes: &[u8], start: usize) -> usize {
        let mut at = start + 1;
        while bytes[at] != b'"' {
            at += if bytes[at] == b'\\' { 2 } else { 1 };
        }
        at + 1
    }
    // Each open container: its path, and (for objects) the name of the member being read.
    enum Open {
        Object { path: String, member: String },
        Array { path: String, index: usize },
    }
    fn path_of(stack: &[Open]) -> String {
        match stack.last() {
            None => "$".to_owned(),
            Some(Open::Object { path, member }) => {
                let mut out = path.clone();
                push_member(&mut out, member);
                out
            }
            Some(Open::Array { path, index }) => format!("{path}[{index}]"),
        }
    }
    let bytes = text.as_bytes();
    let (mut out, mut stack, mut at) = (Vec::new(), Vec::<Open>::new(), 0);
    let mut expect_name = false;
    while at < bytes.len() {
        match bytes[at] {
            b'{' => {
                let path = path_of(&stack);
                stack.push(Open::Object {
                    path,
                    member: String::new(),
                });
                expect_name = true;
                at += 1;
            }
            b'[' => {
                let path = path_of(&stack);
                stack.push(Open::Array { path, index: 0 });
                at += 1;
            }
            b'}' | b']' => {
                stack.pop();
                at += 1;
            }
            b',' => {
                match stack.last_mut() {
                    Some(Open::Array { index, .. }) => *index += 1,
                    _ => expect_name = true,
                }
                at += 1;
            }
            b'"' => {
                let end = string_end(bytes, at);
                if expect_name {
                    let name: String = serde_json::from_str(&text[at..end]).expect("a member name");
                    if let Some(Open::Object { member, .. }) = stack.last_mut() {
                        *member = name;
                    }
                    expect_name = false;
                } else {
                    out.push((path_of(&stack), at..end));
                }
                at = end;
            }
            _ => at += 1,
        }
    }
    out
}

const STRANGER: &str = "zz-not-in-the-spec";

/// Replaces each string of each document in turn by a value no enum lists. Where the type keeps it in a
/// catch-all, plain decoding counts it (`allmhub_types::unknown_values`); conform must report the same
/// number, with the value, at the string's path (an enum) or at the object it tags (a union's tag).
/// Returns how many were enum values and how many tags.
fn replace_each_string<T: DeserializeOwned>(schema_name: &str, documents: Vec<String>) -> (usize, usize) {
    let schema = find_schema(schema_name).expect("a schema");
    let (mut enums, mut tags) = (0, 0);
    for document in documents {
        for (path, range) in strings(&document) {
            let text = format!("{}\"{STRANGER}\"{}", &document[..range.start], &document[range.end..]);
            let before = allmhub_types::unknown_values::seen();
            let plain = serde_json::from_str::<T>(&text);
            let counted = allmhub_types::unknown_values::seen() - before;
            let Ok(conformed) = check_json_findings(schema, text.as_bytes()) else {
                assert!(
                    plain.is_err(),
                    "{schema_name} {path}: conform fails where plain decoding does not"
                );
                continue;
            };
            assert!(
                plain.is_ok(),
                "{schema_name} {path}: plain decoding fails where conform does not"
            );
            let found = &conformed.unknown_values;
            assert_eq!(found.len() as u64, counted, "{schema_name} {path}: {found:?}");
            let Some(finding) = found.first() else {
                continue;
            };
            assert_eq!(found.len(), 1, "{schema_name} {path}: {found:?}");
            assert_eq!(finding.value.as_deref(), Some(STRANGER), "{schema_name} {path}");
            if finding.path == path {
                enums += 1;
            } else if path.rfind('.').is_some_and(|dot| path[..dot] == finding.path) {
                tags += 1;
            } else {
                panic!("{schema_name} {path}: reported at {}", finding.path);
            }
        }
    }
    (enums, tags)
}

fn json_documents(operation: &str, request: bool) -> Vec<String> {
    common::json_bodies(operation, request)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

// The floors are about half of what the spec's examples hold today: each test must keep finding values.
macro_rules! replace_each_string {
    ($($test:ident: $type:ident = $documents:expr, at least $enums:literal enums and $tags:literal tags;)*) => {$(
        #[test]
        fn $test() {
            let (enums, tags) = replace_each_string::<allmhub_types::$type>(stringify!($type), $documents);
            assert!(enums >= $enums, "{enums} enum values found unknown, expected at least {}", $enums);
            #[allow(unused_comparisons)]
            let enough = tags >= $tags;
            assert!(enough, "{tags} tags found unknown, expected at least {}", $tags);
        }
    )*};
}

replace_each_string! {
    chat_requests: ChatCompletionRequest = json_documents("create_chat_completion", true), at least 30 enums and 19 tags;
    chat_completions: ChatCompletionResponse = json_documents("create_chat_completion", false), at least 18 enums and 3 tags;
    chat_chunks: ChatCompletionChunk = common::event_bodies("create_chat_completion"), at least 23 enums and 1 tags;
    claude_requests: ClaudeMessagesRequest = json_documents("create_claude_message", true), at least 8 enums and 11 tags;
    claude_messages: ClaudeMessagesResponse = json_documents("create_claude_message", false), at least 9 enums and 33 tags;
    claude_events: ClaudeStreamEvent = common::event_bodies("create_claude_message"), at least 3 enums and 47 tags;
    responses_requests: ResponsesRequest = json_documents("create_response", true), at least 12 enums and 28 tags;
    responses: ResponsesResponse = json_documents("create_response", false), at least 25 enums and 34 tags;
    responses_events: ResponsesStreamEvent = common::event_bodies("create_response"), at least 26 enums and 112 tags;
    gemini_requests: GeminiGenerateContentRequest = json_documents("gemini_generate_content", true), at least 14 enums and 0 tags;
    gemini_answers: GeminiGenerateContentResponse = json_documents("gemini_generate_content", false), at least 32 enums and 0 tags;
    mj_tasks: MjTask = json_documents("mj_fetch_task", false), at least 2 enums and 0 tags;
    videos: VideoTask = json_documents("retrieve_video", false), at least 1 enums and 0 tags;
}
