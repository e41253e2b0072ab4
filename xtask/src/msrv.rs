//! `cargo xtask msrv`: the `rust-version` of the workspace is honest for the published crates, checked with
//! the one toolchain at hand. An older compiler is not needed for three of the four ways a crate can need a
//! newer Rust than it declares:
//!
//! 1. a dependency declares a higher `rust-version` — read from `cargo metadata` for every package the
//!    published crates build (normal and build dependencies, all features, all targets);
//! 2. the code calls a standard library item stabilized later — clippy's `incompatible_msrv` lint, which
//!    reads the same `rust-version`, is part of the clippy step (`-D warnings`);
//! 3. the code uses newer syntax — this scans the published crates' sources for the ones edition-2024 code
//!    reaches for: `let` chains (Rust 1.88) and `if let` match guards;
//! 4. the code relies on newer type-system behaviour (trait upcasting, new inference) — not checked here; only
//!    a build with the old compiler finds it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use quote::ToTokens;
use serde_json::Value;
use syn::visit::Visit;

/// A `major.minor.patch` Rust version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RustVersion(u64, u64, u64);

impl RustVersion {
    /// Parses `1.85` or `1.85.0`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('.').map(str::parse::<u64>);
        let major = parts.next()?.ok()?;
        let minor = parts.next().unwrap_or(Ok(0)).ok()?;
        let patch = parts.next().unwrap_or(Ok(0)).ok()?;
        parts.next().is_none().then_some(RustVersion(major, minor, patch))
    }
}

impl std::fmt::Display for RustVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// A package of `cargo metadata`.
struct Package {
    name: String,
    version: String,
    rust_version: Option<RustVersion>,
    publish: bool,
    manifest_dir: PathBuf,
}

/// What the check found.
#[derive(Debug, Default)]
pub struct Findings {
    /// Problems that make the declared `rust-version` a lie.
    pub problems: Vec<String>,
    /// What was checked, for the log.
    pub notes: Vec<String>,
}

/// Runs the check from the workspace at `root` with `cargo`.
pub fn check(root: &Path, cargo: &std::ffi::OsStr) -> Result<Findings, String> {
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["metadata", "--format-version", "1", "--all-features", "--locked"])
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
    let mut findings = check_metadata(&metadata)?;
    let published: Vec<PathBuf> = packages(&metadata)?
        .into_values()
        .filter(|package| package.publish && is_member(&metadata, &package.manifest_dir))
        .map(|package| package.manifest_dir.join("src"))
        .collect();
    let mut files = 0;
    for dir in &published {
        for file in rust_files(dir)? {
            files += 1;
            let text = std::fs::read_to_string(&file).map_err(|error| format!("{}: {error}", file.display()))?;
            let shown = file.strip_prefix(root).unwrap_or(&file).display().to_string();
            findings.problems.extend(
                newer_syntax(&text)
                    .map_err(|error| format!("{shown}: {error}"))?
                    .into_iter()
                    .map(|found| format!("{shown}: {found}")),
            );
        }
    }
    findings.notes.push(format!(
        "syntax: {files} source files of the published crates scanned for let chains and `if let` guards"
    ));
    findings
        .notes
        .push("standard library: clippy's incompatible_msrv lint (the clippy step) checks items against it".into());
    Ok(findings)
}

fn is_member(metadata: &Value, manifest_dir: &Path) -> bool {
    let root = metadata["workspace_root"].as_str().map(Path::new);
    root.is_some_and(|root| manifest_dir.starts_with(root))
}

fn packages(metadata: &Value) -> Result<BTreeMap<String, Package>, String> {
    let list = metadata["packages"].as_array().ok_or("cargo metadata: no `packages`")?;
    let mut out = BTreeMap::new();
    for package in list {
        let text = |key: &str| package[key].as_str().unwrap_or_default().to_owned();
        let manifest = PathBuf::from(text("manifest_path"));
        let rust_version = match package["rust_version"].as_str() {
            Some(version) => Some(
                RustVersion::parse(version)
                    .ok_or_else(|| format!("{}: unreadable rust-version `{version}`", text("name")))?,
            ),
            None => None,
        };
        out.insert(
            text("id"),
            Package {
                name: text("name"),
                version: text("version"),
                rust_version,
                // `publish = false` is `[]`; absent (`null`) means crates.io.
                publish: !package["publish"].as_array().is_some_and(Vec::is_empty),
                manifest_dir: manifest.parent().map(Path::to_owned).unwrap_or_default(),
            },
        );
    }
    Ok(out)
}

/// The metadata part of the check: the workspace declares one `rust-version` and no dependency of a
/// published crate needs more.
pub fn check_metadata(metadata: &Value) -> Result<Findings, String> {
    let packages = packages(metadata)?;
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .ok_or("cargo metadata: no `workspace_members`")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut findings = Findings::default();
    let declared: BTreeSet<Option<RustVersion>> = members
        .iter()
        .filter_map(|id| packages.get(*id))
        .map(|package| package.rust_version)
        .collect();
    let ours = match declared.iter().collect::<Vec<_>>().as_slice() {
        [Some(version)] => *version,
        _ => {
            findings.problems.push(format!(
                "the workspace members must all declare the same rust-version (`rust-version.workspace = true`); \
                 found {declared:?}"
            ));
            return Ok(findings);
        }
    };
    if ours < RustVersion(1, 85, 0) {
        findings.problems.push(format!(
            "rust-version {ours} is below 1.85, the first Rust with edition 2024"
        ));
    }

    // id → the ids it depends on, by kind.
    let mut edges: BTreeMap<&str, Vec<(&str, bool)>> = BTreeMap::new();
    for node in metadata["resolve"]["nodes"]
        .as_array()
        .ok_or("cargo metadata: no `resolve`")?
    {
        let id = node["id"].as_str().unwrap_or_default();
        for dep in node["deps"].as_array().into_iter().flatten() {
            let kinds = dep["dep_kinds"].as_array().into_iter().flatten();
            let builds = kinds.clone().any(|kind| kind["kind"].as_str() != Some("dev"));
            edges
                .entry(id)
                .or_default()
                .push((dep["pkg"].as_str().unwrap_or_default(), builds));
        }
    }
    let published: Vec<&str> = members
        .iter()
        .copied()
        .filter(|id| packages.get(*id).is_some_and(|package| package.publish))
        .collect();
    let names = |ids: &[&str]| -> Vec<String> {
        ids.iter()
            .filter_map(|id| packages.get(*id))
            .map(|p| p.name.clone())
            .collect()
    };
    findings.notes.push(format!(
        "rust-version {ours}, published crates: {}",
        names(&published).join(", ")
    ));

    let built = reach(&edges, &published, false);
    let mut highest: Option<(RustVersion, &Package)> = None;
    for (id, parent) in built.iter().filter(|(id, _)| !published.contains(id)) {
        let Some(package) = packages.get(*id) else { continue };
        let Some(needed) = package.rust_version else { continue };
        if highest.is_none_or(|(version, _)| needed > version) {
            highest = Some((needed, package));
        }
        if needed > ours {
            let mut chain = vec![format!("{} {}", package.name, package.version)];
            let mut at = *parent;
            while let Some(id) = at {
                chain.push(packages.get(id).map_or(id.to_owned(), |p| p.name.clone()));
                at = built.get(id).copied().flatten();
            }
            chain.reverse();
            findings.problems.push(format!(
                "{} {} needs Rust {needed}, above the declared {ours} (via {})",
                package.name,
                package.version,
                chain.join(" → ")
            ));
        }
    }
    findings.notes.push(match highest {
        Some((version, package)) => format!(
            "dependencies: {} packages built by the published crates, the highest rust-version is {version} ({} {})",
            built.len() - published.len(),
            package.name,
            package.version
        ),
        None => "dependencies: none declares a rust-version".to_owned(),
    });

    // The whole workspace with dev-dependencies: what running the tests needs (reported, not enforced).
    let tested = reach(&edges, &members, true);
    if let Some(package) = tested
        .keys()
        .filter_map(|id| packages.get(*id))
        .filter(|package| package.rust_version.is_some_and(|version| version > ours))
        .max_by_key(|package| package.rust_version)
    {
        findings.notes.push(format!(
            "the tests and tools need Rust {} ({} {}); building the published crates does not",
            package.rust_version.unwrap_or(ours),
            package.name,
            package.version
        ));
    }
    Ok(findings)
}

/// Every package reachable from `roots` through dependencies that get built (dev-dependencies only from the
/// roots, with `with_dev_roots`), each with the package it was reached from.
fn reach<'a>(
    edges: &BTreeMap<&'a str, Vec<(&'a str, bool)>>,
    roots: &[&'a str],
    with_dev_roots: bool,
) -> BTreeMap<&'a str, Option<&'a str>> {
    let mut via: BTreeMap<&str, Option<&str>> = roots.iter().map(|id| (*id, None)).collect();
    let mut queue: Vec<&str> = roots.to_vec();
    while let Some(id) = queue.pop() {
        let root = roots.contains(&id);
        for &(dep, builds) in edges.get(id).into_iter().flatten() {
            if (builds || (root && with_dev_roots)) && !via.contains_key(dep) {
                via.insert(dep, Some(id));
                queue.push(dep);
            }
        }
    }
    via
}

fn rust_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|error| format!("{}: {error}", dir.display()))?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Syntax newer than Rust 1.85 in a source file: each `let` chain and `if let` guard, with its condition.
pub fn newer_syntax(source: &str) -> Result<Vec<String>, String> {
    let file = syn::parse_file(source).map_err(|error| format!("does not parse: {error}"))?;
    let mut finder = NewerSyntax::default();
    finder.visit_file(&file);
    Ok(finder.found)
}

#[derive(Default)]
struct NewerSyntax {
    found: Vec<String>,
}

fn has_let(expr: &syn::Expr) -> bool {
    match expr {
        syn::Expr::Let(_) => true,
        syn::Expr::Binary(binary) if matches!(binary.op, syn::BinOp::And(_)) => {
            has_let(&binary.left) || has_let(&binary.right)
        }
        _ => false,
    }
}

fn shown(tokens: &impl ToTokens) -> String {
    let text = tokens.to_token_stream().to_string();
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

impl<'ast> Visit<'ast> for NewerSyntax {
    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        let condition = match expr {
            syn::Expr::If(if_expr) => Some(&*if_expr.cond),
            syn::Expr::While(while_expr) => Some(&*while_expr.cond),
            _ => None,
        };
        if let Some(syn::Expr::Binary(binary)) = condition {
            if has_let(&syn::Expr::Binary(binary.clone())) {
                self.found.push(format!("let chain (Rust 1.88): `{}`", shown(binary)));
            }
        }
        syn::visit::visit_expr(self, expr);
    }

    fn visit_pat_guard(&mut self, guard: &'ast syn::PatGuard) {
        if has_let(&guard.guard) {
            self.found
                .push(format!("`if let` guard (after Rust 1.85): `{}`", shown(&*guard.guard)));
        }
        syn::visit::visit_pat_guard(self, guard);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_number() {
        assert!(RustVersion::parse("1.85").unwrap() < RustVersion::parse("1.88.0").unwrap());
        assert!(RustVersion::parse("1.100").unwrap() > RustVersion::parse("1.99.9").unwrap());
        assert_eq!(RustVersion::parse("1.85").unwrap().to_string(), "1.85.0");
        assert_eq!(RustVersion::parse("1.x"), None);
        assert_eq!(RustVersion::parse("1.2.3.4"), None);
    }

    #[test]
    fn let_chains_and_if_let_guards_are_found_plain_if_let_is_not() {
        let source = "fn f(a: Option<u8>, b: bool) {
            if let Some(x) = a { let _ = x; }
            if b && a.is_some() {}
            while let Some(_) = a {}
            if b && let Some(x) = a && x > 1 {}
            while let Some(_) = a && b {}
            match a { Some(x) if let 1 = x => {} _ => {} }
        }";
        let found = newer_syntax(source).unwrap();
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].starts_with("let chain (Rust 1.88): `b && let Some (x) = a && x > 1`"));
        assert!(found[1].starts_with("let chain (Rust 1.88): `let Some (_) = a && b`"));
        assert!(found[2].starts_with("`if let` guard"));
        assert!(newer_syntax("fn (").unwrap_err().starts_with("does not parse"));
    }

    fn metadata(tokio_rust_version: &str) -> Value {
        serde_json::json!({
            "workspace_root": "/w",
            "workspace_members": ["types", "tests"],
            "packages": [
                {"id": "types", "name": "allmhub-types", "version": "0.1.0", "rust_version": "1.85",
                 "publish": null, "manifest_path": "/w/generated/Cargo.toml"},
                {"id": "tests", "name": "allmhub-tests", "version": "0.1.0", "rust_version": "1.85",
                 "publish": [], "manifest_path": "/w/tests/Cargo.toml"},
                {"id": "serde", "name": "serde", "version": "1.0.0", "rust_version": "1.61",
                 "publish": null, "manifest_path": "/r/serde/Cargo.toml"},
                {"id": "tokio", "name": "tokio", "version": "1.50.0", "rust_version": tokio_rust_version,
                 "publish": null, "manifest_path": "/r/tokio/Cargo.toml"},
                {"id": "proptest", "name": "proptest", "version": "1.12.0", "rust_version": "1.88",
                 "publish": null, "manifest_path": "/r/proptest/Cargo.toml"}
            ],
            "resolve": {"nodes": [
                {"id": "types", "deps": [
                    {"pkg": "serde", "dep_kinds": [{"kind": null, "target": null}]},
                    {"pkg": "proptest", "dep_kinds": [{"kind": "dev", "target": null}]}
                ]},
                {"id": "serde", "deps": [{"pkg": "tokio", "dep_kinds": [{"kind": "build", "target": "cfg(unix)"}]}]},
                {"id": "tests", "deps": [{"pkg": "proptest", "dep_kinds": [{"kind": null, "target": null}]}]}
            ]}
        })
    }

    #[test]
    fn a_dependency_needing_a_newer_rust_is_a_problem_with_its_path_dev_dependencies_are_not() {
        let findings = check_metadata(&metadata("1.70")).unwrap();
        assert!(findings.problems.is_empty(), "{:?}", findings.problems);
        assert!(
            findings
                .notes
                .iter()
                .any(|note| note.contains("highest rust-version is 1.70.0 (tokio 1.50.0)")),
            "{:?}",
            findings.notes
        );
        assert!(
            findings
                .notes
                .iter()
                .any(|note| note.contains("the tests and tools need Rust 1.88.0 (proptest 1.12.0)"))
        );

        let findings = check_metadata(&metadata("1.86")).unwrap();
        assert_eq!(
            findings.problems,
            ["tokio 1.50.0 needs Rust 1.86.0, above the declared 1.85.0 (via allmhub-types → serde → tokio 1.50.0)"]
        );
    }
}
