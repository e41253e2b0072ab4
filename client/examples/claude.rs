//! Claude Messages, streamed: `cargo run -p allmhub --example claude`.

use allmhub::accumulate::ClaudeAccumulator;
use allmhub::types::{ClaudeMessage, ClaudeMessagesRequest};
use futures_util::StreamExt;

#[tokio::main]
async fn main() -> Result<(), allmhub::Error> {
    let client = allmhub::Client::from_env()?;
    let request = ClaudeMessagesRequest::new(
        "claude-sonnet-4-20250514",
        1024,
        vec![ClaudeMessage::user("Hello, Claude")],
    );
    // Event by event: print the text as it grows, keep the whole message for the end.
    let mut stream = client.claude().messages().create_stream(&request).await?;
    let mut message = ClaudeAccumulator::new();
    let mut shown = 0;
    while let Some(event) = stream.next().await {
        message.push(&event?)?;
        let text = message.snapshot().text().unwrap_or_default();
        print!("{}", &text[shown..]);
        shown = text.len();
    }
    let message = message.finish()?;
    println!("\n[{:?}, {:?}]", message.stop_reason, message.usage);
    Ok(())
}
