//! The generated client compiles: bindings for a small fixture spec (`fixtures/api`: one operation of each
//! kind — JSON, JSON or stream by a flag, a pure stream, multipart and JSON bodies, a binary answer, path,
//! query and header parameters, two security schemes; a tagged union, a kind union and an open enum) are
//! compiled against the real runtime, so a generator change that emits code the runtime cannot take fails
//! here, not in a user's build.
//!
//! The test assembles a scratch workspace under cargo's test scratch directory: the hand-written sources of
//! `allmhub-types` and `allmhub` (every `.rs` file that is not generated) and their manifests, with the
//! fixture's generated files in place of the spec's, then runs `cargo check --offline` there with the
//! workspace's target directory, so dependencies come already compiled (seconds when warm). Any warning
//! fails the test too. The manifests keep the spec's families as features that enable nothing
//! ([`fixture_manifest`]), since hand-written code is gated on them.
//!
//! The runtime is written against a few things of the real spec, and the fixture takes them from it (the
//! "runtime contract", [`with_runtime_contract`]): the security schemes and the in-band error envelopes,
//! which the runtime matches exhaustively, and the shared `common` schemas (error envelopes, `Usage`), which
//! it names. The runtime's `WholeAnswer` impls for the spec's streamable answers are hand-written
//! (`client/src/whole.rs`); the fixture's streamable answer gets one of the same shape.

use std::path::{Path, PathBuf};
use std::process::Command;

use allmhub_codegen::model::Model;
use allmhub_codegen::spec::Spec;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen lives in the workspace")
        .to_owned()
}

/// The fixture's model, with what the runtime needs of the real spec.
fn with_runtime_contract(mut fixture: Model, real: &Model) -> Model {
    fixture.security_schemes = real.security_schemes.clone();
    let mut envelopes: Vec<String> = Vec::new();
    for name in real.operations.iter().flat_map(|op| &op.in_band_errors) {
        if !envelopes.contains(name) {
            envelopes.push(name.clone());
        }
    }
    fixture.operations[0].in_band_errors = envelopes;
    for schema in real.schemas.iter().filter(|schema| schema.family == "common") {
        if !fixture.schemas.iter().any(|own| own.name == schema.name) {
            fixture.schemas.push(schema.clone());
        }
    }
    fixture
}

/// Writes `contents` to `path` unless it already holds them (an unchanged file keeps cargo's fingerprint).
fn write_if_changed(path: &Path, contents: &str) {
    if std::fs::read_to_string(path).ok().as_deref() == Some(contents) {
        return;
    }
    let parent = path.parent().expect("a file in a directory");
    std::fs::create_dir_all(parent).unwrap_or_else(|error| panic!("{}: {error}", parent.display()));
    std::fs::write(path, contents).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
}

/// Copies the hand-written `.rs` files under `from` (those without the generated header) to `to`.
fn copy_hand_written(from: &Path, to: &Path) {
    let entries = std::fs::read_dir(from).unwrap_or_else(|error| panic!("{}: {error}", from.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let target = to.join(path.file_name().expect("a file name"));
        if path.is_dir() {
            copy_hand_written(&path, &target);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            if !text.starts_with("// @generated") {
                write_if_changed(&target, &text);
            }
        }
    }
}

/// `text` with the array value of `key = [...]` (one line or several) replaced by `value`.
fn with_array(text: &str, key: &str, value: &str) -> String {
    let Some(start) = text.find(&format!("\n{key} = [")) else {
        return text.to_owned();
    };
    let open = start + key.len() + 4;
    let Some(close) = text[open..].find(']') else {
        return text.to_owned();
    };
    format!("{}{value}{}", &text[..open], &text[open + close + 1..])
}

/// `text` without the TOML table `[name]` (up to the next table header).
fn without_table(text: &str, name: &str) -> String {
    let header = format!("\n[{name}]\n");
    let Some(start) = text.find(&header) else {
        return text.to_owned();
    };
    let rest = &text[start + header.len()..];
    let end = rest.find("\n[").map_or(text.len(), |next| start + header.len() + next);
    format!("{}{}", &text[..start], &text[end..])
}

/// The features of a manifest's `[features]` table: name → what each enables (one-line arrays).
fn features(manifest: &str) -> Vec<(String, Vec<String>)> {
    let Some(start) = manifest.find("\n[features]\n") else {
        return Vec::new();
    };
    manifest[start + 12..]
        .lines()
        .take_while(|line| !line.starts_with('['))
        .filter_map(|line| {
            let (name, rest) = line.split_once(" = [")?;
            let items = rest.strip_suffix(']')?.split(',');
            let items = items.map(|item| item.trim().trim_matches('"').to_owned());
            Some((name.trim().to_owned(), items.filter(|item| !item.is_empty()).collect()))
        })
        .collect()
}

/// A crate manifest for the fixture: the fixture's generated feature table in place of the spec's; the
/// spec's families the fixture lacks declared as features that enable nothing, because hand-written features
/// and `#[cfg(feature = …)]`s name them (`progress = ["openai-chat", …]`); default features that need one of
/// those left out; the dev-dependencies dropped, since the crates' tests and examples stay home.
fn fixture_manifest(real: &str, region: &str, fixture_families: &[&str]) -> String {
    let (begin, end) = ("# @generated begin features", "# @generated end features");
    let text = without_table(real, "dev-dependencies");
    let (Some(start), Some(stop)) = (text.find(begin), text.find(end)) else {
        panic!("the manifest lacks its generated feature table");
    };
    let body_start = start + text[start..].find('\n').expect("a marker line") + 1;
    let after_end = stop + text[stop..].find('\n').map_or(text.len() - stop, |newline| newline + 1);
    let body = &text[body_start..stop];
    let real_families: Vec<String> = features(&format!("\n[features]\n{}", body.trim_start_matches("[features]\n")))
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| {
            !["default", "all-families"].contains(&name.as_str()) && !fixture_families.contains(&name.as_str())
        })
        .collect();
    // Right after the generated table, still inside `[features]`.
    let stubs: String = real_families.iter().map(|family| format!("{family} = []\n")).collect();
    let text = format!(
        "{}{region}{}{stubs}{}",
        &text[..body_start],
        &text[stop..after_end],
        &text[after_end..]
    );

    // A default feature that reaches a stubbed family would switch on the runtime's code for it.
    let table = features(&text);
    let reaches_stub = |feature: &str| {
        let mut pending = vec![feature.to_owned()];
        let mut seen = Vec::new();
        while let Some(name) = pending.pop() {
            if real_families.contains(&name) {
                return true;
            }
            if let Some((_, enables)) = table.iter().find(|(known, _)| *known == name) {
                pending.extend(enables.iter().filter(|item| !seen.contains(*item)).cloned());
            }
            seen.push(name);
        }
        false
    };
    let defaults = table
        .iter()
        .find(|(name, _)| name == "default")
        .map(|(_, items)| items.clone());
    let kept: Vec<String> = defaults
        .iter()
        .flatten()
        .filter(|feature| !reaches_stub(feature))
        .map(|feature| format!("\"{feature}\""))
        .collect();
    text.lines()
        .map(|line| match line.starts_with("default = [") {
            true => format!("default = [{}]\n", kept.join(", ")),
            false => format!("{line}\n"),
        })
        .collect()
}

#[test]
fn fixture_manifests_stub_the_spec_families_and_keep_defaults_that_do_not_need_them() {
    let client = "[package]\nname = \"allmhub\"\n\n[features]\ndefault = [\"tls\", \"all-families\", \"progress\"]\n\
                  tls = []\nprogress = [\"chat\", \"dep:md\"]\n# @generated begin features\nall-families = [\"chat\", \"demo\"]\n\
                  chat = [\"allmhub-types/chat\"]\ndemo = [\"allmhub-types/demo\"]\n# @generated end features\n\n\
                  [dev-dependencies]\nt = 1\n";
    let region = "all-families = [\"demo\"]\ndemo = [\"allmhub-types/demo\"]\n";
    assert_eq!(
        fixture_manifest(client, region, &["demo"]),
        "[package]\nname = \"allmhub\"\n\n[features]\ndefault = [\"tls\", \"all-families\"]\ntls = []\n\
         progress = [\"chat\", \"dep:md\"]\n# @generated begin features\nall-families = [\"demo\"]\n\
         demo = [\"allmhub-types/demo\"]\n# @generated end features\nchat = []\n"
    );
    // The types crate's table holds its `[features]` header and `default`.
    let types = "[dependencies]\nserde = 1\n\n# @generated begin features\n[features]\ndefault = [\"chat\", \"demo\"]\n\
                 chat = []\ndemo = []\n# @generated end features\n";
    let region = "[features]\ndefault = [\"demo\"]\ndemo = []\n";
    assert_eq!(
        fixture_manifest(types, region, &["demo"]),
        "[dependencies]\nserde = 1\n\n# @generated begin features\n[features]\ndefault = [\"demo\"]\ndemo = []\n\
         # @generated end features\nchat = []\n"
    );
}

#[test]
fn manifest_edits_keep_the_rest() {
    let manifest = "[workspace]\nmembers = [\n  \"a\",\n  \"b\",\n]\nexclude = [\"x\"]\n\n[dev-dependencies]\nt = 1\n\n[features]\nf = []\n";
    let edited = with_array(&with_array(manifest, "members", "[\"m\"]"), "exclude", "[]");
    assert_eq!(
        edited,
        "[workspace]\nmembers = [\"m\"]\nexclude = []\n\n[dev-dependencies]\nt = 1\n\n[features]\nf = []\n"
    );
    assert_eq!(
        without_table(&edited, "dev-dependencies"),
        "[workspace]\nmembers = [\"m\"]\nexclude = []\n\n[features]\nf = []\n"
    );
}

#[test]
fn the_generated_client_of_the_fixture_spec_compiles_against_the_runtime() {
    let root = workspace_root();
    let real = Model::from_spec(&Spec::load(&root.join("spec")).expect("the spec loads")).expect("the spec's model");
    let fixture_dir = root.join("codegen/tests/fixtures/api");
    let fixture = Model::from_spec(&Spec::load(&fixture_dir).expect("the fixture loads")).expect("the fixture's model");
    let model = with_runtime_contract(fixture, &real);
    let files = allmhub_codegen::generate_from_model(&model).unwrap_or_else(|error| panic!("{error}"));

    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("api-fixture");
    let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap_or_else(|error| panic!("{path}: {error}"));
    // The workspace manifest (shared package fields, dependency versions, profiles) with the two crates as
    // its members, and the lock file, so that the dependencies are the ones already compiled.
    let manifest = with_array(&read("Cargo.toml"), "members", "[\"generated\", \"client\"]");
    let manifest = with_array(&manifest, "exclude", "[]");
    write_if_changed(&scratch.join("Cargo.toml"), &manifest);
    write_if_changed(&scratch.join("Cargo.lock"), &read("Cargo.lock"));
    let region = |manifest: &str| {
        let file = files.iter().find(|file| file.path == Path::new(manifest));
        file.expect("the feature tables are generated").contents.clone()
    };
    let families: Vec<&str> = model.families.iter().map(|family| family.name.as_str()).collect();
    write_if_changed(
        &scratch.join("generated/Cargo.toml"),
        &fixture_manifest(
            &read("generated/Cargo.toml"),
            &region("generated/Cargo.toml"),
            &families,
        ),
    );
    write_if_changed(
        &scratch.join("client/Cargo.toml"),
        &fixture_manifest(&read("client/Cargo.toml"), &region("client/Cargo.toml"), &families),
    );
    copy_hand_written(&root.join("generated/src"), &scratch.join("generated/src"));
    copy_hand_written(&root.join("client/src"), &scratch.join("client/src"));
    allmhub_codegen::write_files(&scratch, &files, false).unwrap_or_else(|error| panic!("{error}"));

    // The fixture's streamable answer, like the spec's (client/src/whole.rs), stands for a list of events.
    let whole = scratch.join("client/src/whole.rs");
    let mut text = read("client/src/whole.rs");
    text.push_str(
        "\n#[cfg(feature = \"demo\")]\nimpl WholeAnswer for allmhub_types::Thing {\n    type Event = \
         allmhub_types::ThingEvent;\n\n    fn into_events(self) -> Vec<allmhub_types::ThingEvent> {\n        \
         Vec::new()\n    }\n}\n",
    );
    write_if_changed(&whole, &text);

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(&scratch)
        .args([
            "check",
            "--offline",
            "--message-format=short",
            "--package",
            "allmhub",
            "--target-dir",
        ])
        .arg(root.join("target"))
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Offline, so that the test never reaches the network: a crate of the lock file that this machine has not
    // downloaded yet (when only this crate's tests were built) is a setup step, not a generator failure.
    assert!(
        !stderr.contains("--offline was specified"),
        "the fixture's check runs offline on the workspace's locked crates; run `cargo fetch` once:\n{stderr}"
    );
    assert!(
        output.status.success(),
        "the fixture's client does not compile:\n{stderr}"
    );
    let warnings: Vec<&str> = stderr.lines().filter(|line| line.contains(": warning: ")).collect();
    assert!(
        warnings.is_empty(),
        "the fixture's client compiles with warnings:\n{stderr}"
    );
}
