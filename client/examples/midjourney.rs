//! Midjourney: submit an imagine task, then look at it: `cargo run -p allmhub --example midjourney`.

use allmhub::types::MjImagineRequest;

#[tokio::main]
async fn main() -> Result<(), allmhub::Error> {
    let client = allmhub::Client::from_env()?;
    let submitted = client
        .midjourney()
        .submit_imagine(&MjImagineRequest::new("Cat --v 6.1 --ar 16:9"))
        .await?;
    let Some(task_id) = submitted.result else {
        println!("no task id: {:?}", submitted.description);
        return Ok(());
    };
    let task = client.midjourney().fetch_task(task_id.as_str()).await?;
    println!("task {} {:?} {:?}", task.id, task.status, task.progress);
    Ok(())
}
