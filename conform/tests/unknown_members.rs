//! Unknown members are reported by conform's own decoding layer (names borrowed from the input, paths built
//! only for what it reports). This test adds unknown members to every object of the spec's examples of the
//! main request, answer and event types and checks that the layer reports exactly what serde_ignored reports
//! for the same type and bytes.

mod common;

use serde::de::DeserializeOwned;
use serde_json::Value;

/// serde_ignored's path in conform's notation.
fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => "$".to_owned(),
        Path::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        Path::Map { parent, key } => {
            let mut out = ignored_path(parent);
            allmhub_types::json_path::push_member(&mut out, key);
            out
        }
        Path::Some { parent } | Path::NewtypeStruct { parent } | Path::NewtypeVariant { parent } => {
            ignored_path(parent)
        }
    }
}

/// Adds two members no schema has at the end of every object of a JSON text, one with a name that needs
/// quoting; the text is edited in place, so members keep their order (a union's tag stays first).
fn with_unknown_members(text: &str) -> String {
    const ADDED: &str = r#""zz_unknown":{"nested":[1,{"deep":true}]},"x-odd \"name\"":7"#;
    let mut out = String::with_capacity(text.len() * 2);
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == '}' {
            let empty = out.trim_end().ends_with('{');
            if !empty {
                out.push(',');
            }
            out.push_str(ADDED);
        }
        out.push(c);
    }
    out
}

fn compare<T: DeserializeOwned>(rust_name: &str, documents: Vec<String>) {
    let schema = allmhub_conform::find_schema(rust_name).expect("a schema");
    let mut compared = 0;
    for (number, document) in documents.into_iter().enumerate() {
        let bytes = with_unknown_members(&document).into_bytes();
        assert!(
            serde_json::from_slice::<Value>(&bytes).is_ok(),
            "{rust_name} document {number}: not JSON"
        );
        let mut expected = Vec::new();
        let mut json = serde_json::Deserializer::from_slice(&bytes);
        let decoded: Result<T, _> = serde_ignored::deserialize(&mut json, |path| expected.push(ignored_path(&path)));
        let ours = allmhub_conform::check_json_findings(schema, &bytes);
        match (decoded, ours) {
            (Ok(_), Ok(conformed)) => {
                let (mut ours, mut expected) = (conformed.unknown_members, expected);
                assert!(!expected.is_empty(), "{rust_name} document {number}: nothing reported");
                ours.sort();
                expected.sort();
                assert_eq!(ours, expected, "{rust_name} document {number}");
                compared += 1;
            }
            (Err(_), Err(_)) => {}
            (theirs, ours) => panic!(
                "{rust_name} document {number}: serde_ignored {:?}, conform {:?}",
                theirs.map(|_| ()),
                ours.map(|_| ())
            ),
        }
    }
    assert!(compared > 0, "no {rust_name} document compared");
}

fn json_documents(operation: &str, request: bool) -> Vec<String> {
    common::json_bodies(operation, request)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

fn events(operation: &str) -> Vec<String> {
    common::event_bodies(operation)
}

macro_rules! same_findings {
    ($($test:ident: $type:ident = $documents:expr;)*) => {$(
        #[test]
        fn $test() {
            compare::<allmhub_types::$type>(stringify!($type), $documents);
        }
    )*};
}

same_findings! {
    chat_requests: ChatCompletionRequest = json_documents("create_chat_completion", true);
    chat_completions: ChatCompletionResponse = json_documents("create_chat_completion", false);
    chat_chunks: ChatCompletionChunk = events("create_chat_completion");
    claude_requests: ClaudeMessagesRequest = json_documents("create_claude_message", true);
    claude_messages: ClaudeMessagesResponse = json_documents("create_claude_message", false);
    claude_events: ClaudeStreamEvent = events("create_claude_message");
    responses_requests: ResponsesRequest = json_documents("create_response", true);
    responses: ResponsesResponse = json_documents("create_response", false);
    responses_events: ResponsesStreamEvent = events("create_response");
    gemini_requests: GeminiGenerateContentRequest = json_documents("gemini_generate_content", true);
    gemini_answers: GeminiGenerateContentResponse = json_documents("gemini_generate_content", false);
    mj_tasks: MjTask = json_documents("mj_fetch_task", false);
    videos: VideoTask = json_documents("retrieve_video", false);
}
