//! Token balance and models: `cargo run -p allmhub --example account`.

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
    for model in client.account().models().await?.data {
        println!("{}", model.id);
    }
    Ok(())
}
