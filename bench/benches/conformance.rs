//! Conformance throughput: `allmhub_conform::check_json` (the path behind `allmhub conform`, the validating
//! proxy and HAR checks) against the `jsonschema` crate validating the same bytes against the same schemas,
//! as same-run ratios (target ≥ 2×). Both start from the bytes of a payload: `check_json` decodes them with
//! the generated type, reports unknown members and serializes the value back; `jsonschema` parses them into a
//! `serde_json::Value` and validates it, and reports no unknown members (the spec's objects are open).
//! `check_json_findings` (what the proxy and HAR checks use for answers) is shown against the same baseline.
//!
//! The schemas are the spec's `components/schemas` of every family file, gathered into one JSON Schema
//! document under `$defs` (cross-file `$ref`s rewritten to `#/$defs/…`); one validator per schema, built
//! before timing. Payloads: every JSON example of the spec with a schema to check it against, and a
//! synthetic capture of a few MB of chat completion chunks and completions.
//!
//! `cd bench && cargo bench --bench conformance`

use std::collections::BTreeMap;
use std::time::Duration;

use allmhub_bench::{Candidate, compare, format_time, keep, report, root, seed_stream};
use allmhub_conform::catalog::{EXAMPLES, Place};
use allmhub_conform::{check_json, check_json_findings, find_schema};
use allmhub_types::{SchemaInfo, operations};
use serde_json::{Value, json};

const TARGET: f64 = 2.0;

fn main() {
    println!(
        "conformance throughput: the speed ratio is jsonschema's time over allmhub-conform's (higher is better).\n"
    );
    let schemas = JsonSchemas::from_spec();
    let mut met = true;
    met &= spec_examples(&schemas);
    met &= synthetic_capture(&schemas);
    println!(
        "\n{}",
        if met {
            "every target met"
        } else {
            "some targets NOT met (see above)"
        }
    );
}

/// The spec's schemas as one JSON Schema (2020-12) document, and a validator per schema on demand.
struct JsonSchemas {
    defs: serde_json::Map<String, Value>,
}

impl JsonSchemas {
    fn from_spec() -> JsonSchemas {
        let mut defs = serde_json::Map::new();
        let entries = std::fs::read_dir(root().join("spec")).expect("the spec directory");
        let mut files: Vec<_> = entries.filter_map(Result::ok).map(|entry| entry.path()).collect();
        files.sort();
        for path in files {
            // `openapi.yaml` only `$ref`s the family files' schemas.
            if path.extension().is_none_or(|ext| ext != "yaml") || path.ends_with("openapi.yaml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("readable");
            let doc: serde_norway::Value = serde_norway::from_str(&text).expect("YAML");
            let doc: Value = serde_json::to_value(&doc).expect("JSON-compatible");
            let Some(schemas) = doc.pointer("/components/schemas").and_then(Value::as_object) else {
                continue;
            };
            for (name, schema) in schemas {
                let mut schema = schema.clone();
                rewrite_refs(&mut schema);
                let previous = defs.insert(name.clone(), schema);
                assert!(previous.is_none(), "schema `{name}` is defined twice");
            }
        }
        JsonSchemas { defs }
    }

    fn validator(&self, name: &str) -> jsonschema::Validator {
        let document = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": def_ref(name),
            "$defs": self.defs,
        });
        jsonschema::draft202012::new(&document).unwrap_or_else(|error| panic!("schema `{name}`: {error}"))
    }
}

/// The URI reference of a schema under `$defs`: a JSON pointer in the fragment, with the bytes of names
/// outside ASCII letters and digits (`任务`) percent-encoded, as URIs require.
fn def_ref(name: &str) -> String {
    let mut encoded = String::from("#/$defs/");
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// `common.yaml#/components/schemas/X` and `#/components/schemas/X` → `#/$defs/X`.
fn rewrite_refs(value: &mut Value) {
    match value {
        Value::Object(members) => {
            for (key, member) in members.iter_mut() {
                if key == "$ref"
                    && let Value::String(target) = member
                    && let Some((_, name)) = target.split_once("#/components/schemas/")
                {
                    *target = def_ref(name);
                } else {
                    rewrite_refs(member);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// One payload and what checks it.
struct Payload {
    schema: &'static SchemaInfo,
    validator: usize,
    /// Decodes the payload into its generated type and nothing more: the floor below any check built on the
    /// types' serde decoders.
    decode: fn(&[u8]) -> bool,
    bytes: Vec<u8>,
}

/// Finds the plain typed decoder of a schema.
struct PlainDecoder;

impl allmhub_types::SchemaVisitor for PlainDecoder {
    type Output = fn(&[u8]) -> bool;

    fn visit<T>(self, _: &'static SchemaInfo) -> Self::Output
    where
        T: serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug + 'static,
    {
        |bytes| {
            let decoded = allmhub_types::json_path::decode::<T>(bytes);
            let ok = decoded.is_ok();
            keep(decoded);
            ok
        }
    }
}

/// Payloads with the validators they need (one per schema, shared).
struct Workload {
    payloads: Vec<Payload>,
    validators: Vec<jsonschema::Validator>,
}

impl Workload {
    fn new(schemas: &JsonSchemas, items: impl IntoIterator<Item = (&'static str, Vec<u8>)>) -> (Workload, Vec<String>) {
        let mut index: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut validators = Vec::new();
        let mut payloads = Vec::new();
        let mut disagreements = Vec::new();
        for (name, bytes) in items {
            let schema = find_schema(name).expect("a spec schema");
            let validator = *index.entry(schema.name).or_insert_with(|| {
                validators.push(schemas.validator(schema.name));
                validators.len() - 1
            });
            let ours = check_json(schema, &bytes).is_ok();
            let value: Value = serde_json::from_slice(&bytes).expect("JSON");
            let theirs = validators[validator].is_valid(&value);
            if ours && theirs {
                let decode = allmhub_types::visit_schema(schema.name, PlainDecoder).expect("a generated type");
                assert!(decode(&bytes), "{name}: the type decodes what check_json accepts");
                payloads.push(Payload {
                    schema,
                    validator,
                    decode,
                    bytes,
                });
            } else {
                // Timed only where both accept the payload, so both do the whole work.
                disagreements.push(format!(
                    "{name}: check_json {}, jsonschema {}",
                    if ours { "accepts" } else { "rejects" },
                    if theirs { "accepts" } else { "rejects" }
                ));
            }
        }
        (Workload { payloads, validators }, disagreements)
    }

    fn bytes(&self) -> usize {
        self.payloads.iter().map(|payload| payload.bytes.len()).sum()
    }

    fn run(&self, title: &str, rounds: usize, budget: Duration) -> bool {
        let results = compare(
            &mut [
                Candidate::new("check_json", || {
                    for payload in &self.payloads {
                        keep(check_json(payload.schema, &payload.bytes).expect("conforms"));
                    }
                }),
                Candidate::new("jsonschema", || {
                    for payload in &self.payloads {
                        let value: Value = serde_json::from_slice(&payload.bytes).expect("JSON");
                        keep(self.validators[payload.validator].validate(&value).is_ok());
                    }
                }),
                Candidate::new("check_json_findings", || {
                    for payload in &self.payloads {
                        keep(check_json_findings(payload.schema, &payload.bytes).expect("conforms"));
                    }
                }),
                Candidate::new("typed decoding alone", || {
                    for payload in &self.payloads {
                        keep((payload.decode)(&payload.bytes));
                    }
                }),
            ],
            rounds,
            budget,
        );
        let rate = |time: Duration| self.bytes() as f64 / time.as_secs_f64() / 1e6;
        let met = report(title, &results[..2], &[Some(TARGET)]);
        report(
            "  findings only (proxy, HAR answers)",
            &[results[2], results[1]],
            &[Some(TARGET)],
        );
        // The floor: decoding into the types with nothing reported. No check that reports through the types'
        // serde decoders can be faster than this.
        report(
            "  floor: typed decoding alone (nothing reported)",
            &[results[3], results[1]],
            &[None],
        );
        println!(
            "  throughput: check_json {:.1} MB/s, check_json_findings {:.1} MB/s, jsonschema {:.1} MB/s ({} per pass)",
            rate(results[0].1),
            rate(results[2].1),
            rate(results[1].1),
            format_time(results[0].1),
        );
        met
    }
}

/// The schema an example's body is checked against: the operation's JSON request body, or its JSON answer
/// (success or error envelope). `None` for arrays, forms, streams and parameters.
fn example_schema(operation: &str, place: Place, media_type: &str) -> Option<&'static str> {
    if media_type != "application/json" {
        return None;
    }
    let operation = operations::ALL.iter().find(|candidate| candidate.id == operation)?;
    match place {
        Place::Request => operation
            .request
            .iter()
            .find(|request| request.content_type == media_type && !request.array)
            .and_then(|request| request.schema),
        Place::Response(status) if status.starts_with('2') => (!operation.response.json_array)
            .then_some(operation.response.json)
            .flatten(),
        Place::Response(status) => {
            let status = status.replace("XX", "00").parse().ok()?;
            allmhub_conform::catalog::error_schemas(operation.id, status)
                .first()
                .copied()
        }
        Place::Parameter(_) => None,
    }
}

fn spec_examples(schemas: &JsonSchemas) -> bool {
    let items = EXAMPLES.iter().filter_map(|example| {
        example_schema(example.operation, example.place, example.media_type)
            .map(|schema| (schema, example.body.as_bytes().to_vec()))
    });
    let (workload, disagreements) = Workload::new(schemas, items);
    println!(
        "spec examples: {} JSON payloads ({} KB) against {} schemas",
        workload.payloads.len(),
        workload.bytes() / 1000,
        workload.validators.len()
    );
    for disagreement in &disagreements {
        println!("  not timed: {disagreement}");
    }
    workload.run("every JSON example of the spec", 15, Duration::from_millis(60))
}

/// A capture of chat traffic: completion chunks (one document each, as a stream's events are checked) and
/// completions, about 6 MB in all, with varied text so that no two payloads are the same.
fn synthetic_capture(schemas: &JsonSchemas) -> bool {
    let chunks: Vec<Value> = seed_stream()
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .filter(|data| data.starts_with('{'))
        .map(|data| serde_json::from_str(data).expect("a chunk"))
        .collect();
    let completions: Vec<Value> = EXAMPLES
        .iter()
        .filter(|example| {
            example.operation == "create_chat_completion"
                && example.place == Place::Response("200")
                && example.media_type == "application/json"
        })
        .map(|example| serde_json::from_str(example.body).expect("a completion"))
        .collect();
    let words = [
        "alpha ", "beta ", "gamma ", "delta ", "epsilon ", "zeta ", "eta ", "theta ",
    ];
    let mut items: Vec<(&'static str, Vec<u8>)> = Vec::new();
    let mut total = 0;
    let mut serial = 0usize;
    while total < 6_000_000 {
        serial += 1;
        let text: String = (0..serial % 23 + 1)
            .map(|i| words[(serial + i) % words.len()])
            .collect();
        let (schema, mut value) = if serial.is_multiple_of(8) {
            (
                "ChatCompletionResponse",
                completions[serial % completions.len()].clone(),
            )
        } else {
            ("ChatCompletionChunk", chunks[serial % chunks.len()].clone())
        };
        value["id"] = json!(format!("chatcmpl-{serial:08}"));
        vary_text(&mut value, &text);
        let bytes = serde_json::to_vec(&value).expect("serializes");
        total += bytes.len();
        items.push((schema, bytes));
    }
    let schema_of = |rust_or_spec: &str| find_schema(rust_or_spec).expect("a spec schema").name;
    let items: Vec<(&'static str, Vec<u8>)> = items
        .into_iter()
        .map(|(name, bytes)| (schema_of(name), bytes))
        .collect();
    let count = items.len();
    let (workload, disagreements) = Workload::new(schemas, items);
    println!(
        "\nsynthetic capture: {} chat chunks and completions ({:.1} MB), {} not timed",
        count,
        total as f64 / 1e6,
        disagreements.len()
    );
    for disagreement in disagreements.iter().take(3) {
        println!("  not timed: {disagreement}");
    }
    workload.run("chat chunks and completions", 5, Duration::from_millis(400))
}

/// Replaces every non-empty `content` string with `text`.
fn vary_text(value: &mut Value, text: &str) {
    match value {
        Value::Object(members) => {
            for (key, member) in members.iter_mut() {
                if key == "content" && member.as_str().is_some_and(|content| !content.is_empty()) {
                    *member = json!(text);
                } else {
                    vary_text(member, text);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| vary_text(item, text)),
        _ => {}
    }
}
