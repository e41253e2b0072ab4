//! Writing and checking generated files: whole files, generated regions of hand-written files, files no
//! longer generated, and the diffs `cargo xtask regen --check` and the freshness test print.

use std::fs;
use std::path::{Path, PathBuf};

use allmhub_codegen::{GenError, GeneratedFile, stale_files, write_files};

/// A fresh directory of its own under cargo's scratch space for integration tests.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("write-tests").join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("generated/src/types")).expect("scratch directory");
    dir
}

fn whole(path: &str, contents: &str) -> GeneratedFile {
    GeneratedFile {
        path: PathBuf::from(path),
        contents: contents.to_owned(),
        region: None,
    }
}

const MANIFEST: &str = "[package]\nname = \"x\"\n\n# @generated begin features\n[features]\nold = []\n# @generated end features\n\n[dependencies]\n";

fn region(contents: &str) -> GeneratedFile {
    GeneratedFile {
        path: PathBuf::from("Cargo.toml"),
        contents: contents.to_owned(),
        region: Some("features"),
    }
}

#[test]
fn stale_files_name_changed_regions_and_files_no_longer_generated_and_writing_fixes_them() {
    let root = scratch("stale");
    fs::write(root.join("generated/src/types/chat.rs"), "// one\n// two\n").unwrap();
    fs::write(root.join("generated/src/types/gone.rs"), "// gone\n").unwrap();
    fs::write(root.join("Cargo.toml"), MANIFEST).unwrap();
    let files = [
        whole("generated/src/types/chat.rs", "// one\n// 2\n"),
        whole("generated/src/types/new.rs", "// new\n"),
        region("[features]\nnew = []\n"),
    ];

    let stale = stale_files(&root, &files).unwrap();
    let paths: Vec<&Path> = stale.iter().map(|file| file.path.as_path()).collect();
    assert_eq!(
        paths,
        [
            Path::new("Cargo.toml"),
            Path::new("generated/src/types/chat.rs"),
            Path::new("generated/src/types/new.rs"),
            Path::new("generated/src/types/gone.rs"),
        ]
    );
    // The region is spliced into the hand-written text around it.
    assert_eq!(
        stale[0].generated.as_deref(),
        Some(MANIFEST.replace("old = []", "new = []").as_str())
    );
    assert_eq!(stale[2].committed, None);
    assert_eq!(stale[3].generated, None);

    let diff = stale[1].unified_diff(100);
    assert!(
        diff.starts_with(
            "--- a/generated/src/types/chat.rs (committed)\n+++ b/generated/src/types/chat.rs (generated)\n"
        )
    );
    assert!(diff.contains("\n // one\n-// two\n+// 2\n"), "{diff}");
    assert!(stale[3].unified_diff(100).contains("\n-// gone\n"));

    // Checking writes nothing.
    let report = write_files(&root, &files, true).unwrap();
    assert_eq!(report.changed.len() + report.removed.len(), 4);
    assert_eq!(stale_files(&root, &files).unwrap(), stale);

    let report = write_files(&root, &files, false).unwrap();
    assert_eq!(report.removed, [PathBuf::from("generated/src/types/gone.rs")]);
    assert!(stale_files(&root, &files).unwrap().is_empty());
    assert!(!root.join("generated/src/types/gone.rs").exists());
    assert!(
        fs::read_to_string(root.join("Cargo.toml"))
            .unwrap()
            .ends_with("new = []\n# @generated end features\n\n[dependencies]\n")
    );
}

#[test]
fn a_long_diff_is_cut_and_says_how_much_is_left_out() {
    let root = scratch("long");
    let old: String = (0..100).map(|line| format!("{line}\n")).collect();
    fs::write(root.join("generated/src/types/long.rs"), &old).unwrap();
    let files = [whole("generated/src/types/long.rs", &old.replace('\n', " changed\n"))];
    let stale = stale_files(&root, &files).unwrap();
    let full = stale[0].unified_diff(usize::MAX);
    assert_eq!(
        full.lines().count(),
        3 + 200,
        "two header lines, one hunk header, 100 lines out and 100 in"
    );
    let cut = stale[0].unified_diff(10);
    assert_eq!(cut.lines().count(), 11);
    assert!(cut.ends_with("… 193 more diff lines\n"), "{cut}");
}

#[test]
fn a_hand_written_file_without_its_region_markers_is_an_error_naming_it() {
    let root = scratch("markers");
    fs::write(root.join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
    let error = stale_files(&root, &[region("[features]\n")]).unwrap_err();
    assert!(matches!(error, GenError::Generator(_)));
    assert_eq!(
        error.to_string(),
        "generator: Cargo.toml lacks the `# @generated begin features` … `# @generated end features` lines"
    );
}
