//! Emitting the spec's examples and error answers as data (`conform/src/examples.rs`), for programs that run
//! without the spec directory: the mock gateway answers with them, the conformance checks read the
//! error envelopes of each operation from them.

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::spec::Spec;

/// Where an example sits in its operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExamplePlace {
    /// The request body.
    Request,
    /// An answer with this status key (`200`, `4XX`).
    Response(String),
    /// The parameter of this name.
    Parameter(String),
}

/// One example of the spec.
#[derive(Debug, Clone)]
pub struct ExampleDef {
    /// The operation's `operationId`.
    pub operation: String,
    /// Where in the operation.
    pub place: ExamplePlace,
    /// The media type (empty for parameters).
    pub media_type: String,
    /// The example's key.
    pub key: String,
    /// The body as sent on the wire: JSON text for JSON values (members in spec order), the text itself for
    /// raw streams, plain text and parameters.
    pub body: String,
}

/// The error envelopes an operation answers with for one status class, first the usual one.
#[derive(Debug, Clone)]
pub struct ErrorAnswer {
    /// The operation's `operationId`.
    pub operation: String,
    /// The status key (`4XX`, `5XX`, `401`).
    pub status: String,
    /// Spec names of the envelope schemas (the alternatives of an `anyOf`, in spec order).
    pub schemas: Vec<String>,
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn operations(spec: &Spec) -> impl Iterator<Item = (&str, &Value)> {
    spec.doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(_, item)| item.as_object().into_iter().flatten())
        .filter(|(method, _)| METHODS.contains(&method.as_str()))
        .map(|(_, op)| (op["operationId"].as_str().unwrap_or_default(), op))
}

/// The wire text of an example value: strings as they are, everything else as compact JSON.
fn wire_text(value: &Value, media_type: &str) -> String {
    match value {
        Value::String(text) if !media_type.contains("json") => text.clone(),
        other => other.to_string(),
    }
}

fn media_examples(out: &mut Vec<ExampleDef>, operation: &str, place: &ExamplePlace, content: Option<&Value>) {
    for (media_type, media) in content.and_then(Value::as_object).into_iter().flatten() {
        for (key, example) in media.get("examples").and_then(Value::as_object).into_iter().flatten() {
            let value = example.get("value").unwrap_or(&Value::Null);
            out.push(ExampleDef {
                operation: operation.to_owned(),
                place: place.clone(),
                media_type: media_type.clone(),
                key: key.clone(),
                body: wire_text(value, media_type),
            });
        }
    }
}

/// Every example of the spec, in spec order: parameters, request bodies, then answers.
pub fn collect(spec: &Spec) -> Vec<ExampleDef> {
    let mut out = Vec::new();
    for (id, op) in operations(spec) {
        for param in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
            let name = param.get("name").and_then(Value::as_str).unwrap_or_default();
            for (key, example) in param.get("examples").and_then(Value::as_object).into_iter().flatten() {
                out.push(ExampleDef {
                    operation: id.to_owned(),
                    place: ExamplePlace::Parameter(name.to_owned()),
                    media_type: String::new(),
                    key: key.clone(),
                    body: wire_text(example.get("value").unwrap_or(&Value::Null), ""),
                });
            }
        }
        media_examples(&mut out, id, &ExamplePlace::Request, op.pointer("/requestBody/content"));
        for (status, response) in op.get("responses").and_then(Value::as_object).into_iter().flatten() {
            media_examples(
                &mut out,
                id,
                &ExamplePlace::Response(status.clone()),
                response.get("content"),
            );
        }
    }
    out
}

fn schema_names(schema: &Value) -> Vec<String> {
    let name = |reference: &Value| {
        reference
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|target| target.strip_prefix("#/components/schemas/"))
            .map(str::to_owned)
    };
    if let Some(name) = name(schema) {
        return vec![name];
    }
    ["anyOf", "oneOf"]
        .iter()
        .filter_map(|key| schema.get(key).and_then(Value::as_array))
        .flatten()
        .filter_map(name)
        .collect()
}

/// The JSON error answers (status ≥ 400) of every operation, in spec order.
pub fn error_answers(spec: &Spec) -> Vec<ErrorAnswer> {
    let mut out = Vec::new();
    for (id, op) in operations(spec) {
        for (status, response) in op.get("responses").and_then(Value::as_object).into_iter().flatten() {
            if !(status.starts_with('4') || status.starts_with('5')) {
                continue;
            }
            let schemas = response
                .pointer("/content/application~1json/schema")
                .map(schema_names)
                .unwrap_or_default();
            if !schemas.is_empty() {
                out.push(ErrorAnswer {
                    operation: id.to_owned(),
                    status: status.clone(),
                    schemas,
                });
            }
        }
    }
    out
}

/// A raw string literal (`r#"…"#`) holding `text`, so that JSON and event streams read as they are sent.
fn raw_string(text: &str) -> TokenStream {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    let literal = format!("r{hashes}\"{text}\"{hashes}");
    match literal.parse::<TokenStream>() {
        Ok(tokens) => tokens,
        // Text a raw literal cannot hold (a lone carriage return): an escaped literal says the same.
        Err(_) => quote!(#text),
    }
}

/// `conform/src/examples.rs`: the examples and error answers as constants of the catalog types of
/// `allmhub-conform` (`Example`, `ErrorAnswer`).
pub fn examples_file(examples: &[ExampleDef], errors: &[ErrorAnswer]) -> syn::File {
    let examples = examples.iter().map(|example| {
        let operation = &example.operation;
        let place: TokenStream = match &example.place {
            ExamplePlace::Request => quote!(Place::Request),
            ExamplePlace::Response(status) => quote!(Place::Response(#status)),
            ExamplePlace::Parameter(name) => quote!(Place::Parameter(#name)),
        };
        let media_type = &example.media_type;
        let key = &example.key;
        let body = raw_string(&example.body);
        quote! {
            Example { operation: #operation, place: #place, media_type: #media_type, key: #key, body: #body }
        }
    });
    let errors = errors.iter().map(|error| {
        let operation = &error.operation;
        let status = &error.status;
        let schemas = &error.schemas;
        quote!(ErrorAnswer { operation: #operation, status: #status, schemas: &[#(#schemas),*] })
    });
    syn::parse_quote! {
        //! Every example of the spec and every operation's error envelopes, embedded so that the mock gateway
        //! needs no spec directory at run time.
        use crate::catalog::{ErrorAnswer, Example, Place};

        /// Every example of the spec, in spec order: parameters, request bodies, answers.
        pub const EXAMPLES: &[Example] = &[#(#examples),*];

        /// The error envelopes of every operation per status class, in spec order.
        pub const ERROR_ANSWERS: &[ErrorAnswer] = &[#(#errors),*];
    }
}
