//! Chat completions, whole and streamed: `ALLMHUB_API_KEY=sk-… cargo run -p allmhub --example chat`.

use allmhub::types::{ChatCompletionRequest, ChatMessage};
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

    // The whole answer: its text in one call.
    let answer = client.chat().create(&request).await?;
    println!("{}", answer.text().unwrap_or_default());

    // The same call with its HTTP metadata: the request id for a support ticket, the rate-limit headers.
    let response = client.chat().create(&request).with_response().await?;
    let remaining = response.headers().get("x-ratelimit-remaining-requests");
    println!(
        "HTTP {} request {:?} remaining {remaining:?}",
        response.status(),
        response.request_id()
    );
    println!("{}", response.value().text().unwrap_or_default());

    // Streamed: only the text, as it arrives.
    let mut text = client.chat().create_stream(&request).await?.text_deltas();
    while let Some(piece) = text.next().await {
        print!("{}", piece?);
    }
    println!();

    // Streamed, then accumulated into the same kind of answer a whole call gives (usage included).
    let answer = client.chat().create_stream(&request).await?.into_final().await?;
    println!("{} ({:?})", answer.text().unwrap_or_default(), answer.usage);
    Ok(())
}
