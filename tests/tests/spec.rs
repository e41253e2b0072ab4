//! The spec covers the ALLMHUB doc: every operation page (`spec/doc/toc-pages.txt`) with its own
//! example, every schema (`schemas.txt`), and every example validates against its schema.

use std::collections::{BTreeMap, BTreeSet};

use allmhub_tests::{Example, Place, doc_list, examples, operations, spec, sse_data};
use serde_json::{Value, json};

fn fail_on(problems: Vec<String>, what: &str) {
    assert!(
        problems.is_empty(),
        "{} {what}:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn every_doc_page_is_implemented_by_exactly_one_operation() {
    let pages = doc_list("toc-pages.txt");
    let mut owners: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let ops = operations();
    for op in &ops {
        for page in &op.doc_pages {
            owners.entry(page.as_str()).or_default().push(op.id.clone());
        }
    }
    let mut problems = Vec::new();
    for page in &pages {
        match owners.get(page.as_str()).map(Vec::as_slice) {
            None | Some([]) => problems.push(format!("page not covered by any x-doc-pages: {page}")),
            Some([_]) => {}
            Some(many) => problems.push(format!("page {page} is in the x-doc-pages of {}", many.join(", "))),
        }
    }
    for page in owners.keys() {
        if !pages.iter().any(|known| known == page) {
            problems.push(format!(
                "x-doc-pages entry is not a doc page: {page} (in {})",
                owners[page].join(", ")
            ));
        }
    }
    fail_on(problems, "page coverage problems");
}

#[test]
fn every_schema_of_the_doc_is_a_component() {
    let components = spec().schemas();
    let missing: Vec<String> = doc_list("schemas.txt")
        .into_iter()
        .filter(|name| !components.contains_key(name))
        .map(|name| format!("missing schema: {name}"))
        .collect();
    fail_on(missing, "schemas missing");
}

#[test]
fn every_doc_page_has_its_own_example() {
    let examples = examples();
    let ops = operations();
    let mut problems = Vec::new();
    for page in doc_list("toc-pages.txt") {
        let own: Vec<&Example> = examples
            .iter()
            .filter(|example| example.doc_page.as_deref() == Some(page.as_str()))
            .collect();
        if own.is_empty() {
            problems.push(format!("page without its own example: {page}"));
            continue;
        }
        let title = page.rsplit('/').next().unwrap_or_default();
        for example in &own {
            if example.summary != title {
                problems.push(format!(
                    "{}: summary {:?} is not the page title {title:?}",
                    example.label(),
                    example.summary
                ));
            }
            let owner = ops.iter().find(|op| op.id == example.operation);
            if !owner.is_some_and(|op| op.doc_pages.contains(&page)) {
                problems.push(format!(
                    "{}: documents {page}, which its operation does not list",
                    example.label()
                ));
            }
        }
        // A page that shows a request shows it as a request example; GET pages have no body.
        let body_op = ops
            .iter()
            .find(|op| op.doc_pages.contains(&page))
            .is_some_and(|op| op.value.get("requestBody").is_some());
        if body_op && !own.iter().any(|example| example.place == Place::Request) {
            problems.push(format!("page without its own request example: {page}"));
        }
    }
    fail_on(problems, "example coverage problems");
}

/// The components keyed by their ASCII Rust names, with references rewritten to `#/$defs/<RustName>`: JSON
/// Schema references are URIs, and the doc's names (`任务`, `Message«string»`) are not valid in one.
fn ascii_refs(value: &Value, names: &BTreeMap<String, String>) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(key, item)| {
                    let item = match (key.as_str(), item.as_str()) {
                        ("$ref", Some(target)) => {
                            let name = target.trim_start_matches("#/components/schemas/");
                            Value::String(format!("#/$defs/{}", names.get(name).map_or(name, String::as_str)))
                        }
                        _ => ascii_refs(item, names),
                    };
                    (key.clone(), item)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|item| ascii_refs(item, names)).collect()),
        other => other.clone(),
    }
}

fn rust_names() -> BTreeMap<String, String> {
    spec()
        .schemas()
        .iter()
        .map(|(name, schema)| (name.clone(), schema["x-rust-name"].as_str().unwrap_or(name).to_owned()))
        .collect()
}

/// A validator for `schema` (a media or parameter schema) in the context of every component.
fn validator(schema: &Value) -> jsonschema::Validator {
    let names = rust_names();
    let defs: serde_json::Map<String, Value> = spec()
        .schemas()
        .iter()
        .map(|(name, schema)| (names[name].clone(), ascii_refs(schema, &names)))
        .collect();
    let mut root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": defs,
    });
    for (key, value) in ascii_refs(schema, &names).as_object().into_iter().flatten() {
        root[key] = value.clone();
    }
    jsonschema::draft202012::new(&root).unwrap_or_else(|error| panic!("schema does not compile: {error}"))
}

fn component(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn check(
    problems: &mut Vec<String>,
    validators: &mut BTreeMap<String, jsonschema::Validator>,
    label: &str,
    schema: &Value,
    instance: &Value,
) {
    let key = schema.to_string();
    let validator = validators.entry(key).or_insert_with(|| validator(schema));
    for error in validator.iter_errors(instance).take(5) {
        problems.push(format!("{label}: at {}: {error}", error.instance_path()));
    }
}

#[test]
fn every_example_validates_against_its_schema() {
    let mut problems = Vec::new();
    let mut validators = BTreeMap::new();
    let mut checked = 0;
    for example in examples() {
        let label = example.label();
        if let Some(event_schema) = &example.stream_event {
            let Some(text) = example.value.as_str() else {
                problems.push(format!("{label}: a stream example must be the raw stream as text"));
                continue;
            };
            let events = sse_data(text);
            if events.is_empty() {
                problems.push(format!("{label}: no events"));
            }
            for (index, data) in events.iter().enumerate().filter(|(_, data)| *data != "[DONE]") {
                match serde_json::from_str::<Value>(data) {
                    Ok(event) => {
                        check(
                            &mut problems,
                            &mut validators,
                            &format!("{label} event {index}"),
                            &component(event_schema),
                            &event,
                        );
                        checked += 1;
                    }
                    Err(error) => problems.push(format!("{label} event {index}: not JSON: {error}")),
                }
            }
            continue;
        }
        match &example.schema {
            Some(schema) => {
                check(&mut problems, &mut validators, &label, schema, &example.value);
                checked += 1;
            }
            None if example.media_type.starts_with("audio/") || example.media_type.starts_with("video/") => {}
            None => problems.push(format!("{label}: no schema to validate against")),
        }
    }
    assert!(checked > 0, "no examples were checked");
    fail_on(problems, "examples do not validate");
}

/// The part of the seed page between two markers.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("seed lacks {start:?}")) + start.len();
    let to = text[from..].find(end).unwrap_or_else(|| panic!("seed lacks {end:?}")) + from;
    &text[from..to]
}

#[test]
fn the_seed_page_is_in_the_spec_verbatim() {
    let seed = allmhub_tests::seed_page();
    let request: Value = serde_json::from_str(between(
        &seed,
        "Body 参数application/json\n\n示例\n",
        "\n\n请求示例代码",
    ))
    .expect("the seed's request is JSON");
    let stream_lines: Vec<&str> = between(&seed, "Body\n\n示例\n", "\n\n上一页")
        .lines()
        .filter(|line| line.starts_with("data: "))
        .collect();
    assert_eq!(stream_lines.len(), 22, "the seed's stream has 22 events");

    let page = "图像模型(Images)/Nano Banana/Chat格式/Banana图生图";
    let own: Vec<Example> = examples()
        .into_iter()
        .filter(|example| example.doc_page.as_deref() == Some(page))
        .collect();
    let spec_request = own
        .iter()
        .find(|example| example.place == Place::Request)
        .expect("Banana图生图 has a request example");
    assert_eq!(spec_request.value, request, "the seed's request, verbatim");
    let spec_stream = own
        .iter()
        .find(|example| example.stream_event.is_some())
        .expect("Banana图生图 has a stream example");
    let spec_lines: Vec<&str> = spec_stream
        .value
        .as_str()
        .expect("raw stream")
        .lines()
        .filter(|line| line.starts_with("data: "))
        .collect();
    assert_eq!(spec_lines, stream_lines, "the seed's 22 streamed events, byte for byte");
}

#[test]
fn operation_ids_are_unique_and_every_stream_names_its_event() {
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for op in operations() {
        if !seen.insert(op.id.clone()) {
            problems.push(format!("duplicate operationId {}", op.id));
        }
    }
    let model = allmhub_codegen::model::Model::from_spec(spec());
    if let Err(error) = model {
        problems.push(error.to_string());
    }
    fail_on(problems, "operation problems");
}
