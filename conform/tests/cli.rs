//! The `conform` contract: exit 0 and the re-serialized JSON on success, one JSON path per unknown member
//! on stderr, `--strict` failing on them, exit 1 naming the JSON path (and event index) of a decoding
//! failure, exit 2 for usage errors with the nearest schema names.

use std::path::PathBuf;
use std::process::Command;

use allmhub_conform::cli::{ConformArgs, run};

struct Outcome {
    code: u8,
    stdout: String,
    stderr: String,
}

fn conform(schema: &str, input: &str, sse: bool, strict: bool) -> Outcome {
    let args = ConformArgs {
        schema: Some(schema.to_owned()),
        file: None,
        sse,
        har: None,
        json: false,
        strict,
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = run(&args, &mut input.as_bytes(), &mut stdout, &mut stderr);
    Outcome {
        code,
        stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
    }
}

fn seed_stream() -> String {
    // The doc's one fully documented page, kept in the repository (`spec/doc/README.md`).
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/doc/banana-image-to-image.txt");
    let seed = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    seed.lines()
        .filter(|line| line.starts_with("data: "))
        .map(|line| format!("{line}\n\n"))
        .collect()
}

#[test]
fn the_seed_stream_conforms_to_chat_completion_chunk() {
    let out = conform("ChatCompletionChunk", &seed_stream(), true, true);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON value per line"))
        .collect();
    assert_eq!(lines.len(), 21, "21 chunks; [DONE] is not an event to decode");
    assert_eq!(lines[3]["choices"][0]["delta"]["content"], "> 🏃 进度:9.0%\n\n");
    assert_eq!(lines[20]["usage"]["total_tokens"], 940);
    assert_eq!(out.stderr, "", "every member of the seed is in the spec");
}

#[test]
fn chinese_and_rust_names_both_find_the_schema() {
    let task = r#"{"id":14001934816969359,"action":"IMAGINE","status":"SUCCESS","progress":"100%"}"#;
    for name in ["任务", "MjTask"] {
        let out = conform(name, task, false, false);
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        let value: serde_json::Value = serde_json::from_str(out.stdout.trim()).expect("JSON on stdout");
        assert_eq!(value["id"].to_string(), "14001934816969359", "the id keeps every digit");
    }
}

#[test]
fn unknown_members_are_reported_as_json_paths_and_fail_with_strict() {
    let chunk = r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi","sparkle":true}}],"gateway_extra":1}"#;
    let out = conform("ChatCompletionChunk", chunk, false, false);
    assert_eq!(out.code, 0);
    let mut reported: Vec<&str> = out.stderr.lines().collect();
    reported.sort();
    assert_eq!(reported, ["$.choices[0].delta.sparkle", "$.gateway_extra"]);

    let strict = conform("ChatCompletionChunk", chunk, false, true);
    assert_eq!(strict.code, 1);
    assert!(strict.stdout.is_empty());
    assert!(strict.stderr.contains("2 member(s) unknown"), "{}", strict.stderr);
}

#[test]
fn values_the_spec_does_not_list_are_reported_and_fail_with_strict() {
    let chunk = r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"paused"}],"extra":1}"#;
    let out = conform("ChatCompletionChunk", chunk, false, false);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let reported: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        reported,
        [
            "$.extra",
            "$.choices[0].finish_reason = \"paused\" (a value the spec does not list)"
        ]
    );

    let strict = conform("ChatCompletionChunk", chunk, false, true);
    assert_eq!(strict.code, 1);
    assert!(
        strict.stderr.contains("1 member(s) and 1 value(s) unknown to schema"),
        "{}",
        strict.stderr
    );
}

#[test]
fn a_decoding_failure_names_the_json_path() {
    let chunk = r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":"zero","delta":{}}]}"#;
    let out = conform("ChatCompletionChunk", chunk, false, false);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .starts_with("error: $.choices[0].index: invalid type: string \"zero\""),
        "{}",
        out.stderr
    );

    let truncated = conform("ChatCompletionChunk", r#"{"id":"c","choices":[{"ind"#, false, false);
    assert_eq!(truncated.code, 1);
    assert!(truncated.stderr.contains("EOF while parsing"), "{}", truncated.stderr);

    let missing = conform("ChatCompletionChunk", r#"{"object":"x"}"#, false, false);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("missing field"), "{}", missing.stderr);
}

#[test]
fn a_bad_event_stops_the_stream_naming_its_index_and_path() {
    let good = r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[]}"#;
    let bad = r#"{"id":"c","object":"chat.completion.chunk","created":"yesterday","model":"m","choices":[]}"#;
    let stream = format!(": keep-alive\r\ndata: {good}\r\n\r\ndata: {good}\n\ndata: {bad}\n\ndata: {good}\n\n");
    let out = conform("ChatCompletionChunk", &stream, true, false);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout.lines().count(),
        2,
        "the two good events before it are printed"
    );
    assert!(
        out.stderr.starts_with("error: event 2: $.created: invalid type"),
        "{}",
        out.stderr
    );
}

#[test]
fn multi_line_data_and_event_names_are_framed() {
    let stream = "event: message_start\ndata: {\"type\":\"message_start\",\n\
                  data: \"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude\"}}\n\n\
                  event: ping\ndata: {\"type\":\"ping\"}\n\n\
                  event: brand_new\ndata: {\"type\":\"brand_new\",\"x\":1}";
    let out = conform("ClaudeStreamEvent", stream, true, false);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let events: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON"))
        .collect();
    assert_eq!(events.len(), 3, "the last event needs no closing blank line");
    assert_eq!(events[0]["message"]["id"], "msg_1");
    assert_eq!(
        events[2],
        serde_json::json!({"type": "brand_new", "x": 1}),
        "an unknown event type is kept whole"
    );
}

#[test]
fn an_unknown_schema_is_a_usage_error_listing_the_nearest_names() {
    let out = conform("ChatCompletionChnk", "{}", false, false);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unknown schema `ChatCompletionChnk`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("ChatCompletionChunk"), "{}", out.stderr);

    let empty = conform("ChatCompletionChunk", "\n\n", true, false);
    assert_eq!(empty.code, 1, "a stream without events does not conform");
}

#[test]
fn the_binary_reads_files_and_uses_exit_codes() {
    let binary = env!("CARGO_BIN_EXE_allmhub-conform");
    let dir = std::env::temp_dir().join(format!("allmhub-conform-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("task.json");
    std::fs::write(&file, r#"{"id":"1","status":"IN_PROGRESS","progress":"45%"}"#).expect("write");

    let ok = Command::new(binary).arg("任务").arg(&file).output().expect("run");
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    let missing = Command::new(binary)
        .arg("任务")
        .arg(dir.join("absent.json"))
        .output()
        .expect("run");
    assert_eq!(missing.status.code(), Some(2));
    let usage = Command::new(binary).output().expect("run");
    assert_eq!(usage.status.code(), Some(2), "a missing SCHEMA is a usage error");
    std::fs::remove_dir_all(&dir).ok();
}
