//! Streamed tool calls shown while their arguments arrive, then read as typed values:
//! `cargo run -p allmhub --example tool_stream`.

use allmhub::accumulate::ChatAccumulator;
use allmhub::types::{ChatCompletionRequest, ChatMessage, ChatTool};
use futures_util::StreamExt;
use schemars::JsonSchema;
use serde::Deserialize;

/// Flights between two airports.
#[derive(Deserialize, JsonSchema)]
struct FlightSearch {
    from: String,
    to: String,
    date: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = allmhub::Client::from_env()?;
    let question =
        ChatMessage::user("Find flights from Paris to Tokyo on 2026-03-01 and from Tokyo to Seoul on 2026-03-08.");
    let mut request = ChatCompletionRequest::new("gpt-4o-mini", vec![question]);
    request.tools = vec![ChatTool::function_for::<FlightSearch>(
        "search_flights",
        "Search flights",
    )?];

    let mut stream = client.chat().create_stream(&request).await?;
    let mut answer = ChatAccumulator::new();
    while let Some(chunk) = stream.next().await {
        answer.push(&chunk?)?;
        // The calls so far, arguments as far as they arrived: what a UI renders.
        for call in answer.snapshot().tool_calls() {
            eprint!("\r{}({})", call.name, call.arguments_json());
        }
    }
    eprintln!();
    for call in answer.finish()?.tool_calls() {
        let search: FlightSearch = call.arguments()?;
        println!("{} → {} on {}", search.from, search.to, search.date);
    }
    Ok(())
}
