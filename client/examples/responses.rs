//! The Responses API: `cargo run -p allmhub --example responses`.

use allmhub::types::ResponsesRequest;

#[tokio::main]
async fn main() -> Result<(), allmhub::Error> {
    let client = allmhub::Client::from_env()?;
    let mut request = ResponsesRequest::new("gpt-4.1", "Tell me a three sentence bedtime story about a unicorn.");
    request.instructions = Some("You are a gentle storyteller.".to_owned());
    let response = client.responses().create(&request).await?;
    // The text of the output's messages, as the official SDK's `output_text` (computed, not the member).
    println!("{}", response.output_text());

    // Streamed: from `response.completed`, or assembled from the events when a gateway never sends it.
    let streamed = client.responses().create_stream(&request).await?.into_final().await?;
    println!("{}", streamed.output_text());
    Ok(())
}
