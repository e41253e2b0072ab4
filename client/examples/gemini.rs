//! Gemini generateContent: `cargo run -p allmhub --example gemini`.

use allmhub::types::{GeminiContent, GeminiGenerateContentRequest};

#[tokio::main]
async fn main() -> Result<(), allmhub::Error> {
    let client = allmhub::Client::from_env()?;
    let request = GeminiGenerateContentRequest::new(vec![GeminiContent::user("写一首关于秋天的短诗")]);
    let response = client.gemini().generate_content("gemini-2.5-flash", &request).await?;
    // The first candidate's text, thought summaries left out.
    println!("{}", response.text().unwrap_or_default());

    // Streamed chunks merged into one response.
    let stream = client
        .gemini()
        .generate_content_stream("gemini-2.5-flash", &request)
        .await?;
    let merged = stream.into_final().await?;
    println!("{:?}", merged.usage_metadata);
    Ok(())
}
