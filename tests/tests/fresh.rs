//! The committed generated code is what the generator produces from the committed spec (the check of
//! `cargo xtask regen --check`). A stale file's unified diff is printed; outside CI (`CI` unset) the test
//! also rewrites the stale files, so that the next run passes and `git diff` shows the change to commit.

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
