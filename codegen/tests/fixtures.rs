//! Snapshot tests of the generator, one small fixture spec per rule (in the style of typify's own tests).

use std::path::Path;

fn generated_types(fixture: &str) -> String {
    generated_module(fixture, "demo")
}

/// The generated module of one family of a fixture spec.
fn generated_module(fixture: &str, family: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture);
    let files = allmhub_codegen::generate(&dir).unwrap_or_else(|error| panic!("{fixture}: {error}"));
    files
        .into_iter()
        .find(|file| file.path.ends_with(format!("types/{family}.rs")))
        .unwrap_or_else(|| panic!("{fixture} has no `{family}` module"))
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
    assert!(
        code.contains("impl crate::__private::FirstMatch for Entry")
            && code.contains("crate::__private::tagged_alternative("),
        "in a union tried in order, the tagged alternative takes only objects with a tag: {code}"
    );
    for doc in [
        "/// Plain text.",
        "/// Stream events, in order.",
        "/// A note written by hand.",
    ] {
        assert!(
            code.contains(doc),
            "a variant reads the spec's words for its alternative: {doc:?}"
        );
    }
    assert!(!code.contains("form."), "no filler docs: {code}");
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

#[test]
fn doc_links() {
    let code = generated_types("doc_links");
    assert!(
        code.contains("billed as in [`Usage`]. Its parts are [`Piece`] objects"),
        "spec and Rust names in scope become links to the Rust type"
    );
    assert!(code.contains("One part of a [`Answer`]."));
    assert!(code.contains("Spec schema `Root`."), "a type's own spec name stays");
    assert!(code.contains("`usage` and `pieces`"), "member names are no links");
    let common = generated_module("doc_links", "common");
    assert!(
        common.contains("Token counts of a `Answer`, which"),
        "a shared type cannot link to a family's type, which may be compiled out"
    );
    insta::assert_snapshot!(code);
}

#[test]
fn tolerance() {
    let code = generated_types("tolerance");
    // Optional arrays and maps (not `Option`) read `null` as empty; required and `Option` members do not
    // need it.
    assert_eq!(code.matches("crate::__private::null_as_default").count(), 3, "{code}");
    insta::assert_snapshot!(code);
}

#[test]
fn object_arrays() {
    let code = generated_types("object_arrays");
    // Arrays of the spec's objects, required, optional or nullable, take the runtime's sizing; arrays of
    // strings and of string enums keep serde's own `Vec`.
    for (helper, count) in [
        ("crate::__private::vec_of_objects\"", 1),
        ("crate::__private::null_or_vec_of_objects\"", 1),
        ("crate::__private::option_vec_of_objects\"", 1),
        ("crate::__private::null_as_default\"", 2),
    ] {
        assert_eq!(code.matches(helper).count(), count, "{helper}: {code}");
    }
    insta::assert_snapshot!(code);
}

#[test]
fn fixed_value() {
    let code = generated_types("fixed_value");
    assert!(
        code.contains(
            "pub fn new(\n        id: impl ::std::convert::Into<::std::string::String>,\n        \
             marker: impl ::std::convert::Into<Marker>,\n    ) -> Self"
        ),
        "fixed members are no parameters: {code}"
    );
    assert!(code.contains(r#"object: ::std::convert::From::from("chat.completion")"#));
    assert!(
        code.contains("impl ::std::default::Default for Marker"),
        "nothing to choose: `new()` is `Default`"
    );
    insta::assert_snapshot!(code);
}

#[test]
fn fixed_value_on_a_non_string_member_is_refused() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fixed_value_on_integer");
    let error = allmhub_codegen::generate(&dir).expect_err("an integer member cannot have x-fixed-value");
    assert_eq!(
        error.to_string(),
        "spec: demo.yaml#/components/schemas/Root/properties/created/x-fixed-value: \
         `x-fixed-value` belongs on a `type: string` member"
    );
}

#[test]
fn boxed_member() {
    let code = generated_types("boxed_member");
    for field in ["tally", "review"] {
        assert!(
            code.contains(&format!(
                "pub {field}: ::std::option::Option<::std::boxed::Box<TalkTally>>,"
            )),
            "`x-rust-box` puts `{field}` behind a `Box`: {code}"
        );
    }
    assert!(
        code.contains("pub summary: ::std::option::Option<TalkTally>,"),
        "an unmarked member stays inline: {code}"
    );
    assert_eq!(code.matches("/// Boxed (the spec's `x-rust-box`)").count(), 2, "{code}");
    insta::assert_snapshot!(code);
}

/// Generates from a one-family spec whose `demo.yaml` is `demo`, written to a directory of its own.
fn generate_demo(case: &str, demo: &str) -> Result<Vec<allmhub_codegen::GeneratedFile>, allmhub_codegen::GenError> {
    let dir = std::env::temp_dir().join(format!("allmhub-codegen-{}-{case}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let root = r#"openapi: 3.1.0
info: {title: CASE fixture, version: '1'}
tags:
  - name: demo
    description: Fixture family.
    x-rust-resource: demo
paths: {}
components:
  schemas:
    Root:
      $ref: 'demo.yaml#/components/schemas/Root'
"#
    .replace("CASE", case);
    std::fs::write(dir.join("openapi.yaml"), root).expect("writes");
    std::fs::write(dir.join("demo.yaml"), demo).expect("writes");
    let generated = allmhub_codegen::generate(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    generated
}

#[test]
fn boxed_member_must_be_an_optional_object() {
    // `REQUIRED` names the required member; `MEMBER` is the rest of `extra`, indented as a property's keys.
    let spec = |required: &str, member: &str| {
        r#"components:
  schemas:
    Root:
      x-rust-name: Root
      description: The document itself.
      type: object
      required: [REQUIRED]
      properties:
        id:
          description: Which root this is.
          type: string
        extra:
          description: Something seldom sent.
MEMBER
    Mood:
      x-rust-name: Mood
      description: How a root feels.
      type: string
      enum: [calm, lively]
    Tally:
      x-rust-name: Tally
      description: What was counted.
      type: object
      properties:
        words:
          description: How many words were said.
          type: integer
"#
        .replace("REQUIRED", required)
        .replace("MEMBER\n", member)
    };
    let refused = |case: &str, required: &str, member: &str| {
        generate_demo(case, &spec(required, member))
            .expect_err("a misplaced x-rust-box is refused")
            .to_string()
    };
    let at = "spec: demo.yaml#/components/schemas/Root/properties/extra/x-rust-box: ";
    assert_eq!(
        refused(
            "required",
            "extra",
            "          x-rust-box: true\n          $ref: '#/components/schemas/Tally'\n"
        ),
        format!("{at}`x-rust-box` belongs on an optional member; a required one is always there")
    );
    assert_eq!(
        refused("string", "id", "          x-rust-box: true\n          type: string\n"),
        format!(
            "{at}`x-rust-box` belongs on a member holding one component, `$ref: …` or \
             `oneOf: [{{$ref: …}}, {{type: 'null'}}]`"
        )
    );
    assert_eq!(
        refused(
            "not_bool",
            "id",
            "          x-rust-box: yes please\n          $ref: '#/components/schemas/Tally'\n"
        ),
        format!("{at}`x-rust-box` must be `true` or `false`")
    );
    assert_eq!(
        refused(
            "enum",
            "id",
            "          x-rust-box: true\n          $ref: '#/components/schemas/Mood'\n"
        ),
        "generator: `x-rust-box` on `Root.extra`: only an optional member holding one of the spec's objects is boxed"
    );
    let fine = spec(
        "id",
        "          x-rust-box: true\n          $ref: '#/components/schemas/Tally'\n",
    );
    let files = generate_demo("fine", &fine).expect("an optional object member may be boxed");
    assert!(
        files.iter().any(|file| file
            .contents
            .contains("pub extra: ::std::option::Option<::std::boxed::Box<Tally>>")),
        "the scratch spec itself generates"
    );
}

#[test]
fn method_names_follow_content_types_not_spec_order() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/content_types");
    let files = allmhub_codegen::generate(&dir).unwrap_or_else(|error| panic!("content_types: {error}"));
    let api = &files
        .iter()
        .find(|file| file.path.ends_with("client/src/api.rs"))
        .expect("the client's methods")
        .contents;
    // JSON gets the plain name (with the whole doc) although the spec lists the form first.
    let plain = api.find("pub fn create(").expect("create");
    let multipart = api.find("pub fn create_multipart(").expect("create_multipart");
    assert!(plain < multipart, "the main method comes first");
    assert!(
        api[plain..multipart].contains("request: &allmhub_types::EditJson"),
        "{api}"
    );
    assert!(api[multipart..].contains("form: &allmhub_types::EditForm"), "{api}");
    assert!(
        api.contains("/// Like [`create`](Self::create), but with a `multipart/form-data` body"),
        "a twin's doc is one line linking the main method: {api}"
    );
    assert!(
        api.contains("answers an [`Edit`](allmhub_types::Edit)"),
        "schema names link to the types"
    );
    // Optional query parameters: a query struct with Default and setters, typed from the schema.
    assert!(api.contains("query: CreateEditQuery"), "{api}");
    assert!(api.contains("pub dry_run: ::std::option::Option<bool>"), "{api}");
    assert!(
        api.contains("pub fn dry_run(mut self, value: impl ::std::convert::Into<bool>) -> Self"),
        "{api}"
    );
}
