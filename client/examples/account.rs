//! Token balance, the key's own usage and latest requests, prices and models:
//! `cargo run -p allmhub --example account`.

use allmhub::types::{DEFAULT_QUOTA_PER_USD, ModelPrice};

#[tokio::main]
async fn main() -> Result<(), allmhub::Error> {
    let client = allmhub::Client::from_env()?;
    let subscription = client.account().billing_subscription().await?;
    let usage = client.account().billing_usage(Default::default()).await?;
    // The limit is the token's total; usage comes in hundredths of the same unit.
    let remaining = subscription.hard_limit_usd - usage.total_usage / 100.0;
    println!(
        "limit {:.2}, used {:.2}, remaining {remaining:.2}",
        subscription.hard_limit_usd,
        usage.total_usage / 100.0
    );

    // The same key's quota in quota units, whatever currency the site displays.
    let key = client.account().token_usage().await?.data;
    match key.remaining() {
        Some(left) => println!(
            "key: {left} quota units left (${:.2} at the default rate)",
            left as f64 / DEFAULT_QUOTA_PER_USD
        ),
        None => println!("key: unlimited, {} quota units used", key.total_used),
    }
    for entry in client
        .account()
        .token_logs()
        .await?
        .data
        .unwrap_or_default()
        .iter()
        .take(5)
    {
        println!(
            "{} {:?} {} cost {} units",
            entry.created_at,
            entry.kind(),
            entry.model_name.as_deref().unwrap_or("-"),
            entry.quota.unwrap_or(0)
        );
    }

    // Prices need no key; a key of the `default` group pays them times that group's ratio.
    let prices = client.account().pricing().await?;
    let ratio = prices.group_ratio.get("default").copied().unwrap_or(1.0);
    for model in prices.data.unwrap_or_default() {
        match model.price().map(|price| price.times(ratio)) {
            Some(ModelPrice::PerToken {
                input_per_million,
                output_per_million,
                ..
            }) => println!(
                "{}: ${input_per_million:.3} in / ${output_per_million:.3} out per million tokens",
                model.model_name
            ),
            Some(ModelPrice::PerCall(price)) => println!("{}: ${price:.3} per call", model.model_name),
            _ => println!("{}: priced by a formula", model.model_name),
        }
    }

    for model in client.account().models().await?.data {
        println!("{}", model.id);
    }
    Ok(())
}
