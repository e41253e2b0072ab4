//! The request span carries the OpenTelemetry GenAI attributes, for `tracing-opentelemetry` to export:
//! `gen_ai.system`, `gen_ai.operation.name`, `gen_ai.request.model`, `gen_ai.response.model`,
//! `gen_ai.usage.input_tokens` / `output_tokens`, `gen_ai.response.finish_reasons`, `error.type`, and the
//! time to the first stream event.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use allmhub::types::{ChatCompletionRequest, ChatMessage, GeminiContent, GeminiGenerateContentRequest};
use futures_util::StreamExt;
use support::{Reply, Server, client, within};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// The fields of every `allmhub.request` span, as text.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<BTreeMap<u64, BTreeMap<String, String>>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber> Layer<S> for Spans {
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        if attributes.metadata().name() == "allmhub.request" {
            let mut spans = self.0.lock().expect("spans");
            attributes.record(&mut Fields(spans.entry(id.into_u64()).or_default()));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut spans = self.0.lock().expect("spans");
        if let Some(fields) = spans.get_mut(&id.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }
}

impl Spans {
    fn only(&self) -> BTreeMap<String, String> {
        let spans = self.0.lock().expect("spans");
        assert_eq!(spans.len(), 1, "one request span: {spans:?}");
        spans.values().next().cloned().unwrap_or_default()
    }
}

fn listen() -> (Spans, tracing::subscriber::DefaultGuard) {
    let spans = Spans::default();
    let subscriber = tracing_subscriber::registry().with(spans.clone());
    (spans, tracing::subscriber::set_default(subscriber))
}

const COMPLETION: &str = r#"{"id":"chatcmpl-1","object":"chat.completion","created":1762737988,"model":"gpt-4o-mini-2024-07-18",
 "choices":[{"index":0,"message":{"role":"assistant","content":"Hi!"},"finish_reason":"stop"}],
 "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}"#;

fn request() -> ChatCompletionRequest {
    ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user("Hello!")])
}

#[tokio::test]
async fn a_chat_completion_span_has_the_gen_ai_attributes() {
    let (spans, _guard) = listen();
    let server = Server::start(vec![Reply::json(200, COMPLETION)]).await;
    within(10, client(&server.url).chat().create(&request()))
        .await
        .expect("answer");
    let span = spans.only();
    assert_eq!(span["gen_ai.system"], "openai");
    assert_eq!(span["gen_ai.operation.name"], "chat");
    assert_eq!(span["gen_ai.request.model"], "gpt-4o-mini");
    assert_eq!(span["gen_ai.response.model"], "gpt-4o-mini-2024-07-18");
    assert_eq!(span["gen_ai.usage.input_tokens"], "9");
    assert_eq!(span["gen_ai.usage.output_tokens"], "2");
    assert_eq!(span["gen_ai.response.finish_reasons"], "stop");
    assert_eq!(span["otel.name"], "chat gpt-4o-mini");
    assert_eq!(span["status"], "200");
    assert!(!span.contains_key("error.type"));
}

#[tokio::test]
async fn a_stream_span_has_usage_finish_reasons_and_the_time_to_the_first_event() {
    let (spans, _guard) = listen();
    let body = concat!(
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n",
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\n\n",
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}\n\n",
        "data: [DONE]\n\n"
    );
    let server = Server::start(vec![Reply::sse_in_pieces(body, 40)]).await;
    let stream = within(10, client(&server.url).chat().create_stream(&request()))
        .await
        .expect("stream");
    let items: Vec<_> = within(10, stream.collect::<Vec<_>>()).await;
    assert_eq!(items.len(), 3);
    let span = spans.only();
    assert_eq!(span["gen_ai.usage.input_tokens"], "5");
    assert_eq!(span["gen_ai.usage.output_tokens"], "1");
    assert_eq!(span["gen_ai.response.finish_reasons"], "length");
    let first: f64 = span["allmhub.time_to_first_event_ms"].parse().expect("milliseconds");
    assert!(first >= 0.0);
}

#[tokio::test]
async fn a_gemini_span_names_the_model_from_the_path_and_counts_its_tokens() {
    let (spans, _guard) = listen();
    let answer = r#"{"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},"finishReason":"STOP","index":0}],
        "usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":1,"totalTokenCount":5},"modelVersion":"gemini-2.5-flash"}"#;
    let server = Server::start(vec![Reply::json(200, answer)]).await;
    let request = GeminiGenerateContentRequest::new(vec![GeminiContent::user("Hi")]);
    within(
        10,
        client(&server.url)
            .gemini()
            .generate_content("gemini-2.5-flash", &request),
    )
    .await
    .expect("answer");
    let span = spans.only();
    assert_eq!(span["gen_ai.system"], "gcp.gemini");
    assert_eq!(span["gen_ai.operation.name"], "generate_content");
    assert_eq!(span["gen_ai.request.model"], "gemini-2.5-flash");
    assert_eq!(span["gen_ai.usage.input_tokens"], "4");
    assert_eq!(span["gen_ai.usage.output_tokens"], "1");
    assert_eq!(span["gen_ai.response.finish_reasons"], "STOP");
}

#[tokio::test]
async fn a_failed_call_records_its_error_type_never_its_message() {
    let (spans, _guard) = listen();
    let server = Server::start(vec![Reply::json(
        403,
        r#"{"error":{"message":"用户额度不足 user 12345","type":"new_api_error","code":"insufficient_user_quota"}}"#,
    )])
    .await;
    within(10, client(&server.url).chat().create(&request()))
        .await
        .expect_err("no quota");
    let span = spans.only();
    assert_eq!(span["error.type"], "insufficient_user_quota");
    assert!(
        span.values().all(|value| !value.contains("12345")),
        "no message in the span: {span:?}"
    );
}

#[tokio::test]
async fn operations_that_are_not_gen_ai_calls_carry_no_gen_ai_attributes() {
    let (spans, _guard) = listen();
    let server = Server::start(vec![Reply::json(200, r#"{"object":"list","data":[]}"#)]).await;
    within(10, client(&server.url).account().models())
        .await
        .expect("models");
    let span = spans.only();
    assert!(!span.contains_key("gen_ai.system"), "{span:?}");
    assert_eq!(span["operation"], "list_models");
}
