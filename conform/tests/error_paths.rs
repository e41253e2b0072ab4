//! The JSON path of a decoding failure is read from serde_json's error position
//! (`allmhub_types::json_path::of_error`) instead of decoding the document again with a path-tracking
//! deserializer. This test breaks the spec's examples of the main request, answer and event types in every
//! place (each value given a wrong type, each member removed), compact and pretty-printed, and checks that
//! the path read from the position is the one serde_path_to_error tracks.

mod common;

use allmhub_types::json_path;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// serde_path_to_error's path in this crate's notation.
fn tracked_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::from("$");
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => json_path::push_member(&mut out, key),
            // A variant name or an unknown segment names no member of the document.
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out
}

/// Every way of breaking `value` at one place: each value replaced by one of another type, each member
/// removed.
fn broken(value: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut places = Vec::new();
    collect_places(value, &mut Vec::new(), &mut places);
    for place in places {
        let mut copy = value.clone();
        let target = pointer_mut(&mut copy, &place);
        let replacement = match target {
            Value::String(_) => Value::from(7),
            Value::Number(_) => Value::from("seven"),
            Value::Bool(_) => Value::from("yes"),
            Value::Null => Value::from(false),
            Value::Object(_) | Value::Array(_) => Value::from("text"),
        };
        *target = replacement;
        out.push(copy);
        if let Some((last, parent)) = place.split_last() {
            let mut copy = value.clone();
            if let (Value::Object(members), Step::Member(name)) = (pointer_mut(&mut copy, parent), last) {
                members.remove(name);
                out.push(copy);
            }
        }
    }
    out
}

#[derive(Clone)]
enum Step {
    Member(String),
    Element(usize),
}

fn collect_places(value: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    if !at.is_empty() {
        out.push(at.clone());
    }
    match value {
        Value::Object(members) => {
            for (name, member) in members {
                at.push(Step::Member(name.clone()));
                collect_places(member, at, out);
                at.pop();
            }
        }
        Value::Array(elements) => {
            for (index, element) in elements.iter().enumerate() {
                at.push(Step::Element(index));
                collect_places(element, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn pointer_mut<'v>(mut value: &'v mut Value, place: &[Step]) -> &'v mut Value {
    for step in place {
        value = match (value, step) {
            (Value::Object(members), Step::Member(name)) => members.get_mut(name).expect("a member"),
            (Value::Array(elements), Step::Element(index)) => &mut elements[*index],
            _ => unreachable!("places come from the value"),
        };
    }
    value
}

/// Breaks every document and compares the two paths of each failure; returns how many failures were compared.
fn compare<T: DeserializeOwned>(what: &str, documents: &[Value]) -> usize {
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for (number, document) in documents.iter().enumerate() {
        for (variant, broken) in broken(document).into_iter().enumerate() {
            let bytes = if variant % 2 == 0 {
                serde_json::to_vec(&broken)
            } else {
                serde_json::to_vec_pretty(&broken)
            }
            .expect("serializes");
            let Err(error) = serde_json::from_slice::<T>(&bytes) else {
                continue;
            };
            let located = json_path::of_error(&bytes, &error);
            let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
            let tracked = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
                Err(error) => tracked_path(error.path()),
                Ok(_) => "$".to_owned(),
            };
            compared += 1;
            if located != tracked {
                mismatches.push(format!(
                    "{what} document {number}: read {located}, tracked {tracked} ({error})\n  {}",
                    String::from_utf8_lossy(&bytes).chars().take(400).collect::<String>()
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {compared} paths differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    compared
}

fn json_documents(operation: &str, request: bool) -> Vec<Value> {
    common::json_bodies(operation, request)
        .into_iter()
        .filter_map(|body| serde_json::from_str(body).ok())
        .collect()
}

fn events(operation: &str) -> Vec<Value> {
    common::event_bodies(operation)
        .iter()
        .filter_map(|data| serde_json::from_str(data).ok())
        .collect()
}

/// Only documents the type decodes as they are: a failure must come from the break.
fn decodable<T: DeserializeOwned>(documents: Vec<Value>) -> Vec<Value> {
    documents
        .into_iter()
        .filter(|document| serde_json::from_value::<T>(document.clone()).is_ok())
        .collect()
}

macro_rules! same_paths {
    ($($test:ident: $type:ty = $documents:expr;)*) => {$(
        #[test]
        fn $test() {
            let documents = decodable::<$type>($documents);
            assert!(!documents.is_empty(), "no example decodes as {}", stringify!($type));
            let compared = compare::<$type>(stringify!($type), &documents);
            assert!(compared > 10, "only {compared} broken documents failed to decode");
        }
    )*};
}

same_paths! {
    chat_requests: allmhub_types::ChatCompletionRequest = json_documents("create_chat_completion", true);
    chat_completions: allmhub_types::ChatCompletionResponse = json_documents("create_chat_completion", false);
    chat_chunks: allmhub_types::ChatCompletionChunk = events("create_chat_completion");
    claude_requests: allmhub_types::ClaudeMessagesRequest = json_documents("create_claude_message", true);
    claude_messages: allmhub_types::ClaudeMessagesResponse = json_documents("create_claude_message", false);
    claude_events: allmhub_types::ClaudeStreamEvent = events("create_claude_message");
    responses_requests: allmhub_types::ResponsesRequest = json_documents("create_response", true);
    responses: allmhub_types::ResponsesResponse = json_documents("create_response", false);
    responses_events: allmhub_types::ResponsesStreamEvent = events("create_response");
    gemini_requests: allmhub_types::GeminiGenerateContentRequest = json_documents("gemini_generate_content", true);
    gemini_answers: allmhub_types::GeminiGenerateContentResponse = json_documents("gemini_generate_content", false);
    mj_tasks: allmhub_types::MjTask = json_documents("mj_fetch_task", false);
    videos: allmhub_types::VideoTask = json_documents("retrieve_video", false);
}

/// A tagged variant whose tag comes after its members is buffered and decoded from the buffer; its error
/// still names the member inside the variant, and the position the member of the whole document.
#[test]
fn a_variant_buffered_before_its_tag_names_the_member_inside() {
    let input = br#"{"id":"msg_1","type":"message","role":"assistant","model":"m",
        "content":[{"text":5,"type":"text"}],"stop_reason":"end_turn",
        "usage":{"input_tokens":1,"output_tokens":1}}"#;
    let error = serde_json::from_slice::<allmhub_types::ClaudeMessagesResponse>(input).expect_err("fails");
    assert_eq!(json_path::of_error(input, &error), "$.content[0]");
    assert!(
        error
            .to_string()
            .starts_with("text: invalid type: integer `5`, expected a string"),
        "{error}"
    );
    let schema = allmhub_conform::find_schema("ClaudeMessagesResponse").expect("a schema");
    let failure = allmhub_conform::check_json(schema, input).expect_err("fails");
    assert_eq!(failure.path, "$.content[0]");
}

/// Bytes that are not UTF-8 fail the check at the member holding them, alone or inside an array.
#[test]
fn invalid_utf8_names_its_member() {
    let document = b"{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\",\
        \"content\":[{\"type\":\"text\",\"text\":\"caf\xe9\"}],\"stop_reason\":\"end_turn\",\
        \"usage\":{\"input_tokens\":1,\"output_tokens\":1}}";
    let schema = allmhub_conform::find_schema("ClaudeMessagesResponse").expect("a schema");
    let failure = allmhub_conform::check_json(schema, document).expect_err("fails");
    assert_eq!(failure.path, "$.content[0].text");
    assert!(
        failure.message.starts_with("invalid UTF-8 at byte"),
        "{}",
        failure.message
    );
    let mut array = b"[".to_vec();
    array.extend_from_slice(&String::from_utf8_lossy(document).into_owned().into_bytes());
    array.push(b',');
    array.extend_from_slice(document);
    array.push(b']');
    let failure = allmhub_conform::check_json_array(schema, &array).expect_err("fails");
    assert_eq!(failure.path, "$[1].content[0].text");
}
