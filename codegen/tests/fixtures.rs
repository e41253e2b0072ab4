//! Snapshot tests of the generator, one small fixture spec per rule (in the style of typify's own tests).

use std::path::Path;

fn generated_types(fixture: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture);
    let files = allmhub_codegen::generate(&dir).unwrap_or_else(|error| panic!("{fixture}: {error}"));
    files
        .into_iter()
        .find(|file| file.path.ends_with("types/demo.rs"))
        .expect("the fixture family module")
        .contents
}

#[test]
fn open_enum() {
    let code = generated_types("open_enum");
    assert!(
        code.contains("Unknown(::std::string::String)"),
        "open enums keep unknown values"
    );
    insta::assert_snapshot!(code);
}

#[test]
fn nullable() {
    insta::assert_snapshot!(generated_types("nullable"));
}

#[test]
fn tagged_union() {
    let code = generated_types("tagged_union");
    assert!(code.contains("Unknown(::serde_json::Value)"), "unknown tags are kept");
    assert!(
        !code.contains("DeltaEventType"),
        "the tag lives on the union, not on its variants"
    );
    insta::assert_snapshot!(code);
}

#[test]
fn string_or_number() {
    let code = generated_types("string_or_number");
    assert!(code.contains("crate::StringOrNumber"));
    insta::assert_snapshot!(code);
}

#[test]
fn chinese_name() {
    let code = generated_types("chinese_name");
    assert!(code.contains("pub struct MjButton"));
    assert!(
        code.contains("Spec schema `可执行按钮`."),
        "the doc comment names the doc schema"
    );
    insta::assert_snapshot!(code);
}
