//! Every operation of the spec, called through the generated client against the mock with each of the
//! spec's request examples: the answer must decode, and where it names a model, echo the request's.

// The client's call table, shared so that one table names every operation's method.
#[path = "../../client/tests/every_call/mod.rs"]
mod every_call;
mod support;

use every_call::{Kind, call};

use std::collections::BTreeSet;

use allmhub::types::{Operation, ParamLocation, operations};
use allmhub_conform::catalog::{EXAMPLES, Example, Place};
use allmhub_mock::MockServer;
use serde_json::Value;
use support::{client, within};

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
    content_type: &'static str,
    request: Value,
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
                content_type: "application/json",
                request: Value::Null,
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
                    content_type: request.media_type,
                    request: value.clone(),
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
            call(&client, case.op.id, case.kind, case.content_type, &case.request, &args),
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
        let requested: Option<String> = case
            .request
            .get("model")
            .and_then(Value::as_str)
            .map(str::to_owned)
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
