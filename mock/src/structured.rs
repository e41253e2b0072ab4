//! Structured outputs: a request that asks for an answer in a JSON Schema (chat `response_format`, Responses
//! `text.format`, Claude `output_config.format` / `output_format`, Gemini `responseJsonSchema` /
//! `responseSchema`) gets, in place of the example's text, a JSON value that fits that schema — so code that
//! parses the answer into its own type runs against the mock as it would against a model.
//!
//! The value is the smallest that fits, and readable: each string is its member's name (`"city"`) or fits its
//! `format`, numbers are their `minimum` or 0, arrays hold `minItems` items (at least one), booleans are
//! false, the first of an `enum`, `anyOf` or `oneOf` is taken, and a `const`, example or default the schema
//! gives is used as it is.

use allmhub_types::operations::Family;
use serde_json::{Map, Value};

/// How deep the generated value may nest, against recursive schemas.
const MAX_DEPTH: usize = 12;

/// The `schema` of a `{"type": "json_schema", "schema": …}` format.
fn json_schema(format: &Value) -> Option<&Value> {
    (format.get("type").and_then(Value::as_str) == Some("json_schema"))
        .then(|| format.get("schema"))
        .flatten()
}

/// The schema the request asks the answer to follow, if it asks for one.
pub(crate) fn requested_schema(family: Family, request: &Map<String, Value>) -> Option<&Value> {
    match family {
        Family::OpenaiChat => request
            .get("response_format")
            .filter(|format| format.get("type").and_then(Value::as_str) == Some("json_schema"))?
            .get("json_schema")?
            .get("schema"),
        Family::Responses => json_schema(request.get("text")?.get("format")?),
        Family::Claude => request
            .get("output_config")
            .and_then(|config| config.get("format"))
            .and_then(json_schema)
            .or_else(|| request.get("output_format").and_then(json_schema)),
        Family::Gemini => {
            let config = request
                .get("generationConfig")
                .or_else(|| request.get("generation_config"))?;
            [
                "responseJsonSchema",
                "response_json_schema",
                "responseSchema",
                "response_schema",
            ]
            .iter()
            .find_map(|name| config.get(*name))
        }
        _ => None,
    }
}

/// A JSON value that fits `schema` (`$ref`s resolved against `schema` itself, as schemars writes them).
pub(crate) fn instance(schema: &Value) -> Value {
    instance_at(schema, schema, None, 0)
}

fn instance_at(schema: &Value, root: &Value, name: Option<&str>, depth: usize) -> Value {
    let Value::Object(schema) = schema else {
        // `true` or an empty schema: anything fits.
        return Value::Object(Map::new());
    };
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        return match resolve(root, target) {
            Some(resolved) => instance_at(resolved, root, name, depth + 1),
            None => Value::Null,
        };
    }
    for given in ["const", "example", "default"] {
        if let Some(value) = schema.get(given) {
            return value.clone();
        }
    }
    if let Some(Value::Array(examples)) = schema.get("examples") {
        if let Some(first) = examples.first() {
            return first.clone();
        }
    }
    if let Some(Value::Array(values)) = schema.get("enum") {
        if let Some(first) = values.first() {
            return first.clone();
        }
    }
    for alternatives in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(list)) = schema.get(alternatives) {
            let first = list
                .iter()
                .find(|alternative| kind(alternative.get("type")).as_deref() != Some("null"))
                .or_else(|| list.first());
            if let Some(first) = first {
                return instance_at(first, root, name, depth + 1);
            }
        }
    }
    let kind = kind(schema.get("type")).or_else(|| {
        if schema.contains_key("properties") {
            Some("object".to_owned())
        } else if schema.contains_key("items") {
            Some("array".to_owned())
        } else {
            None
        }
    });
    match kind.as_deref() {
        Some("object") => {
            let mut out = Map::new();
            if let Some(Value::Object(properties)) = schema.get("properties") {
                for (member, property) in properties {
                    out.insert(member.clone(), instance_at(property, root, Some(member), depth + 1));
                }
            }
            Value::Object(out)
        }
        Some("array") => {
            let item = schema.get("items").unwrap_or(&Value::Bool(true));
            let count = schema.get("minItems").and_then(Value::as_u64).unwrap_or(1).clamp(1, 16);
            Value::Array((0..count).map(|_| instance_at(item, root, name, depth + 1)).collect())
        }
        Some("string") => Value::String(string_for(schema, name)),
        Some("integer") => Value::from(schema.get("minimum").and_then(Value::as_i64).unwrap_or(0)),
        Some("number") => schema
            .get("minimum")
            .cloned()
            .filter(Value::is_number)
            .unwrap_or_else(|| Value::from(0.0)),
        Some("boolean") => Value::Bool(false),
        Some("null") => Value::Null,
        _ => Value::Object(Map::new()),
    }
}

/// A schema's `type` in lower case (Gemini writes `OBJECT`); the first that is not `null` of a type list.
fn kind(type_: Option<&Value>) -> Option<String> {
    match type_? {
        Value::String(kind) => Some(kind.to_ascii_lowercase()),
        Value::Array(kinds) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|kind| !kind.eq_ignore_ascii_case("null"))
            .or_else(|| kinds.first().and_then(Value::as_str))
            .map(str::to_ascii_lowercase),
        _ => None,
    }
}

fn string_for(schema: &Map<String, Value>, name: Option<&str>) -> String {
    match schema.get("format").and_then(Value::as_str) {
        Some("date") => "2026-01-01".to_owned(),
        Some("date-time") => "2026-01-01T00:00:00Z".to_owned(),
        Some("time") => "00:00:00".to_owned(),
        Some("email") => "someone@example.com".to_owned(),
        Some("uri" | "url") => "https://example.com/".to_owned(),
        Some("uuid") => "00000000-0000-4000-8000-000000000000".to_owned(),
        _ => name.unwrap_or("text").to_owned(),
    }
}

/// The schema a local `$ref` (`#/$defs/Name`, `#/definitions/Name`) points at.
fn resolve<'a>(root: &'a Value, target: &str) -> Option<&'a Value> {
    let pointer = target.strip_prefix('#')?;
    root.pointer(pointer)
}

/// `answer` (the example's JSON) with its text replaced by `text`: the dialect's first text part holds it,
/// the other text parts go (their concatenation would not parse); reasoning and tool calls stay.
pub(crate) fn with_text(family: Family, answer: &mut Value, text: &str) {
    let text = Value::String(text.to_owned());
    match family {
        Family::OpenaiChat => {
            for choice in array_of(answer, "choices").into_iter().flatten() {
                if let Some(Value::Object(message)) = choice.get_mut("message") {
                    message.insert("content".to_owned(), text.clone());
                }
            }
        }
        Family::Responses => {
            let Some(output) = array_of(answer, "output") else {
                return;
            };
            let mut placed = false;
            for item in output
                .iter_mut()
                .filter(|item| item.get("type") == Some(&Value::from("message")))
            {
                if let Some(parts) = array_of(item, "content") {
                    keep_one_text(parts, &mut placed, &text, |part| {
                        part.get("type") == Some(&Value::from("output_text"))
                    });
                }
            }
            if !placed {
                output.push(serde_json::json!({
                    "type": "message", "id": "msg_mock", "status": "completed", "role": "assistant",
                    "content": [{"type": "output_text", "text": text, "annotations": []}]
                }));
            }
        }
        Family::Claude => {
            let Some(blocks) = array_of(answer, "content") else {
                return;
            };
            let mut placed = false;
            keep_one_text(blocks, &mut placed, &text, |block| {
                block.get("type") == Some(&Value::from("text"))
            });
            if !placed {
                blocks.push(serde_json::json!({"type": "text", "text": text}));
            }
        }
        Family::Gemini => {
            for candidate in array_of(answer, "candidates").into_iter().flatten() {
                let Some(parts) = candidate
                    .get_mut("content")
                    .and_then(|content| array_of(content, "parts"))
                else {
                    continue;
                };
                let mut placed = false;
                keep_one_text(parts, &mut placed, &text, |part| {
                    part.get("text").is_some() && part.get("thought") != Some(&Value::Bool(true))
                });
                if !placed {
                    parts.push(serde_json::json!({"text": text}));
                }
            }
        }
        _ => {}
    }
}

/// Puts `text` in the first part `is_text` accepts (once, across calls, through `placed`) and drops the
/// other text parts.
fn keep_one_text(parts: &mut Vec<Value>, placed: &mut bool, text: &Value, is_text: impl Fn(&Value) -> bool) {
    parts.retain_mut(|part| {
        if !is_text(part) {
            return true;
        }
        if *placed {
            return false;
        }
        if let Value::Object(part) = part {
            part.insert("text".to_owned(), text.clone());
        }
        *placed = true;
        true
    });
}

/// The array member `name` of `value`, added empty when missing; `None` when `value` is no object or the
/// member no array (such an answer is left as it is).
fn array_of<'a>(value: &'a mut Value, name: &str) -> Option<&'a mut Vec<Value>> {
    value
        .as_object_mut()?
        .entry(name.to_owned())
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_instance_fits_the_schema_with_names_as_strings_and_refs_resolved() {
        let schema = json!({
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "servings": {"type": "integer", "minimum": 1},
                "when": {"type": "string", "format": "date"},
                "kind": {"enum": ["soup", "salad"]},
                "note": {"type": ["string", "null"]},
                "steps": {"type": "array", "items": {"$ref": "#/$defs/Step"}}
            },
            "required": ["title", "servings", "when", "kind", "note", "steps"],
            "$defs": {"Step": {"type": "object", "properties": {"text": {"type": "string"}, "done": {"type": "boolean"}}}}
        });
        assert_eq!(
            instance(&schema),
            json!({
                "title": "title", "servings": 1, "when": "2026-01-01", "kind": "soup", "note": "note",
                "steps": [{"text": "text", "done": false}]
            })
        );
    }

    #[test]
    fn gemini_upper_case_types_and_recursive_schemas_end() {
        assert_eq!(
            instance(&json!({"type": "OBJECT", "properties": {"n": {"type": "NUMBER"}}})),
            json!({"n": 0.0})
        );
        let recursive = json!({"$defs": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}}}}, "$ref": "#/$defs/Node"});
        let value = instance(&recursive);
        assert!(
            value.pointer("/next/next/next").is_some(),
            "nests until the depth limit: {value}"
        );
    }

    #[test]
    fn each_dialect_finds_the_schema_where_its_sdk_puts_it() {
        let schema = json!({"type": "object"});
        let cases = [
            (
                Family::OpenaiChat,
                json!({"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}}),
            ),
            (
                Family::Responses,
                json!({"text": {"format": {"type": "json_schema", "name": "x", "schema": schema}}}),
            ),
            (
                Family::Claude,
                json!({"output_config": {"format": {"type": "json_schema", "schema": schema}}}),
            ),
            (
                Family::Claude,
                json!({"output_format": {"type": "json_schema", "schema": schema}}),
            ),
            (
                Family::Gemini,
                json!({"generationConfig": {"responseJsonSchema": schema}}),
            ),
            (Family::Gemini, json!({"generationConfig": {"responseSchema": schema}})),
        ];
        for (family, request) in cases {
            let Value::Object(request) = request else {
                unreachable!()
            };
            assert_eq!(
                requested_schema(family, &request),
                Some(&schema),
                "{family:?}: {request:?}"
            );
        }
        let Value::Object(plain) = json!({"response_format": {"type": "json_object"}}) else {
            unreachable!()
        };
        assert_eq!(
            requested_schema(Family::OpenaiChat, &plain),
            None,
            "JSON mode names no schema"
        );
    }

    #[test]
    fn the_text_is_replaced_once_and_other_parts_stay() {
        let mut claude = json!({"content": [
            {"type": "thinking", "thinking": "hm"},
            {"type": "text", "text": "Here is"},
            {"type": "text", "text": " the recipe"}
        ]});
        with_text(Family::Claude, &mut claude, "{}");
        assert_eq!(
            claude,
            json!({"content": [{"type": "thinking", "thinking": "hm"}, {"type": "text", "text": "{}"}]})
        );

        let mut gemini = json!({"candidates": [{"content": {"parts": [{"text": "plan", "thought": true}, {"text": "a"}, {"text": "b"}]}}]});
        with_text(Family::Gemini, &mut gemini, "{}");
        assert_eq!(
            gemini,
            json!({"candidates": [{"content": {"parts": [{"text": "plan", "thought": true}, {"text": "{}"}]}}]})
        );

        let mut responses = json!({"output": [{"type": "function_call", "name": "f"}]});
        with_text(Family::Responses, &mut responses, "{}");
        assert_eq!(
            responses["output"][1]["content"][0]["text"], "{}",
            "a message is added: {responses}"
        );

        let mut chat = json!({"choices": [{"message": {"role": "assistant", "content": "Hi"}}]});
        with_text(Family::OpenaiChat, &mut chat, "{}");
        assert_eq!(chat["choices"][0]["message"]["content"], "{}");
    }
}
