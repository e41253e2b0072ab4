//! `allmhub-conform SCHEMA [FILE|-] [--sse] [--strict]` — check a captured payload against a spec schema.
//! `cargo xtask conform` runs this binary.

use std::process::ExitCode;

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "allmhub-conform",
    version,
    about = "Check a captured ALLMHUB payload against a spec schema"
)]
struct Cli {
    #[command(flatten)]
    args: allmhub_conform::cli::ConformArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    ExitCode::from(allmhub_conform::cli::run(
        &cli.args,
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    ))
}
