//! Exports the client's request spans — with their OpenTelemetry GenAI attributes — through
//! `tracing-opentelemetry`, here to stdout; swap the exporter for OTLP to send them to a collector.
//!
//! ```sh
//! ALLMHUB_API_KEY=sk-… cargo run --manifest-path examples/otel/Cargo.toml -- "Say hello"
//! # or with no key, against the mock gateway: ALLMHUB_BASE_URL=<the URL `allmhub mock` prints> ALLMHUB_API_KEY=any
//! ```

use allmhub::types::{ChatCompletionRequest, ChatMessage};
use futures_util::StreamExt;
use opentelemetry::trace::TracerProvider as _;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_simple_exporter(opentelemetry_stdout::SpanExporter::default())
        .build();
    let tracer = provider.tracer("allmhub-example");
    // The client's spans only (the HTTP stack below has its own).
    let only_allmhub = tracing_subscriber::filter::Targets::new().with_target("allmhub", tracing::Level::INFO);
    let subscriber = tracing_subscriber::registry().with(
        tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_filter(only_allmhub),
    );
    tracing::subscriber::set_global_default(subscriber)?;

    let prompt = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "Say hello in five words.".to_owned());
    let model = std::env::var("ALLMHUB_MODEL").unwrap_or_else(|_| "gpt-4o-mini".to_owned());
    let client = allmhub::Client::from_env()?;
    let request = ChatCompletionRequest::new(model, vec![ChatMessage::user(prompt)]);

    // A whole answer: the span ends with usage and finish reasons recorded.
    let answer = client.chat().create(&request).await?;
    println!("{:?}", answer.choices.first().map(|choice| &choice.message.content));

    // A stream: the span stays open until the stream ends, and records the time to the first event.
    let mut stream = client.chat().create_stream(&request).await?;
    while let Some(chunk) = stream.next().await {
        chunk?;
    }
    drop(stream);

    // Flushes the spans (the stdout exporter prints each with its attributes).
    provider.shutdown()?;
    Ok(())
}
