//! Embeddings: `cargo run -p allmhub --example embeddings`.

use allmhub::types::{EmbeddingInput, EmbeddingRequest, EmbeddingVector};

#[tokio::main]
async fn main() -> Result<(), allmhub::Error> {
    let client = allmhub::Client::from_env()?;
    let input = EmbeddingInput::Texts(vec![
        "The food was delicious.".to_owned(),
        "The waiter was friendly.".to_owned(),
    ]);
    let response = client
        .embeddings()
        .create(&EmbeddingRequest::new("text-embedding-3-small", input))
        .await?;
    for item in &response.data {
        if let EmbeddingVector::Float(vector) = &item.embedding {
            println!("input {}: {} dimensions", item.index, vector.len());
        }
    }
    Ok(())
}
