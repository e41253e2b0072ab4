//! The intermediate model: the spec's schemas and operations, validated and with everything the emitters need.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToSnakeCase;
use serde_json::{Map, Value};

use crate::spec::{ROOT_FILE, Spec, SpecError, escape};

/// The whole API.
#[derive(Debug, Clone)]
pub struct Model {
    /// API families (spec tags), in spec order.
    pub families: Vec<Family>,
    /// Component schemas, in spec order.
    pub schemas: Vec<SchemaDef>,
    /// Operations, in spec order.
    pub operations: Vec<Operation>,
    /// Every example of the spec, in spec order.
    pub examples: Vec<crate::examples::ExampleDef>,
    /// The error envelopes of every operation.
    pub error_answers: Vec<crate::examples::ErrorAnswer>,
    /// The security schemes (`components.securitySchemes`), in spec order.
    pub security_schemes: Vec<SecurityScheme>,
}

/// An authentication scheme of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityScheme {
    /// The spec's name (`bearerAuth`).
    pub name: String,
    /// What the credential is and where the gateway honours it.
    pub description: String,
    /// Where the credential travels.
    pub placement: CredentialPlacement,
}

/// Where a credential travels in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialPlacement {
    /// `Authorization: Bearer <credential>`.
    Bearer,
    /// The whole value of this request header.
    Header(String),
    /// This query-string member.
    Query(String),
}

/// An API family: one spec file, one tag, one Cargo feature.
#[derive(Debug, Clone)]
pub struct Family {
    /// The tag, e.g. `openai-chat`.
    pub name: String,
    /// What the family covers.
    pub description: String,
    /// The client accessor of the family's operations (`x-rust-resource`, e.g. `chat`).
    pub resource: String,
    /// The OpenTelemetry `gen_ai.system` of the family's operations (`x-gen-ai-system`), when they are GenAI calls.
    pub gen_ai_system: Option<String>,
}

/// A component schema.
#[derive(Debug, Clone)]
pub struct SchemaDef {
    /// The component name, as the doc spells it (`任务`, `Message«string»`).
    pub name: String,
    /// The Rust type name (`x-rust-name`).
    pub rust_name: String,
    /// The family whose file defines it (`common` for shared schemas).
    pub family: String,
    /// The schema's description.
    pub description: String,
    /// The schema itself, with references as `#/components/schemas/<name>`.
    pub schema: Value,
    /// What the runtime must recognize this schema as (`x-role`: an error envelope of a dialect, the answer
    /// of a long job); unique per role.
    pub role: Option<String>,
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Method {
    fn parse(key: &str) -> Option<Method> {
        Some(match key {
            "get" => Method::Get,
            "post" => Method::Post,
            "put" => Method::Put,
            "patch" => Method::Patch,
            "delete" => Method::Delete,
            _ => return None,
        })
    }
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// A `{name}` segment of the path.
    Path,
    /// A query-string member.
    Query,
    /// A request header.
    Header,
}

/// An operation parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// The name on the wire.
    pub name: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Whether the request must carry it.
    pub required: bool,
    /// What it means.
    pub description: String,
    /// The only value the parameter can take (a one-value `enum`), filled in by the client itself.
    pub fixed_value: Option<String>,
    /// The parameter's schema (references as `#/components/schemas/<name>`; `null` when it has none).
    pub schema: Value,
}

/// The shape of a JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyType {
    /// A component schema.
    Named(String),
    /// A JSON array of a component schema.
    ArrayOf(String),
}

/// One accepted request content type.
#[derive(Debug, Clone)]
pub struct RequestBody {
    /// E.g. `application/json`, `multipart/form-data`.
    pub content_type: String,
    /// The body's schema.
    pub body: BodyType,
}

/// What a successful call answers.
#[derive(Debug, Clone, Default)]
pub struct SuccessResponse {
    /// The HTTP status of success.
    pub status: u16,
    /// The JSON body, if the operation answers JSON.
    pub json: Option<BodyType>,
    /// The schema of each event's data, if the operation answers a stream.
    pub stream_event: Option<String>,
    /// Binary content types (audio, video), if the operation answers bytes.
    pub binary: Vec<String>,
    /// Whether the operation may answer `text/plain`.
    pub text: bool,
}

/// An operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId`.
    pub id: String,
    /// HTTP method.
    pub method: Method,
    /// Path template, e.g. `/v1/videos/{video_id}`.
    pub path: String,
    /// The family (tag).
    pub family: String,
    /// One-line summary.
    pub summary: String,
    /// Longer description.
    pub description: String,
    /// The client method (`x-rust-method`): `create`, or `messages.create` for a sub-resource.
    pub rust_method: String,
    /// Parameters in spec order.
    pub params: Vec<Param>,
    /// Accepted request bodies in spec order (empty when the operation takes none).
    pub request: Vec<RequestBody>,
    /// The successful answer.
    pub response: SuccessResponse,
    /// The boolean request member that selects the streamed answer (`x-stream-flag`).
    pub stream_flag: Option<String>,
    /// Accepted security requirements, each a set of schemes used together; the first is the default.
    pub security: Vec<Vec<String>>,
    /// Error envelopes the gateway may send with a 2xx status (`x-in-band-errors`).
    pub in_band_errors: Vec<String>,
    /// The doc pages this operation implements (`x-doc-pages`).
    pub doc_pages: Vec<String>,
    /// Whether sending the operation again after an ambiguous failure does no harm (`x-idempotent`); false
    /// for job submissions and other paid creations, which a repeat would charge twice.
    pub idempotent: bool,
    /// The OpenTelemetry `gen_ai.operation.name` (`x-gen-ai-operation`: `chat`, `embeddings`, …).
    pub gen_ai_operation: Option<String>,
}

impl Model {
    /// Builds and validates the model of a loaded spec.
    pub fn from_spec(spec: &Spec) -> Result<Model, SpecError> {
        let families = families(&spec.doc)?;
        let schemas = schemas(spec)?;
        let security_schemes = security_schemes(&spec.doc)?;
        let known: BTreeSet<&str> = schemas.iter().map(|schema| schema.name.as_str()).collect();
        let default_security = security(spec.doc.get("security"));
        let mut operations = Vec::new();
        for (path, item) in spec.doc["paths"].as_object().into_iter().flatten() {
            let family = &spec.path_family[path];
            let file = format!("{family}.yaml");
            for (key, op) in item.as_object().into_iter().flatten() {
                let Some(method) = Method::parse(key) else {
                    continue;
                };
                let at = format!("/paths/{}/{key}", escape(path));
                let ctx = Ctx { file: &file, at: &at };
                let operation = operation(ctx, method, path, family, op, item, &default_security)?;
                for name in operation.referenced_schemas() {
                    if !known.contains(name) {
                        return Err(ctx.error(format!("names unknown schema `{name}`")));
                    }
                }
                for scheme in operation.security.iter().flatten() {
                    if !security_schemes.iter().any(|known| &known.name == scheme) {
                        return Err(ctx.error(format!("names unknown security scheme `{scheme}`")));
                    }
                }
                let Some(declared) = families.iter().find(|known| known.name == operation.family) else {
                    return Err(ctx.error(format!("tag `{}` is not declared in {ROOT_FILE}", operation.family)));
                };
                if operation.gen_ai_operation.is_some() && declared.gen_ai_system.is_none() {
                    return Err(ctx.error(format!(
                        "`x-gen-ai-operation` needs `x-gen-ai-system` on the tag `{}`",
                        operation.family
                    )));
                }
                operations.push(operation);
            }
        }
        let mut ids = BTreeSet::new();
        for operation in &operations {
            if !ids.insert(operation.id.as_str()) {
                return Err(SpecError::new(
                    ROOT_FILE,
                    "/paths",
                    format!("operationId `{}` is used twice", operation.id),
                ));
            }
        }
        Ok(Model {
            families,
            schemas,
            operations,
            examples: crate::examples::collect(spec),
            error_answers: crate::examples::error_answers(spec),
            security_schemes,
        })
    }

    /// The schema with this component name.
    pub fn schema(&self, name: &str) -> Option<&SchemaDef> {
        self.schemas.iter().find(|schema| schema.name == name)
    }
}

impl Operation {
    /// The method as written in HTTP (`GET`, `POST`, …).
    pub fn method_str(&self) -> &'static str {
        match self.method {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Every component schema the operation names directly.
    pub fn referenced_schemas(&self) -> impl Iterator<Item = &str> {
        fn body_name(body: &BodyType) -> &str {
            match body {
                BodyType::Named(name) | BodyType::ArrayOf(name) => name,
            }
        }
        self.request
            .iter()
            .map(move |request| body_name(&request.body))
            .chain(self.response.json.as_ref().map(body_name))
            .chain(self.response.stream_event.as_deref())
            .chain(self.in_band_errors.iter().map(String::as_str))
    }
}

#[derive(Clone, Copy)]
struct Ctx<'a> {
    file: &'a str,
    at: &'a str,
}

impl Ctx<'_> {
    fn error(self, message: impl std::fmt::Display) -> SpecError {
        SpecError::new(self.file, self.at, message)
    }
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The strings of a JSON array (other items skipped); empty when `value` is not an array.
pub(crate) fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn families(doc: &Value) -> Result<Vec<Family>, SpecError> {
    let tags = doc
        .get("tags")
        .and_then(Value::as_array)
        .ok_or_else(|| SpecError::new(ROOT_FILE, "/tags", "the root must declare the family tags"))?;
    tags.iter()
        .enumerate()
        .map(|(index, tag)| {
            let name = text(tag, "name");
            let resource = text(tag, "x-rust-resource");
            if resource.is_empty() || resource.to_snake_case() != resource {
                return Err(SpecError::new(
                    ROOT_FILE,
                    &format!("/tags/{index}"),
                    format!("tag `{name}` needs `x-rust-resource`, the snake_case client accessor"),
                ));
            }
            Ok(Family {
                name,
                description: text(tag, "description"),
                resource,
                gen_ai_system: tag.get("x-gen-ai-system").and_then(Value::as_str).map(str::to_owned),
            })
        })
        .collect()
}

fn schemas(spec: &Spec) -> Result<Vec<SchemaDef>, SpecError> {
    let mut rust_names: BTreeMap<String, String> = BTreeMap::new();
    let mut roles: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    // Every undocumented member of every schema is reported at once, so one run lists all the gaps.
    let mut missing = Vec::new();
    let mut missing_files: Vec<String> = Vec::new();
    for (name, schema) in spec.schemas() {
        let family = spec.schema_family[name].clone();
        let file = format!("{family}.yaml");
        let at = format!("/components/schemas/{}", escape(name));
        let ctx = Ctx { file: &file, at: &at };
        let rust_name = text(schema, "x-rust-name");
        if !is_upper_camel_ascii(&rust_name) {
            return Err(ctx.error(format!(
                "`x-rust-name` must be an ASCII UpperCamelCase type name, found {rust_name:?}"
            )));
        }
        if let Some(other) = rust_names.insert(rust_name.clone(), name.clone()) {
            return Err(ctx.error(format!("`x-rust-name` {rust_name} is also used by `{other}`")));
        }
        let description = text(schema, "description");
        if description.is_empty() {
            return Err(ctx.error("every schema needs a `description`"));
        }
        undocumented(schema, &at, &mut missing);
        missing_files.resize(missing.len(), file.clone());
        let role = match schema.get("x-role") {
            None => None,
            Some(Value::String(role)) if is_kebab(role) => {
                if let Some(other) = roles.insert(role.clone(), name.clone()) {
                    return Err(ctx.error(format!(
                        "`x-role: {role}` is also given to `{other}`; a role names one schema"
                    )));
                }
                Some(role.clone())
            }
            Some(other) => {
                return Err(ctx.error(format!(
                    "`x-role` must be a kebab-case word such as `openai-error`, found {other}"
                )));
            }
        };
        out.push(SchemaDef {
            name: name.clone(),
            rust_name,
            family,
            description,
            schema: schema.clone(),
            role,
        });
    }
    if let Some(first) = missing.first() {
        let list: Vec<String> = missing
            .iter()
            .zip(&missing_files)
            .map(|(gap, file)| format!("{file}#{}: {}", gap.pointer, gap.what))
            .collect();
        return Err(SpecError::new(
            &missing_files[0],
            &first.pointer,
            format!(
                "{} members or union variants lack a `description` that says what they mean (a restatement of \
                 the name does not count):\n  {}",
                missing.len(),
                list.join("\n  ")
            ),
        ));
    }
    Ok(out)
}

/// A member or union alternative without a real description.
struct Undocumented {
    /// JSON pointer inside the family file.
    pointer: String,
    /// What it is, for the message.
    what: String,
}

/// Collects the properties and union alternatives of `schema` (at `pointer`, not behind `$ref`s) that lack a
/// description. Exempt: the `null` branch of a nullable and the other branch of a two-way nullable (the
/// holder's description covers it), and the `$ref` alternatives of a tagged union (each names a component,
/// and every component is described). Properties and items are walked; `not` and examples are not.
fn undocumented(schema: &Value, pointer: &str, out: &mut Vec<Undocumented>) {
    if schema.get("$ref").is_some() {
        return;
    }
    if let Some(Value::Object(properties)) = schema.get("properties") {
        for (name, property) in properties {
            let at = format!("{pointer}/properties/{}", escape(name));
            let description = text(property, "description");
            if description.is_empty() || restates(name, &description) {
                out.push(Undocumented {
                    pointer: at.clone(),
                    what: format!("property `{name}`"),
                });
            }
            undocumented(property, &at, out);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(child @ Value::Object(_)) = schema.get(key) {
            undocumented(child, &format!("{pointer}/{key}"), out);
        }
    }
    let tagged = schema.get("discriminator").is_some();
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(alternatives)) = schema.get(key) else {
            continue;
        };
        let is_null = |alternative: &Value| alternative.get("type").and_then(Value::as_str) == Some("null");
        let nullable_pair = alternatives.len() == 2 && alternatives.iter().any(is_null);
        for (index, alternative) in alternatives.iter().enumerate() {
            let at = format!("{pointer}/{key}/{index}");
            let exempt = is_null(alternative) || nullable_pair || (tagged && alternative.get("$ref").is_some());
            if !exempt && text(alternative, "description").is_empty() {
                let title = text(alternative, "title");
                out.push(Undocumented {
                    pointer: at.clone(),
                    what: if title.is_empty() {
                        format!("alternative {index}")
                    } else {
                        format!("alternative `{title}`")
                    },
                });
            }
            undocumented(alternative, &at, out);
        }
    }
}

/// Whether `description` only restates the member `name` ("The `id` member.", "Id.").
fn restates(name: &str, description: &str) -> bool {
    fn words(text: &str) -> String {
        let text: String = text
            .chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    ' '
                }
            })
            .collect();
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
    let name = words(&name.replace('_', " "));
    let description = words(description);
    let description = description.strip_prefix("the ").unwrap_or(&description);
    let description = ["member", "field", "property", "value"]
        .iter()
        .find_map(|suffix| description.strip_suffix(&format!(" {suffix}")))
        .unwrap_or(description);
    description == name
}

/// Whether `name` is a plausible Rust type name: ASCII, starts upper-case, alphanumeric.
pub fn is_upper_camel_ascii(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(first) if first.is_ascii_uppercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}

fn security_schemes(doc: &Value) -> Result<Vec<SecurityScheme>, SpecError> {
    let Some(schemes) = doc.pointer("/components/securitySchemes").and_then(Value::as_object) else {
        return Ok(Vec::new());
    };
    schemes
        .iter()
        .map(|(name, scheme)| {
            let at = format!("/components/securitySchemes/{}", escape(name));
            let error = |message: String| SpecError::new(ROOT_FILE, &at, message);
            if !name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(error(format!("a security scheme name is lowerCamelCase ASCII, found {name:?}")));
            }
            let placement = match (text(scheme, "type").as_str(), text(scheme, "in").as_str()) {
                ("http", _) if text(scheme, "scheme").eq_ignore_ascii_case("bearer") => CredentialPlacement::Bearer,
                ("apiKey", "header") => CredentialPlacement::Header(text(scheme, "name")),
                ("apiKey", "query") => CredentialPlacement::Query(text(scheme, "name")),
                (kind, place) => {
                    return Err(error(format!(
                        "only bearer and header or query apiKey schemes are supported, found type {kind:?} in {place:?}"
                    )));
                }
            };
            if matches!(&placement, CredentialPlacement::Header(header) | CredentialPlacement::Query(header) if header.is_empty()) {
                return Err(error("an apiKey scheme needs the `name` of its header or query member".to_owned()));
            }
            let description = text(scheme, "description");
            if description.is_empty() {
                return Err(error("every security scheme needs a `description`".to_owned()));
            }
            Ok(SecurityScheme {
                name: name.clone(),
                description,
                placement,
            })
        })
        .collect()
}

fn security(value: Option<&Value>) -> Vec<Vec<String>> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|requirement| {
            requirement
                .as_object()
                .map(|schemes| schemes.keys().cloned().collect())
                .unwrap_or_default()
        })
        .collect()
}

fn operation(
    ctx: Ctx<'_>,
    method: Method,
    path: &str,
    family: &str,
    op: &Value,
    item: &Value,
    default_security: &[Vec<String>],
) -> Result<Operation, SpecError> {
    let id = text(op, "operationId");
    if id.is_empty() || id.to_snake_case() != id {
        return Err(ctx.error(format!("operationId must be snake_case, found {id:?}")));
    }
    let rust_method = text(op, "x-rust-method");
    if rust_method.is_empty()
        || rust_method
            .split('.')
            .any(|part| part.is_empty() || part.to_snake_case() != part)
    {
        return Err(ctx.error(format!(
            "`x-rust-method` must name the client method in snake_case (`create`, `messages.create`), found {rust_method:?}"
        )));
    }
    let tags = strings(op.get("tags"));
    if tags != [family] {
        return Err(ctx.error(format!(
            "tags must be exactly [{family}] (the file's family), found {tags:?}"
        )));
    }
    let Some(doc_pages) = op.get("x-doc-pages").map(|pages| strings(Some(pages))) else {
        return Err(ctx.error("`x-doc-pages` is required (use [] for operations the doc does not show)"));
    };
    // No default: whether a repeat can charge twice is a decision each operation must state.
    let Some(idempotent) = op.get("x-idempotent").and_then(Value::as_bool) else {
        return Err(ctx.error(
            "`x-idempotent` (true or false) is required: may the client send it again after an ambiguous failure?",
        ));
    };

    let mut params = Vec::new();
    let declared = item
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(op.get("parameters").and_then(Value::as_array).into_iter().flatten());
    for param in declared {
        let location = match param.get("in").and_then(Value::as_str) {
            Some("path") => ParamLocation::Path,
            Some("query") => ParamLocation::Query,
            Some("header") => ParamLocation::Header,
            other => return Err(ctx.error(format!("parameter location {other:?} is not supported"))),
        };
        let values = strings(param.pointer("/schema/enum"));
        params.push(Param {
            name: text(param, "name"),
            location,
            required: param.get("required").and_then(Value::as_bool).unwrap_or(false),
            description: text(param, "description"),
            fixed_value: (values.len() == 1).then(|| values[0].clone()),
            schema: param.get("schema").cloned().unwrap_or(Value::Null),
        });
    }
    for segment in path_params(path) {
        if !params
            .iter()
            .any(|param| param.location == ParamLocation::Path && param.name == segment)
        {
            return Err(ctx.error(format!("path parameter `{segment}` is not declared")));
        }
    }

    let mut request = Vec::new();
    if let Some(content) = op.pointer("/requestBody/content").and_then(Value::as_object) {
        for (content_type, media) in content {
            let body = body_type(ctx, media.get("schema"))?
                .ok_or_else(|| ctx.error(format!("request `{content_type}` needs a component schema")))?;
            request.push(RequestBody {
                content_type: content_type.clone(),
                body,
            });
        }
    }

    let response = success_response(ctx, op)?;
    let stream_flag = op.get("x-stream-flag").and_then(Value::as_str).map(str::to_owned);
    if stream_flag.is_some() && (response.stream_event.is_none() || response.json.is_none()) {
        return Err(ctx.error("`x-stream-flag` needs both a JSON and a text/event-stream answer"));
    }
    let security = match op.get("security") {
        Some(value) => security(Some(value)),
        None => default_security.to_vec(),
    };

    Ok(Operation {
        id,
        method,
        path: path.to_owned(),
        family: family.to_owned(),
        summary: text(op, "summary"),
        description: text(op, "description"),
        rust_method,
        params,
        request,
        response,
        stream_flag,
        security,
        in_band_errors: strings(op.get("x-in-band-errors")),
        doc_pages,
        idempotent,
        gen_ai_operation: op.get("x-gen-ai-operation").and_then(Value::as_str).map(str::to_owned),
    })
}

/// The `{name}` segments of a path template.
pub fn path_params(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

fn component_name(reference: &Value) -> Option<String> {
    reference
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|target| target.strip_prefix("#/components/schemas/"))
        .map(str::to_owned)
}

fn body_type(ctx: Ctx<'_>, schema: Option<&Value>) -> Result<Option<BodyType>, SpecError> {
    let Some(schema) = schema else {
        return Ok(None);
    };
    if let Some(name) = component_name(schema) {
        return Ok(Some(BodyType::Named(name)));
    }
    if schema.get("type").and_then(Value::as_str) == Some("array") {
        if let Some(name) = schema.get("items").and_then(component_name) {
            return Ok(Some(BodyType::ArrayOf(name)));
        }
    }
    Err(ctx.error("a JSON body must reference a component schema (or be an array of one)"))
}

fn success_response(ctx: Ctx<'_>, op: &Value) -> Result<SuccessResponse, SpecError> {
    let responses = op
        .get("responses")
        .and_then(Value::as_object)
        .ok_or_else(|| ctx.error("operation without responses"))?;
    let Some((status, response)) = responses
        .iter()
        .find(|(status, _)| status.len() == 3 && status.starts_with('2'))
    else {
        return Err(ctx.error("operation without a 2xx response"));
    };
    let mut out = SuccessResponse {
        status: status.parse().map_err(|_| ctx.error(format!("bad status {status}")))?,
        ..SuccessResponse::default()
    };
    let empty = Map::new();
    for (content_type, media) in response.get("content").and_then(Value::as_object).unwrap_or(&empty) {
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        match essence {
            "text/event-stream" => {
                let event = media
                    .get("x-stream-event")
                    .and_then(Value::as_str)
                    .ok_or_else(|| ctx.error("a text/event-stream answer needs `x-stream-event`"))?;
                out.stream_event = Some(event.to_owned());
            }
            "text/plain" => out.text = true,
            essence if essence.ends_with("json") => out.json = body_type(ctx, media.get("schema"))?,
            _ => out.binary.push(essence.to_owned()),
        }
    }
    Ok(out)
}

/// `openai-error`, `mj-task`: lower-case ASCII words joined by single dashes.
fn is_kebab(text: &str) -> bool {
    !text.is_empty()
        && text.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::is_kebab;

    #[test]
    fn roles_are_kebab_case_words() {
        for good in ["openai-error", "mj-task", "v2"] {
            assert!(is_kebab(good), "{good}");
        }
        for bad in ["", "OpenAI-error", "mj--task", "-task", "task-", "mj_task", "任务"] {
            assert!(!is_kebab(bad), "{bad}");
        }
    }
}
