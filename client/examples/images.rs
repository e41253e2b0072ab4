//! Image generation: `cargo run -p allmhub --example images`.

use allmhub::types::ImageGenerationRequest;

#[tokio::main]
async fn main() -> Result<(), allmhub::Error> {
    let client = allmhub::Client::from_env()?;
    let mut request = ImageGenerationRequest::new("gpt-image-1", "A watercolor sea otter floating on its back");
    request.size = Some("1024x1024".to_owned());
    let response = client.images().generate(&request).await?;
    for image in response.data.iter().flatten() {
        match (&image.url, &image.b64_json) {
            // The gateway may send empty strings for the members it does not fill.
            (Some(url), _) if !url.is_empty() => println!("{url}"),
            (_, Some(data)) if !data.is_empty() => println!("{} bytes of base64 image data", data.len()),
            _ => {}
        }
    }
    Ok(())
}
