//! `cargo xtask` — project commands.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "allmhub-rs project commands")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate the bindings from spec/openapi.yaml (writes only files whose content changes).
    Regen {
        /// Write nothing; fail, naming the stale files, when the committed output differs.
        #[arg(long)]
        check: bool,
    },
    /// Time the generation step (spec → every generated file, in memory): median of 7 runs. Build with
    /// `--release` for the figure that counts: `cargo run --release -p xtask -- bench-generate`.
    BenchGenerate,
    /// Check a captured payload against a spec schema: `conform SCHEMA [FILE|-] [--sse] [--strict]`
    /// (runs the `allmhub-conform` binary, so that regen never depends on generated code).
    Conform {
        /// Arguments of `allmhub-conform`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<std::ffi::OsString>,
    },
}

/// The workspace root: the parent of this crate's directory (`cargo run` tells where it is).
fn workspace_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir.parent().expect("xtask lives in the workspace").to_owned()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Regen { check } => regen(check),
        Command::Conform { args } => conform(&args),
        Command::BenchGenerate => bench_generate(),
    }
}

fn conform(args: &[std::ffi::OsString]) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .current_dir(workspace_root())
        .args(["run", "--quiet", "--package", "allmhub-conform", "--"])
        .args(args)
        .status();
    match status {
        // The binary's own status: 0 conforms, 1 does not, 2 usage error.
        Ok(status) => ExitCode::from(status.code().map_or(2, |code| code as u8)),
        Err(error) => {
            eprintln!("error: cannot run cargo: {error}");
            ExitCode::from(2)
        }
    }
}

fn bench_generate() -> ExitCode {
    let spec = workspace_root().join("spec");
    let mut times = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        if let Err(error) = allmhub_codegen::generate(&spec) {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
        times.push(started.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    let profile = if cfg!(debug_assertions) {
        "debug build"
    } else {
        "release build"
    };
    println!(
        "generation step, whole spec: median {:.0} ms of 7 runs ({profile}; target < 1 s: {})",
        median.as_secs_f64() * 1000.0,
        if median.as_secs() < 1 { "met" } else { "NOT met" }
    );
    ExitCode::SUCCESS
}

fn regen(check: bool) -> ExitCode {
    let root = workspace_root();
    let started = Instant::now();
    let files = match allmhub_codegen::generate(&root.join("spec")) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let generated_in = started.elapsed();
    let report = match allmhub_codegen::write_files(&root, &files, check) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let stale = report.changed.len() + report.removed.len();
    if check {
        if stale == 0 {
            eprintln!("generated code is fresh ({} files)", files.len());
            return ExitCode::SUCCESS;
        }
        for path in &report.changed {
            eprintln!("stale: {}", path.display());
        }
        for path in &report.removed {
            eprintln!("no longer generated: {}", path.display());
        }
        eprintln!("generated code is stale: run `cargo xtask regen` and commit the result");
        return ExitCode::FAILURE;
    }
    for path in &report.changed {
        eprintln!("wrote {}", path.display());
    }
    for path in &report.removed {
        eprintln!("removed {}", path.display());
    }
    eprintln!(
        "{} files, {} changed, generated in {:.0} ms",
        files.len(),
        stale,
        generated_in.as_secs_f64() * 1000.0
    );
    ExitCode::SUCCESS
}
