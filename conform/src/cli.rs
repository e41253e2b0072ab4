//! The `conform` command, shared by `cargo xtask conform` and `allmhub conform`.
//!
//! Exit status: 0 when the payload conforms, 1 when it does not (or, with `--strict`, when it has members
//! the spec does not know), 2 for usage errors (unknown schema, unreadable input).

use std::io::{Read, Write};
use std::path::PathBuf;

use crate::{Conformed, DecodeError, check_json, check_sse, find_schema};

/// Arguments of the `conform` command.
#[derive(Debug, Clone, clap::Args)]
pub struct ConformArgs {
    /// The schema: its spec name as the doc spells it (`任务`, `Message«string»`, `ChatCompletionChunk`) or
    /// its Rust name (`MjTask`).
    pub schema: String,
    /// The payload file; `-` or nothing reads standard input.
    pub file: Option<PathBuf>,
    /// The input is a raw Server-Sent Events stream: each event's data is decoded as SCHEMA and printed as
    /// one JSON line.
    #[arg(long)]
    pub sse: bool,
    /// Members the spec does not know are failures, not warnings.
    #[arg(long)]
    pub strict: bool,
}

/// Conforms.
pub const EXIT_OK: u8 = 0;
/// Does not conform.
pub const EXIT_FAILURE: u8 = 1;
/// Usage error.
pub const EXIT_USAGE: u8 = 2;

/// Runs the command; returns the exit status. Decoded values go to `stdout`, findings to `stderr`.
pub fn run(args: &ConformArgs, stdin: &mut dyn Read, stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    match run_inner(args, stdin, stdout, stderr) {
        Ok(code) => code,
        Err(error) => {
            // Output pipes that close early (`| head`) are not the payload's fault.
            let _ = writeln!(stderr, "error: {error}");
            EXIT_USAGE
        }
    }
}

fn run_inner(
    args: &ConformArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> std::io::Result<u8> {
    let schema = match find_schema(&args.schema) {
        Ok(schema) => schema,
        Err(unknown) => {
            writeln!(stderr, "error: {unknown}")?;
            return Ok(EXIT_USAGE);
        }
    };
    let input = match &args.file {
        Some(path) if path.as_os_str() != "-" => match std::fs::read(path) {
            Ok(input) => input,
            Err(error) => {
                writeln!(stderr, "error: cannot read {}: {error}", path.display())?;
                return Ok(EXIT_USAGE);
            }
        },
        _ => {
            let mut input = Vec::new();
            stdin.read_to_end(&mut input)?;
            input
        }
    };

    if !args.sse {
        return report(check_json(schema, &input), "", args.strict, schema.name, stdout, stderr);
    }

    let reports = check_sse(schema, &input);
    if reports.is_empty() {
        writeln!(stderr, "error: the input holds no event with data")?;
        return Ok(EXIT_FAILURE);
    }
    for event in reports {
        let prefix = format!("event {}: ", event.index);
        let code = report(event.outcome, &prefix, args.strict, schema.name, stdout, stderr)?;
        if code != EXIT_OK {
            return Ok(code);
        }
    }
    Ok(EXIT_OK)
}

/// Writes one outcome: the decoded value to `stdout`, unknown members and errors to `stderr`, each line
/// after `prefix` (which names the event of a stream). Returns the exit status it amounts to.
fn report(
    outcome: Result<Conformed, DecodeError>,
    prefix: &str,
    strict: bool,
    schema: &str,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> std::io::Result<u8> {
    match outcome {
        Ok(conformed) => {
            for path in &conformed.unknown_members {
                writeln!(stderr, "{prefix}{path}")?;
            }
            if strict && !conformed.unknown_members.is_empty() {
                writeln!(
                    stderr,
                    "error: {prefix}{} member(s) unknown to schema `{schema}` (--strict)",
                    conformed.unknown_members.len(),
                )?;
                return Ok(EXIT_FAILURE);
            }
            writeln!(stdout, "{}", conformed.value)?;
            Ok(EXIT_OK)
        }
        Err(DecodeError { path, message }) => {
            writeln!(stderr, "error: {prefix}{path}: {message}")?;
            Ok(EXIT_FAILURE)
        }
    }
}
