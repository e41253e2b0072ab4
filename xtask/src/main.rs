//! `cargo xtask` — project commands.

mod msrv;
mod package;

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
        /// Write nothing; fail, printing a unified diff of each stale file, when the committed output differs.
        #[arg(long)]
        check: bool,
    },
    /// Time the generation step (spec → every generated file, in memory): median of 7 runs. Build with
    /// `--release` for the figure that counts: `cargo run --release -p xtask -- bench-generate`.
    BenchGenerate,
    /// Cold debug build times of `allmhub` (all families, one family) against async-openai (full, chat-only),
    /// each in a fresh target directory, measured in the same run; prints the ratios.
    BenchCompile {
        /// The family built alone.
        #[arg(long, default_value = "openai-chat")]
        family: String,
    },
    /// Check that the workspace's `rust-version` holds for the published crates: no dependency needs a newer
    /// Rust, and their sources use no newer syntax (clippy's `incompatible_msrv` checks the std items).
    Msrv,
    /// `cargo package` every published crate (they resolve each other locally) and `cargo check` the
    /// packages in a scratch workspace under `target/`, as crates.io users would build them.
    Package,
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
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir.parent().expect("xtask lives in the workspace").to_owned()
}

/// The cargo that runs this command (`$CARGO`), or `cargo` from `PATH` when the variable is unset or empty
/// (some shells and IDE runners export it empty).
fn cargo() -> std::ffi::OsString {
    cargo_from(std::env::var_os("CARGO"))
}

fn cargo_from(variable: Option<std::ffi::OsString>) -> std::ffi::OsString {
    variable
        .filter(|cargo| !cargo.is_empty())
        .unwrap_or_else(|| "cargo".into())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Regen { check } => regen(check),
        Command::Conform { args } => conform(&args),
        Command::Msrv => msrv(),
        Command::Package => package(),
        Command::BenchGenerate => bench_generate(),
        Command::BenchCompile { family } => bench_compile(&family),
    }
}

fn conform(args: &[std::ffi::OsString]) -> ExitCode {
    let status = std::process::Command::new(cargo())
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

fn msrv() -> ExitCode {
    match msrv::check(&workspace_root(), &cargo()) {
        Ok(findings) => {
            for note in &findings.notes {
                eprintln!("{note}");
            }
            for problem in &findings.problems {
                eprintln!("error: {problem}");
            }
            if findings.problems.is_empty() {
                eprintln!("the declared rust-version holds");
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn package() -> ExitCode {
    match package::check(&workspace_root(), &cargo()) {
        Ok(crates) => {
            let names: Vec<String> = crates
                .iter()
                .map(|krate| format!("{} {}", krate.name, krate.version))
                .collect();
            eprintln!("packaged and checked: {}", names.join(", "));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
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

/// A crate that only depends on what is measured.
struct Probe {
    name: &'static str,
    dependency: String,
}

fn bench_compile(family: &str) -> ExitCode {
    let root = workspace_root();
    let client = root.join("client");
    let client = client.display();
    let probes = [
        Probe {
            name: "allmhub, all families",
            dependency: format!("allmhub = {{ path = \"{client}\" }}"),
        },
        Probe {
            name: "allmhub, one family",
            dependency: format!(
                "allmhub = {{ path = \"{client}\", default-features = false, features = [\"{family}\"] }}"
            ),
        },
        Probe {
            name: "async-openai, full",
            dependency: "async-openai = { version = \"=0.43.0\", features = [\"full\"] }".to_owned(),
        },
        Probe {
            name: "async-openai, chat only",
            dependency: "async-openai = { version = \"=0.43.0\", default-features = false, features = [\"rustls\", \"chat-completion\"] }"
                .to_owned(),
        },
    ];
    let base = root.join("target/bench-compile");
    let mut seconds = Vec::new();
    for (index, probe) in probes.iter().enumerate() {
        let dir = base.join(format!("probe{index}"));
        let _ = std::fs::remove_dir_all(&dir);
        let written = std::fs::create_dir_all(dir.join("src")).and_then(|()| {
            std::fs::write(
                dir.join("Cargo.toml"),
                format!(
                    "[package]\nname = \"probe{index}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n[dependencies]\n{}\n",
                    probe.dependency
                ),
            )?;
            std::fs::write(dir.join("src/lib.rs"), "")
        });
        if let Err(error) = written {
            eprintln!("error: {}: {error}", dir.display());
            return ExitCode::FAILURE;
        }
        let cargo = cargo();
        // Downloads are not build time: fetch first, then build cold in an empty target directory.
        let fetched = std::process::Command::new(&cargo)
            .arg("fetch")
            .current_dir(&dir)
            .status();
        if !fetched.is_ok_and(|status| status.success()) {
            eprintln!("error: cargo fetch failed for {}", probe.name);
            return ExitCode::FAILURE;
        }
        eprintln!("building {} …", probe.name);
        let started = Instant::now();
        let built = std::process::Command::new(&cargo)
            .args(["build", "--quiet", "--offline"])
            .env("CARGO_TARGET_DIR", dir.join("target"))
            .current_dir(&dir)
            .status();
        let elapsed = started.elapsed().as_secs_f64();
        if !built.is_ok_and(|status| status.success()) {
            eprintln!("error: building {} failed", probe.name);
            return ExitCode::FAILURE;
        }
        seconds.push(elapsed);
        let _ = std::fs::remove_dir_all(dir.join("target"));
    }
    println!("cold debug builds (dependencies included, one at a time, same machine and run):");
    for (probe, time) in probes.iter().zip(&seconds) {
        println!("  {:<26} {time:>6.1} s", probe.name);
    }
    let verdict = |ratio: f64, target: f64| if ratio <= target { "met" } else { "NOT met" };
    let all = seconds[0] / seconds[2];
    let one = seconds[1] / seconds[2];
    println!(
        "  all families / async-openai full: {all:.2}× (target ≤ 0.5×: {})",
        verdict(all, 0.5)
    );
    println!(
        "  one family / async-openai full:   {one:.2}× (target ≤ 0.15×: {})",
        verdict(one, 0.15)
    );
    println!("  one family / async-openai chat:   {:.2}×", seconds[1] / seconds[3]);
    ExitCode::SUCCESS
}

/// The longest diff `regen --check` prints per stale file; `git diff` after `cargo xtask regen` shows all.
const MAX_DIFF_LINES: usize = 400;

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
    if check {
        let stale = match allmhub_codegen::stale_files(&root, &files) {
            Ok(stale) => stale,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        };
        if stale.is_empty() {
            eprintln!("generated code is fresh ({} files)", files.len());
            return ExitCode::SUCCESS;
        }
        for file in &stale {
            let what = if file.generated.is_none() {
                "no longer generated"
            } else {
                "stale"
            };
            eprintln!("{what}: {}", file.path.display());
            eprint!("{}", file.unified_diff(MAX_DIFF_LINES));
        }
        eprintln!(
            "generated code is stale ({} files): run `cargo xtask regen` and commit the result",
            stale.len()
        );
        return ExitCode::FAILURE;
    }
    let report = match allmhub_codegen::write_files(&root, &files, false) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    for path in &report.changed {
        eprintln!("wrote {}", path.display());
    }
    for path in &report.removed {
        eprintln!("removed {}", path.display());
    }
    eprintln!(
        "{} files, {} changed, generated in {:.0} ms",
        files.len(),
        report.changed.len() + report.removed.len(),
        generated_in.as_secs_f64() * 1000.0
    );
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::cargo_from;

    #[test]
    fn an_empty_cargo_variable_is_like_an_unset_one() {
        assert_eq!(cargo_from(None), "cargo");
        assert_eq!(cargo_from(Some("".into())), "cargo");
        assert_eq!(cargo_from(Some("/opt/rust/bin/cargo".into())), "/opt/rust/bin/cargo");
    }
}
