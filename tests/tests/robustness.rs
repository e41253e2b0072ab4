//! Every schema's decoder on hostile input: the spec's examples damaged at random (a member removed, a value of
//! the wrong kind, an unknown member, a huge number) and arbitrary JSON sent to arbitrary schemas.
//!
//! Whatever comes in, the conformance check answers without panicking; what decodes serializes to a document that
//! decodes to itself; what does not decode is rejected with a JSON path that exists in the input. Whole exchanges
//! with damaged requests check alike directly (the validating proxy) and from a written HAR capture.

use allmhub_conform::catalog::{EXAMPLES, Example, Place};
use allmhub_conform::exchange::{ExchangeReport, check_exchange};
use allmhub_conform::har::{HarExchange, check_har, read_har, write_har};
use allmhub_conform::route::path_of;
use allmhub_conform::{Conformed, DecodeError, check_json, find_schema};
use allmhub_tests::examples;
use allmhub_types::{Operation, SCHEMAS, SchemaInfo, operations};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// The JSON-body examples of the spec, each with the schema it documents.
fn documents() -> &'static [(&'static SchemaInfo, Value)] {
    static DOCUMENTS: std::sync::OnceLock<Vec<(&'static SchemaInfo, Value)>> = std::sync::OnceLock::new();
    DOCUMENTS.get_or_init(|| {
        let documents: Vec<_> = examples()
            .into_iter()
            .filter(|example| example.media_type == "application/json")
            .filter_map(|example| {
                let (name, is_array) = example.schema_name()?;
                let schema = find_schema(&name).unwrap_or_else(|error| panic!("{}: {error}", example.label()));
                let value = if is_array {
                    example.value.as_array()?.first()?.clone()
                } else {
                    example.value
                };
                Some((schema, value))
            })
            .collect();
        assert!(documents.len() >= 100, "only {} JSON examples", documents.len());
        documents
    })
}

/// A way to damage one node of a document.
#[derive(Debug, Clone)]
enum Damage {
    /// The node becomes this value (of any kind).
    Replace(Value),
    /// An object loses one member; an array loses one element.
    Remove(usize),
    /// An object gains a member the schema does not know.
    AddUnknown(String, Value),
    /// An array gains a copy of one of its elements.
    Duplicate(usize),
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        Just(json!(1e300)),
        Just(json!(-0.0)),
        Just(json!(18446744073709551615u64)),
        "[a-z_]{0,12}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
        Just(json!([])),
        Just(json!({})),
    ]
}

/// Arbitrary JSON, with member names that read as JSON-path segments.
fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,10}", inner, 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        3 => leaf().prop_map(Damage::Replace),
        1 => json_value().prop_map(Damage::Replace),
        3 => any::<usize>().prop_map(Damage::Remove),
        2 => ("x_[a-z]{1,8}", json_value()).prop_map(|(name, value)| Damage::AddUnknown(name, value)),
        1 => any::<usize>().prop_map(Damage::Duplicate),
    ]
}

/// How many nodes `value` has (itself included).
fn node_count(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(node_count).sum(),
        Value::Object(members) => members.values().map(node_count).sum(),
        _ => 0,
    }
}

/// The `index`th node of `value` in pre-order.
fn node_mut(value: &mut Value, mut index: usize) -> &mut Value {
    if index == 0 {
        return value;
    }
    index -= 1;
    let children: Vec<&mut Value> = match value {
        Value::Array(items) => items.iter_mut().collect(),
        Value::Object(members) => members.values_mut().collect(),
        _ => unreachable!("index within node_count"),
    };
    for child in children {
        let count = node_count(child);
        if index < count {
            return node_mut(child, index);
        }
        index -= count;
    }
    unreachable!("index within node_count")
}

fn apply(document: &mut Value, node: usize, damage: Damage) {
    let target = node_mut(document, node % node_count(document));
    match (damage, target) {
        (Damage::Replace(value), target) => *target = value,
        (Damage::Remove(index), Value::Object(members)) if !members.is_empty() => {
            let key = members.keys().nth(index % members.len()).cloned().unwrap_or_default();
            members.remove(&key);
        }
        (Damage::Remove(index), Value::Array(items)) if !items.is_empty() => {
            items.remove(index % items.len());
        }
        (Damage::AddUnknown(name, value), Value::Object(members)) => {
            members.insert(name, value);
        }
        (Damage::Duplicate(index), Value::Array(items)) if !items.is_empty() => {
            let copy = items[index % items.len()].clone();
            items.push(copy);
        }
        // A damage that does not fit the node leaves the document as it was.
        _ => {}
    }
}

/// Whether a JSON path of the conformance check (`$.choices[0].delta`) names a node of `document`. A `?` segment
/// (a place serde could not name) ends the walk.
fn path_exists(document: &Value, path: &str) -> bool {
    let Some(mut rest) = path.strip_prefix('$') else {
        return false;
    };
    let mut node = document;
    while !rest.is_empty() {
        if let Some(quoted) = rest.strip_prefix("[\"") {
            // A member name that is not a plain identifier: `["x-request-id"]`, a JSON string in brackets.
            let mut stream = serde_json::Deserializer::from_str(&rest[1..]).into_iter::<String>();
            let Some(Ok(key)) = stream.next() else {
                return false;
            };
            let Some(after) = quoted
                .get(stream.byte_offset() - 1..)
                .and_then(|after| after.strip_prefix(']'))
            else {
                return false;
            };
            let Some(child) = node.get(key.as_str()) else {
                return false;
            };
            node = child;
            rest = after;
        } else if let Some(after) = rest.strip_prefix('[') {
            let Some((index, after)) = after.split_once(']') else {
                return false;
            };
            let Some(child) = index.parse::<usize>().ok().and_then(|index| node.get(index)) else {
                return false;
            };
            node = child;
            rest = after;
        } else if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let key = &after[..end];
            if key == "?" {
                return true;
            }
            let Some(child) = node.get(key) else {
                return false;
            };
            node = child;
            rest = &after[end..];
        } else {
            return false;
        }
    }
    true
}

/// The contract of the conformance check on one input: no panic (a panic fails the test), a fixpoint when it
/// decodes, a path into the input when it does not.
fn check(schema: &'static SchemaInfo, document: &Value) -> Result<Result<Conformed, DecodeError>, TestCaseError> {
    let bytes = serde_json::to_vec(document).map_err(|error| TestCaseError::fail(error.to_string()))?;
    let outcome = check_json(schema, &bytes);
    match &outcome {
        Ok(conformed) => {
            let again = serde_json::to_vec(&conformed.value).map_err(|error| TestCaseError::fail(error.to_string()))?;
            match check_json(schema, &again) {
                Ok(second) => {
                    prop_assert_eq!(&second.value, &conformed.value, "{} is not a fixpoint", schema.name);
                    prop_assert!(
                        second.unknown_members.is_empty(),
                        "{}: its own output has unknown members {:?}",
                        schema.name,
                        second.unknown_members
                    );
                }
                Err(error) => {
                    return Err(TestCaseError::fail(format!(
                        "{}: its own output does not decode: {error}\n{}",
                        schema.name, conformed.value
                    )));
                }
            }
        }
        Err(error) => {
            prop_assert!(!error.message.is_empty(), "{}: an error without a message", schema.name);
            prop_assert!(
                path_exists(document, &error.path),
                "{}: error path {} is not in the input {document}",
                schema.name,
                error.path
            );
        }
    }
    Ok(outcome)
}

#[test]
fn every_example_conforms_to_its_schema_before_damage() {
    for (schema, document) in documents() {
        let outcome = check(schema, document).unwrap_or_else(|error| panic!("{}: {error}", schema.name));
        let conformed = outcome.unwrap_or_else(|error| panic!("{}: {error}", schema.name));
        assert!(
            conformed.unknown_members.is_empty(),
            "{}: {:?}",
            schema.name,
            conformed.unknown_members
        );
    }
}

/// `value` as JSON text with every object's members in reverse order: a union's tag, which servers send
/// first, then comes after the members it selects.
fn reversed_text(value: &Value, out: &mut String) {
    match value {
        Value::Object(members) => {
            out.push('{');
            for (index, (name, member)) in members.iter().rev().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(name.clone()).to_string());
                out.push(':');
                reversed_text(member, out);
            }
            out.push('}');
        }
        Value::Array(elements) => {
            out.push('[');
            for (index, element) in elements.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                reversed_text(element, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Tagged unions whose tag comes late are buffered (transcoded to text, then decoded): every example decodes
/// to the same value, with the same unknown members, whichever order its members come in.
#[test]
fn every_example_decodes_alike_with_its_members_reversed() {
    let mut reordered = 0;
    for (schema, document) in documents() {
        let written = serde_json::to_vec(document).expect("JSON");
        let forward = check_json(schema, &written).unwrap_or_else(|error| panic!("{}: {error}", schema.name));
        let mut text = String::new();
        reversed_text(document, &mut text);
        let backward =
            check_json(schema, text.as_bytes()).unwrap_or_else(|error| panic!("{}: {error}\n{text}", schema.name));
        assert_eq!(backward.value, forward.value, "{}: {text}", schema.name);
        assert_eq!(backward.unknown_members, forward.unknown_members, "{}", schema.name);
        reordered += usize::from(text.as_bytes() != written.as_slice());
    }
    assert!(reordered >= 100, "only {reordered} examples had members to reorder");
}

/// Plain decoding (the client's, which no layer watches) of a tagged object whose tag is not its first member
/// keeps the members before the tag and reads the rest from the input; conform's watched decoding reads the
/// whole object first. Both must give the same value, in the examples' order (an OpenAI tool call has its
/// `type` second) and with every object's members reversed (tags last).
#[test]
fn plain_and_watched_decoding_agree_whatever_the_member_order() {
    fn agree<T>(document: &Value) -> bool
    where
        T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug + 'static,
    {
        let forward = document.to_string();
        let mut backward = String::new();
        reversed_text(document, &mut backward);
        let watched: T = allmhub_conform::decode(&forward).unwrap_or_else(|error| panic!("{error}: {forward}"));
        for text in [&forward, &backward] {
            let plain: T =
                allmhub_types::json_path::decode_text(text).unwrap_or_else(|error| panic!("{error}: {text}"));
            assert_eq!(plain, watched, "{text}");
        }
        forward != backward
    }
    use allmhub_types::{
        ChatCompletionRequest, ChatCompletionResponse, ClaudeMessagesRequest, ClaudeMessagesResponse,
        GeminiGenerateContentRequest, GeminiGenerateContentResponse, ResponsesRequest, ResponsesResponse,
    };
    let mut reordered = 0;
    for (schema, document) in documents() {
        let differs = match schema.rust_name {
            "ChatCompletionRequest" => agree::<ChatCompletionRequest>(document),
            "ChatCompletionResponse" => agree::<ChatCompletionResponse>(document),
            "ClaudeMessagesRequest" => agree::<ClaudeMessagesRequest>(document),
            "ClaudeMessagesResponse" => agree::<ClaudeMessagesResponse>(document),
            "ResponsesRequest" => agree::<ResponsesRequest>(document),
            "ResponsesResponse" => agree::<ResponsesResponse>(document),
            "GeminiGenerateContentRequest" => agree::<GeminiGenerateContentRequest>(document),
            "GeminiGenerateContentResponse" => agree::<GeminiGenerateContentResponse>(document),
            _ => continue,
        };
        reordered += usize::from(differs);
    }
    assert!(
        reordered >= 40,
        "only {reordered} examples of the main types had members to reorder"
    );
}

/// A failure inside a member read before the tag is placed at the object, its reason naming the member.
#[test]
fn a_bad_member_before_the_tag_names_itself() {
    let text = r#"{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","tool_calls":[{"id":7,"type":"function","function":{"name":"f","arguments":"{}"}}]}}]}"#;
    let failure = allmhub_types::json_path::decode_text::<allmhub_types::ChatCompletionResponse>(text)
        .expect_err("an id must be a string");
    assert_eq!(failure.path, "$.choices[0].message.tool_calls[0]");
    assert!(
        failure.message.starts_with("id: invalid type: integer `7`"),
        "{}",
        failure.message
    );
}

#[test]
fn the_path_walker_accepts_paths_into_the_document_only() {
    let document = json!({"choices": [{"delta": {"content": "hi"}}], "usage": null});
    assert!(path_exists(&document, "$"));
    assert!(path_exists(&document, "$.choices[0].delta.content"));
    assert!(path_exists(&document, "$.usage"));
    assert!(path_exists(&document, "$.choices[0].?"));
    assert!(!path_exists(&document, "$.choices[1]"));
    assert!(!path_exists(&document, "$.choice"));
    assert!(!path_exists(&document, "choices"));
    let limits = json!({"model_limits": {"gpt-4o-mini": true, "a\"]b": false}});
    assert!(path_exists(&limits, r#"$.model_limits["gpt-4o-mini"]"#));
    assert!(path_exists(&limits, r#"$.model_limits["a\"]b"]"#));
    assert!(!path_exists(&limits, r#"$.model_limits["gpt-4o"]"#));
    assert!(!path_exists(&limits, r#"$.model_limits["gpt-4o-mini"#));
}

#[test]
fn a_wrong_kind_is_rejected_at_its_path() {
    let schema = find_schema("ChatCompletionRequest").expect("in the spec");
    let document = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": "hot"});
    let error = check(schema, &document)
        .expect("contract holds")
        .expect_err("a string temperature");
    assert_eq!(error.path, "$.temperature");
}

/// Runs `cases` generated inputs through [`check`] and counts the outcomes (decoded, rejected), so a test can also
/// show that both happen: a property that only ever sees one outcome tests little.
fn run<S: Strategy>(cases: u32, strategy: S, input: impl Fn(S::Value) -> (&'static SchemaInfo, Value)) -> (u32, u32)
where
    S::Value: std::fmt::Debug,
{
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let counts = std::cell::Cell::new((0, 0));
    let result = runner.run(&strategy, |value| {
        let (schema, document) = input(value);
        let (decoded, rejected) = counts.get();
        match check(schema, &document)? {
            Ok(_) => counts.set((decoded + 1, rejected)),
            Err(_) => counts.set((decoded, rejected + 1)),
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    counts.get()
}

#[test]
fn damaged_examples_are_decoded_or_rejected_cleanly() {
    let strategy = (
        any::<usize>(),
        proptest::collection::vec((any::<usize>(), damage()), 1..4),
    );
    let (decoded, rejected) = run(768, strategy, |(which, damages)| {
        let (schema, document) = &documents()[which % documents().len()];
        let mut document = document.clone();
        for (node, damage) in damages {
            apply(&mut document, node, damage);
        }
        (*schema, document)
    });
    // Most damage is tolerated (optional members, unknown members, open enums); some must be refused.
    assert!(
        decoded > 100 && rejected > 100,
        "decoded {decoded}, rejected {rejected}"
    );
}

#[test]
fn arbitrary_json_is_decoded_or_rejected_cleanly() {
    let (decoded, rejected) = run(768, (any::<usize>(), json_value()), |(which, document)| {
        (&SCHEMAS[which % SCHEMAS.len()], document)
    });
    // Objects of all-optional members accept any object; most schemas refuse random JSON.
    assert!(decoded > 20 && rejected > 300, "decoded {decoded}, rejected {rejected}");
}

/// The spec's request examples, each with its operation and the successful answer of the same key: whole
/// exchanges as the validating proxy and HAR captures see them.
fn exchanges() -> &'static [(&'static Operation, Value, &'static Example)] {
    static EXCHANGES: std::sync::OnceLock<Vec<(&'static Operation, Value, &'static Example)>> =
        std::sync::OnceLock::new();
    EXCHANGES.get_or_init(|| {
        let exchanges: Vec<_> = EXAMPLES
            .iter()
            .filter(|example| example.place == Place::Request && example.media_type == "application/json")
            .filter_map(|request| {
                let operation = *operations::ALL.iter().find(|op| op.id == request.operation)?;
                let answer = EXAMPLES.iter().find(|example| {
                    example.operation == request.operation && example.key == request.key && example.is_success_answer()
                })?;
                let value = serde_json::from_str(request.body).ok()?;
                Some((operation, value, answer))
            })
            .collect();
        assert!(
            exchanges.len() >= 30,
            "only {} request examples with answers",
            exchanges.len()
        );
        exchanges
    })
}

/// An exchange on `operation`'s path checked directly (as the proxy does) and from a capture written with
/// `write_har` (as `conform --har` does): both must give the same report, and the capture must hold the same
/// bodies.
fn check_both_ways(
    operation: &Operation,
    request: &[u8],
    status: u16,
    answer: &Example,
    strict: bool,
) -> Result<ExchangeReport, TestCaseError> {
    let method = operation.method.as_str();
    let path = path_of(operation, "m1");
    let direct = check_exchange(
        method,
        &path,
        "application/json",
        request,
        status,
        answer.media_type,
        answer.body.as_bytes(),
        2.0,
        strict,
    );
    prop_assert_eq!(
        direct.operation.as_deref(),
        Some(operation.id),
        "{} is not routed to its operation",
        path
    );
    let mut exchange = HarExchange::new(method, format!("http://127.0.0.1:1{path}?key=k"), status);
    exchange.time_ms = 2.0;
    exchange.request_type = "application/json".to_owned();
    exchange.request_body =
        String::from_utf8(request.to_vec()).map_err(|error| TestCaseError::fail(error.to_string()))?;
    exchange.response_type = answer.media_type.to_owned();
    exchange.response_body = Some(answer.body.as_bytes().to_vec());
    let capture = write_har("robustness", std::slice::from_ref(&exchange));
    let read = read_har(capture.as_bytes()).map_err(|error| TestCaseError::fail(error.to_string()))?;
    prop_assert_eq!(&read, &vec![exchange]);
    let from_capture = check_har(capture.as_bytes(), strict).map_err(|error| TestCaseError::fail(error.to_string()))?;
    prop_assert_eq!(&from_capture, &vec![direct.clone()]);
    Ok(direct)
}

#[test]
fn damaged_exchanges_check_alike_directly_and_from_a_capture() {
    let strategy = (
        any::<usize>(),
        proptest::collection::vec((any::<usize>(), damage()), 0..3),
        prop::sample::select(vec![200u16, 201, 400, 429, 500]),
        any::<bool>(),
    );
    let config = ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let counts = std::cell::Cell::new((0, 0));
    let result = runner.run(&strategy, |(which, damages, status, strict)| {
        let (operation, document, answer) = &exchanges()[which % exchanges().len()];
        let mut document = document.clone();
        for (node, damage) in damages {
            apply(&mut document, node, damage);
        }
        let request = serde_json::to_vec(&document).map_err(|error| TestCaseError::fail(error.to_string()))?;
        let report = check_both_ways(operation, &request, status, answer, strict)?;
        let (ok, not_ok) = counts.get();
        counts.set(if report.request.ok {
            (ok + 1, not_ok)
        } else {
            (ok, not_ok + 1)
        });
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    // Damage is sometimes tolerated and sometimes refused: both paths are exercised.
    let (ok, not_ok) = counts.get();
    assert!(
        ok > 20 && not_ok > 20,
        "requests conforming {ok}, not conforming {not_ok}"
    );
}

fn har_exchange() -> impl Strategy<Value = HarExchange> {
    let text = || any::<String>();
    let headers = || proptest::collection::vec((text(), text()), 0..3);
    (
        (
            text(),
            text(),
            prop_oneof![proptest::num::f64::ANY, 0.0..1e6f64],
            headers(),
            text(),
            text(),
        ),
        (
            any::<u16>(),
            headers(),
            text(),
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64)),
        ),
    )
        .prop_map(
            |(
                (method, url, time_ms, request_headers, request_type, request_body),
                (status, response_headers, response_type, response_body),
            )| {
                let mut exchange = HarExchange::new(method, url, status);
                exchange.started = "2026-11-30T00:00:00.000Z".to_owned();
                exchange.time_ms = time_ms;
                exchange.request_headers = request_headers;
                exchange.request_type = request_type;
                exchange.request_body = request_body;
                exchange.response_headers = response_headers;
                exchange.response_type = response_type;
                exchange.response_body = response_body;
                exchange
            },
        )
}

#[test]
fn any_exchange_written_to_a_capture_reads_back_the_same() {
    let config = ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(&proptest::collection::vec(har_exchange(), 1..4), |exchanges| {
        let capture = write_har("robustness", &exchanges);
        let read = read_har(capture.as_bytes()).map_err(|error| TestCaseError::fail(format!("{error}\n{capture}")))?;
        // HAR requires a number (other tools refuse `null`); a time that is no number is written as 0.
        let document: Value = serde_json::from_str(&capture).map_err(|error| TestCaseError::fail(error.to_string()))?;
        let entries = document["log"]["entries"].as_array().map_or(&[][..], Vec::as_slice);
        prop_assert_eq!(entries.len(), exchanges.len());
        prop_assert!(entries.iter().all(|entry| entry["time"].is_number()), "{}", capture);
        let expected: Vec<HarExchange> = exchanges
            .into_iter()
            .map(|mut exchange| {
                if !exchange.time_ms.is_finite() {
                    exchange.time_ms = 0.0;
                }
                exchange
            })
            .collect();
        prop_assert_eq!(read, expected);
        // Checking never fails on a capture that reads.
        prop_assert!(check_har(capture.as_bytes(), true).is_ok());
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
