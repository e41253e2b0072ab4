//! `cargo xtask package`: the published crates package, and what they package compiles on its own.
//!
//! `cargo package` of the crates that depend on each other (their path dependencies carry versions, resolved
//! against a local overlay of the other packages) writes the `.crate` files; its own verification (a full
//! debug build of every dependency, with the packaged manifests' default profile) would double the CI time,
//! so this unpacks the `.crate` files into a scratch workspace under `target/` that resolves the crates
//! from each other (`[patch.crates-io]`), pins the workspace's `Cargo.lock`, and runs `cargo check
//! --all-targets` there with the workspace's target directory, reusing what the other steps compiled. A file
//! missing from an `include` list, a path dependency without a version or a dev-only import fails here as it
//! would on crates.io.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// A workspace member that is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publishable {
    /// The package name.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// The workspace members whose `publish` is not `false`, in `cargo metadata` order.
pub fn publishable(metadata: &Value) -> Vec<Publishable> {
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|package| package["id"].as_str().is_some_and(|id| members.contains(&id)))
        .filter(|package| !package["publish"].as_array().is_some_and(Vec::is_empty))
        .map(|package| Publishable {
            name: package["name"].as_str().unwrap_or_default().to_owned(),
            version: package["version"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// The manifest of the scratch workspace holding the unpacked crates.
pub fn scratch_manifest(crates: &[Publishable]) -> String {
    let dir = |krate: &Publishable| format!("{}-{}", krate.name, krate.version);
    let members: Vec<String> = crates.iter().map(|krate| format!("\"{}\"", dir(krate))).collect();
    let mut out = format!(
        "# Written by `cargo xtask package`: the packaged crates, resolved from each other.\n[workspace]\n\
         resolver = \"3\"\nmembers = [{}]\n\n[patch.crates-io]\n",
        members.join(", ")
    );
    for krate in crates {
        out.push_str(&format!("{} = {{ path = \"{}\" }}\n", krate.name, dir(krate)));
    }
    // The profile of the repository's workspace, so that dependencies compiled by other steps are reused.
    out.push_str("\n[profile.dev]\ndebug = \"line-tables-only\"\n\n[profile.dev.package.\"*\"]\ndebug = false\n");
    out
}

fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .map_err(|error| format!("cannot run {shown}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// Packages every publishable crate of the workspace at `root` and checks the packages.
pub fn check(root: &Path, cargo: &std::ffi::OsStr) -> Result<Vec<Publishable>, String> {
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .map_err(|error| format!("cannot run cargo metadata: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let metadata: Value =
        serde_json::from_slice(&output.stdout).map_err(|error| format!("cargo metadata output: {error}"))?;
    let crates = publishable(&metadata);
    if crates.is_empty() {
        return Err("no publishable crate in the workspace".to_owned());
    }
    let target = root.join("target");

    let mut package = Command::new(cargo);
    package
        .current_dir(root)
        .args(["package", "--no-verify", "--allow-dirty", "--quiet"]);
    for krate in &crates {
        package.args(["--package", &krate.name]);
    }
    run(&mut package)?;

    // Unpacked afresh, then synced into the scratch workspace: `.crate` files carry one fixed timestamp, so
    // cargo would take changed sources for unchanged ones; a synced file is rewritten only when it changed.
    let unpacked = target.join("package-unpacked");
    let scratch = target.join("package-check");
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |error: std::io::Error| format!("{path}: {error}")
    };
    if unpacked.exists() {
        std::fs::remove_dir_all(&unpacked).map_err(io(&unpacked))?;
    }
    std::fs::create_dir_all(&unpacked).map_err(io(&unpacked))?;
    for krate in &crates {
        let file: PathBuf = target
            .join("package")
            .join(format!("{}-{}.crate", krate.name, krate.version));
        run(Command::new("tar").arg("-xzf").arg(&file).arg("-C").arg(&unpacked))?;
    }
    std::fs::write(unpacked.join("Cargo.toml"), scratch_manifest(&crates)).map_err(io(&unpacked))?;
    std::fs::copy(root.join("Cargo.lock"), unpacked.join("Cargo.lock")).map_err(io(&root.join("Cargo.lock")))?;
    sync(&unpacked, &scratch)?;

    run(Command::new(cargo)
        .current_dir(&scratch)
        .args([
            "check",
            "--quiet",
            "--offline",
            "--workspace",
            "--all-targets",
            "--target-dir",
        ])
        .arg(&target))?;
    Ok(crates)
}

/// Makes `to` hold exactly the files of `from`, writing only files whose content differs (so that their
/// modification time says what changed) and removing the rest.
pub fn sync(from: &Path, to: &Path) -> Result<(), String> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |error: std::io::Error| format!("{path}: {error}")
    };
    std::fs::create_dir_all(to).map_err(io(to))?;
    let mut wanted = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let source = entry.map_err(io(from))?.path();
        let Some(name) = source.file_name() else { continue };
        let target = to.join(name);
        wanted.insert(name.to_owned());
        if source.is_dir() {
            if target.is_file() {
                std::fs::remove_file(&target).map_err(io(&target))?;
            }
            sync(&source, &target)?;
            continue;
        }
        if target.is_dir() {
            std::fs::remove_dir_all(&target).map_err(io(&target))?;
        }
        let contents = std::fs::read(&source).map_err(io(&source))?;
        if std::fs::read(&target).ok().as_deref() != Some(contents.as_slice()) {
            std::fs::write(&target, contents).map_err(io(&target))?;
        }
    }
    for entry in std::fs::read_dir(to).map_err(io(to))? {
        let path = entry.map_err(io(to))?.path();
        if path.file_name().is_some_and(|name| !wanted.contains(name)) {
            if path.is_dir() {
                std::fs::remove_dir_all(&path).map_err(io(&path))?;
            } else {
                std::fs::remove_file(&path).map_err(io(&path))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishable_members_are_those_without_publish_false() {
        let metadata = serde_json::json!({
            "workspace_members": ["a", "b", "c"],
            "packages": [
                {"id": "a", "name": "allmhub-types", "version": "0.1.0", "publish": null},
                {"id": "b", "name": "xtask", "version": "0.1.0", "publish": []},
                {"id": "c", "name": "allmhub", "version": "0.2.0", "publish": ["crates-io"]},
                {"id": "d", "name": "serde", "version": "1.0.0", "publish": null}
            ]
        });
        let names: Vec<String> = publishable(&metadata)
            .into_iter()
            .map(|krate| format!("{} {}", krate.name, krate.version))
            .collect();
        assert_eq!(names, ["allmhub-types 0.1.0", "allmhub 0.2.0"]);
    }

    #[test]
    fn sync_rewrites_changed_files_only_and_removes_the_rest() {
        let base = std::env::temp_dir().join(format!("xtask-sync-{}", std::process::id()));
        let (from, to) = (base.join("from"), base.join("to"));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(from.join("src")).unwrap();
        std::fs::create_dir_all(to.join("src")).unwrap();
        std::fs::create_dir_all(to.join("stale-dir")).unwrap();
        std::fs::write(from.join("src/same.rs"), "same").unwrap();
        std::fs::write(to.join("src/same.rs"), "same").unwrap();
        std::fs::write(from.join("src/changed.rs"), "new").unwrap();
        std::fs::write(to.join("src/changed.rs"), "old").unwrap();
        std::fs::write(from.join("Cargo.toml"), "[package]").unwrap();
        std::fs::write(to.join("src/gone.rs"), "gone").unwrap();
        let untouched = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1);
        let same = std::fs::File::options()
            .write(true)
            .open(to.join("src/same.rs"))
            .unwrap();
        same.set_modified(untouched).unwrap();

        sync(&from, &to).unwrap();
        assert_eq!(std::fs::read_to_string(to.join("src/changed.rs")).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(to.join("Cargo.toml")).unwrap(), "[package]");
        assert!(!to.join("src/gone.rs").exists() && !to.join("stale-dir").exists());
        let modified = std::fs::metadata(to.join("src/same.rs")).unwrap().modified().unwrap();
        assert_eq!(modified, untouched, "an unchanged file is not rewritten");
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn the_scratch_workspace_resolves_the_crates_from_each_other() {
        let crates = [
            Publishable {
                name: "allmhub-types".into(),
                version: "0.1.0".into(),
            },
            Publishable {
                name: "allmhub".into(),
                version: "0.1.0".into(),
            },
        ];
        let manifest = scratch_manifest(&crates);
        assert!(manifest.contains("members = [\"allmhub-types-0.1.0\", \"allmhub-0.1.0\"]\n"));
        assert!(manifest.contains(
            "[patch.crates-io]\nallmhub-types = { path = \"allmhub-types-0.1.0\" }\nallmhub = { path = \"allmhub-0.1.0\" }\n"
        ));
    }
}
