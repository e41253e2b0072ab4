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

#[test]
fn undocumented_members_and_variants_fail_the_build_with_their_file_and_pointer() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/undocumented");
    let error = allmhub_codegen::generate(&dir)
        .map(drop)
        .expect_err("a spec with undocumented members must not generate")
        .to_string();
    for gap in [
        // A description that only restates the name does not count.
        "demo.yaml#/components/schemas/Root/properties/id: property `id`",
        "demo.yaml#/components/schemas/Root/properties/usage/properties/total_tokens: property `total_tokens`",
        "demo.yaml#/components/schemas/Root/properties/content/oneOf/0: alternative `Text`",
        "demo.yaml#/components/schemas/Root/properties/content/oneOf/1: alternative `Parts`",
    ] {
        assert!(error.contains(gap), "{gap:?} is not reported in:\n{error}");
    }
    assert!(error.contains("4 members or union variants"), "{error}");
    // Documented members, the branches of a nullable and the `$ref` variants of a tagged union are fine.
    for fine in ["/properties/text:", "/properties/error", "Failure", "Timeout"] {
        assert!(!error.contains(fine), "{fine:?} is reported in:\n{error}");
    }
}
