//! A Sora/Veo video job: create it, then poll until it ends: `cargo run -p allmhub --example videos`.

use std::time::Duration;

use allmhub::types::{VideoRequest, VideoStatus};

#[tokio::main]
async fn main() -> Result<(), allmhub::Error> {
    let client = allmhub::Client::from_env()?;
    let mut request = VideoRequest::new("sora-2", "A calico cat playing a piano on stage");
    request.seconds = Some("8".to_owned());
    let mut job = client.videos().create(&request).await?;
    println!("job {} queued", job.id);
    while matches!(job.status, VideoStatus::Queued | VideoStatus::InProgress) {
        tokio::time::sleep(Duration::from_secs(10)).await;
        job = client.videos().retrieve(&job.id).await?;
        println!("{} {}%", job.status, job.progress);
    }
    if job.status == VideoStatus::Completed {
        let video = client.videos().download_content(&job.id, Default::default()).await?;
        println!("downloaded {} bytes", video.len());
    }
    Ok(())
}
