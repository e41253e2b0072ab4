//! Text to speech, then speech to text: `cargo run -p allmhub --example audio`.

use allmhub::types::{SpeechRequest, TranscriptionRequest, Upload};

#[tokio::main]
async fn main() -> Result<(), allmhub::Error> {
    let client = allmhub::Client::from_env()?;
    let speech = SpeechRequest::new("tts-1", "Hello from allmhub-rs!", "alloy");
    let audio = client.audio().speech(&speech).await?;
    std::fs::write("hello.mp3", &audio).map_err(|error| allmhub::Error::Request(error.to_string()))?;
    println!("wrote hello.mp3 ({} bytes)", audio.len());

    let form = TranscriptionRequest::new(Upload::from_bytes("hello.mp3", audio.to_vec()), "whisper-1");
    let transcript = client.audio().transcribe(&form).await?;
    println!("transcript: {}", transcript.text);
    Ok(())
}
