//! `multipart/form-data` bodies: parsing them into fields (with `multer`), and a serde `Deserializer` that
//! reads the fields as the object the spec's multipart schema describes, so the generated types decode
//! forms as they decode JSON (text parts read as numbers or booleans where the type asks for one; objects
//! sent as JSON text; repeated parts and `name[]` parts as arrays; files as their file name).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

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

type Error = serde_json::Error;

fn custom(message: impl fmt::Display) -> Error {
    de::Error::custom(message)
}

/// A form read as an object.
pub(crate) struct FormDeserializer<'a> {
    groups: Vec<(&'a str, Vec<&'a FormValue>)>,
}

impl<'a> FormDeserializer<'a> {
    pub(crate) fn new(fields: &'a [FormField]) -> Self {
        FormDeserializer { groups: group(fields) }
    }
}

impl<'de> Deserializer<'de> for FormDeserializer<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(FormMap {
            groups: self.groups.into_iter(),
            pending: None,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

struct FormMap<'a> {
    groups: std::vec::IntoIter<(&'a str, Vec<&'a FormValue>)>,
    pending: Option<Vec<&'a FormValue>>,
}

impl<'de> MapAccess<'de> for FormMap<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match self.groups.next() {
            Some((name, values)) => {
                self.pending = Some(values);
                seed.deserialize(name.into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let values = self.pending.take().unwrap_or_default();
        seed.deserialize(Parts(values))
    }
}

/// The values of the parts of one name.
struct Parts<'a>(Vec<&'a FormValue>);

impl<'de> Deserializer<'de> for Parts<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.as_slice() {
            [one] => Scalar(one).deserialize_any(visitor),
            many => visitor.visit_seq(PartSeq(many.iter())),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.as_slice() {
            // One part may hold the whole array as JSON text.
            [FormValue::Text(text)] if text.trim_start().starts_with('[') => Scalar(self.0[0]).deserialize_seq(visitor),
            many => visitor.visit_seq(PartSeq(many.iter())),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! { tuple tuple_struct ignored_any }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_bool(visitor)
    }
    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_i64(visitor)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_i64(visitor)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_i64(visitor)
    }
    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_i64(visitor)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_u64(visitor)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_u64(visitor)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_u64(visitor)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_u64(visitor)
    }
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_f64(visitor)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_f64(visitor)
    }
    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_str(visitor)
    }
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_str(visitor)
    }
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_str(visitor)
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_str(visitor)
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_str(visitor)
    }
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_unit(visitor)
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_unit(visitor)
    }
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_map(visitor)
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.single()?.deserialize_map(visitor)
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.single()?.deserialize_enum(name, variants, visitor)
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_str(visitor)
    }
}

impl<'a> Parts<'a> {
    fn single(&self) -> Result<Scalar<'a>, Error> {
        match self.0.as_slice() {
            [one] => Ok(Scalar(one)),
            many => Err(custom(format_args!(
                "expected one form part, found {} parts of this name",
                many.len()
            ))),
        }
    }
}

struct PartSeq<'a, 'b>(std::slice::Iter<'b, &'a FormValue>);

impl<'de> SeqAccess<'de> for PartSeq<'_, '_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        match self.0.next() {
            Some(value) => seed.deserialize(Scalar(value)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// One part's value: text read as the type asks, or a file read as its file name.
struct Scalar<'a>(&'a FormValue);

impl Scalar<'_> {
    fn text(&self) -> &str {
        match self.0 {
            FormValue::Text(text) => text,
            FormValue::File { file_name, .. } => file_name,
        }
    }

    fn is_file(&self) -> bool {
        matches!(self.0, FormValue::File { .. })
    }

    /// Text that holds a JSON object or array, parsed.
    fn json(&self) -> Result<Value, Error> {
        serde_json::from_str(self.text())
    }

    fn parsed<T: std::str::FromStr>(&self, what: &str) -> Result<T, Error> {
        let text = self.text().trim();
        if self.is_file() {
            return Err(custom(format_args!("expected {what}, found a file")));
        }
        text.parse()
            .map_err(|_| custom(format_args!("expected {what}, found the text {text:?}")))
    }
}

impl<'de> Deserializer<'de> for Scalar<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let text = self.text();
        let trimmed = text.trim_start();
        if !self.is_file() && (trimmed.starts_with('{') || trimmed.starts_with('[')) {
            if let Ok(value) = self.json() {
                return value.deserialize_any(visitor);
            }
        }
        visitor.visit_str(text)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_bool(self.parsed("a boolean")?)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_i64(self.parsed("an integer")?)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u64(self.parsed("a non-negative integer")?)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_f64(self.parsed("a number")?)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_str(self.text())
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.text().is_empty() {
            visitor.visit_unit()
        } else {
            Err(custom("expected an empty value"))
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if !self.is_file() && self.text().trim_start().starts_with('[') {
            return self.json()?.deserialize_seq(visitor);
        }
        visitor.visit_seq(PartSeq([self.0].iter()))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.is_file() {
            return Err(custom("expected an object (JSON text), found a file"));
        }
        self.json()?.deserialize_map(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(self.text().into_deserializer())
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }
    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    serde::forward_to_deserialize_any! { i128 u128 tuple tuple_struct ignored_any }
}
