//! `allmhub mock` and `allmhub proxy`: the test kit's servers from the command line. Each prints its base
//! URL as the first line of standard output and serves until Ctrl-C.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use allmhub_mock::proxy::Proxy;
use allmhub_mock::{MockServer, Scenario};

/// Arguments of `allmhub mock`.
#[derive(Debug, Clone, clap::Args)]
pub struct MockArgs {
    /// The address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// A scenario file (YAML or JSON): operation ids to lists of steps, each a fault or `ok`, e.g.
    /// `create_chat_completion: ["429; retry-after=1", ok]`.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Milliseconds between two events of a stream.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub pace_ms: u64,
    /// Accept only this key (any key is accepted by default).
    #[arg(long, value_name = "KEY", hide_env_values = true)]
    pub key: Option<String>,
    /// Answer the requests a HAR capture holds (`allmhub proxy --record`, a browser's export) with their
    /// recorded answers; other requests get the spec's examples.
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
}

/// Arguments of `allmhub proxy`.
#[derive(Debug, Clone, clap::Args)]
pub struct ProxyArgs {
    /// The gateway to forward to (`https://api.allmhub.com`).
    #[arg(long, value_name = "URL")]
    pub upstream: String,
    /// The address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Append one JSON line per exchange to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Record every exchange into this HAR file, credentials redacted (replay it with `allmhub mock
    /// --replay`, check it with `allmhub conform --har`).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Members and values the spec does not know (an open enum's value, a union's tag) make an exchange fail.
    #[arg(long)]
    pub strict: bool,
    /// Answers larger than this many MiB are forwarded but not validated.
    #[arg(long, value_name = "MIB", default_value_t = 32)]
    pub limit_mib: usize,
}

/// A failure of the kit's commands, with its exit status (2: usage or setup).
pub struct KitError(pub String);

/// Prints the URL on the first line of stdout, flushed at once (scripts read it).
fn announce(url: &str) -> Result<(), KitError> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{url}")
        .and_then(|()| stdout.flush())
        .map_err(|error| KitError(format!("cannot write the URL: {error}")))
}

async fn until_interrupted() {
    // Without a signal handler (rare platforms), serve until killed.
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Runs the mock until Ctrl-C.
pub async fn mock(args: MockArgs) -> Result<(), KitError> {
    let scenario = match &args.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|error| KitError(format!("cannot read {}: {error}", path.display())))?;
            Scenario::from_text(&text).map_err(|error| KitError(format!("{}: {error}", path.display())))?
        }
        None => Scenario::new(),
    };
    let mut builder = MockServer::builder()
        .listen(args.listen)
        .pace(Duration::from_millis(args.pace_ms))
        .scenario(scenario);
    if let Some(key) = &args.key {
        builder = builder.key(key);
    }
    let mut replayed = 0;
    if let Some(path) = &args.replay {
        let capture =
            std::fs::read(path).map_err(|error| KitError(format!("cannot read {}: {error}", path.display())))?;
        let exchanges = allmhub_conform::har::read_har(&capture)
            .map_err(|error| KitError(format!("{}: {error}", path.display())))?;
        replayed = exchanges.len();
        builder = builder.replay(exchanges);
    }
    let server = builder
        .start()
        .await
        .map_err(|error| KitError(format!("cannot listen on {}: {error}", args.listen)))?;
    announce(server.url())?;
    if let Some(path) = &args.replay {
        eprintln!(
            "allmhub mock: replaying {replayed} recorded exchanges of {}",
            path.display()
        );
    }
    eprintln!(
        "allmhub mock: every operation of the spec; {} key; Ctrl-C stops it. Try:\n  ALLMHUB_BASE_URL={} ALLMHUB_API_KEY=any allmhub chat \"Hello\"",
        if args.key.is_some() { "only the given" } else { "any" },
        server.url()
    );
    until_interrupted().await;
    eprintln!("allmhub mock: {} requests served", server.requests().len());
    Ok(())
}

/// Runs the validating proxy until Ctrl-C, then prints the per-operation summary on stderr.
pub async fn proxy(args: ProxyArgs) -> Result<(), KitError> {
    let mut builder = Proxy::builder(&args.upstream)
        .listen(args.listen)
        .strict(args.strict)
        .limit(args.limit_mib.saturating_mul(1024 * 1024));
    if let Some(report) = &args.report {
        builder = builder.report(report);
    }
    if let Some(record) = &args.record {
        builder = builder.record(record);
    }
    let proxy = builder
        .start()
        .await
        .map_err(|error| KitError(format!("cannot start the proxy: {error}")))?;
    announce(proxy.url())?;
    eprintln!(
        "allmhub proxy: forwarding to {}{}; Ctrl-C stops it and prints the summary",
        args.upstream.trim_end_matches('/'),
        args.report
            .as_ref()
            .map(|path| format!(", one JSON line per exchange in {}", path.display()))
            .unwrap_or_default()
    );
    if let Some(record) = &args.record {
        eprintln!(
            "allmhub proxy: recording into {} (credentials redacted)",
            record.display()
        );
    }
    until_interrupted().await;
    let summary = proxy.summary();
    if summary.is_empty() {
        eprintln!("allmhub proxy: no exchanges");
    } else {
        eprintln!(
            "allmhub proxy: {} exchanges, {} not conforming\n{}",
            summary.exchanges(),
            summary.failures(),
            summary.table().trim_end()
        );
    }
    Ok(())
}
