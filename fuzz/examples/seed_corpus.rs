//! Writes the seed corpora of the fuzz targets from the spec's examples: `decode` gets every JSON example body
//! prefixed with its schema's index in `SCHEMAS` (two bytes, little-endian), `exchange` every request example
//! with the successful answer of the same key, `sse` every streamed answer, `progress` the text those answers
//! stream.
//!
//! `cargo run --manifest-path fuzz/Cargo.toml --example seed_corpus`

use std::path::Path;

use allmhub_conform::catalog::{EXAMPLES, Place};
use allmhub_tests::{examples, workspace_root};
use allmhub_types::{ChatCompletionChunk, SCHEMAS, operations};
use serde_json::Value;

fn write(dir: &Path, label: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(label.replace('/', "__")), bytes)
}

/// The text of `choices[].delta.content` over every chunk of a streamed chat answer.
fn streamed_text(sse: &str) -> String {
    allmhub_tests::sse_data(sse)
        .iter()
        .filter_map(|data| serde_json::from_str::<ChatCompletionChunk>(data).ok())
        .flat_map(|chunk| chunk.choices)
        .filter_map(|choice| choice.delta.content)
        .collect()
}

/// The index of a media type in the `exchange` target's list (JSON where it has no other).
fn media_type_index(media_type: &str) -> u8 {
    match media_type {
        "text/event-stream" => 2,
        "multipart/form-data" => 3,
        "audio/mpeg" => 4,
        "text/plain" => 5,
        _ => 0,
    }
}

/// The `exchange` target's input: each request example with the successful answer of the same key.
fn exchanges(corpus: &Path) -> std::io::Result<usize> {
    let mut written = 0;
    for request in EXAMPLES.iter().filter(|example| example.place == Place::Request) {
        let Some(pick) = operations::ALL.iter().position(|op| op.id == request.operation) else {
            continue;
        };
        let Some(answer) = EXAMPLES.iter().find(|example| {
            example.operation == request.operation && example.key == request.key && example.is_success_answer()
        }) else {
            continue;
        };
        let (Ok(pick), Ok(split)) = (u8::try_from(pick), u16::try_from(request.body.len())) else {
            continue;
        };
        let types = media_type_index(request.media_type) | media_type_index(answer.media_type) << 3;
        let header = [[pick, 0, types].as_slice(), &split.to_le_bytes()].concat();
        let input = [header.as_slice(), request.body.as_bytes(), answer.body.as_bytes()].concat();
        write(
            &corpus.join("exchange"),
            &format!("{}-{}", request.operation, request.key),
            &input,
        )?;
        written += 1;
    }
    Ok(written)
}

fn main() -> std::io::Result<()> {
    let corpus = workspace_root().join("fuzz/corpus");
    let (mut decode, mut sse, mut progress) = (0, 0, 0);
    let exchange = exchanges(&corpus)?;
    for example in examples() {
        let label = example.label();
        if let Value::String(text) = &example.value
            && example.stream_event.is_some()
        {
            // The piece size byte: 7-byte pieces.
            write(&corpus.join("sse"), &label, &[[6].as_slice(), text.as_bytes()].concat())?;
            sse += 1;
            let content = streamed_text(text);
            if !content.is_empty() {
                write(
                    &corpus.join("progress"),
                    &label,
                    &[[3].as_slice(), content.as_bytes()].concat(),
                )?;
                progress += 1;
            }
            continue;
        }
        let Some((name, false)) = example.schema_name() else {
            continue;
        };
        let Some(index) = SCHEMAS.iter().position(|schema| schema.name == name) else {
            continue;
        };
        let Ok(selector) = u16::try_from(index) else {
            continue;
        };
        let body = serde_json::to_vec(&example.value).map_err(std::io::Error::other)?;
        write(
            &corpus.join("decode"),
            &label,
            &[selector.to_le_bytes().as_slice(), &body].concat(),
        )?;
        decode += 1;
    }
    println!(
        "seed corpus in {}: decode {decode}, exchange {exchange}, sse {sse}, progress {progress}",
        corpus.display()
    );
    Ok(())
}
