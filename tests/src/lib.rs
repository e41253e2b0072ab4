//! Shared helpers of the allmhub-rs integration tests: the loaded spec, every example in it, and the facts
//! of the ALLMHUB doc kept in `spec/doc/`.

pub mod normalize;
pub mod typed_view;

use std::path::PathBuf;
use std::sync::OnceLock;

use allmhub_codegen::spec::Spec;
use serde_json::Value;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives in the workspace")
        .to_owned()
}

/// `spec/doc`: the facts of the ALLMHUB doc the spec is checked against (see its README).
pub fn doc_dir() -> PathBuf {
    workspace_root().join("spec/doc")
}

/// The text of the doc's one fully documented page (Banana图生图), with its request and streamed answer.
pub fn seed_page() -> String {
    let path = doc_dir().join("banana-image-to-image.txt");
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// The `data:` payloads of the seed page's streamed answer, in order (21 chunks, then `[DONE]`).
pub fn seed_stream_data() -> Vec<String> {
    seed_page()
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(str::to_owned)
        .collect()
}

/// The non-empty, non-comment lines of a file of `spec/doc/`.
pub fn doc_list(name: &str) -> Vec<String> {
    let path = doc_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// The bundled spec, loaded once.
pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| Spec::load(&workspace_root().join("spec")).unwrap_or_else(|error| panic!("{error}")))
}

/// Where an example sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A request body.
    Request,
    /// A response body of this status.
    Response(String),
    /// A parameter.
    Parameter(String),
}

/// One example of the spec.
#[derive(Debug, Clone)]
pub struct Example {
    /// The operation's `operationId`.
    pub operation: String,
    /// Where in the operation.
    pub place: Place,
    /// The media type (empty for parameters).
    pub media_type: String,
    /// The example's key.
    pub key: String,
    /// Its `summary`.
    pub summary: String,
    /// Its `x-doc-page`, when it documents a doc page.
    pub doc_page: Option<String>,
    /// Its value.
    pub value: Value,
    /// The media type's schema (bundled, references as `#/components/schemas/<name>`).
    pub schema: Option<Value>,
    /// The media type's `x-stream-event`.
    pub stream_event: Option<String>,
}

impl Example {
    /// A stable label: `operation/request/application-json/key`.
    pub fn label(&self) -> String {
        let place = match &self.place {
            Place::Request => "request".to_owned(),
            Place::Response(status) => format!("response-{status}"),
            Place::Parameter(name) => format!("param-{name}"),
        };
        let media = self.media_type.replace(['/', '+'], "-");
        if media.is_empty() {
            format!("{}/{place}/{}", self.operation, self.key)
        } else {
            format!("{}/{place}/{media}/{}", self.operation, self.key)
        }
    }

    /// The component name of the body schema, when it is a reference (or an array of one).
    pub fn schema_name(&self) -> Option<(String, bool)> {
        let schema = self.schema.as_ref()?;
        let name = |reference: &Value| {
            reference
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|target| target.strip_prefix("#/components/schemas/"))
                .map(str::to_owned)
        };
        if let Some(name) = name(schema) {
            return Some((name, false));
        }
        schema.get("items").and_then(name).map(|name| (name, true))
    }
}

/// An operation of the spec.
#[derive(Debug, Clone)]
pub struct OperationRef {
    /// `operationId`.
    pub id: String,
    /// `x-doc-pages`.
    pub doc_pages: Vec<String>,
    /// The bundled operation object.
    pub value: Value,
}

/// Every operation of the spec.
pub fn operations() -> Vec<OperationRef> {
    let mut out = Vec::new();
    for item in spec().doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, item)| item)
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            out.push(OperationRef {
                id: op["operationId"].as_str().unwrap_or_default().to_owned(),
                doc_pages: op
                    .get("x-doc-pages")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                value: op.clone(),
            });
        }
    }
    out
}

impl Example {
    /// An example object of the spec (`summary`, `x-doc-page`, `value`), without media type or stream event.
    fn from_spec(operation: &str, place: Place, key: &str, example: &Value, schema: Option<&Value>) -> Example {
        Example {
            operation: operation.to_owned(),
            place,
            media_type: String::new(),
            key: key.to_owned(),
            summary: example
                .get("summary")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            doc_page: example.get("x-doc-page").and_then(Value::as_str).map(str::to_owned),
            value: example.get("value").cloned().unwrap_or(Value::Null),
            schema: schema.cloned(),
            stream_event: None,
        }
    }
}

fn media_examples(out: &mut Vec<Example>, operation: &str, place: Place, content: Option<&Value>) {
    for (media_type, media) in content.and_then(Value::as_object).into_iter().flatten() {
        for (key, example) in media.get("examples").and_then(Value::as_object).into_iter().flatten() {
            out.push(Example {
                media_type: media_type.clone(),
                stream_event: media.get("x-stream-event").and_then(Value::as_str).map(str::to_owned),
                ..Example::from_spec(operation, place.clone(), key, example, media.get("schema"))
            });
        }
    }
}

/// Every example of the spec, in spec order.
pub fn examples() -> Vec<Example> {
    let mut out = Vec::new();
    for op in operations() {
        let value = &op.value;
        for param in value.get("parameters").and_then(Value::as_array).into_iter().flatten() {
            let name = param.get("name").and_then(Value::as_str).unwrap_or_default();
            for (key, example) in param.get("examples").and_then(Value::as_object).into_iter().flatten() {
                out.push(Example::from_spec(
                    &op.id,
                    Place::Parameter(name.to_owned()),
                    key,
                    example,
                    param.get("schema"),
                ));
            }
        }
        media_examples(&mut out, &op.id, Place::Request, value.pointer("/requestBody/content"));
        for (status, response) in value.get("responses").and_then(Value::as_object).into_iter().flatten() {
            media_examples(
                &mut out,
                &op.id,
                Place::Response(status.clone()),
                response.get("content"),
            );
        }
    }
    out
}

/// The data of each event of a raw SSE example (`[DONE]` included), framed by the client's parser.
pub fn sse_data(text: &str) -> Vec<String> {
    allmhub_conform::sse::events(text.as_bytes())
        .into_iter()
        .map(|event| event.data)
        .filter(|data| !data.is_empty())
        .collect()
}
