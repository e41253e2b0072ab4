//! Every operation of the spec, called through its generated method with the spec's own examples against a
//! server on 127.0.0.1: the request must arrive with the operation's method, path, query, authentication
//! headers and body, and the answer must decode into the typed value the example shows.

mod every_call;
use every_call::{Kind, call};
mod support;

use std::collections::BTreeSet;

use allmhub::types::operations;
use allmhub_tests::normalize::{alias_table, normalize};
use allmhub_tests::{Example, Place, examples};
use serde_json::Value;
use support::{KEY, Received, Reply, Server, builder, within};

const ACCESS_TOKEN: &str = "access-token-of-user-42";

/// One call: a request (or none) and the answer the server gives.
struct Case {
    op: &'static allmhub::types::Operation,
    key: String,
    request: Option<Example>,
    answer: Example,
}

fn cases() -> Vec<Case> {
    let all = examples();
    let mut out = Vec::new();
    for op in operations::ALL {
        let of_op: Vec<&Example> = all.iter().filter(|example| example.operation == op.id).collect();
        let answers: Vec<&&Example> = of_op
            .iter()
            .filter(|example| matches!(&example.place, Place::Response(status) if status.starts_with('2')))
            .collect();
        let requests: Vec<&&Example> = of_op.iter().filter(|example| example.place == Place::Request).collect();
        if requests.is_empty() && answers.is_empty() {
            // A binary download without examples: the server sends bytes.
            out.push(Case {
                op,
                key: "bytes".to_owned(),
                request: None,
                answer: binary_answer(op),
            });
            continue;
        }
        if requests.is_empty() {
            for answer in answers {
                out.push(Case {
                    op,
                    key: answer.key.clone(),
                    request: None,
                    answer: (**answer).clone(),
                });
            }
            continue;
        }
        for request in requests {
            // The page's own answer (same key); else any answer of the matching kind.
            let wants_stream = request.value.get(op.stream_flag.unwrap_or("stream")) == Some(&Value::Bool(true))
                || op.response.json.is_none() && op.response.stream_event.is_some();
            let answer = answers
                .iter()
                .find(|answer| answer.key == request.key)
                .or_else(|| {
                    answers
                        .iter()
                        .find(|answer| (answer.media_type == "text/event-stream") == wants_stream)
                })
                .or_else(|| answers.first());
            match answer {
                Some(answer) => out.push(Case {
                    op,
                    key: request.key.clone(),
                    request: Some((**request).clone()),
                    answer: (**answer).clone(),
                }),
                // A binary answer has no example: the server sends bytes.
                None => out.push(Case {
                    op,
                    key: request.key.clone(),
                    request: Some((**request).clone()),
                    answer: binary_answer(op),
                }),
            }
        }
    }
    out
}

/// The answer of an operation that returns bytes.
fn binary_answer(op: &allmhub::types::Operation) -> Example {
    assert!(
        !op.response.binary.is_empty(),
        "{} has no example answer and answers no bytes",
        op.id
    );
    Example {
        operation: op.id.to_owned(),
        place: Place::Response("200".to_owned()),
        media_type: op.response.binary[0].to_owned(),
        key: "bytes".to_owned(),
        summary: String::new(),
        doc_page: None,
        value: Value::String("\u{0}\u{1}binary answer bytes".to_owned()),
        schema: None,
        stream_event: None,
    }
}

fn path_args(op: &allmhub::types::Operation, key: &str) -> Vec<String> {
    let all = examples();
    op.params
        .iter()
        .filter(|param| param.location == allmhub::types::ParamLocation::Path)
        .map(|param| {
            let of_param: Vec<&Example> = all
                .iter()
                .filter(|example| {
                    example.operation == op.id && example.place == Place::Parameter(param.name.to_owned())
                })
                .collect();
            of_param
                .iter()
                .find(|example| example.key == key)
                .or(of_param.first())
                .and_then(|example| example.value.as_str().map(str::to_owned))
                .unwrap_or_else(|| "test-id-1".to_owned())
        })
        .collect()
}

fn expected_target(op: &allmhub::types::Operation, args: &[String]) -> String {
    let mut path = op.path.to_owned();
    let names = op
        .params
        .iter()
        .filter(|param| param.location == allmhub::types::ParamLocation::Path);
    for (param, value) in names.zip(args) {
        let encoded: String = url_encode(value);
        path = path.replace(&format!("{{{}}}", param.name), &encoded);
    }
    let query: Vec<String> = op
        .params
        .iter()
        .filter_map(|param| {
            param
                .fixed_value
                .filter(|_| param.location == allmhub::types::ParamLocation::Query)
                .map(|value| format!("{}={value}", param.name))
        })
        .collect();
    if query.is_empty() {
        path
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (byte as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn check_auth(op: &allmhub::types::Operation, received: &Received) -> Vec<String> {
    use allmhub::types::{CredentialPlacement, SecurityScheme};
    let bearer = format!("Bearer {KEY}");
    let mut expected: Vec<(String, String)> = Vec::new();
    let mut problems = Vec::new();
    let mut key_sent = false;
    // An operation without security (the public price list) gets no credential at all.
    for scheme in op.security.first().copied().unwrap_or_default() {
        // Which credential each scheme carries; where it goes comes from the descriptor.
        let credential = match scheme {
            SecurityScheme::BearerAuth
            | SecurityScheme::ClaudeApiKey
            | SecurityScheme::GeminiApiKey
            | SecurityScheme::GeminiApiKeyQuery
            | SecurityScheme::MjApiSecret => {
                key_sent = true;
                KEY
            }
            SecurityScheme::AccessToken => ACCESS_TOKEN,
            SecurityScheme::NewApiUser => "42",
        };
        match scheme.placement() {
            CredentialPlacement::Bearer => expected.push(("authorization".to_owned(), bearer.clone())),
            CredentialPlacement::Header(name) => expected.push((name.to_owned(), credential.to_owned())),
            CredentialPlacement::Query(name) => {
                if !received.target.contains(&format!("{name}={credential}")) {
                    problems.push(format!("query member {name} missing from {}", received.target));
                }
            }
        }
    }
    if op
        .params
        .iter()
        .any(|param| param.name.eq_ignore_ascii_case("anthropic-version"))
    {
        expected.push((
            "anthropic-version".to_owned(),
            allmhub::DEFAULT_ANTHROPIC_VERSION.to_owned(),
        ));
    }
    for (name, value) in expected {
        if received.header(&name) != Some(value.as_str()) {
            problems.push(format!(
                "header {name}: expected {value:?}, got {:?}",
                received.header(&name)
            ));
        }
    }
    // The key goes only where the scheme puts it.
    let key_headers = received.headers.iter().filter(|(_, value)| value.contains(KEY)).count();
    if key_sent && key_headers != 1 {
        problems.push(format!("the key is in {key_headers} headers"));
    }
    if !key_sent && (key_headers != 0 || received.target.contains(KEY)) {
        problems.push(format!(
            "the key was sent to {} though the operation takes none",
            received.target
        ));
    }
    problems
}

fn answer_reply(case: &Case) -> Reply {
    let media = case.answer.media_type.as_str();
    let body = match &case.answer.value {
        Value::String(text) => text.clone().into_bytes(),
        other => other.to_string().into_bytes(),
    };
    if media == "text/event-stream" {
        return Reply::sse_in_pieces(&String::from_utf8(body).expect("text"), 13);
    }
    Reply::Status {
        status: 200,
        headers: vec![("content-type", media.to_owned())],
        body,
    }
}

fn kind(case: &Case) -> Kind {
    match case.answer.media_type.as_str() {
        "text/event-stream" => Kind::Stream,
        "text/plain" => Kind::Text,
        media if media.contains("json") => Kind::Json,
        _ => Kind::Bytes,
    }
}

#[tokio::test]
async fn every_operation_sends_its_example_and_decodes_the_answer() {
    let aliases = alias_table();
    let mut problems = Vec::new();
    let mut covered = BTreeSet::new();
    let cases = cases();
    for case in &cases {
        let label = format!("{} [{}]", case.op.id, case.key);
        let server = Server::start(vec![answer_reply(case)]).await;
        let client = builder(&server.url)
            .access_token(ACCESS_TOKEN, "42")
            .build()
            .expect("client");
        let args = path_args(case.op, &case.key);
        let kind = kind(case);
        let (request, content_type) = match &case.request {
            Some(request) => (request.value.clone(), request.media_type.as_str()),
            None => (Value::Null, ""),
        };
        let outcome = within(10, call(&client, case.op.id, kind, content_type, &request, &args)).await;
        covered.insert(case.op.id);

        let received = server.requests();
        let [received] = received.as_slice() else {
            problems.push(format!(
                "{label}: expected one request, the server got {}",
                received.len()
            ));
            continue;
        };
        if received.method != case.op.method.as_str() {
            problems.push(format!("{label}: method {}", received.method));
        }
        let target = expected_target(case.op, &args);
        if received.target != target {
            problems.push(format!("{label}: target {} (expected {target})", received.target));
        }
        problems.extend(
            check_auth(case.op, received)
                .into_iter()
                .map(|problem| format!("{label}: {problem}")),
        );

        if case.request.is_some() {
            if content_type == "multipart/form-data" {
                let header = received.header("content-type").unwrap_or_default();
                let body = String::from_utf8_lossy(&received.body);
                if !header.starts_with("multipart/form-data; boundary=") {
                    problems.push(format!("{label}: content type {header}"));
                }
                for (name, value) in request.as_object().into_iter().flatten() {
                    let name = name.trim_end_matches("[]");
                    if !body.contains(&format!("name=\"{name}")) {
                        problems.push(format!("{label}: the form lacks the part {name}"));
                    }
                    if let Some(text) = value.as_str().filter(|text| text.starts_with('@')) {
                        if !body.contains(&format!("filename=\"{text}\"")) {
                            problems.push(format!("{label}: the file part {name} lacks its file name"));
                        }
                    }
                }
            } else {
                let mut expected = request.clone();
                if let (Some(flag), Value::Object(object)) = (case.op.stream_flag, &mut expected) {
                    if kind == Kind::Stream {
                        object.insert(flag.to_owned(), Value::Bool(true));
                    } else if object.get(flag) == Some(&Value::Bool(true)) {
                        object.remove(flag);
                    }
                }
                if normalize(&received.json(), &aliases) != normalize(&expected, &aliases) {
                    problems.push(format!("{label}: body {} (expected {expected})", received.json()));
                }
            }
        }

        let answer = match outcome {
            Ok(answer) => answer,
            Err(error) => {
                problems.push(format!("{label}: the call failed: {error}"));
                continue;
            }
        };
        let expected = match kind {
            Kind::Stream => {
                let data = allmhub_tests::sse_data(case.answer.value.as_str().expect("a raw stream"));
                Value::Array(
                    data.iter()
                        .filter(|data| *data != "[DONE]")
                        .map(|data| serde_json::from_str(data).expect("JSON events"))
                        .collect(),
                )
            }
            _ => case.answer.value.clone(),
        };
        if normalize(&answer, &aliases) != normalize(&expected, &aliases) {
            problems.push(format!("{label}: answer {answer} (expected {expected})"));
        }
    }
    let all: BTreeSet<&str> = operations::ALL.iter().map(|op| op.id).collect();
    let missing: Vec<&&str> = all.difference(&covered).collect();
    assert!(missing.is_empty(), "operations without a case: {missing:?}");
    assert!(cases.len() >= 80, "only {} cases", cases.len());
    assert!(
        problems.is_empty(),
        "{} problems:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[tokio::test]
async fn multipart_files_arrive_with_their_bytes_name_and_type() {
    let server = Server::start(vec![Reply::json(200, r#"{"text":"你好"}"#)]).await;
    let client = support::client(&server.url);
    let mut form: allmhub::types::TranscriptionRequest =
        serde_json::from_value(serde_json::json!({"file": "x", "model": "whisper-1", "language": "zh"})).expect("form");
    form.file = allmhub::types::Upload::from_bytes("meeting.mp3", b"ID3\x04fake-mp3-bytes".to_vec());
    let answer = within(10, client.audio().transcribe(&form)).await.expect("transcribed");
    assert_eq!(answer.text, "你好");
    let received = &server.requests()[0];
    let body = &received.body;
    let text = String::from_utf8_lossy(body);
    assert!(text.contains("name=\"file\"; filename=\"meeting.mp3\""), "{text}");
    assert!(
        text.contains("content-type: audio/mpeg") || text.contains("Content-Type: audio/mpeg"),
        "{text}"
    );
    let file = b"ID3\x04fake-mp3-bytes";
    assert!(
        body.windows(file.len()).any(|window| window == file),
        "the file bytes are sent as they are"
    );
    assert!(text.contains("name=\"model\"\r\n\r\nwhisper-1\r\n"), "{text}");
    assert!(text.contains("name=\"language\"\r\n\r\nzh\r\n"), "{text}");
}

#[tokio::test]
async fn query_parameters_are_sent_when_set_and_left_out_when_not() {
    let usage = r#"{"object":"list","total_usage":12.5}"#;
    let server = Server::start(vec![Reply::json(200, usage), Reply::json(200, usage)]).await;
    let client = support::client(&server.url);
    let query = allmhub::GetBillingUsageQuery::default()
        .start_date("2025-01-01")
        .end_date("2025-01-31");
    within(10, client.account().billing_usage(query)).await.expect("usage");
    within(10, client.account().billing_usage(Default::default()))
        .await
        .expect("usage");
    let targets: Vec<String> = server.requests().into_iter().map(|request| request.target).collect();
    assert_eq!(
        targets,
        [
            "/v1/dashboard/billing/usage?start_date=2025-01-01&end_date=2025-01-31",
            "/v1/dashboard/billing/usage"
        ]
    );
}

#[tokio::test]
async fn a_typed_query_parameter_is_sent_as_its_wire_value() {
    let server = Server::start(vec![Reply::json(200, "{}")]).await;
    let client = support::client(&server.url);
    let query = allmhub::DownloadVideoContentQuery::default().variant(allmhub::types::VideoContentVariant::Thumbnail);
    within(10, client.videos().download_content("video_1", query))
        .await
        .expect("bytes");
    assert_eq!(
        server.requests()[0].target,
        "/v1/videos/video_1/content?variant=thumbnail"
    );
}
