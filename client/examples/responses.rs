//! The Responses API: `cargo run -p allmhub --example responses`.

use allmhub::types::{ResponsesOutputContent, ResponsesOutputItem, ResponsesRequest};

#[tokio::main]
async fn main() -> Result<(), allmhub::Error> {
    let client = allmhub::Client::from_env()?;
    let mut request = ResponsesRequest::new("gpt-4.1", "Tell me a three sentence bedtime story about a unicorn.");
    request.instructions = Some("You are a gentle storyteller.".to_owned());
    let response = client.responses().create(&request).await?;
    // `output_text` is a convenience some servers leave out; the output items are authoritative.
    for item in &response.output {
        if let ResponsesOutputItem::Message(message) = item {
            for content in &message.content {
                if let ResponsesOutputContent::OutputText(text) = content {
                    println!("{}", text.text);
                }
            }
        }
    }
    Ok(())
}
