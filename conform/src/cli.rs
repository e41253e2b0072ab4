//! The `conform` command, shared by `cargo xtask conform` and `allmhub conform`: one payload against a
//! schema (`conform SCHEMA [FILE]`), or every exchange of a HAR capture (`conform --har FILE`).
//!
//! Exit status: 0 when everything conforms, 1 when something does not (or, with `--strict`, when it has
//! members or values the spec does not know), 2 for usage errors (unknown schema, unreadable input).

use std::io::{Read, Write};
use std::path::PathBuf;

use crate::{Conformed, DecodeError, check_json, check_sse, find_schema};

/// Arguments of the `conform` command.
#[derive(Debug, Clone, clap::Args)]
pub struct ConformArgs {
    /// The schema: its spec name as the doc spells it (`任务`, `Message«string»`, `ChatCompletionChunk`) or
    /// its Rust name (`MjTask`).
    #[arg(required_unless_present = "har")]
    pub schema: Option<String>,
    /// The payload file; `-` or nothing reads standard input.
    pub file: Option<PathBuf>,
    /// The input is a raw Server-Sent Events stream: each event's data is decoded as SCHEMA and printed as
    /// one JSON line.
    #[arg(long, conflicts_with = "har")]
    pub sse: bool,
    /// Check every entry of a HAR capture (browser devtools, mitmproxy, Charles): each request and answer
    /// against its operation; a table per operation, or with `--json` one report line per entry.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["schema", "file"])]
    pub har: Option<PathBuf>,
    /// With `--har`: one JSON object per entry (`operation`, `method`, `path`, `status`, `ms`, `request`,
    /// `response`) instead of the table.
    #[arg(long, requires = "har")]
    pub json: bool,
    /// Members and values (an open enum's value, a union's tag) the spec does not know are failures, not
    /// warnings (with `--har`, so are requests that match no operation).
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
    if let Some(path) = &args.har {
        return run_har(path, args.strict, args.json, stdout, stderr);
    }
    let Some(name) = &args.schema else {
        writeln!(stderr, "error: name a SCHEMA, or a capture with --har FILE")?;
        return Ok(EXIT_USAGE);
    };
    let schema = match find_schema(name) {
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

fn run_har(
    path: &std::path::Path,
    strict: bool,
    json: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> std::io::Result<u8> {
    let input = match std::fs::read(path) {
        Ok(input) => input,
        Err(error) => {
            writeln!(stderr, "error: cannot read {}: {error}", path.display())?;
            return Ok(EXIT_USAGE);
        }
    };
    let reports = match crate::har::check_har(&input, strict) {
        Ok(reports) => reports,
        Err(error) => {
            writeln!(stderr, "error: {}: {error}", path.display())?;
            return Ok(EXIT_USAGE);
        }
    };
    let mut summary = crate::Summary::default();
    let mut failed = false;
    for (index, report) in reports.iter().enumerate() {
        summary.add(report);
        let conforms = match &report.operation {
            Some(_) => report.request.ok && report.response.ok,
            None => !strict,
        };
        failed |= !conforms;
        if json {
            writeln!(stdout, "{}", report.to_json_line())?;
        } else if !conforms {
            let what = report.operation.as_deref().unwrap_or("no operation of the spec");
            let reason = report
                .request
                .first_error()
                .map(|error| format!("request {error}"))
                .or_else(|| report.response.first_error().map(|error| format!("answer {error}")))
                .or_else(|| (!report.response.validated).then(|| report.response.note.clone().unwrap_or_default()))
                .unwrap_or_else(|| "unknown members or values (--strict)".to_owned());
            writeln!(
                stderr,
                "entry {index}: {} {} ({what}): {reason}",
                report.method, report.path
            )?;
        }
    }
    if !json {
        if summary.is_empty() {
            writeln!(stdout, "the capture holds no entries")?;
        } else {
            write!(stdout, "{}", summary.table())?;
        }
    }
    Ok(if failed { EXIT_FAILURE } else { EXIT_OK })
}

/// Writes one outcome: the decoded value to `stdout`; unknown members, unknown values and errors to
/// `stderr`, each line after `prefix` (which names the event of a stream). Returns the exit status it amounts to.
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
            for value in &conformed.unknown_values {
                writeln!(stderr, "{prefix}{value} (a value the spec does not list)")?;
            }
            if strict && !conformed.is_exact() {
                let counts = [
                    (conformed.unknown_members.len(), "member(s)"),
                    (conformed.unknown_values.len(), "value(s)"),
                ];
                let what: Vec<String> = counts
                    .iter()
                    .filter(|(count, _)| *count > 0)
                    .map(|(count, what)| format!("{count} {what}"))
                    .collect();
                writeln!(
                    stderr,
                    "error: {prefix}{} unknown to schema `{schema}` (--strict)",
                    what.join(" and ")
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
