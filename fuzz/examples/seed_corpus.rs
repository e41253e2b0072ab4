//! Writes the seed corpora of the fuzz targets from the spec's examples: `decode` gets every JSON example body
//! prefixed with its schema's index in `SCHEMAS` (two bytes, little-endian), `sse` every streamed answer,
//! `progress` the text those answers stream.
//!
//! `cargo run --manifest-path fuzz/Cargo.toml --example seed_corpus`

use std::path::Path;

use allmhub_tests::{examples, workspace_root};
use allmhub_types::{ChatCompletionChunk, SCHEMAS};
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

fn main() -> std::io::Result<()> {
    let corpus = workspace_root().join("fuzz/corpus");
    let (mut decode, mut sse, mut progress) = (0, 0, 0);
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
        "seed corpus in {}: decode {decode}, sse {sse}, progress {progress}",
        corpus.display()
    );
    Ok(())
}
