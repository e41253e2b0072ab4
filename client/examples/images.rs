//! Image generation, saved to files: `cargo run -p allmhub --example images`.

use allmhub::types::ImageGenerationRequest;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = allmhub::Client::from_env()?;
    let mut request = ImageGenerationRequest::new("gpt-image-1", "A watercolor sea otter floating on its back");
    request.size = Some("1024x1024".to_owned());
    let response = client.images().generate(&request).await?;
    for (index, image) in response.data.iter().enumerate() {
        // `b64_json` decoded, or `url` fetched (without the API key).
        let path = format!("otter-{index}.png");
        let size = client.save_image(image, &path).await?;
        println!("{path}: {size} bytes");
    }
    Ok(())
}
