//! Every example of the spec decodes into its generated type, uses only members the spec knows, and
//! re-serializes to the same JSON modulo the normalizations of `allmhub_tests::normalize` — request and
//! response bodies, every event of every stream example (the seed's 22-event stream among them) and
//! multipart forms.
//!
//! Each example's insta snapshot is its typed view (`allmhub_tests::typed_view`): which Rust type, which
//! enum variant, which `Unknown` catch-all and which members decoded to `None`. The JSON is the spec's
//! own; the snapshot records how the generated code reads it, so a generator change that alters how an
//! example decodes shows up as a reviewable diff.

use allmhub_conform::{Conformed, check_json, check_json_array, find_schema};
use allmhub_tests::normalize::{alias_table, normalize};
use allmhub_tests::typed_view::typed_view;
use allmhub_tests::{Example, examples, sse_data};
use allmhub_types::{SchemaInfo, SchemaVisitor, visit_schema};
use serde_json::Value;

/// The component names an example body may be decoded as: its schema, or each alternative of an
/// `anyOf`/`oneOf` of components (error responses).
fn candidates(example: &Example) -> Vec<(String, bool)> {
    if let Some(named) = example.schema_name() {
        return vec![named];
    }
    let Some(schema) = &example.schema else {
        return Vec::new();
    };
    ["anyOf", "oneOf"]
        .iter()
        .filter_map(|key| schema.get(*key).and_then(Value::as_array))
        .flatten()
        .filter_map(|alternative| alternative.get("$ref").and_then(Value::as_str))
        .filter_map(|target| target.strip_prefix("#/components/schemas/"))
        .map(|name| (name.to_owned(), false))
        .collect()
}

/// Decodes `value` as the component `name` (or an array of it).
fn decode(name: &str, array: bool, value: &Value) -> Result<Conformed, String> {
    let schema = find_schema(name).map_err(|error| error.to_string())?;
    let text = value.to_string();
    let outcome = if array {
        check_json_array(schema, text.as_bytes())
    } else {
        check_json(schema, text.as_bytes())
    };
    outcome.map_err(|error| error.to_string())
}

/// Decodes and checks one JSON value; returns the component it decoded as.
fn round_trip<'a>(
    label: &str,
    names: &'a [(String, bool)],
    original: &Value,
    problems: &mut Vec<String>,
) -> Option<&'a (String, bool)> {
    let aliases = alias_table();
    let mut failures = Vec::new();
    for candidate @ (name, array) in names {
        match decode(name, *array, original) {
            Ok(conformed) if !conformed.unknown_members.is_empty() => failures.push(format!(
                "as `{name}`: members unknown to the spec: {}",
                conformed.unknown_members.join(", ")
            )),
            Ok(conformed) if !conformed.unknown_values.is_empty() => failures.push(format!(
                "as `{name}`: values the spec does not list: {}",
                conformed
                    .unknown_values
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Ok(conformed) => {
                if normalize(&conformed.value, &aliases) == normalize(original, &aliases) {
                    return Some(candidate);
                }
                failures.push(format!(
                    "as `{name}`: does not round-trip\n      original: {}\n      decoded:  {}",
                    normalize(original, &aliases),
                    normalize(&conformed.value, &aliases)
                ));
            }
            Err(error) => failures.push(format!("as `{name}`: {error}")),
        }
    }
    problems.push(format!("{label}: {}", failures.join("; ")));
    None
}

/// Renders a JSON document decoded with the type of the schema it is visited with.
struct TypedView<'a> {
    json: &'a Value,
}

impl SchemaVisitor for TypedView<'_> {
    type Output = Result<String, String>;

    fn visit<T>(self, schema: &'static SchemaInfo) -> Self::Output
    where
        T: serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug + 'static,
    {
        // Decoded from text, as `check_json` decodes it (a `Value` deserializer may differ on numbers).
        let value: T = serde_json::from_str(&self.json.to_string()).map_err(|error| error.to_string())?;
        typed_view(schema.rust_name, &value, self.json).map_err(|error| error.to_string())
    }
}

/// The typed view of `value` decoded as the component `name` (or an array of it).
fn view(name: &str, array: bool, value: &Value) -> Result<String, String> {
    let schema = find_schema(name).map_err(|error| error.to_string())?;
    let one = |json: &Value| {
        visit_schema(schema.rust_name, TypedView { json })
            .unwrap_or_else(|| Err(format!("`{name}` is not in the schema registry")))
    };
    if !array {
        return one(value);
    }
    let mut out = String::from("[\n");
    for item in value.as_array().ok_or("expected an array")? {
        for line in one(item)?.lines() {
            out.push_str(&format!("    {line}\n"));
        }
        out.insert(out.len() - 1, ',');
    }
    out.push(']');
    Ok(out)
}

fn snapshot_name(label: &str) -> String {
    label.replace('/', "__")
}

#[test]
fn every_example_round_trips_through_its_generated_type() {
    let mut problems = Vec::new();
    let mut changed_views = Vec::new();
    let mut snapshots = std::collections::BTreeSet::new();
    let mut decoded = 0;
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots/examples");
    settings.set_omit_expression(true);

    for example in examples() {
        let label = example.label();
        let mut views = Vec::new();
        if let Some(event) = &example.stream_event {
            let Some(text) = example.value.as_str() else {
                problems.push(format!("{label}: a stream example must be text"));
                continue;
            };
            let names = [(event.clone(), false)];
            for (index, data) in sse_data(text).iter().enumerate() {
                if data == "[DONE]" {
                    views.push(data.clone());
                    continue;
                }
                let original: Value = match serde_json::from_str(data) {
                    Ok(value) => value,
                    Err(error) => {
                        problems.push(format!("{label} event {index}: not JSON: {error}"));
                        continue;
                    }
                };
                let label = format!("{label} event {index}");
                if round_trip(&label, &names, &original, &mut problems).is_some() {
                    decoded += 1;
                    match view(event, false, &original) {
                        Ok(view) => views.push(format!("event {index}: {view}")),
                        Err(error) => problems.push(format!("{label}: no typed view: {error}")),
                    }
                }
            }
        } else {
            if example.media_type.is_empty() || example.media_type.starts_with("text/plain") {
                continue; // parameter values and plain text: strings, nothing to decode
            }
            let names = candidates(&example);
            if names.is_empty() {
                problems.push(format!("{label}: no component schema to decode into"));
                continue;
            }
            let Some((name, array)) = round_trip(&label, &names, &example.value, &mut problems) else {
                continue;
            };
            decoded += 1;
            match view(name, *array, &example.value) {
                Ok(view) => views.push(view),
                Err(error) => problems.push(format!("{label}: no typed view: {error}")),
            }
        }
        settings.set_description(format!("{} — {}", example.summary, example.media_type));
        // Every changed view is reported (and written as `.snap.new` outside CI), not only the first.
        let compared = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_snapshot!(snapshot_name(&label), views.join("\n")));
        }));
        if compared.is_err() {
            changed_views.push(label.clone());
        }
        snapshots.insert(format!("{}.snap", snapshot_name(&label)));
    }
    assert!(decoded > 100, "only {decoded} example values decoded");
    assert!(
        problems.is_empty(),
        "{} examples fail:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
    assert!(
        changed_views.is_empty(),
        "{} typed views differ from their snapshots (review each `.snap.new`, e.g. with `cargo insta review`):\n  {}",
        changed_views.len(),
        changed_views.join("\n  ")
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/examples");
    let orphans: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".snap") && !snapshots.contains(name))
        .collect();
    assert!(
        orphans.is_empty(),
        "snapshots of examples the spec no longer has (delete them):\n  {}",
        orphans.join("\n  ")
    );
}

#[test]
fn the_seed_stream_decodes_into_22_chunks_with_its_progress_log() {
    let example = examples()
        .into_iter()
        .find(|example| {
            example.doc_page.as_deref() == Some("图像模型(Images)/Nano Banana/Chat格式/Banana图生图")
                && example.stream_event.is_some()
        })
        .expect("the seed's stream example");
    let data = sse_data(example.value.as_str().expect("raw stream"));
    assert_eq!(data.len(), 22);
    assert_eq!(data.last().map(String::as_str), Some("[DONE]"));
    let chunks: Vec<allmhub_types::ChatCompletionChunk> = data[..21]
        .iter()
        .map(|data| serde_json::from_str(data).expect("a chunk"))
        .collect();
    let text: String = chunks
        .iter()
        .flat_map(|chunk| &chunk.choices)
        .filter_map(|choice| choice.delta.content.as_deref())
        .collect();
    assert!(text.contains("> 🏃 进度:9.0%"));
    assert!(text.contains(
        "(https://midjourney-plus.oss-us-west-1.aliyuncs.com/sora/e987e9c4-d6f3-4858-a7db-fb2e92e80c4f.mp4)"
    ));
    let last = chunks.last().expect("a last chunk");
    assert_eq!(last.choices[0].finish_reason, Some(allmhub_types::FinishReason::Stop));
    let usage = last.usage.as_ref().expect("usage on the last chunk");
    assert_eq!(
        (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens),
        (Some(450), Some(490), Some(940))
    );
    assert!(
        chunks[..20].iter().all(|chunk| chunk.usage.is_none()),
        "usage is null until the last chunk"
    );
}
