//! Structured-output schemas from Rust types: OpenAI's strict rules, Claude's and Gemini's, on realistic
//! types (nested structs, optional members, tagged and plain enums, lists, integers of every width), checked
//! by validating real values against the schemas.

// Needs the `schemars` feature, which workspace test runs turn on (allmhub's dev-dependencies ask for it).
#![cfg(feature = "schemars")]

use allmhub_types::structured::{SchemaError, claude_schema, gemini_schema, openai_schema};
use allmhub_types::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A weather report for one city.
#[derive(Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
struct Report {
    /// The city, as the user wrote it.
    city: String,
    /// One entry per day, today first.
    #[schemars(length(min = 1, max = 7))]
    days: Vec<Day>,
    unit: Unit,
    alert: Option<Alert>,
    #[serde(default)]
    notes: Vec<String>,
    /// Confidence from 0 to 100.
    confidence: u8,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
struct Day {
    /// ISO date.
    #[schemars(length(min = 10))]
    date: String,
    high: f64,
    low: Option<f64>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Unit {
    Celsius,
    Fahrenheit,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Alert {
    Storm { level: u32 },
    Heat { max: f64 },
}

fn report() -> Report {
    Report {
        city: "Paris".to_owned(),
        days: vec![Day {
            date: "2026-07-01".to_owned(),
            high: 31.5,
            low: None,
        }],
        unit: Unit::Celsius,
        alert: Some(Alert::Heat { max: 38.0 }),
        notes: vec![],
        confidence: 80,
    }
}

/// Every object schema in `schema`, with its JSON pointer.
fn objects<'a>(schema: &'a Value, at: String, out: &mut Vec<(String, &'a serde_json::Map<String, Value>)>) {
    match schema {
        Value::Object(object) => {
            if object.get("type") == Some(&json!("object")) || object.contains_key("properties") {
                out.push((at.clone(), object));
            }
            for (key, value) in object {
                objects(value, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                objects(item, format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
}

fn keywords(schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(object) => {
            for (key, value) in object {
                // Member names under `properties`/`$defs` are not keywords.
                if key == "properties" || key == "$defs" {
                    for member in value.as_object().into_iter().flat_map(|members| members.values()) {
                        keywords(member, out);
                    }
                    continue;
                }
                out.push(key.clone());
                keywords(value, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| keywords(item, out)),
        _ => {}
    }
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::validator_for(schema).expect("a valid JSON Schema")
}

#[test]
fn openai_strict_schemas_close_every_object_and_require_every_property() {
    let schema = Value::Object(openai_schema::<Report>().expect("a schema"));
    let mut found = Vec::new();
    objects(&schema, "#".to_owned(), &mut found);
    assert!(found.len() >= 4, "{found:?}");
    for (at, object) in &found {
        assert_eq!(object.get("additionalProperties"), Some(&json!(false)), "{at}");
        let properties: Vec<&String> = object["properties"].as_object().expect("properties").keys().collect();
        let required: Vec<&str> = object["required"]
            .as_array()
            .expect("required")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(properties.len(), required.len(), "{at}: every property required");
        assert!(properties.iter().all(|name| required.contains(&name.as_str())), "{at}");
    }
    let mut all = Vec::new();
    keywords(&schema, &mut all);
    for keyword in ["oneOf", "minLength", "default", "$schema"] {
        assert!(!all.iter().any(|key| key == keyword), "{keyword} left in {schema:#}");
    }
    assert!(
        !schema.to_string().contains("uint"),
        "integer widths are not formats OpenAI knows: {schema:#}"
    );
    // What strict mode lacks is not lost: the model reads it in the description.
    let date = &schema["$defs"]["Day"]["properties"]["date"];
    assert_eq!(date["description"], "ISO date. (minLength: 10)", "{date}");
    assert_eq!(
        schema["properties"]["days"]["minItems"], 1,
        "array limits are supported"
    );
    assert_eq!(schema["description"], "A weather report for one city.");

    // Real values pass; optional members are present as null; extra members and missing ones fail.
    let validator = validator(&schema);
    let value = serde_json::to_value(report()).expect("serializes");
    assert!(validator.is_valid(&value), "{value}");
    assert!(value["days"][0]["low"].is_null());
    let mut extra = value.clone();
    extra["humidity"] = json!(40);
    assert!(!validator.is_valid(&extra), "closed objects");
    let mut missing = value.clone();
    missing.as_object_mut().expect("object").remove("alert");
    assert!(!validator.is_valid(&missing), "every property required");
}

#[test]
fn response_formats_carry_the_schema_in_each_dialect() {
    let format =
        serde_json::to_value(ChatResponseFormat::json_schema_for::<Report>().expect("a format")).expect("JSON");
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["json_schema"]["name"], "Report");
    assert_eq!(format["json_schema"]["strict"], true);
    assert_eq!(format["json_schema"]["description"], "A weather report for one city.");
    assert_eq!(format["json_schema"]["schema"]["additionalProperties"], false);

    let text = serde_json::to_value(ResponsesTextConfig::json_schema_for::<Report>().expect("a format")).expect("JSON");
    assert_eq!(text["format"]["type"], "json_schema");
    assert_eq!(text["format"]["name"], "Report");
    assert_eq!(text["format"]["strict"], true);
    assert_eq!(text["format"]["schema"]["required"].as_array().map(Vec::len), Some(6));

    let claude =
        serde_json::to_value(ClaudeOutputConfig::json_schema_for::<Report>().expect("a config")).expect("JSON");
    assert_eq!(claude["format"]["type"], "json_schema");
    assert_eq!(claude["format"]["schema"]["additionalProperties"], false);

    let tool =
        serde_json::to_value(ChatTool::function_for::<Day>("add_day", "Adds a day.").expect("a tool")).expect("JSON");
    assert_eq!(tool["type"], "function");
    assert_eq!(tool["function"]["strict"], true);
    assert_eq!(
        tool["function"]["parameters"]["required"],
        json!(["date", "high", "low"])
    );

    // The request round-trips with the format in it.
    let mut request = ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user("Weather?")]);
    request.response_format = Some(ChatResponseFormat::json_schema_for::<Report>().expect("a format"));
    let back: ChatCompletionRequest =
        serde_json::from_value(serde_json::to_value(&request).expect("JSON")).expect("decodes");
    assert_eq!(back, request);
}

#[test]
fn claude_schemas_drop_numeric_limits_but_keep_optional_members_optional() {
    let schema = Value::Object(claude_schema::<Report>().expect("a schema"));
    let confidence = &schema["properties"]["confidence"];
    assert!(
        confidence.get("maximum").is_none() && confidence.get("minimum").is_none(),
        "{confidence}"
    );
    assert!(
        confidence["description"]
            .as_str()
            .is_some_and(|text| text.contains("maximum: 255")),
        "{confidence}"
    );
    let required: Vec<&str> = schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        !required.contains(&"notes"),
        "a member with a default stays optional: {required:?}"
    );
    assert!(
        schema["properties"]["days"].get("minItems").is_some(),
        "minItems 1 is supported"
    );
    let validator = validator(&schema);
    let value = serde_json::to_value(report()).expect("serializes");
    assert!(validator.is_valid(&value));
}

#[test]
fn gemini_schemas_inline_references_and_mark_optional_members_nullable() {
    let schema = gemini_schema::<Report>().expect("a schema");
    assert_eq!(schema.type_.as_deref(), Some("OBJECT"));
    // Declaration order with serde_json's `preserve_order` (on in workspace test builds), else alphabetical.
    let declared = ["city", "days", "unit", "alert", "notes", "confidence"]
        .map(str::to_owned)
        .to_vec();
    let mut alphabetical = declared.clone();
    alphabetical.sort();
    assert!(
        schema.property_ordering == declared || schema.property_ordering == alphabetical,
        "{:?}",
        schema.property_ordering
    );
    let days = &schema.properties["days"];
    assert_eq!(days.type_.as_deref(), Some("ARRAY"));
    let day = days.items.as_deref().expect("items");
    assert_eq!(day.type_.as_deref(), Some("OBJECT"), "references are resolved in place");
    assert_eq!(day.properties["low"].nullable, Some(true));
    assert_eq!(day.properties["low"].type_.as_deref(), Some("NUMBER"));
    assert_eq!(
        schema.properties["unit"].enum_,
        ["celsius", "fahrenheit"].map(str::to_owned).to_vec()
    );
    let alert = &schema.properties["alert"];
    assert_eq!(alert.nullable, Some(true));
    assert_eq!(alert.any_of.len(), 2, "{alert:?}");
    assert_eq!(alert.any_of[0].properties["kind"].enum_, vec!["storm".to_owned()]);
    let text = serde_json::to_string(&schema).expect("JSON");
    assert!(
        !text.contains("$ref") && !text.contains("$defs") && !text.contains("additionalProperties"),
        "{text}"
    );

    let config = GeminiGenerationConfig::json_schema_for::<Report>().expect("a config");
    assert_eq!(config.response_mime_type.as_deref(), Some("application/json"));
    assert_eq!(config.response_schema, Some(schema));
}

#[derive(JsonSchema)]
#[allow(dead_code)]
struct Thread {
    text: String,
    replies: Vec<Thread>,
}

#[derive(JsonSchema)]
#[allow(dead_code)]
struct Tagged {
    tags: std::collections::BTreeMap<String, String>,
}

#[test]
fn what_a_dialect_cannot_express_is_an_error_naming_where() {
    assert!(
        openai_schema::<Thread>().is_ok(),
        "OpenAI follows references, recursive ones too"
    );
    match gemini_schema::<Thread>() {
        Err(SchemaError::Recursive { path }) => assert!(path.contains("replies"), "{path}"),
        other => panic!("{other:?}"),
    }
    match openai_schema::<Tagged>() {
        Err(error @ SchemaError::Map { .. }) => {
            assert!(error.to_string().contains("#/properties/tags"), "{error}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(gemini_schema::<Tagged>(), Err(SchemaError::Map { .. })));
    assert!(matches!(
        openai_schema::<Unit>(),
        Err(SchemaError::RootNotObject { name }) if name == "Unit"
    ));
    assert!(claude_schema::<Vec<Day>>().is_ok(), "Claude takes any root");
}

#[test]
fn a_parsed_answer_matches_the_type_the_schema_came_from() {
    let text = serde_json::to_string(&report()).expect("JSON");
    let answer: ChatCompletionResponse = serde_json::from_value(json!({"id": "c", "object": "chat.completion",
        "created": 1, "model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}))
    .expect("decodes");
    assert_eq!(answer.parse::<Report>(), Ok(report()));
}
