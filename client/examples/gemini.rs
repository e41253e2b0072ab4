//! Gemini generateContent: `cargo run -p allmhub --example gemini`.

use allmhub::types::{GeminiContent, GeminiGenerateContentRequest};

#[tokio::main]
async fn main() -> Result<(), allmhub::Error> {
    let client = allmhub::Client::from_env()?;
    let request = GeminiGenerateContentRequest::new(vec![GeminiContent::user("写一首关于秋天的短诗")]);
    let response = client.gemini().generate_content("gemini-2.5-flash", &request).await?;
    for candidate in &response.candidates {
        for part in candidate.content.iter().flat_map(|content| &content.parts) {
            if let Some(text) = &part.text {
                println!("{text}");
            }
        }
    }
    Ok(())
}
