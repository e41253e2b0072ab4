//! Structured outputs from Rust types (the `schemars` feature): the JSON Schema of a type implementing
//! [`schemars::JsonSchema`], reshaped by each dialect's rules, put where each dialect wants it.
//!
//! ```
//! # use allmhub_types::*;
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct Weather { city: String, high: f64, warning: Option<String> }
//!
//! let mut request = ChatCompletionRequest::new("gpt-4o-mini", vec![ChatMessage::user("Weather in Paris?")]);
//! request.response_format = Some(ChatResponseFormat::json_schema_for::<Weather>()?);
//! // …send it; then `let weather: Weather = answer.parse()?;`
//! # Ok::<(), structured::SchemaError>(())
//! ```
//!
//! The rules: OpenAI's strict mode (chat `response_format`, Responses `text.format`, strict function
//! tools) wants every object closed (`additionalProperties: false`) with every property required, an
//! optional member being one that accepts `null`, and only the keywords it supports; Claude's
//! `output_config.format` wants closed objects and no numeric or length limits; Gemini's `responseSchema` is
//! an OpenAPI subset without references, with `nullable` for optional members. A keyword a dialect does not
//! support is moved into the schema's `description` (the model still reads it) rather than dropped. What a
//! dialect cannot express at all — a map with free keys, a recursive type for Gemini, a root that is not an
//! object for OpenAI — is a [`SchemaError`] naming where it is.

use std::fmt;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

#[allow(unused_imports)]
use crate::*;

/// Why a Rust type cannot be a structured-output schema for a dialect.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemaError {
    /// OpenAI wants an object at the root (a struct), not an enum or a list.
    RootNotObject {
        /// The type's schema name.
        name: String,
    },
    /// An object with free keys (a map): strict schemas list every property.
    Map {
        /// Where in the schema (`#/properties/tags`).
        path: String,
    },
    /// A type that contains itself: Gemini's schemas have no references to express it.
    Recursive {
        /// Where in the schema.
        path: String,
    },
    /// A construct the dialect's schema language lacks (an enum of numbers for Gemini…).
    Unsupported {
        /// Where in the schema.
        path: String,
        /// What it is.
        what: String,
    },
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaError::RootNotObject { name } => {
                write!(
                    f,
                    "`{name}` is not an object: strict structured output needs a struct at the root"
                )
            }
            SchemaError::Map { path } => write!(
                f,
                "{path} is a map with free keys; structured output needs every property named (use a struct or a list of pairs)"
            ),
            SchemaError::Recursive { path } => {
                write!(
                    f,
                    "{path} refers back to itself; Gemini schemas cannot express recursive types"
                )
            }
            SchemaError::Unsupported { path, what } => write!(f, "{path}: {what} is not supported here"),
        }
    }
}

impl std::error::Error for SchemaError {}

/// Whose rules a schema follows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    OpenAi,
    Claude,
}

/// Keywords that only annotate: dropped without a note.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$comment",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
];

impl Dialect {
    fn keeps(self, keyword: &str) -> bool {
        const COMMON: &[&str] = &[
            "type",
            "properties",
            "required",
            "additionalProperties",
            "items",
            "enum",
            "const",
            "anyOf",
            "$ref",
            "$defs",
            "description",
            "title",
            "pattern",
            "format",
        ];
        COMMON.contains(&keyword)
            || match self {
                Dialect::OpenAi => [
                    "multipleOf",
                    "maximum",
                    "exclusiveMaximum",
                    "minimum",
                    "exclusiveMinimum",
                    "minItems",
                    "maxItems",
                ]
                .contains(&keyword),
                Dialect::Claude => ["allOf", "default", "minItems"].contains(&keyword),
            }
    }

    fn keeps_format(self, format: &str) -> bool {
        const OPENAI: &[&str] = &[
            "date-time",
            "time",
            "date",
            "duration",
            "email",
            "hostname",
            "ipv4",
            "ipv6",
            "uuid",
        ];
        OPENAI.contains(&format) || (self == Dialect::Claude && format == "uri")
    }
}

/// The JSON Schema of `T` as schemars makes it (draft 2020-12, no `$schema`).
fn raw_schema<T: JsonSchema>(inline: bool) -> Value {
    SchemaSettings::draft2020_12()
        .with(|settings| {
            settings.meta_schema = None;
            settings.inline_subschemas = inline;
        })
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// The name of `T`'s schema as OpenAI accepts names (`[A-Za-z0-9_-]`, at most 64 characters).
pub fn schema_name<T: JsonSchema>() -> String {
    let name: String = T::schema_name()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if name.is_empty() { "output".to_owned() } else { name }
}

/// The JSON Schema of `T` under OpenAI's strict rules: every object closed and all its properties required
/// (optional members are those that accept `null`), `oneOf` as `anyOf`, unsupported keywords moved into
/// descriptions, a struct at the root.
pub fn openai_schema<T: JsonSchema>() -> Result<Map<String, Value>, SchemaError> {
    let mut schema = raw_schema::<T>(false);
    if !schema.as_object().is_some_and(is_object_schema) {
        return Err(SchemaError::RootNotObject {
            name: T::schema_name().into_owned(),
        });
    }
    reshape(&mut schema, Dialect::OpenAi, "#")?;
    Ok(into_object(schema))
}

/// The JSON Schema of `T` under Claude's structured-output rules: every object closed, `oneOf` as `anyOf`,
/// numeric and length limits moved into descriptions.
pub fn claude_schema<T: JsonSchema>() -> Result<Map<String, Value>, SchemaError> {
    let mut schema = raw_schema::<T>(false);
    reshape(&mut schema, Dialect::Claude, "#")?;
    Ok(into_object(schema))
}

fn into_object(schema: Value) -> Map<String, Value> {
    match schema {
        Value::Object(object) => object,
        // `true` (any value): the empty schema.
        _ => Map::new(),
    }
}

fn is_object_schema(schema: &Map<String, Value>) -> bool {
    match schema.get("type") {
        Some(Value::String(kind)) => kind == "object",
        Some(Value::Array(kinds)) => kinds.iter().any(|kind| kind == "object"),
        None => schema.contains_key("properties"),
        _ => false,
    }
}

/// Applies a dialect's rules to a schema and, recursively, to its subschemas.
fn reshape(schema: &mut Value, dialect: Dialect, path: &str) -> Result<(), SchemaError> {
    let Value::Object(object) = schema else {
        return Ok(());
    };
    if let Some(alternatives) = object.remove("oneOf") {
        object.insert("anyOf".to_owned(), alternatives);
    }
    // `allOf` of one schema (schemars' way to add a description to a reference): merge it in.
    let single = matches!(object.get("allOf"), Some(Value::Array(parts)) if parts.len() == 1);
    if single {
        if let Some(Value::Array(mut parts)) = object.remove("allOf") {
            if let Some(Value::Object(part)) = parts.pop() {
                for (key, value) in part {
                    object.entry(key).or_insert(value);
                }
            }
        }
    }

    if is_object_schema(object) {
        match object.get("additionalProperties") {
            None | Some(Value::Bool(false)) => {}
            Some(Value::Bool(true)) if !object.contains_key("properties") => {
                return Err(SchemaError::Map { path: path.to_owned() });
            }
            Some(Value::Object(_)) => return Err(SchemaError::Map { path: path.to_owned() }),
            Some(_) => {}
        }
        object.insert("additionalProperties".to_owned(), Value::Bool(false));
        let properties = object.entry("properties").or_insert_with(|| Value::Object(Map::new()));
        let names: Option<Vec<Value>> = match properties {
            Value::Object(properties) if dialect == Dialect::OpenAi => {
                Some(properties.keys().cloned().map(Value::String).collect())
            }
            _ => None,
        };
        if let Some(required) = names {
            object.insert("required".to_owned(), Value::Array(required));
        }
    }

    // Keywords the dialect lacks: into the description, so that the model still knows.
    let mut notes = Vec::new();
    let keys: Vec<String> = object.keys().cloned().collect();
    for key in keys {
        let unsupported_format = key == "format"
            && object
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|format| !dialect.keeps_format(format));
        let unsupported_min_items =
            dialect == Dialect::Claude && key == "minItems" && object.get("minItems").and_then(Value::as_u64) > Some(1);
        if unsupported_format {
            // schemars' integer and float widths (`uint32`, `double`): the type says enough.
            object.remove(&key);
        } else if !dialect.keeps(&key) || unsupported_min_items {
            let value = object.remove(&key).unwrap_or_default();
            if !ANNOTATIONS.contains(&key.as_str()) {
                notes.push(format!("{key}: {value}"));
            }
        }
    }
    if !notes.is_empty() {
        let note = format!("({})", notes.join(", "));
        let description = match object.get("description").and_then(Value::as_str) {
            Some(description) => format!("{description} {note}"),
            None => note,
        };
        object.insert("description".to_owned(), Value::String(description));
    }

    for (keyword, value) in object.iter_mut() {
        match (keyword.as_str(), value) {
            ("properties" | "$defs", Value::Object(members)) => {
                for (name, member) in members.iter_mut() {
                    reshape(member, dialect, &format!("{path}/{keyword}/{name}"))?;
                }
            }
            ("anyOf" | "allOf", Value::Array(alternatives)) => {
                for (index, alternative) in alternatives.iter_mut().enumerate() {
                    reshape(alternative, dialect, &format!("{path}/{keyword}/{index}"))?;
                }
            }
            ("items", items) => reshape(items, dialect, &format!("{path}/items"))?,
            _ => {}
        }
    }
    Ok(())
}

// ---- Gemini

/// The schema of `T` in Gemini's `responseSchema` subset: references resolved in place, optional members
/// `nullable`, types upper-case, keywords it lacks moved into descriptions. `propertyOrdering` lists the
/// members as the schema does: in declaration order when `serde_json`'s `preserve_order` feature is on,
/// alphabetically (Gemini's own default) otherwise.
#[cfg(feature = "gemini")]
pub fn gemini_schema<T: JsonSchema>() -> Result<GeminiSchema, SchemaError> {
    let schema = raw_schema::<T>(false);
    let definitions = schema
        .get("$defs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    Gemini {
        definitions: &definitions,
        visiting: Vec::new(),
    }
    .convert(&schema, "#")
}

#[cfg(feature = "gemini")]
struct Gemini<'d> {
    definitions: &'d Map<String, Value>,
    /// The references being expanded, to catch a type that contains itself.
    visiting: Vec<String>,
}

#[cfg(feature = "gemini")]
impl Gemini<'_> {
    fn convert(&mut self, schema: &Value, path: &str) -> Result<GeminiSchema, SchemaError> {
        let Value::Object(object) = schema else {
            // `true`: any value, which Gemini expresses by saying nothing.
            return Ok(GeminiSchema::default());
        };
        if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
            let name = reference.rsplit('/').next().unwrap_or(reference).to_owned();
            // `#` is the root: a member of the root's type refers back to it.
            if reference == "#" || self.visiting.contains(&name) {
                return Err(SchemaError::Recursive { path: path.to_owned() });
            }
            let Some(target) = self.definitions.get(&name) else {
                return Err(SchemaError::Unsupported {
                    path: path.to_owned(),
                    what: format!("the reference `{reference}`"),
                });
            };
            self.visiting.push(name);
            let mut resolved = self.convert(target, path)?;
            self.visiting.pop();
            if let Some(description) = object.get("description").and_then(Value::as_str) {
                resolved.description = Some(description.to_owned());
            }
            return Ok(resolved);
        }

        let mut out = GeminiSchema {
            title: object.get("title").and_then(Value::as_str).map(str::to_owned),
            description: object.get("description").and_then(Value::as_str).map(str::to_owned),
            ..GeminiSchema::default()
        };
        let mut notes = Vec::new();
        for (key, value) in object {
            match key.as_str() {
                "type" => {
                    let kinds: Vec<&str> = match value {
                        Value::String(kind) => vec![kind.as_str()],
                        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
                        _ => Vec::new(),
                    };
                    if kinds.contains(&"null") {
                        out.nullable = Some(true);
                    }
                    let kinds: Vec<&str> = kinds.into_iter().filter(|kind| *kind != "null").collect();
                    match kinds.as_slice() {
                        [kind] => out.type_ = Some(kind.to_ascii_uppercase()),
                        [] => {}
                        several => {
                            out.any_of = several
                                .iter()
                                .map(|kind| GeminiSchema {
                                    type_: Some(kind.to_ascii_uppercase()),
                                    ..GeminiSchema::default()
                                })
                                .collect();
                        }
                    }
                }
                "anyOf" | "oneOf" => {
                    let alternatives = value.as_array().map(Vec::as_slice).unwrap_or_default();
                    let mut converted = Vec::new();
                    for (index, alternative) in alternatives.iter().enumerate() {
                        if alternative.get("type").and_then(Value::as_str) == Some("null") {
                            out.nullable = Some(true);
                            continue;
                        }
                        converted.push(self.convert(alternative, &format!("{path}/{key}/{index}"))?);
                    }
                    if converted.len() == 1 {
                        // `Option<T>`: T, nullable.
                        let only = converted.remove(0);
                        out = GeminiSchema {
                            nullable: out.nullable,
                            description: out.description.take().or(only.description.clone()),
                            title: out.title.take().or(only.title.clone()),
                            ..only
                        };
                    } else {
                        out.any_of = converted;
                    }
                }
                "allOf" => match value.as_array().map(Vec::as_slice) {
                    Some([only]) => {
                        let merged = self.convert(only, &format!("{path}/allOf/0"))?;
                        out = GeminiSchema {
                            description: out.description.take().or(merged.description.clone()),
                            ..merged
                        };
                    }
                    _ => {
                        return Err(SchemaError::Unsupported {
                            path: path.to_owned(),
                            what: "`allOf` of several schemas".to_owned(),
                        });
                    }
                },
                "enum" => {
                    for option in value.as_array().into_iter().flatten() {
                        match option {
                            Value::String(option) => out.enum_.push(option.clone()),
                            Value::Null => out.nullable = Some(true),
                            other => {
                                return Err(SchemaError::Unsupported {
                                    path: path.to_owned(),
                                    what: format!("the enum value {other} (Gemini enums are strings)"),
                                });
                            }
                        }
                    }
                    out.type_.get_or_insert_with(|| "STRING".to_owned());
                }
                "const" => match value {
                    Value::String(option) => {
                        out.enum_ = vec![option.clone()];
                        out.type_ = Some("STRING".to_owned());
                    }
                    other => notes.push(format!("const: {other}")),
                },
                "properties" => {
                    for (name, member) in value.as_object().into_iter().flatten() {
                        let member = self.convert(member, &format!("{path}/properties/{name}"))?;
                        out.property_ordering.push(name.clone());
                        out.properties.insert(name.clone(), member);
                    }
                }
                "required" => {
                    out.required = value
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect();
                }
                "items" => out.items = Some(Box::new(self.convert(value, &format!("{path}/items"))?)),
                "additionalProperties" => match value {
                    Value::Bool(_) if object.contains_key("properties") => {}
                    Value::Bool(false) => {}
                    _ => return Err(SchemaError::Map { path: path.to_owned() }),
                },
                "format" => {
                    let format = value.as_str().unwrap_or_default();
                    if ["int32", "int64", "float", "double", "date-time", "enum"].contains(&format) {
                        out.format = Some(format.to_owned());
                    }
                }
                "minimum" => out.minimum = value.as_f64(),
                "maximum" => out.maximum = value.as_f64(),
                "minItems" => out.min_items = value.as_u64().map(StringOrNumber::from),
                "maxItems" => out.max_items = value.as_u64().map(StringOrNumber::from),
                "minLength" => out.min_length = value.as_u64().map(StringOrNumber::from),
                "maxLength" => out.max_length = value.as_u64().map(StringOrNumber::from),
                "pattern" => out.pattern = value.as_str().map(str::to_owned),
                "default" => out.default = Some(value.clone()),
                "title" | "description" | "$defs" => {}
                other if ANNOTATIONS.contains(&other) => {}
                other => notes.push(format!("{other}: {value}")),
            }
        }
        if !notes.is_empty() {
            let note = format!("({})", notes.join(", "));
            out.description = Some(match out.description.take() {
                Some(description) => format!("{description} {note}"),
                None => note,
            });
        }
        Ok(out)
    }
}

// ---- where each dialect wants it

/// The type's doc comment, which schemars puts in the schema's description.
#[cfg(any(feature = "openai-chat", feature = "responses"))]
fn description(schema: &Map<String, Value>) -> Option<String> {
    schema.get("description").and_then(Value::as_str).map(str::to_owned)
}

#[cfg(feature = "openai-chat")]
impl ChatResponseFormat {
    /// `{"type": "json_schema", "json_schema": {"name", "schema", "strict": true}}` for `T` (OpenAI's strict
    /// rules; see [`openai_schema`]). Read the answer with `answer.parse::<T>()`.
    pub fn json_schema_for<T: JsonSchema>() -> Result<Self, SchemaError> {
        let schema = openai_schema::<T>()?;
        Ok(ChatResponseFormat::JsonSchema(ChatResponseFormatJsonSchema {
            json_schema: ChatJsonSchema {
                name: schema_name::<T>(),
                description: description(&schema),
                schema,
                strict: Some(true),
            },
        }))
    }
}

#[cfg(feature = "openai-chat")]
impl ChatTool {
    /// A strict function tool whose parameters are `T` (read a call with `call.arguments::<T>()`).
    pub fn function_for<T: JsonSchema>(
        name: impl Into<String>,
        description: impl Into<String>,
    ) -> Result<Self, SchemaError> {
        Ok(ChatTool::Function(ChatFunctionTool {
            function: ChatFunctionDefinition {
                name: name.into(),
                description: Some(description.into()),
                parameters: openai_schema::<T>()?,
                strict: Some(true),
            },
        }))
    }
}

#[cfg(feature = "responses")]
impl ResponsesTextFormat {
    /// The Responses API's `text.format` for `T`: `{"type": "json_schema", "name", "schema", "strict":
    /// true}` (OpenAI's strict rules). Read the answer with `response.parse::<T>()`.
    pub fn json_schema_for<T: JsonSchema>() -> Result<Self, SchemaError> {
        let schema = openai_schema::<T>()?;
        Ok(ResponsesTextFormat::JsonSchema(ResponsesTextFormatJsonSchema {
            name: schema_name::<T>(),
            description: description(&schema),
            schema,
            strict: Some(true),
        }))
    }
}

#[cfg(feature = "responses")]
impl ResponsesTextConfig {
    /// A `text` setting whose format is `T`'s schema (see [`ResponsesTextFormat::json_schema_for`]).
    pub fn json_schema_for<T: JsonSchema>() -> Result<Self, SchemaError> {
        Ok(ResponsesTextConfig {
            format: Some(ResponsesTextFormat::json_schema_for::<T>()?),
            verbosity: None,
        })
    }
}

#[cfg(feature = "claude")]
impl ClaudeOutputConfig {
    /// `output_config` with `format: {"type": "json_schema", "schema": …}` for `T` (Claude's rules; see
    /// [`claude_schema`]). Read the answer with `message.parse::<T>()`.
    pub fn json_schema_for<T: JsonSchema>() -> Result<Self, SchemaError> {
        let mut format = Map::new();
        format.insert("type".to_owned(), Value::String("json_schema".to_owned()));
        format.insert("schema".to_owned(), Value::Object(claude_schema::<T>()?));
        Ok(ClaudeOutputConfig { effort: None, format })
    }
}

#[cfg(feature = "claude")]
impl ClaudeCustomTool {
    /// A strict tool whose `input_schema` is `T` (read a call with `call.arguments::<T>()`).
    pub fn for_type<T: JsonSchema>(
        name: impl Into<String>,
        description: impl Into<String>,
    ) -> Result<Self, SchemaError> {
        Ok(ClaudeCustomTool {
            type_: None,
            name: name.into(),
            description: Some(description.into()),
            input_schema: claude_schema::<T>()?,
            cache_control: None,
            strict: Some(true),
        })
    }
}

#[cfg(feature = "gemini")]
impl GeminiGenerationConfig {
    /// `generationConfig` with `responseMimeType: application/json` and `responseSchema` for `T` (see
    /// [`gemini_schema`]). Read the answer with `response.parse::<T>()`.
    pub fn json_schema_for<T: JsonSchema>() -> Result<Self, SchemaError> {
        Ok(GeminiGenerationConfig {
            response_mime_type: Some("application/json".to_owned()),
            response_schema: Some(gemini_schema::<T>()?),
            ..GeminiGenerationConfig::default()
        })
    }
}
