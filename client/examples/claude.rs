//! Claude Messages, streamed: `cargo run -p allmhub --example claude`.

use allmhub::types::{ClaudeContentBlockDelta, ClaudeMessage, ClaudeMessagesRequest, ClaudeStreamEvent};
use futures_util::StreamExt;

#[tokio::main]
async fn main() -> Result<(), allmhub::Error> {
    let client = allmhub::Client::from_env()?;
    let request = ClaudeMessagesRequest::new(
        "claude-sonnet-4-20250514",
        1024,
        vec![ClaudeMessage::user("Hello, Claude")],
    );
    let mut stream = client.claude().messages().create_stream(&request).await?;
    while let Some(event) = stream.next().await {
        match event? {
            ClaudeStreamEvent::ContentBlockDelta(event) => {
                if let ClaudeContentBlockDelta::TextDelta(delta) = event.delta {
                    print!("{}", delta.text);
                }
            }
            ClaudeStreamEvent::MessageStop(_) => break,
            _ => {}
        }
    }
    println!();
    Ok(())
}
