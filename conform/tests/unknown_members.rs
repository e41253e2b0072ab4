//! Unknown members are reported by conform's own decoding layer (names borrowed from the input, paths built
//! only for what it reports). This test adds unknown members to every object of the spec's examples of the
//! main request, answer and event types and checks the layer against serde_ignored on the same type and
//! bytes: everything serde_ignored reports is reported at the same path, and the rest is what serde_ignored
//! cannot see — inside objects a union reads whole before decoding them (a Responses input item) — and must
//! be one of the added members, where it is said to be.

mod common;

use std::collections::BTreeSet;

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

/// Returns how many members conform reported that serde_ignored could not see.
fn compare<T: DeserializeOwned>(rust_name: &str, documents: Vec<String>) -> usize {
    let mut inside = 0;
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
                assert!(!expected.is_empty(), "{rust_name} document {number}: nothing reported");
                let ours: BTreeSet<String> = conformed.unknown_members.iter().cloned().collect();
                assert_eq!(
                    ours.len(),
                    conformed.unknown_members.len(),
                    "{rust_name} document {number}: reported twice"
                );
                let expected: BTreeSet<String> = expected.into_iter().collect();
                let lost: Vec<&String> = expected.difference(&ours).collect();
                assert!(lost.is_empty(), "{rust_name} document {number}: not reported {lost:?}");
                let value: Value = serde_json::from_slice(&bytes).expect("JSON");
                for path in ours.difference(&expected) {
                    let (steps, name) = parent_and_name(path)
                        .unwrap_or_else(|| panic!("{rust_name} document {number}: `{path}` is no member"));
                    assert!(
                        name == "zz_unknown" || name == "x-odd \"name\"",
                        "{rust_name} document {number}: `{path}` was not added"
                    );
                    let object = find(&value, &steps)
                        .and_then(Value::as_object)
                        .unwrap_or_else(|| panic!("{rust_name} document {number}: no object at `{path}`"));
                    assert!(object.contains_key("zz_unknown") && object.contains_key("x-odd \"name\""));
                    let partner = if name == "zz_unknown" {
                        "x-odd \"name\""
                    } else {
                        "zz_unknown"
                    };
                    let mut partner_path = render(&steps);
                    allmhub_types::json_path::push_member(&mut partner_path, partner);
                    assert!(
                        ours.contains(&partner_path),
                        "{rust_name} document {number}: `{path}` alone"
                    );
                    inside += 1;
                }
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
    inside
}

/// One step of a JSON path.
#[derive(Clone, Debug)]
enum Step {
    Member(String),
    Element(usize),
}

/// `$.a[2]["b c"]` as its steps; `None` for a path this file's paths never are.
fn steps(path: &str) -> Option<Vec<Step>> {
    let mut rest = path.strip_prefix('$')?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            steps.push(Step::Member(after[..end].to_owned()));
            rest = &after[end..];
        } else if rest.starts_with("[\"") {
            // A quoted name: a JSON string, read with serde_json up to its closing quote.
            let quoted = &rest[1..];
            let mut reader = serde_json::Deserializer::from_str(quoted).into_iter::<String>();
            let name = reader.next()?.ok()?;
            let used = reader.byte_offset();
            steps.push(Step::Member(name));
            rest = quoted.get(used..)?.strip_prefix(']')?;
        } else {
            let after = rest.strip_prefix('[')?;
            let end = after.find(']')?;
            steps.push(Step::Element(after[..end].parse().ok()?));
            rest = &after[end + 1..];
        }
    }
    Some(steps)
}

fn render(steps: &[Step]) -> String {
    let mut out = "$".to_owned();
    for step in steps {
        match step {
            Step::Member(name) => allmhub_types::json_path::push_member(&mut out, name),
            Step::Element(index) => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

fn parent_and_name(path: &str) -> Option<(Vec<Step>, String)> {
    let mut steps = steps(path)?;
    match steps.pop()? {
        Step::Member(name) => Some((steps, name)),
        Step::Element(_) => None,
    }
}

fn find<'v>(value: &'v Value, steps: &[Step]) -> Option<&'v Value> {
    steps.iter().try_fold(value, |value, step| match step {
        Step::Member(name) => value.get(name),
        Step::Element(index) => value.get(index),
    })
}

#[test]
fn paths_read_back() {
    let path = r#"$.a[2]["x-odd \"name\""].b"#;
    assert_eq!(render(&steps(path).expect("a path")), path);
    let value = serde_json::json!({"a": [0, 1, {"x-odd \"name\"": {"b": 5}}]});
    assert_eq!(find(&value, &steps(path).expect("a path")), Some(&serde_json::json!(5)));
}

/// A Responses input item is read whole (a typed item or a short message, told apart by `type`): what
/// serde_ignored, decoding plainly, cannot see there is reported. (A tool call, whose `type` follows its `id`,
/// is read whole only under conform's watch; plainly, its members after the tag are streamed, and serde_ignored
/// sees them too.)
#[test]
fn inside_objects_read_whole() {
    let items = compare::<allmhub_types::ResponsesRequest>("ResponsesRequest", json_documents("create_response", true));
    assert!(items > 0, "nothing reported inside input items");
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
