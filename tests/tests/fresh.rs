//! The committed generated code is what the generator produces from the committed spec (the same check as
//! `cargo xtask regen --check`).

#[test]
fn committed_generated_code_is_fresh() {
    let root = allmhub_tests::workspace_root();
    let files = allmhub_codegen::generate(&root.join("spec")).unwrap_or_else(|error| panic!("{error}"));
    let report = allmhub_codegen::write_files(&root, &files, true).expect("reading the generated files");
    assert!(
        report.changed.is_empty() && report.removed.is_empty(),
        "stale generated files (run `cargo xtask regen`): {:?} {:?}",
        report.changed,
        report.removed
    );
}

#[test]
fn every_generated_file_is_marked_generated() {
    let root = allmhub_tests::workspace_root();
    for file in allmhub_codegen::generate(&root.join("spec")).expect("generation") {
        match file.region {
            // A generated region of a hand-written file is fenced by marker lines.
            Some(region) => {
                let text = std::fs::read_to_string(root.join(&file.path)).expect("the file exists");
                assert!(
                    text.contains(&format!("# @generated begin {region}"))
                        && text.contains(&format!("# @generated end {region}")),
                    "{} lacks the markers of its generated region",
                    file.path.display()
                );
            }
            None => assert!(
                file.contents.starts_with("// @generated"),
                "{} lacks the @generated marker",
                file.path.display()
            ),
        }
    }
}
