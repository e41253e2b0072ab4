//! Member coverage of the answer schemas: how many of the members a gateway answer can carry appear in at
//! least one example of the spec. An answer schema is a component reachable from a response of some
//! operation (success or error, JSON or stream event); its members are the properties of its object shapes,
//! inline ones included. A member counts as exercised when an example value — request, response or stream
//! event — holds it at a place the schema gives it, so the generated type decodes it at least once in the
//! example round trips.
//!
//! The report (per schema, then the members no example shows) is printed; run with `--nocapture` to see it
//! when the test passes. The test fails when fewer than 90 % of the answer members are exercised.

use std::collections::{BTreeMap, BTreeSet};

use allmhub_tests::{examples, spec, sse_data};
use serde_json::Value;

/// The share of answer members that examples must exercise.
const REQUIRED_SHARE: f64 = 0.90;

const PREFIX: &str = "#/components/schemas/";

/// A member: its component, the pointer of its object shape inside the component, and its name.
type Member = (String, String, String);

fn schemas() -> &'static serde_json::Map<String, Value> {
    spec().schemas()
}

fn target(reference: &Value) -> Option<&str> {
    reference.get("$ref")?.as_str()?.strip_prefix(PREFIX)
}

/// Components reachable from `schema` (through `$ref`s, transitively).
fn reach(schema: &Value, out: &mut BTreeSet<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(name) = target(schema) {
                if out.insert(name.to_owned()) {
                    if let Some(component) = schemas().get(name) {
                        reach(component, out);
                    }
                }
            }
            for (key, value) in map {
                if key != "example" && key != "examples" {
                    reach(value, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| reach(item, out)),
        _ => {}
    }
}

/// Every component an answer of some operation can contain.
fn answer_schemas() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for item in spec().doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, item)| item)
    {
        for operation in item.as_object().into_iter().flatten().map(|(_, op)| op) {
            for response in operation
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(_, response)| response)
            {
                for media in response
                    .get("content")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(_, media)| media)
                {
                    if let Some(event) = media.get("x-stream-event").and_then(Value::as_str) {
                        reach(&serde_json::json!({ "$ref": format!("{PREFIX}{event}") }), &mut out);
                    } else if let Some(schema) = media.get("schema") {
                        reach(schema, &mut out);
                    }
                }
            }
        }
    }
    out
}

/// The members of a component: every property of every object shape inside it (not behind a `$ref`).
fn members_of(component: &str) -> Vec<Member> {
    fn walk(schema: &Value, pointer: &str, component: &str, out: &mut Vec<Member>) {
        if schema.get("$ref").is_some() {
            return;
        }
        if let Some(Value::Object(properties)) = schema.get("properties") {
            for (name, property) in properties {
                out.push((component.to_owned(), pointer.to_owned(), name.clone()));
                walk(
                    property,
                    &format!("{pointer}/properties/{}", escape(name)),
                    component,
                    out,
                );
            }
        }
        for key in ["items", "additionalProperties"] {
            if let Some(child @ Value::Object(_)) = schema.get(key) {
                walk(child, &format!("{pointer}/{key}"), component, out);
            }
        }
        for key in ["oneOf", "anyOf"] {
            for (index, alternative) in schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                walk(alternative, &format!("{pointer}/{key}/{index}"), component, out);
            }
        }
    }
    let mut out = Vec::new();
    if let Some(schema) = schemas().get(component) {
        walk(schema, "", component, &mut out);
    }
    out
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The JSON types a schema admits, as far as matching an example value goes.
fn admits(schema: &Value, value: &Value) -> bool {
    let schema = match target(schema) {
        Some(name) => match schemas().get(name) {
            Some(component) => component,
            None => return false,
        },
        None => schema,
    };
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(alternatives)) = schema.get(key) {
            return alternatives.iter().any(|alternative| admits(alternative, value));
        }
    }
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_i64() || number.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(name)) => vec![name.as_str()],
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        _ if schema.get("properties").is_some() => vec!["object"],
        _ => return true, // `{}`: any value
    };
    let type_fits = types.contains(&kind) || (kind == "integer" && types.contains(&"number"));
    let required_present = match value {
        Value::Object(object) => schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .all(|name| object.contains_key(name)),
        _ => true,
    };
    type_fits && required_present
}

/// Walks `value` along `schema` (at `pointer` inside `component`), recording each member it holds.
fn visit(schema: &Value, component: &str, pointer: &str, value: &Value, seen: &mut BTreeSet<Member>) {
    if let Some(name) = target(schema) {
        if let Some(resolved) = schemas().get(name) {
            visit(resolved, name, "", value, seen);
        }
        return;
    }
    if let (Some(discriminator), Value::Object(object)) = (schema.get("discriminator"), value) {
        let tag = discriminator
            .get("propertyName")
            .and_then(Value::as_str)
            .unwrap_or("type");
        if let Some(mapped) = object
            .get(tag)
            .and_then(Value::as_str)
            .and_then(|tag| discriminator.get("mapping")?.get(tag))
            .and_then(Value::as_str)
        {
            visit(&serde_json::json!({ "$ref": mapped }), component, pointer, value, seen);
        }
        return;
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(alternatives)) = schema.get(key) {
            for (index, alternative) in alternatives.iter().enumerate() {
                if !value.is_null() && admits(alternative, value) {
                    visit(alternative, component, &format!("{pointer}/{key}/{index}"), value, seen);
                }
            }
            return;
        }
    }
    match value {
        Value::Object(object) => {
            if let Some(Value::Object(properties)) = schema.get("properties") {
                for (name, item) in object {
                    if let Some(property) = properties.get(name) {
                        seen.insert((component.to_owned(), pointer.to_owned(), name.clone()));
                        let at = format!("{pointer}/properties/{}", escape(name));
                        visit(property, component, &at, item, seen);
                    }
                }
            }
            if let Some(values @ Value::Object(_)) = schema.get("additionalProperties") {
                let at = format!("{pointer}/additionalProperties");
                for item in object.values() {
                    visit(values, component, &at, item, seen);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                let at = format!("{pointer}/items");
                for item in items {
                    visit(item_schema, component, &at, item, seen);
                }
            }
        }
        _ => {}
    }
}

/// Every member some example holds.
fn exercised() -> BTreeSet<Member> {
    let mut seen = BTreeSet::new();
    for example in examples() {
        if let Some(event) = &example.stream_event {
            let reference = serde_json::json!({ "$ref": format!("{PREFIX}{event}") });
            for data in sse_data(example.value.as_str().unwrap_or_default()) {
                if let Ok(value) = serde_json::from_str::<Value>(&data) {
                    visit(&reference, "", "", &value, &mut seen);
                }
            }
        } else if let Some(schema) = &example.schema {
            visit(schema, "", "", &example.value, &mut seen);
        }
    }
    seen
}

#[test]
fn examples_exercise_nine_tenths_of_the_answer_members() {
    let seen = exercised();
    let mut rows = Vec::new();
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let (mut total, mut hit) = (0usize, 0usize);
    for component in answer_schemas() {
        let members = members_of(&component);
        if members.is_empty() {
            continue;
        }
        let covered = members.iter().filter(|member| seen.contains(*member)).count();
        for (_, pointer, name) in members.iter().filter(|member| !seen.contains(*member)) {
            let place = if pointer.is_empty() {
                String::new()
            } else {
                format!("{pointer}/properties/")
            };
            missing
                .entry(component.clone())
                .or_default()
                .push(format!("{place}{name}"));
        }
        total += members.len();
        hit += covered;
        rows.push((component, covered, members.len()));
    }
    let share = hit as f64 / total as f64;

    let mut report = String::from("member coverage of the answer schemas (exercised / members):\n");
    for (component, covered, count) in &rows {
        report.push_str(&format!(
            "  {component:<56} {covered:>3}/{count:<3} {:>5.1} %\n",
            100.0 * *covered as f64 / *count as f64
        ));
    }
    report.push_str(&format!(
        "overall: {hit} of {total} members of {} answer schemas = {:.1} % (required: {:.0} %)\n",
        rows.len(),
        100.0 * share,
        100.0 * REQUIRED_SHARE
    ));
    report.push_str("members no example shows:\n");
    for (component, names) in &missing {
        report.push_str(&format!("  {component}: {}\n", names.join(", ")));
    }
    println!("{report}");

    assert!(
        total > 500,
        "only {total} answer members found; the walk of the spec is broken"
    );
    assert!(
        share >= REQUIRED_SHARE,
        "examples exercise {:.1} % of the answer members, less than {:.0} %:\n{report}",
        100.0 * share,
        100.0 * REQUIRED_SHARE
    );
}

#[test]
fn the_walk_records_members_along_refs_unions_and_arrays() {
    // A chat chunk: `choices` is an array of a component, `delta` a reference, `tool_calls` items another
    // component; an unknown member is ignored.
    let chunk = serde_json::json!({
        "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m",
        "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}}],
        "not_in_the_spec": true
    });
    let mut seen = BTreeSet::new();
    let reference = serde_json::json!({ "$ref": format!("{PREFIX}ChatCompletionChunk") });
    visit(&reference, "", "", &chunk, &mut seen);
    let names: BTreeSet<String> = seen
        .iter()
        .map(|(component, _, name)| format!("{component}.{name}"))
        .collect();
    for expected in [
        "ChatCompletionChunk.choices",
        "ChatCompletionChunk.created",
        "ChatCompletionChunkChoice.delta",
        "ChatCompletionDelta.tool_calls",
        "ChatToolCallChunk.function",
        "ChatFunctionCallDelta.arguments",
    ] {
        assert!(names.contains(expected), "{expected} not recorded in {names:?}");
    }
    assert!(!names.iter().any(|name| name.ends_with(".not_in_the_spec")));
    // A tagged union follows its tag only.
    let mut seen = BTreeSet::new();
    let event = serde_json::json!({"type": "content_block_stop", "index": 0});
    visit(
        &serde_json::json!({ "$ref": format!("{PREFIX}ClaudeStreamEvent") }),
        "",
        "",
        &event,
        &mut seen,
    );
    let components: BTreeSet<&str> = seen.iter().map(|(component, _, _)| component.as_str()).collect();
    assert_eq!(components, BTreeSet::from(["ClaudeContentBlockStopEvent"]));
}
