//! Chat completions, whole and streamed: `ALLMHUB_API_KEY=sk-… cargo run -p allmhub --example chat`.

use allmhub::types::{ChatCompletionRequest, ChatMessage, ChatMessageContent};
use futures_util::StreamExt;

#[tokio::main]
async fn main() -> Result<(), allmhub::Error> {
    let client = allmhub::Client::from_env()?;
    let messages = vec![
        ChatMessage::system("Answer in one sentence."),
        ChatMessage::user("What is Rust?"),
    ];
    let mut request = ChatCompletionRequest::new("gpt-4o-mini", messages);
    request.temperature = Some(0.2);

    let answer = client.chat().create(&request).await?;
    if let Some(ChatMessageContent::Text(text)) = &answer.choices[0].message.content {
        println!("{text}");
    }

    let mut stream = client.chat().create_stream(&request).await?;
    while let Some(chunk) = stream.next().await {
        for choice in chunk?.choices {
            print!("{}", choice.delta.content.unwrap_or_default());
        }
    }
    println!();
    Ok(())
}
