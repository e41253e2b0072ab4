//! `multipart/form-data` bodies: parsing them into fields (with `multer`), and checking the fields as the
//! object the spec's multipart schema describes, with the same decoder as JSON bodies (text parts read as
//! numbers or booleans where the type asks for one; objects sent as JSON text; repeated parts and `name[]`
//! parts as arrays; files as their file name).

use std::fmt;

use allmhub_types::SchemaInfo;
use serde_json::Value;

use crate::{Conformed, DecodeError, check_json};

/// One part of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormField {
    /// The part's name (`image[]` as sent).
    pub name: String,
    /// Its value.
    pub value: FormValue,
}

/// The value of a form part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormValue {
    /// A text field.
    Text(String),
    /// A file.
    File {
        /// The part's file name.
        file_name: String,
        /// The part's content type, when it has one.
        content_type: Option<String>,
        /// The file's size in bytes.
        size: usize,
    },
}

impl FormField {
    /// A text field.
    pub fn text(name: impl Into<String>, value: impl Into<String>) -> Self {
        FormField {
            name: name.into(),
            value: FormValue::Text(value.into()),
        }
    }
}

/// Why a body is not a readable form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError(pub String);

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FormError {}

/// Splits a `multipart/form-data` body into its fields. `content_type` is the request's header (it carries
/// the boundary).
pub fn parse_multipart(content_type: &str, body: &[u8]) -> Result<Vec<FormField>, FormError> {
    let boundary = multer::parse_boundary(content_type)
        .map_err(|error| FormError(format!("the content type has no multipart boundary: {error}")))?;
    let chunk = bytes::Bytes::copy_from_slice(body);
    let stream = futures::stream::iter([Ok::<_, std::io::Error>(chunk)]);
    let mut multipart = multer::Multipart::new(stream, boundary);
    futures::executor::block_on(async move {
        let mut fields = Vec::new();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => return Ok(fields),
                Err(error) => return Err(FormError(format!("malformed form: {error}"))),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(ToString::to_string);
            let data = field
                .bytes()
                .await
                .map_err(|error| FormError(format!("malformed form part `{name}`: {error}")))?;
            let value = match file_name {
                Some(file_name) => FormValue::File {
                    file_name,
                    content_type,
                    size: data.len(),
                },
                None => FormValue::Text(
                    String::from_utf8(data.to_vec())
                        .map_err(|_| FormError(format!("form part `{name}` is not UTF-8 text")))?,
                ),
            };
            fields.push(FormField { name, value });
        }
    })
}

/// The fields as a JSON object of the shape the deserializer reads (files as their file names; text as
/// text), for reports.
pub fn fields_as_json(fields: &[FormField]) -> Value {
    let mut object = serde_json::Map::new();
    for (name, values) in group(fields) {
        let mut items: Vec<Value> = values
            .iter()
            .map(|value| match value {
                FormValue::Text(text) => Value::String(text.clone()),
                FormValue::File { file_name, .. } => Value::String(file_name.clone()),
            })
            .collect();
        let value = if items.len() == 1 {
            items.remove(0)
        } else {
            Value::Array(items)
        };
        object.insert(name.to_owned(), value);
    }
    Value::Object(object)
}

/// Fields grouped by name (`image[]` and repeated `image` parts together), in order of first appearance.
fn group(fields: &[FormField]) -> Vec<(&str, Vec<&FormValue>)> {
    let mut groups: Vec<(&str, Vec<&FormValue>)> = Vec::new();
    for field in fields {
        let name = field.name.strip_suffix("[]").unwrap_or(&field.name);
        match groups.iter_mut().find(|(known, _)| *known == name) {
            Some((_, values)) => values.push(&field.value),
            None => groups.push((name, vec![&field.value])),
        }
    }
    groups
}

/// The top-level member a JSON path starts with (`$.n` → `n`, `$["a b"][0]` → `a b`).
fn top_member(path: &str) -> Option<String> {
    let rest = path.strip_prefix('$')?;
    if let Some(name) = rest.strip_prefix('.') {
        let end = name.find(['.', '[']).unwrap_or(name.len());
        return Some(name[..end].to_owned());
    }
    let quoted = rest.strip_prefix('[')?;
    let mut json = serde_json::Deserializer::from_str(quoted).into_iter::<String>();
    json.next()?.ok()
}

/// Decodes a form as `schema`. Forms carry text only, so the fields are read as the object they stand for
/// the way a server would: text first; where the type wants something else at a member (a number, a
/// boolean, an object sent as JSON text), that member's text is read as JSON; where it wants an array, a
/// single part becomes an array of one. A member that still does not decode is reported with its path.
pub fn check_form(schema: &'static SchemaInfo, fields: &[FormField]) -> Result<Conformed, DecodeError> {
    let groups = group(fields);
    let text = |value: &FormValue| match value {
        FormValue::Text(text) => text.clone(),
        FormValue::File { file_name, .. } => file_name.clone(),
    };
    let mut object = serde_json::Map::new();
    for (name, values) in &groups {
        let value = match values.as_slice() {
            [one] => Value::String(text(one)),
            many => Value::Array(many.iter().map(|value| Value::String(text(value))).collect()),
        };
        object.insert((*name).to_owned(), value);
    }
    // Each member is reread at most twice (as JSON, then as an array), so this ends.
    let mut attempts: Vec<(String, u8, DecodeError)> = Vec::new();
    loop {
        let body = serde_json::to_vec(&object).map_err(|error| DecodeError {
            path: "$".to_owned(),
            message: error.to_string(),
        })?;
        let error = match check_json(schema, &body) {
            Ok(conformed) => return Ok(conformed),
            Err(error) => error,
        };
        let Some(member) = top_member(&error.path).filter(|member| object.contains_key(member)) else {
            return Err(error);
        };
        let tried = match attempts.iter_mut().find(|(name, _, _)| *name == member) {
            Some(attempt) => {
                attempt.1 += 1;
                attempt.1
            }
            None => {
                attempts.push((member.clone(), 0, error.clone()));
                0
            }
        };
        let first_error = || {
            attempts
                .iter()
                .find(|(name, _, _)| *name == member)
                .map(|(_, _, error)| error.clone())
                .unwrap_or_else(|| error.clone())
        };
        let Some(current) = object.get_mut(&member) else {
            return Err(error);
        };
        let as_json = |value: &Value| match value {
            Value::String(text) => serde_json::from_str::<Value>(text)
                .ok()
                .filter(|parsed| !parsed.is_string())
                .unwrap_or_else(|| value.clone()),
            other => other.clone(),
        };
        let next = match (tried, &*current) {
            (0, Value::Array(items)) => Value::Array(items.iter().map(as_json).collect()),
            (0, single) => as_json(single),
            (1, Value::Array(_)) => return Err(first_error()),
            // A single part where the type wants an array (the text as it came).
            (1, single) => Value::Array(vec![single.clone()]),
            (2, Value::Array(items)) if items.len() == 1 => Value::Array(items.iter().map(as_json).collect()),
            _ => return Err(first_error()),
        };
        if next == *current && tried < 2 {
            // Nothing to reread this way: move on to the next way.
            continue;
        }
        *current = next;
    }
}
