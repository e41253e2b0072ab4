//! Every operation of the spec, called through the generated client against the mock with each of the
//! spec's request examples: the answer must decode, and where it names a model, echo the request's.

mod support;

use std::collections::BTreeSet;

use allmhub::types::{Operation, ParamLocation, operations};
use allmhub::{Client, Error, EventStream};
use allmhub_conform::catalog::{EXAMPLES, Example, Place};
use allmhub_mock::MockServer;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;
use support::{client, within};

fn body<T: DeserializeOwned>(text: &str) -> T {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("the example does not decode: {error}"))
}

/// Every event of a stream, as JSON. An error event the stream carries (the spec's `stream_error`
/// examples) is decoded into its envelope and ends the list; any other error fails the call.
async fn events<T: serde::Serialize + DeserializeOwned>(stream: EventStream<T>) -> Result<Value, Error> {
    let items: Vec<Result<T, Error>> = stream.collect().await;
    let mut out = Vec::new();
    for item in items {
        match item {
            Ok(event) => out.push(serde_json::to_value(event).expect("events serialize")),
            Err(error) if error.api().is_some_and(|api| api.in_band && api.body.is_some()) => {
                out.push(Value::String(format!("error event: {error}")));
            }
            Err(error) => return Err(error),
        }
    }
    Ok(Value::Array(out))
}

fn json<T: serde::Serialize>(answer: Result<T, Error>) -> Result<Value, Error> {
    answer.map(|value| serde_json::to_value(value).expect("answers serialize"))
}

fn bytes(answer: Result<bytes::Bytes, Error>) -> Result<Value, Error> {
    answer.map(|bytes| Value::from(bytes.len()))
}

/// How a case is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Json,
    Stream,
    Text,
}

/// Calls operation `op` through its generated method.
async fn call(
    client: &Client,
    op: &str,
    kind: Kind,
    multipart: bool,
    request: &str,
    path: &[String],
) -> Result<Value, Error> {
    let arg = |index: usize| path[index].as_str();
    match (op, kind) {
        ("create_chat_completion", Kind::Stream) => events(client.chat().create_stream(&body(request)).await?).await,
        ("create_chat_completion", _) => json(client.chat().create(&body(request)).await),
        ("create_response", Kind::Stream) => events(client.responses().create_stream(&body(request)).await?).await,
        ("create_response", _) => json(client.responses().create(&body(request)).await),
        ("create_speech", _) => bytes(client.audio().speech(&body(request)).await),
        ("create_transcription", Kind::Text) => client.audio().transcribe_text(&body(request)).await.map(Value::String),
        ("create_transcription", _) => json(client.audio().transcribe(&body(request)).await),
        ("create_translation", Kind::Text) => client.audio().translate_text(&body(request)).await.map(Value::String),
        ("create_translation", _) => json(client.audio().translate(&body(request)).await),
        ("create_embedding", _) => json(client.embeddings().create(&body(request)).await),
        ("create_rerank", _) => json(client.embeddings().rerank(&body(request)).await),
        ("create_image", _) => json(client.images().generate(&body(request)).await),
        ("edit_image", _) if multipart => json(client.images().edit_multipart(&body(request)).await),
        ("edit_image", _) => json(client.images().edit(&body(request)).await),
        ("create_video", _) if multipart => json(client.videos().create_multipart(&body(request)).await),
        ("create_video", _) => json(client.videos().create(&body(request)).await),
        ("retrieve_video", _) => json(client.videos().retrieve(arg(0)).await),
        ("download_video_content", _) => bytes(client.videos().download_content(arg(0), Default::default()).await),
        ("create_claude_message", Kind::Stream) => {
            events(client.claude().messages().create_stream(&body(request)).await?).await
        }
        ("create_claude_message", _) => json(client.claude().messages().create(&body(request)).await),
        ("gemini_generate_content", _) => json(client.gemini().generate_content(arg(0), &body(request)).await),
        ("gemini_stream_generate_content", _) => {
            events(client.gemini().generate_content_stream(arg(0), &body(request)).await?).await
        }
        ("mj_submit_change", _) => json(client.midjourney().submit_change(&body(request)).await),
        ("mj_submit_action", _) => json(client.midjourney().submit_action(&body(request)).await),
        ("mj_submit_simple_change", _) => json(client.midjourney().submit_simple_change(&body(request)).await),
        ("mj_submit_blend", _) => json(client.midjourney().submit_blend(&body(request)).await),
        ("mj_submit_describe", _) => json(client.midjourney().submit_describe(&body(request)).await),
        ("mj_submit_imagine", _) => json(client.midjourney().submit_imagine(&body(request)).await),
        ("mj_submit_modal", _) => json(client.midjourney().submit_modal(&body(request)).await),
        ("mj_submit_shorten", _) => json(client.midjourney().submit_shorten(&body(request)).await),
        ("mj_submit_video", _) => json(client.midjourney().submit_video(&body(request)).await),
        ("mj_swap_face", _) => json(client.midjourney().swap_face(&body(request)).await),
        ("mj_list_tasks_by_condition", _) => json(client.midjourney().list_tasks(&body(request)).await),
        ("mj_fetch_task", _) => json(client.midjourney().fetch_task(arg(0)).await),
        ("mj_get_image_seed", _) => json(client.midjourney().image_seed(arg(0)).await),
        ("get_billing_subscription", _) => json(client.account().billing_subscription().await),
        ("get_billing_usage", _) => json(client.account().billing_usage(Default::default()).await),
        ("get_user_self", _) => json(client.account().user_self().await),
        ("list_models", _) => json(client.account().models().await),
        ("list_gemini_models", _) => json(client.account().gemini_models().await),
        (other, _) => panic!("no call for operation `{other}`: add it to this table"),
    }
}

/// The path arguments of a call: the parameter example of the same key, else the first example of a
/// parameter of that name anywhere in the spec.
fn path_args(op: &Operation, key: &str) -> Vec<String> {
    op.params
        .iter()
        .filter(|param| param.location == ParamLocation::Path)
        .map(|param| {
            let of_name = |example: &&Example| example.place == Place::Parameter(param.name);
            EXAMPLES
                .iter()
                .filter(of_name)
                .find(|example| example.operation == op.id && example.key == key)
                .or_else(|| {
                    EXAMPLES
                        .iter()
                        .filter(of_name)
                        .find(|example| example.operation == op.id)
                })
                .or_else(|| EXAMPLES.iter().find(of_name))
                .map(|example| example.body.to_owned())
                .unwrap_or_else(|| panic!("{}: no example value for `{}`", op.id, param.name))
        })
        .collect()
}

struct Case {
    op: &'static Operation,
    key: &'static str,
    kind: Kind,
    multipart: bool,
    request: &'static str,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for op in operations::ALL.iter().copied() {
        let requests: Vec<&Example> = EXAMPLES
            .iter()
            .filter(|example| example.operation == op.id && example.place == Place::Request)
            .collect();
        let text = EXAMPLES
            .iter()
            .any(|example| example.operation == op.id && example.media_type == "text/plain");
        if requests.is_empty() {
            let key = EXAMPLES
                .iter()
                .find(|example| example.operation == op.id)
                .map_or("", |example| example.key);
            out.push(Case {
                op,
                key,
                kind: Kind::Json,
                multipart: false,
                request: "null",
            });
            continue;
        }
        for request in requests {
            let value: Value = serde_json::from_str(request.body).expect("request examples are JSON");
            let streams = op
                .stream_flag
                .is_some_and(|flag| value.get(flag) == Some(&Value::Bool(true)))
                || op.response.json.is_none() && op.response.stream_event.is_some();
            let mut kinds = vec![if streams { Kind::Stream } else { Kind::Json }];
            if text {
                kinds.push(Kind::Text);
            }
            for kind in kinds {
                out.push(Case {
                    op,
                    key: request.key,
                    kind,
                    multipart: request.media_type == "multipart/form-data",
                    request: request.body,
                });
            }
        }
    }
    out
}

/// The top-level `model` of an answer (the first event's, for streams).
fn answer_model(answer: &Value) -> Option<&str> {
    let first = match answer {
        Value::Array(events) => events.first()?,
        other => other,
    };
    first.get("model")?.as_str()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_decodes_the_mocks_answer() {
    let mock = MockServer::start().await;
    let client = client(mock.url());
    let mut problems = Vec::new();
    let mut covered = BTreeSet::new();
    let cases = cases();
    for case in &cases {
        let label = format!("{} [{} {:?}]", case.op.id, case.key, case.kind);
        let args = path_args(case.op, case.key);
        let outcome = within(
            20,
            call(&client, case.op.id, case.kind, case.multipart, case.request, &args),
        )
        .await;
        covered.insert(case.op.id);
        let answer = match outcome {
            Ok(answer) => answer,
            Err(error) => {
                problems.push(format!("{label}: {error}"));
                continue;
            }
        };
        let requested: Option<String> = serde_json::from_str::<Value>(case.request)
            .ok()
            .and_then(|request| request.get("model").and_then(Value::as_str).map(str::to_owned))
            .or_else(|| {
                case.op
                    .params
                    .iter()
                    .position(|param| param.name == "model")
                    .and_then(|index| args.get(index).cloned())
            });
        if let (Some(requested), Some(answered)) = (requested, answer_model(&answer)) {
            if requested != answered && !matches!(case.op.id, "retrieve_video") {
                problems.push(format!("{label}: answered model {answered}, asked for {requested}"));
            }
        }
    }
    let all: BTreeSet<&str> = operations::ALL.iter().map(|op| op.id).collect();
    let missing: Vec<&&str> = all.difference(&covered).collect();
    assert!(missing.is_empty(), "operations without a case: {missing:?}");
    assert!(cases.len() >= 70, "only {} cases", cases.len());
    assert!(
        problems.is_empty(),
        "{} problems:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
    // Every call reached the mock and matched its operation.
    let received = mock.requests();
    assert!(
        received.len() >= cases.len(),
        "{} requests for {} cases",
        received.len(),
        cases.len()
    );
    assert!(received.iter().all(|request| request.operation.is_some()));
}
