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
    /// Cold debug build times of `allmhub` and `allmhub-types` (all families, one family) against async-openai
    /// (full, chat only), the HTTP stack alone (reqwest, rustls, tokio: the floor under either client) and the
    /// HTTP stack with serde derive and serde_json (the floor under any client of serde-derived types), each in
    /// a fresh target directory, measured in the same run; prints the ratios.
    BenchCompile {
        /// The family built alone.
        #[arg(long, default_value = "openai-chat")]
        family: String,
    },
    /// Cold release build time of the `allmhub` CLI (what `cargo install --locked --path cli` compiles) against
    /// async-openai's full API, each in a fresh target directory, in the same run; prints the ratio.
    BenchRelease,
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
        Command::BenchRelease => bench_release(),
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

/// The async-openai release every build-time figure is compared with (the one `bench/` decodes with).
const ASYNC_OPENAI: &str = "async-openai = { version = \"=0.43.0\"";

/// Writes a probe crate into `dir` (its own workspace, an empty library).
fn write_probe(dir: &std::path::Path, index: usize, dependency: &str) -> std::io::Result<()> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"probe{index}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n[dependencies]\n{dependency}\n"
        ),
    )?;
    std::fs::write(dir.join("src/lib.rs"), "")
}

/// Seconds of a cold `cargo build` (plus `extra` arguments) in `dir`, into the fresh target directory
/// `target`, which is deleted afterwards. Dependencies are fetched first: downloads are not build time.
fn cold_build(dir: &std::path::Path, extra: &[&str], target: &std::path::Path) -> Result<f64, String> {
    let cargo = cargo();
    let fetched = std::process::Command::new(&cargo)
        .arg("fetch")
        .current_dir(dir)
        .status();
    if !fetched.is_ok_and(|status| status.success()) {
        return Err(format!("cargo fetch failed in {}", dir.display()));
    }
    let _ = std::fs::remove_dir_all(target);
    let started = Instant::now();
    let built = std::process::Command::new(&cargo)
        .args(["build", "--quiet", "--offline"])
        .args(extra)
        .env("CARGO_TARGET_DIR", target)
        .current_dir(dir)
        .status();
    let elapsed = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(target);
    if built.is_ok_and(|status| status.success()) {
        Ok(elapsed)
    } else {
        Err(format!("cargo build {} failed in {}", extra.join(" "), dir.display()))
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

fn bench_compile(family: &str) -> ExitCode {
    let root = workspace_root();
    let client = root.join("client");
    let client = client.display();
    let types = root.join("generated");
    let types = types.display();
    let probes = [
        Probe {
            name: "allmhub, all families",
            dependency: format!("allmhub = {{ path = \"{client}\" }}"),
        },
        Probe {
            name: "allmhub, one family",
            dependency: format!(
                "allmhub = {{ path = \"{client}\", default-features = false, features = [\"rustls\", \"{family}\"] }}"
            ),
        },
        Probe {
            name: "allmhub-types, all families",
            dependency: format!("allmhub-types = {{ path = \"{types}\" }}"),
        },
        Probe {
            name: "allmhub-types, one family",
            dependency: format!(
                "allmhub-types = {{ path = \"{types}\", default-features = false, features = [\"{family}\"] }}"
            ),
        },
        Probe {
            name: "async-openai, full",
            dependency: format!("{ASYNC_OPENAI}, features = [\"full\"] }}"),
        },
        Probe {
            name: "async-openai, chat only",
            dependency: format!(
                "{ASYNC_OPENAI}, default-features = false, features = [\"rustls\", \"chat-completion\"] }}"
            ),
        },
        // The floor under any client of this kind: the HTTP stack alone, with the client's versions and TLS.
        Probe {
            name: "reqwest + rustls + tokio",
            dependency: "reqwest = { version = \"0.13.5\", default-features = false, features = [\"stream\", \"rustls-no-provider\"] }\n\
                         rustls = { version = \"0.23\", default-features = false, features = [\"ring\", \"std\", \"tls12\"] }\n\
                         tokio = { version = \"1.47\", features = [\"time\", \"fs\", \"io-util\"] }"
                .to_owned(),
        },
        // The floor under any client the design allows (serde-derived types, serde_json, reqwest on tokio):
        // the HTTP stack with serde's derive and serde_json, before a single type or call of ours.
        Probe {
            name: "HTTP stack + serde derive",
            dependency: "reqwest = { version = \"0.13.5\", default-features = false, features = [\"stream\", \"rustls-no-provider\"] }\n\
                         rustls = { version = \"0.23\", default-features = false, features = [\"ring\", \"std\", \"tls12\"] }\n\
                         tokio = { version = \"1.47\", features = [\"time\", \"fs\", \"io-util\"] }\n\
                         serde = { version = \"1.0.228\", features = [\"derive\"] }\n\
                         serde_json = \"1.0.150\""
                .to_owned(),
        },
    ];
    let base = root.join("target/bench-compile");
    let mut seconds = Vec::new();
    for (index, probe) in probes.iter().enumerate() {
        let dir = base.join(format!("probe{index}"));
        if let Err(error) = write_probe(&dir, index, &probe.dependency) {
            eprintln!("error: {}: {error}", dir.display());
            return ExitCode::FAILURE;
        }
        eprintln!("building {} …", probe.name);
        match cold_build(&dir, &[], &dir.join("target")) {
            Ok(elapsed) => seconds.push(elapsed),
            Err(error) => {
                eprintln!("error: {}: {error}", probe.name);
                return ExitCode::FAILURE;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&base);
    println!("cold debug builds (dependencies included, one at a time, same machine and run):");
    for (probe, time) in probes.iter().zip(&seconds) {
        println!("  {:<28} {time:>6.1} s", probe.name);
    }
    let [client_all, client_one, types_all, types_one, full, chat, stack, floor] = seconds[..] else {
        unreachable!("one time per probe");
    };
    let line = |what: &str, ratio: f64, target: Option<f64>| match target {
        Some(target) => println!(
            "  {what:<46} {ratio:.2}× (target ≤ {target}×: {})",
            verdict(ratio <= target)
        ),
        None => println!("  {what:<46} {ratio:.2}×"),
    };
    line("client, one family / async-openai chat:", client_one / chat, Some(0.5));
    line("types, all families / async-openai full:", types_all / full, Some(0.5));
    line("types, one family / async-openai full:", types_one / full, Some(0.25));
    line("client, all families / async-openai full:", client_all / full, None);
    line("client, one family / async-openai full:", client_one / full, None);
    line("HTTP stack alone / async-openai chat:", stack / chat, None);
    line("client, one family / HTTP stack alone:", client_one / stack, None);
    line("HTTP stack + serde derive / async-openai chat:", floor / chat, None);
    ExitCode::SUCCESS
}

fn bench_release() -> ExitCode {
    let root = workspace_root();
    let base = root.join("target/bench-release");
    let probe = base.join("async-openai");
    if let Err(error) = write_probe(&probe, 0, &format!("{ASYNC_OPENAI}, features = [\"full\"] }}")) {
        eprintln!("error: {}: {error}", probe.display());
        return ExitCode::FAILURE;
    }
    eprintln!("building async-openai (full API), release …");
    let theirs = match cold_build(&probe, &["--release"], &base.join("target-async-openai")) {
        Ok(seconds) => seconds,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    // What `cargo install --locked --path cli` compiles: the CLI's release build with the lockfile's versions.
    eprintln!("building the allmhub CLI, release …");
    let ours = match cold_build(
        &root,
        &["--release", "--locked", "-p", "allmhub-cli"],
        &base.join("target-cli"),
    ) {
        Ok(seconds) => seconds,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let _ = std::fs::remove_dir_all(&base);
    let ratio = ours / theirs;
    println!("cold release builds (dependencies included, one at a time, same machine and run):");
    println!("  allmhub CLI (cargo install --locked)  {ours:>6.1} s");
    println!("  async-openai, full API                {theirs:>6.1} s");
    println!(
        "  CLI / async-openai full: {ratio:.2}× (target ≤ 1.5×: {})",
        verdict(ratio <= 1.5)
    );
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
