//! A Sora/Veo video job: create it, follow it, save the video: `cargo run -p allmhub --example videos`.

use allmhub::jobs::WaitOptions;
use allmhub::types::{VideoRequest, VideoStatus};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = allmhub::Client::from_env()?;
    let mut request = VideoRequest::new("sora-2", "A calico cat playing a piano on stage");
    request.seconds = Some("8".to_owned());
    let job = client.videos().create(&request).await?;
    println!("job {} queued", job.id);
    let job = client.videos().wait(&job.id, WaitOptions::default()).await?;
    if job.status == VideoStatus::Completed {
        // Streamed to disk (bounded memory), with progress.
        let size = client
            .save_video(&job.id, "cat.mp4", |progress| {
                eprint!("\r{} / {:?} bytes", progress.received, progress.total)
            })
            .await?;
        println!("\nsaved cat.mp4 ({size} bytes)");
    }
    Ok(())
}
