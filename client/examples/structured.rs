//! Structured output and typed tool calls, from Rust types: `cargo run -p allmhub --example structured`
//! (in your own project: `allmhub = { version = "…", features = ["schemars"] }` and `schemars` with `derive`).

use allmhub::types::{ChatCompletionRequest, ChatMessage, ChatResponseFormat, ChatTool};
use schemars::JsonSchema;
use serde::Deserialize;

/// A recipe, as the model must answer it.
#[derive(Deserialize, JsonSchema)]
struct Recipe {
    name: String,
    /// Ingredients with their quantities.
    ingredients: Vec<Ingredient>,
    minutes: u32,
    /// Only when the dish is vegetarian-friendly with a change.
    vegetarian_variant: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
struct Ingredient {
    name: String,
    quantity: String,
}

/// The arguments of a tool the model may call.
#[derive(Deserialize, JsonSchema)]
struct Weather {
    city: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = allmhub::Client::from_env()?;

    // The answer's shape from a Rust type (OpenAI strict mode), and the answer parsed back into it.
    let mut request = ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user("A quick pancake recipe.")]);
    request.response_format = Some(ChatResponseFormat::json_schema_for::<Recipe>()?);
    let recipe: Recipe = client.chat().create(&request).await?.parse()?;
    println!("{} ({} min)", recipe.name, recipe.minutes);
    for ingredient in &recipe.ingredients {
        println!("- {} {}", ingredient.quantity, ingredient.name);
    }
    if let Some(variant) = &recipe.vegetarian_variant {
        println!("vegetarian: {variant}");
    }

    // A strict tool from a Rust type; its calls read back as that type (a mismatch names the JSON path).
    let question = ChatMessage::user("Do I need an umbrella in Paris today?");
    let mut request = ChatCompletionRequest::new("gpt-4o-mini", vec![question]);
    request.tools = vec![ChatTool::function_for::<Weather>(
        "get_weather",
        "Current weather of a city",
    )?];
    let answer = client.chat().create(&request).await?;
    for call in answer.tool_calls() {
        let weather: Weather = call.arguments()?;
        println!(
            "{} wants the weather of {} (call {:?})",
            call.name, weather.city, call.id
        );
    }
    Ok(())
}
