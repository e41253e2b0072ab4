//! `conform --har`: every entry of a capture matched to its operation and checked (JSON, SSE event by event,
//! forms kept as fields, base64 bodies, error answers); exit 0 when all conform, 1 when any does not, 2 for
//! a file that cannot be read or is no HAR capture. Fixtures in `tests/data/` are built from the spec's
//! examples, with placeholder credentials.

use std::path::PathBuf;

use allmhub_conform::cli::{ConformArgs, run};
use serde_json::Value;

struct Outcome {
    code: u8,
    stdout: String,
    stderr: String,
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn har(path: PathBuf, strict: bool, json: bool) -> Outcome {
    let args = ConformArgs {
        schema: None,
        file: None,
        sse: false,
        har: Some(path),
        json,
        strict,
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = run(&args, &mut std::io::empty(), &mut stdout, &mut stderr);
    Outcome {
        code,
        stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
    }
}

#[test]
fn a_conforming_capture_exits_0_with_a_table_per_operation() {
    let out = har(data("conforming.har"), false, false);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    for operation in [
        "create_chat_completion",
        "create_claude_message",
        "create_transcription",
        "gemini_generate_content",
        "mj_fetch_task",
        "list_models",
        "(no operation)",
    ] {
        assert!(out.stdout.contains(operation), "{operation} in\n{}", out.stdout);
    }
    assert_eq!(out.stderr, "");
}

#[test]
fn json_lines_report_each_entry_in_the_proxy_format() {
    let out = har(data("conforming.har"), false, true);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let lines: Vec<Value> = out
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 8);
    let stream = &lines[1];
    assert_eq!(stream["operation"], "create_chat_completion");
    assert_eq!(stream["response"]["events"], 4, "each event checked: {stream}");
    let claude = &lines[2];
    assert!(
        claude["response"]["events"].as_u64().is_some_and(|events| events >= 5),
        "{claude}"
    );
    let form = &lines[3];
    assert_eq!(form["operation"], "create_transcription");
    assert_eq!(form["request"]["ok"], true, "form fields decoded: {form}");
    let base64 = &lines[4];
    assert_eq!(base64["response"]["ok"], true, "base64 body decoded: {base64}");
    let error = &lines[6];
    assert_eq!(error["status"], 401);
    assert_eq!(
        error["response"]["ok"], true,
        "an error envelope of the spec conforms: {error}"
    );
    let favicon = &lines[7];
    assert_eq!(favicon["operation"], Value::Null);
    assert_eq!(favicon["path"], "/favicon.ico");
}

#[test]
fn requests_of_no_operation_fail_only_under_strict() {
    let out = har(data("conforming.har"), true, false);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("GET /favicon.ico (no operation of the spec)"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_drifted_capture_exits_1_naming_each_json_path() {
    let out = har(data("drifted.har"), false, false);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("entry 0: POST /v1/chat/completions"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("answer $.created"), "{}", out.stderr);
    assert!(
        out.stderr.contains("entry 2:") && out.stderr.contains("request $.temperature"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains("$.brand_new_member"),
        "unknown members in the table: {}",
        out.stdout
    );
    assert!(
        out.stdout.contains(r#"; $.choices[0].finish_reason = "paused""#),
        "unknown values in the table: {}",
        out.stdout
    );

    let json = har(data("drifted.har"), false, true);
    assert_eq!(json.code, 1);
    let first: Value = serde_json::from_str(json.stdout.lines().next().expect("a line")).expect("JSON");
    assert_eq!(first["response"]["errors"][0]["path"], "$.created");
    let stream: Value = serde_json::from_str(json.stdout.lines().nth(1).expect("a line")).expect("JSON");
    assert_eq!(stream["response"]["unknown"][0], "$.brand_new_member");
    assert_eq!(
        stream["response"]["unknown_values"],
        serde_json::json!([{"path": "$.choices[0].finish_reason", "value": "paused"}])
    );
    assert_eq!(
        stream["response"]["ok"], true,
        "unknown members and values are warnings without --strict"
    );
    assert_eq!(har(data("drifted.har"), true, true).code, 1);
}

#[test]
fn unreadable_files_and_non_captures_exit_2_with_the_reason() {
    let out = har(data("no-such-file.har"), false, false);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("cannot read") && out.stderr.contains("no-such-file.har"),
        "{}",
        out.stderr
    );
    let out = har(data("not-a-capture.har"), false, false);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not a HAR capture"), "{}", out.stderr);
}

#[test]
fn captures_hold_no_credentials() {
    for name in ["conforming.har", "drifted.har"] {
        let text = std::fs::read_to_string(data(name)).expect("a fixture");
        assert!(!text.contains("sk-"), "{name} holds what looks like a key");
    }
}
