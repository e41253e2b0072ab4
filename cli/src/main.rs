//! `allmhub` — the ALLMHUB gateway from the command line.
//!
//! Exit status: 0 success, 1 the API or the job failed, 2 usage or configuration error.

mod display;
mod kit;

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use allmhub::jobs::{JobUpdate, WaitOptions};
use allmhub::progress::{ProgressEvent, progress_events};
use allmhub::types::{
    ChatCompletionRequest, ChatMessage, DEFAULT_QUOTA_PER_USD, LogKind, MjImagineRequest, ModelPrice, ModelPricing,
    VideoRequest,
};
use allmhub::{Client, Error};
use clap::{Parser, Subcommand};
use futures_util::{Stream, StreamExt};

use display::{ChatPrinter, Progress, Transfer};

#[derive(Parser)]
#[command(name = "allmhub", version, about = "The ALLMHUB LLM gateway from the command line")]
struct Cli {
    /// The API key (令牌, `sk-…`).
    #[arg(long, env = "ALLMHUB_API_KEY", hide_env_values = true, global = true)]
    api_key: Option<String>,
    /// The gateway's base URL.
    #[arg(long, env = "ALLMHUB_BASE_URL", global = true, default_value = allmhub::DEFAULT_BASE_URL)]
    base_url: String,
    #[command(subcommand)]
    command: Command,
}

/// Following a long job.
#[derive(clap::Args, Clone, Copy)]
struct Follow {
    /// Print the final result as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 1800)]
    timeout: u64,
    /// Seconds between the first looks at the job (the delay grows up to 15 s).
    #[arg(long, default_value_t = 2.0)]
    poll: f64,
}

impl Follow {
    fn options(self) -> WaitOptions {
        let first = Duration::from_secs_f64(self.poll.max(0.001));
        WaitOptions::default()
            .delays(first, Duration::from_secs(15).max(first))
            .deadline(Duration::from_secs(self.timeout))
    }
}

#[derive(Subcommand)]
enum Command {
    /// Chat with a model; the answer streams to stdout. The prompt is the argument or standard input.
    Chat {
        /// The prompt (read from standard input when absent).
        prompt: Option<String>,
        /// The model.
        #[arg(short, long, default_value = "gpt-4o-mini")]
        model: String,
        /// A system message.
        #[arg(long)]
        system: Option<String>,
        /// Wait for the whole answer instead of streaming it.
        #[arg(long)]
        no_stream: bool,
        /// Print the whole answer (a chat completion, accumulated from the stream) as JSON.
        #[arg(long)]
        json: bool,
        /// Reasoning text shown dimmed before the answer: `auto` on a terminal without `NO_COLOR`. Without
        /// colors it goes to standard error, so that standard output is the answer alone.
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
    },
    /// Midjourney imagine: submit the prompt, follow the task, print the image URL.
    Imagine {
        /// The prompt, Midjourney parameters included (`--ar 16:9`).
        prompt: String,
        #[command(flatten)]
        follow: Follow,
    },
    /// Generate a video (Sora, Veo): submit, follow the job, print the video URL.
    Video {
        /// What the video shows.
        #[arg(required_unless_present = "job")]
        prompt: Option<String>,
        /// Follow a job created earlier instead of creating one (nothing is submitted, nothing charged).
        #[arg(long, conflicts_with_all = ["prompt", "chat"])]
        job: Option<String>,
        /// The model (`sora-2`, `veo3.1`, …; with `--chat`, a chat-format model such as `sora_video2`).
        #[arg(short, long, default_value = "sora-2")]
        model: String,
        /// Length in seconds (`4`, `8`, `12`).
        #[arg(long)]
        seconds: Option<String>,
        /// Size, `720x1280` or `1280x720`.
        #[arg(long)]
        size: Option<String>,
        /// Use the chat format: the model streams its progress as text.
        #[arg(long)]
        chat: bool,
        /// Also download the video to this file.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
        #[command(flatten)]
        follow: Follow,
    },
    /// Show a Midjourney task.
    Task {
        /// The task id.
        id: String,
        /// Print the task as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The key's balance: total limit, used, remaining.
    Balance {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The key's own quota (in quota units, and in dollars at the default rate), model whitelist and expiry.
    Usage {
        /// Print JSON (the gateway's answer).
        #[arg(long)]
        json: bool,
    },
    /// The key's latest requests, newest first: when, which model, tokens, and what each cost.
    Logs {
        /// Show at most this many entries.
        #[arg(short = 'n', long, default_value_t = 20)]
        limit: usize,
        /// Print JSON (the entries as the gateway sent them).
        #[arg(long)]
        json: bool,
    },
    /// Model prices in US dollars, per million tokens or per call, as a key of one group pays them.
    Prices {
        /// Only these models (all when none is given).
        models: Vec<String>,
        /// The group whose price ratio applies.
        #[arg(long, default_value = "default")]
        group: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The models the key may use.
    Models {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check a captured payload against a spec schema (the same as `cargo xtask conform`), or every exchange
    /// of a HAR capture with `--har FILE`.
    Conform(allmhub_conform::cli::ConformArgs),
    /// Serve a mock gateway driven by the spec: every operation, any key, no network. Prints its base URL on
    /// the first line of stdout; Ctrl-C stops it.
    Mock(kit::MockArgs),
    /// A validating proxy: forwards to the gateway unchanged and checks every exchange against the spec.
    /// Prints its base URL on the first line of stdout; Ctrl-C stops it and prints a summary.
    Proxy(kit::ProxyArgs),
}

/// When to style output.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    fn styled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
            }
        }
    }
}

/// A failure and its exit status.
struct Failure {
    code: u8,
    message: String,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let code = if matches!(error, Error::Config(_)) { 2 } else { 1 };
        Failure {
            code,
            message: error.to_string(),
        }
    }
}

impl From<allmhub::download::DownloadError> for Failure {
    fn from(error: allmhub::download::DownloadError) -> Self {
        match error {
            allmhub::download::DownloadError::Http(error) => error.into(),
            other => Failure {
                code: 1,
                message: other.to_string(),
            },
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        Failure {
            code: 1,
            message: error.to_string(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Conform(args) = &cli.command {
        return ExitCode::from(allmhub_conform::cli::run(
            args,
            &mut std::io::stdin().lock(),
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        ));
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    // The servers need no key and no client.
    let served = match &cli.command {
        Command::Mock(args) => Some(runtime.block_on(kit::mock(args.clone()))),
        Command::Proxy(args) => Some(runtime.block_on(kit::proxy(args.clone()))),
        _ => None,
    };
    if let Some(served) = served {
        return match served {
            Ok(()) => ExitCode::SUCCESS,
            Err(kit::KitError(message)) => {
                eprintln!("error: {message}");
                ExitCode::from(2)
            }
        };
    }
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

fn client(cli: &Cli) -> Result<Client, Failure> {
    let Some(key) = cli.api_key.as_deref().filter(|key| !key.trim().is_empty()) else {
        return Err(Failure {
            code: 2,
            message: "no API key: set ALLMHUB_API_KEY or pass --api-key".to_owned(),
        });
    };
    Ok(Client::builder().api_key(key.trim()).base_url(&cli.base_url).build()?)
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let client = client(&cli)?;
    match cli.command {
        Command::Chat {
            prompt,
            model,
            system,
            no_stream,
            json,
            color,
        } => {
            let output = ChatOutput {
                stream: !no_stream,
                json,
                styled: color.styled(),
            };
            chat(&client, prompt, model, system, output).await
        }
        Command::Imagine { prompt, follow } => imagine(&client, prompt, follow).await,
        Command::Video {
            prompt: Some(prompt),
            model,
            chat: true,
            output,
            follow,
            ..
        } => chat_video(&client, prompt, model, output, follow).await,
        Command::Video {
            prompt,
            job,
            model,
            seconds,
            size,
            output,
            follow,
            ..
        } => {
            let job = match (job, prompt) {
                (Some(id), _) => VideoJob::Existing(id),
                (None, Some(prompt)) => VideoJob::New {
                    prompt,
                    model,
                    seconds,
                    size,
                },
                (None, None) => {
                    return Err(Failure {
                        code: 2,
                        message: "give a prompt, or --job ID to follow an existing job".to_owned(),
                    });
                }
            };
            video(&client, job, output, follow).await
        }
        Command::Task { id, json } => task(&client, &id, json).await,
        Command::Balance { json } => balance(&client, json).await,
        Command::Usage { json } => usage(&client, json).await,
        Command::Logs { limit, json } => logs(&client, limit, json).await,
        Command::Prices { models, group, json } => prices(&client, &models, &group, json).await,
        Command::Models { json } => models(&client, json).await,
        Command::Conform(_) | Command::Mock(_) | Command::Proxy(_) => {
            unreachable!("handled before the client is built")
        }
    }
}

/// How `allmhub chat` answers.
struct ChatOutput {
    stream: bool,
    json: bool,
    styled: bool,
}

async fn chat(
    client: &Client,
    prompt: Option<String>,
    model: String,
    system: Option<String>,
    output: ChatOutput,
) -> Result<(), Failure> {
    let prompt = match prompt {
        Some(prompt) => prompt,
        None => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text)?;
            text
        }
    };
    if prompt.trim().is_empty() {
        return Err(Failure {
            code: 2,
            message: "no prompt: pass one as an argument or on standard input".to_owned(),
        });
    }
    let mut messages = Vec::new();
    messages.extend(system.map(ChatMessage::system));
    messages.push(ChatMessage::user(prompt));
    let request = ChatCompletionRequest::new(model, messages);
    if output.stream {
        let mut stream = client.chat().create_stream(&request).await?;
        if output.json {
            // The same answer a non-streamed call gives, accumulated from the chunks.
            return print_json(&stream.into_final().await?);
        }
        let mut printer = ChatPrinter::new(output.styled);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            let Some(choice) = chunk.choices.iter().find(|choice| choice.index.unwrap_or(0) == 0) else {
                continue;
            };
            let delta = &choice.delta;
            if let Some(reasoning) = delta.reasoning_content.as_deref().or(delta.reasoning.as_deref()) {
                printer.reasoning(reasoning)?;
            }
            if let Some(text) = &delta.content {
                printer.answer(text)?;
            }
        }
        printer.finish()?;
        return Ok(());
    }
    let answer = client.chat().create(&request).await?;
    if output.json {
        return print_json(&answer);
    }
    let mut printer = ChatPrinter::new(output.styled);
    if let Some(reasoning) = answer.first_choice().and_then(|choice| choice.message.reasoning_text()) {
        printer.reasoning(reasoning)?;
    }
    printer.answer(&answer.text().unwrap_or_default())?;
    printer.finish()?;
    Ok(())
}

fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(|error| Failure {
        code: 1,
        message: error.to_string(),
    })?;
    println!("{text}");
    Ok(())
}

/// Follows a job's updates with a progress bar and returns the last look at the job, if there was one.
async fn follow_job<J>(
    label: &str,
    updates: impl Stream<Item = Result<JobUpdate<J>, Error>>,
) -> Result<Option<J>, Failure> {
    let progress = Progress::new(label);
    let mut updates = std::pin::pin!(updates);
    let mut last = None;
    while let Some(update) = updates.next().await {
        let update = update.inspect_err(|_| progress.abandon())?;
        progress.update(&update.status, update.percent, update.max_percent);
        last = Some(update.job);
    }
    progress.finish();
    Ok(last)
}

/// A submission that failed. Paid jobs are sent once: after an error that may have reached the gateway the
/// client does not resubmit (a second paid job), so the message says what to check instead.
fn submit_failure(what: &str, error: Error) -> Failure {
    let mut failure = Failure::from(error);
    let error_text = std::mem::take(&mut failure.message);
    failure.message = if failure.code == 2 {
        error_text
    } else {
        format!(
            "{what} failed: {error_text}\nit was sent once and not repeated, since a repeat could start a second paid job; \
             if the gateway accepted it anyway, it is in the gateway's task list"
        )
    };
    failure
}

/// A job that was accepted but could not be followed to its end: the failure names the job to check later.
fn follow_failure(failure: Failure, id: &str, check: &str) -> Failure {
    Failure {
        code: failure.code,
        message: format!(
            "{}\nthe job {id} was accepted; check it later with `{check}`",
            failure.message
        ),
    }
}

async fn imagine(client: &Client, prompt: String, follow: Follow) -> Result<(), Failure> {
    let submitted = client
        .midjourney()
        .submit_imagine(&MjImagineRequest::new(prompt))
        .await
        .map_err(|error| submit_failure("the imagine submission", error))?;
    let Some(id) = submitted.result else {
        return Err(Failure {
            code: 1,
            message: format!(
                "no task id in the answer: {}",
                submitted.description.unwrap_or_default()
            ),
        });
    };
    eprintln!("submitted task {id}");
    let updates = client.midjourney().watch(id.as_str(), follow.options());
    let followed = follow_job(&format!("imagine {id}"), updates).await;
    let Some(task) = followed.map_err(|failure| follow_failure(failure, id.as_str(), &format!("allmhub task {id}")))?
    else {
        return Ok(());
    };
    if follow.json {
        return print_json(&task);
    }
    match task.image_url.filter(|url| !url.is_empty()) {
        Some(url) => println!("{url}"),
        None => println!("task {} finished without an image URL", task.id),
    }
    Ok(())
}

/// The video job `allmhub video` follows.
enum VideoJob {
    /// Create one.
    New {
        prompt: String,
        model: String,
        seconds: Option<String>,
        size: Option<String>,
    },
    /// Follow one created earlier.
    Existing(String),
}

async fn video(
    client: &Client,
    job: VideoJob,
    output: Option<std::path::PathBuf>,
    follow: Follow,
) -> Result<(), Failure> {
    let id = match job {
        VideoJob::Existing(id) => id,
        VideoJob::New {
            prompt,
            model,
            seconds,
            size,
        } => {
            let mut request = VideoRequest::new(model, prompt);
            request.seconds = seconds;
            request.size = size;
            let job = client
                .videos()
                .create(&request)
                .await
                .map_err(|error| submit_failure("creating the video job", error))?;
            eprintln!("created video job {}", job.id);
            job.id
        }
    };
    let updates = client.videos().watch(&id, follow.options());
    let followed = follow_job(&format!("video {id}"), updates).await;
    let check = format!("allmhub video --job {id}");
    let Some(job) = followed.map_err(|failure| follow_failure(failure, &id, &check))? else {
        return Ok(());
    };
    if let Some(path) = &output {
        let transfer = Transfer::new(&format!("video {}", job.id));
        let saved = client
            .save_video(&job.id, path, |progress| {
                transfer.update(progress.received, progress.total)
            })
            .await;
        transfer.finish();
        let size = saved?;
        eprintln!("saved {} ({size} bytes)", path.display());
    }
    if follow.json {
        return print_json(&job);
    }
    // Where the MP4 is depends on the channel: `video_url`, `metadata.url`, or only the content endpoint.
    let url = job.video_url.clone().filter(|url| !url.is_empty()).or_else(|| {
        job.metadata
            .as_ref()
            .and_then(|metadata| metadata.get("url"))
            .and_then(|url| url.as_str())
            .map(str::to_owned)
    });
    match url {
        Some(url) => println!("{url}"),
        None => match &output {
            Some(path) => println!("{}", path.display()),
            None => println!("video {} is ready: download it with --output FILE", job.id),
        },
    }
    Ok(())
}

async fn chat_video(
    client: &Client,
    prompt: String,
    model: String,
    output: Option<std::path::PathBuf>,
    follow: Follow,
) -> Result<(), Failure> {
    if output.is_some() {
        return Err(Failure {
            code: 2,
            message: "--output needs a video job; the chat format only links the video".to_owned(),
        });
    }
    let request = ChatCompletionRequest::new(model, vec![ChatMessage::user(prompt)]);
    let chunks = client.chat().create_stream(&request).await?;
    let progress = Progress::new("video");
    let deadline = Duration::from_secs(follow.timeout);
    let mut events = std::pin::pin!(progress_events(chunks));
    let mut urls = Vec::new();
    let watched = tokio::time::timeout(deadline, async {
        while let Some(event) = events.next().await {
            match event? {
                ProgressEvent::Queued { .. } => progress.update("queued", None, None),
                ProgressEvent::Progress { percent, max_percent } => {
                    progress.update("in_progress", Some(percent), Some(max_percent))
                }
                ProgressEvent::MediaReady { urls: ready } => urls.extend(ready),
                ProgressEvent::Failed { message } => {
                    return Err(Failure { code: 1, message });
                }
                ProgressEvent::Text(_) => {}
            }
        }
        Ok(())
    })
    .await;
    match watched {
        Err(_) => {
            progress.abandon();
            return Err(Failure {
                code: 1,
                message: format!("no result after {} s", follow.timeout),
            });
        }
        Ok(Err(failure)) => {
            progress.abandon();
            return Err(failure);
        }
        Ok(Ok(())) => progress.finish(),
    }
    if follow.json {
        return print_json(&serde_json::json!({ "urls": urls }));
    }
    if urls.is_empty() {
        return Err(Failure {
            code: 1,
            message: "the stream ended without a result link".to_owned(),
        });
    }
    for url in urls {
        println!("{url}");
    }
    Ok(())
}

async fn task(client: &Client, id: &str, json: bool) -> Result<(), Failure> {
    let task = client.midjourney().fetch_task(id).await?;
    if json {
        return print_json(&task);
    }
    let field = |value: Option<String>| {
        value
            .filter(|value| !value.is_empty())
            .unwrap_or_else(|| "-".to_owned())
    };
    println!("id        {}", task.id);
    println!("action    {}", field(task.action.map(|action| action.to_string())));
    println!("status    {}", field(task.status.map(|status| status.to_string())));
    println!("progress  {}", field(task.progress));
    println!("image     {}", field(task.image_url));
    println!("failure   {}", field(task.fail_reason));
    Ok(())
}

async fn balance(client: &Client, json: bool) -> Result<(), Failure> {
    let subscription = client.account().billing_subscription().await?;
    let usage = client.account().billing_usage(Default::default()).await?;
    // `total_usage` is in hundredths of the unit of `hard_limit_usd` (the site's display currency).
    let limit = subscription.hard_limit_usd;
    let used = usage.total_usage / 100.0;
    let remaining = limit - used;
    if json {
        return print_json(&serde_json::json!({ "limit": limit, "used": used, "remaining": remaining }));
    }
    println!("limit      {limit:.4}");
    println!("used       {used:.4}");
    println!("remaining  {remaining:.4}");
    Ok(())
}

async fn usage(client: &Client, json: bool) -> Result<(), Failure> {
    let answer = client.account().token_usage().await?;
    if json {
        return print_json(&answer);
    }
    let usage = &answer.data;
    let amount = |quota: i64| {
        format!(
            "{quota} ({:.4} USD at the default rate)",
            quota as f64 / DEFAULT_QUOTA_PER_USD
        )
    };
    println!("name       {}", usage.name.as_deref().unwrap_or("-"));
    println!("used       {}", amount(usage.total_used));
    match usage.remaining() {
        Some(left) => println!("remaining  {}", amount(left)),
        None => println!("remaining  unlimited"),
    }
    if usage.model_limits_enabled == Some(true) {
        let whitelist: Vec<&str> = usage.model_limits.keys().map(String::as_str).collect();
        println!("models     {}", whitelist.join(", "));
    } else {
        println!("models     any");
    }
    println!("expires    {}", when(usage.expires_at.filter(|at| *at > 0), "never"));
    Ok(())
}

async fn logs(client: &Client, limit: usize, json: bool) -> Result<(), Failure> {
    let answer = client.account().token_logs().await?;
    let entries: Vec<_> = answer.data.unwrap_or_default().into_iter().take(limit).collect();
    if json {
        return print_json(&entries);
    }
    let mut stdout = std::io::stdout().lock();
    for entry in &entries {
        let kind = match entry.kind() {
            LogKind::Consume => "request".to_owned(),
            LogKind::Error => "failed".to_owned(),
            LogKind::TopUp => "top-up".to_owned(),
            LogKind::Refund => "refund".to_owned(),
            LogKind::Manage => "manage".to_owned(),
            LogKind::System => "system".to_owned(),
            other => format!("type {}", i64::from(other)),
        };
        writeln!(
            stdout,
            "{}  {kind:<7}  {}  in {} out {}  quota {}",
            when(Some(entry.created_at), "-"),
            entry
                .model_name
                .as_deref()
                .filter(|name| !name.is_empty())
                .unwrap_or("-"),
            entry.prompt_tokens.unwrap_or(0),
            entry.completion_tokens.unwrap_or(0),
            entry.quota.unwrap_or(0),
        )?;
    }
    Ok(())
}

async fn prices(client: &Client, wanted: &[String], group: &str, json: bool) -> Result<(), Failure> {
    let list = client.account().pricing().await?;
    // A list without group ratios (some resellers leave them out) prices every group at 1.
    let ratio = match list.group_ratio.get(group) {
        Some(&ratio) => ratio,
        None if list.group_ratio.is_empty() => 1.0,
        None => {
            let known: Vec<&str> = list.group_ratio.keys().map(String::as_str).collect();
            return Err(Failure {
                code: 1,
                message: format!("the price list has no group {group:?} (it has: {})", known.join(", ")),
            });
        }
    };
    let mut rows = Vec::new();
    for model in list.data.unwrap_or_default() {
        if !wanted.is_empty() && !wanted.contains(&model.model_name) {
            continue;
        }
        let price = model.price().map(|price| price.times(ratio));
        rows.push((model, price));
    }
    if let Some(missing) = wanted
        .iter()
        .find(|name| !rows.iter().any(|(model, _)| &model.model_name == *name))
    {
        return Err(Failure {
            code: 1,
            message: format!("the price list has no model {missing:?}"),
        });
    }
    if json {
        let out: Vec<serde_json::Value> = rows
            .iter()
            .map(
                |(
                    ModelPricing {
                        model_name: model,
                        billing_expr,
                        ..
                    },
                    price,
                )| match price {
                    Some(ModelPrice::PerToken {
                        input_per_million,
                        output_per_million,
                        cached_input_per_million,
                    }) => serde_json::json!({
                        "model": model, "group": group, "input_per_million": input_per_million,
                        "output_per_million": output_per_million, "cached_input_per_million": cached_input_per_million,
                    }),
                    Some(ModelPrice::PerCall(per_call)) => {
                        serde_json::json!({"model": model, "group": group, "per_call": per_call})
                    }
                    // A price formula (given as the gateway sent it) or a billing mode this version does not know.
                    _ => serde_json::json!({"model": model, "group": group, "billing_expr": billing_expr}),
                },
            )
            .collect();
        return print_json(&out);
    }
    let mut stdout = std::io::stdout().lock();
    for (model, price) in &rows {
        let text = match price {
            Some(ModelPrice::PerToken {
                input_per_million,
                output_per_million,
                cached_input_per_million,
            }) => {
                let cached = cached_input_per_million
                    .map(|price| format!(", cached input {price:.4}"))
                    .unwrap_or_default();
                format!("input {input_per_million:.4}, output {output_per_million:.4}{cached} USD per million tokens")
            }
            Some(ModelPrice::PerCall(per_call)) => format!("{per_call:.4} USD per call"),
            _ => "priced by a formula (see --json or the site's pricing page)".to_owned(),
        };
        writeln!(stdout, "{}  {text}", model.model_name)?;
    }
    Ok(())
}

/// Unix seconds as an HTTP date (`Thu, 31 Dec 2026 23:59:59 GMT`), or `none` when absent or out of range.
fn when(seconds: Option<i64>, none: &str) -> String {
    // 9999-12-31T23:59:59Z: the last instant an HTTP date can name (httpdate panics after it).
    const LAST: u64 = 253_402_300_799;
    seconds
        .and_then(|seconds| u64::try_from(seconds).ok())
        .filter(|seconds| *seconds <= LAST)
        .map_or_else(
            || none.to_owned(),
            |seconds| httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(seconds)),
        )
}

async fn models(client: &Client, json: bool) -> Result<(), Failure> {
    let list = client.account().models().await?;
    let ids: Vec<&str> = list.data.iter().map(|model| model.id.as_str()).collect();
    if json {
        return print_json(&ids);
    }
    let mut stdout = std::io::stdout().lock();
    for id in ids {
        writeln!(stdout, "{id}")?;
    }
    Ok(())
}

/// Whether standard error is a terminal (progress bars), or a pipe or file (plain lines).
fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}
