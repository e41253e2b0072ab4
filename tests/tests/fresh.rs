//! The committed generated code is what the generator produces from the committed spec (the check of
//! `cargo xtask regen --check`). A stale file's unified diff is printed; outside CI (`CI` unset) the test
//! also rewrites the stale files, so that the next run passes and `git diff` shows the change to commit.
//! The lockfile's one deliberate choice is checked here too.

/// The longest diff printed per stale file.
const MAX_DIFF_LINES: usize = 400;

#[test]
fn committed_generated_code_is_fresh() {
    let root = allmhub_tests::workspace_root();
    let files = allmhub_codegen::generate(&root.join("spec")).unwrap_or_else(|error| panic!("{error}"));
    let stale = allmhub_codegen::stale_files(&root, &files).unwrap_or_else(|error| panic!("{error}"));
    if stale.is_empty() {
        return;
    }
    for file in &stale {
        println!("{}", file.unified_diff(MAX_DIFF_LINES));
    }
    let paths: Vec<String> = stale.iter().map(|file| file.path.display().to_string()).collect();
    if std::env::var_os("CI").is_some() {
        panic!(
            "stale generated files (run `cargo xtask regen` and commit them):\n  {}",
            paths.join("\n  ")
        );
    }
    allmhub_codegen::write_files(&root, &files, false).unwrap_or_else(|error| panic!("{error}"));
    panic!(
        "generated code was not up to date, updated (commit the result):\n  {}",
        paths.join("\n  ")
    );
}

/// `Cargo.lock` picks `url`'s unicode-rs back end (`idna_adapter` 1.1), which the top-level lockfile of an
/// application chooses: the same IDNA processing, and about 5 s less CPU per cold build than the ICU4X one
/// that `cargo update` would bring back. After an update: `cargo update -p idna_adapter --precise 1.1.0`.
#[test]
fn the_lockfile_keeps_the_lighter_unicode_back_end_of_urls() {
    let root = allmhub_tests::workspace_root();
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).expect("Cargo.lock");
    let versions: Vec<&str> = lock
        .split("\n[[package]]\n")
        .filter(|package| package.starts_with("name = \"idna_adapter\"\n"))
        .filter_map(|package| package.lines().nth(1)?.strip_prefix("version = "))
        .collect();
    assert_eq!(
        versions,
        ["\"1.1.0\""],
        "run `cargo update -p idna_adapter --precise 1.1.0`"
    );
}
