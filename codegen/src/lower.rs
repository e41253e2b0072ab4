//! Lowering component schemas into type definitions.
//!
//! typify turns JSON Schema into Rust well, but not every rule of this project: string enums must stay open,
//! tagged unions must keep unknown tags, string-or-integer ids must keep every digit. Lowering therefore
//! gives every non-trivial inline shape a name of its own ("hoisting"), decides for each definition who
//! emits it (typify, or this generator for enums, tagged unions and aliases), and rewrites references to
//! typify's `#/definitions/<RustName>` form.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::{Map, Value, json};

use crate::model::{Model, SchemaDef, strings};
use crate::spec::SpecError;

/// The runtime type that keeps ids arriving as strings or integers (`type: [string, integer]`).
pub const STRING_OR_NUMBER: &str = "StringOrNumber";

/// The runtime type of a file in a multipart form (`type: string, format: binary`).
pub const UPLOAD: &str = "Upload";

/// A Rust type to emit.
#[derive(Debug, Clone)]
pub struct Def {
    /// The Rust type name.
    pub rust_name: String,
    /// The family module it goes to.
    pub family: String,
    /// Doc comment.
    pub description: String,
    /// The component name when the type is a spec component (hoisted shapes have none).
    pub component: Option<String>,
    /// Who emits it, and how.
    pub kind: DefKind,
}

/// How a definition is emitted.
#[derive(Debug, Clone)]
pub enum DefKind {
    /// By typify, from this schema (references in `#/definitions/<RustName>` form).
    Typify {
        /// The lowered schema.
        schema: Value,
        /// Property order as written in the spec (typify sorts them).
        property_order: Vec<String>,
        /// Serde aliases: canonical property → alias names (`x-alias-of`).
        aliases: BTreeMap<String, Vec<String>>,
        /// Variant names for union alternatives that reference a type: type name → `title`.
        variant_titles: BTreeMap<String, String>,
        /// The spec's description of each union alternative, by variant name (its `title`).
        variant_docs: BTreeMap<String, String>,
        /// Members whose value is fixed (`x-fixed-value`): property → the value `new()` fills in.
        fixed_values: BTreeMap<String, String>,
        /// Optional object members kept behind a `Box` (`x-rust-box`): large and seldom sent, so that every
        /// value of the type does not carry their size inline.
        boxed: BTreeSet<String>,
    },
    /// A string enum; open enums keep unknown values.
    Enum {
        /// Known values and their variant names.
        values: Vec<EnumValue>,
        /// Whether an `Unknown(String)` variant keeps new values.
        open: bool,
    },
    /// A tagged union with a catch-all variant for unknown tags.
    TaggedUnion {
        /// The tag member, e.g. `type`.
        tag: String,
        /// The variants in spec order.
        variants: Vec<TaggedVariant>,
    },
    /// A union variant whose only member was the tag: `pub struct X {}`.
    EmptyStruct,
    /// `pub type X = serde_json::Map<String, Value>;`
    JsonObjectAlias,
    /// `pub type X = crate::StringOrNumber;`
    StringOrNumberAlias,
}

/// A value of a string enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumValue {
    /// The value as sent on the wire.
    pub wire: String,
    /// The Rust variant name.
    pub variant: String,
}

/// A variant of a tagged union.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaggedVariant {
    /// The tag value that selects it.
    pub tag: String,
    /// The Rust variant name.
    pub variant: String,
    /// The Rust type of its payload (the variant schema, without the tag member).
    pub payload: String,
}

/// Lowers every component of the model.
pub fn lower(model: &Model) -> Result<Vec<Def>, SpecError> {
    let rust_names: BTreeMap<&str, &str> = model
        .schemas
        .iter()
        .map(|schema| (schema.name.as_str(), schema.rust_name.as_str()))
        .collect();
    // A union's tag is written and read by the union; its variant structs must not carry it too.
    let mut tags_to_strip = BTreeMap::new();
    for schema in &model.schemas {
        collect_variant_tags(&schema.schema, &rust_names, &mut tags_to_strip);
    }
    let mut lowering = Lowering {
        rust_names,
        taken: model.schemas.iter().map(|schema| schema.rust_name.clone()).collect(),
        defs: Vec::new(),
        variant_of: BTreeMap::new(),
        tags_to_strip,
    };
    for schema in &model.schemas {
        lowering.component(schema)?;
    }
    lowering.strip_variant_tags()?;
    Ok(lowering.defs)
}

/// Finds every `discriminator` (at any depth) and records, for each variant's Rust name, the tag member.
fn collect_variant_tags(schema: &Value, rust_names: &BTreeMap<&str, &str>, out: &mut BTreeMap<String, String>) {
    match schema {
        Value::Object(map) => {
            if let Some(discriminator) = map.get("discriminator") {
                if let Some(tag) = discriminator.get("propertyName").and_then(Value::as_str) {
                    for target in discriminator
                        .get("mapping")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                        .map(|(_, target)| target)
                    {
                        let name = target
                            .as_str()
                            .unwrap_or_default()
                            .trim_start_matches("#/components/schemas/");
                        if let Some(rust) = rust_names.get(name) {
                            out.insert((*rust).to_owned(), tag.to_owned());
                        }
                    }
                }
            }
            for (key, value) in map {
                if key != "example" && key != "examples" {
                    collect_variant_tags(value, rust_names, out);
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|item| collect_variant_tags(item, rust_names, out)),
        _ => {}
    }
}

struct Lowering<'a> {
    rust_names: BTreeMap<&'a str, &'a str>,
    /// Every Rust name in use, to catch hoisted names that collide.
    taken: BTreeSet<String>,
    defs: Vec<Def>,
    /// Payload type → the union it belongs to.
    variant_of: BTreeMap<String, String>,
    /// Payload type → tag member to remove from its struct (the union carries it).
    tags_to_strip: BTreeMap<String, String>,
}

/// Where in the spec a schema sits, for error messages.
#[derive(Clone)]
struct At<'a> {
    file: String,
    pointer: String,
    family: &'a str,
}

impl At<'_> {
    fn child(&self, token: &str) -> Self {
        At {
            file: self.file.clone(),
            pointer: format!("{}/{}", self.pointer, crate::spec::escape(token)),
            family: self.family,
        }
    }

    fn error(&self, message: impl std::fmt::Display) -> SpecError {
        SpecError::new(&self.file, &self.pointer, message)
    }
}

/// The JSON types a schema allows, from `type` (a string or a list).
fn types_of(schema: &Value) -> Vec<String> {
    match schema.get("type") {
        Some(Value::String(name)) => vec![name.clone()],
        Some(list @ Value::Array(_)) => strings(Some(list)),
        _ => Vec::new(),
    }
}

fn is_null_schema(schema: &Value) -> bool {
    types_of(schema) == ["null"]
}

/// If the schema is "X or null", returns X.
fn non_null_part(schema: &Value) -> Option<Value> {
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(alternatives)) = schema.get(key) {
            if alternatives.len() == 2 {
                let (nulls, others): (Vec<&Value>, Vec<&Value>) =
                    alternatives.iter().partition(|alt| is_null_schema(alt));
                if nulls.len() == 1 && others.len() == 1 {
                    let mut inner = others[0].clone();
                    if let (Some(description), Value::Object(map)) = (schema.get("description"), &mut inner) {
                        map.entry("description").or_insert_with(|| description.clone());
                    }
                    return Some(inner);
                }
            }
        }
    }
    let types = types_of(schema);
    let nullable_30 = schema.get("nullable").and_then(Value::as_bool) == Some(true);
    if (types.len() > 1 && types.iter().any(|t| t == "null")) || nullable_30 {
        let mut inner = schema.clone();
        let map = inner.as_object_mut()?;
        map.remove("nullable");
        let rest: Vec<Value> = types.into_iter().filter(|t| t != "null").map(Value::String).collect();
        match rest.len() {
            0 => {}
            1 => {
                map.insert("type".into(), rest[0].clone());
            }
            _ => {
                map.insert("type".into(), Value::Array(rest));
            }
        }
        if let Some(Value::Array(values)) = map.get_mut("enum") {
            values.retain(|value| !value.is_null());
        }
        return Some(inner);
    }
    None
}

fn nullable(inner: Value) -> Value {
    json!({ "oneOf": [inner, { "type": "null" }] })
}

fn is_string_or_integer(schema: &Value) -> bool {
    let mut types = types_of(schema);
    types.sort();
    types == ["integer", "string"]
}

fn is_string_enum(schema: &Value) -> bool {
    schema.get("enum").is_some_and(Value::is_array) && types_of(schema).iter().all(|t| t == "string")
}

fn is_free_form_object(schema: &Value) -> bool {
    types_of(schema) == ["object"]
        && schema.get("properties").is_none()
        && schema.get("oneOf").is_none()
        && schema.get("anyOf").is_none()
        && matches!(schema.get("additionalProperties"), None | Some(Value::Bool(true)))
}

/// Whether typify would need a named type for this shape.
fn needs_name(schema: &Value) -> bool {
    schema.get("properties").is_some()
        || schema.get("oneOf").is_some()
        || schema.get("anyOf").is_some()
        || schema.get("allOf").is_some()
        || is_string_enum(schema)
}

/// The `x-fixed-value` of a property: the one value a `type: string` member takes (`object: chat.completion`),
/// which constructors fill in. The member stays an open string in the types.
fn fixed_value(property: &Value, at: &At<'_>) -> Result<Option<String>, SpecError> {
    let Some(value) = property.get("x-fixed-value") else {
        return Ok(None);
    };
    let at = at.child("x-fixed-value");
    let Some(value) = value.as_str() else {
        return Err(at.error("`x-fixed-value` must be a string"));
    };
    if types_of(property) != ["string"] {
        return Err(at.error("`x-fixed-value` belongs on a `type: string` member"));
    }
    if let Some(values) = property.get("enum") {
        if !strings(Some(values)).iter().any(|known| known == value) {
            return Err(at.error(format!(
                "`x-fixed-value: {value}` is not one of the member's `enum` values"
            )));
        }
    }
    Ok(Some(value.to_owned()))
}

/// Whether a property is marked `x-rust-box: true`: an optional member holding one of the spec's objects, large
/// and seldom sent (a chunk's `usage`), kept behind a `Box`. Whether the member qualifies is checked on the
/// generated field, where its Rust type is known.
fn boxed_member(schema: &Value, name: &str, property: &Value, at: &At<'_>) -> Result<bool, SpecError> {
    let at = at.child("x-rust-box");
    match property.get("x-rust-box") {
        None | Some(Value::Bool(false)) => return Ok(false),
        Some(Value::Bool(true)) => {}
        Some(_) => return Err(at.error("`x-rust-box` must be `true` or `false`")),
    }
    if strings(schema.get("required")).iter().any(|required| required == name) {
        return Err(at.error("`x-rust-box` belongs on an optional member; a required one is always there"));
    }
    let held = non_null_part(property);
    if held.as_ref().unwrap_or(property).get("$ref").is_none() {
        return Err(at.error(
            "`x-rust-box` belongs on a member holding one component, `$ref: …` or `oneOf: [{$ref: …}, {type: 'null'}]`",
        ));
    }
    Ok(true)
}

/// Abbreviations a sentence does not end at.
const ABBREVIATIONS: &[&str] = &["e.g.", "i.e.", "vs.", "cf.", "approx.", "incl.", "resp.", "ca."];

/// Abbreviations that end a sentence only when an upper-case word follows (`…, etc. The next`).
const CLOSING_ABBREVIATIONS: &[&str] = &["etc."];

/// The first sentence of a description's first paragraph (descriptions are wrapped at arbitrary points).
///
/// A sentence ends at `.`, `!` or `?` followed by a space, unless the word before is an abbreviation
/// (`e.g.`, `i.e.`, `vs.` …; `etc.` only before an upper-case word); at `。` it always ends. Decimals and
/// versions (`0.5`, `v1.2.3`) have no space after their dots and never end one.
pub fn summary(description: &str) -> String {
    let paragraph: Vec<&str> = description
        .trim()
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(str::trim)
        .collect();
    let paragraph = paragraph.join(" ");
    let mut word_start = 0;
    for (index, c) in paragraph.char_indices() {
        let end = index + c.len_utf8();
        if c == '。' {
            return paragraph[..end].to_owned();
        }
        if c.is_whitespace() {
            word_start = end;
            continue;
        }
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let rest = &paragraph[end..];
        let Some(next) = rest.strip_prefix(' ').map(str::trim_start) else {
            continue; // not followed by a space: `0.5`, `v1.2`, `"a.b"`, or the paragraph's end
        };
        let word = paragraph[word_start..end].trim_start_matches(['(', '[', '"', '\'', '`']);
        let is = |list: &[&str]| list.iter().any(|known| word.eq_ignore_ascii_case(known));
        let continues = if is(ABBREVIATIONS) {
            true
        } else if is(CLOSING_ABBREVIATIONS) {
            !next.chars().next().is_some_and(char::is_uppercase)
        } else {
            false
        };
        if !continues {
            return paragraph[..end].to_owned();
        }
    }
    paragraph
}

/// A Rust identifier for a wire value (enum value or union tag).
pub fn variant_name(value: &str) -> String {
    let name = value.to_upper_camel_case();
    if name.is_empty() {
        "Empty".to_owned()
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("Value{name}")
    } else {
        name
    }
}

fn variant_names(values: &[String], at: &At<'_>, reserved: &[&str]) -> Result<Vec<EnumValue>, SpecError> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut out = Vec::new();
    for value in values {
        let name = variant_name(value);
        if reserved.contains(&name.as_str()) {
            return Err(at.error(format!("value {value:?} would be named `{name}`, which is reserved")));
        }
        if let Some(other) = seen.insert(name.clone(), value) {
            return Err(at.error(format!(
                "values {other:?} and {value:?} both map to the Rust name `{name}`"
            )));
        }
        out.push(EnumValue {
            wire: value.clone(),
            variant: name,
        });
    }
    Ok(out)
}

impl<'a> Lowering<'a> {
    fn component(&mut self, schema: &SchemaDef) -> Result<(), SpecError> {
        let at = At {
            file: format!("{}.yaml", schema.family),
            pointer: format!("/components/schemas/{}", crate::spec::escape(&schema.name)),
            family: &schema.family,
        };
        let description = if schema.name == schema.rust_name {
            schema.description.clone()
        } else {
            format!("{}\n\nSpec schema `{}`.", schema.description, schema.name)
        };
        self.define(&schema.rust_name, Some(&schema.name), description, &schema.schema, &at)
    }

    /// Adds the definition of `rust_name` from `schema`.
    fn define(
        &mut self,
        rust_name: &str,
        component: Option<&str>,
        description: String,
        schema: &Value,
        at: &At<'_>,
    ) -> Result<(), SpecError> {
        let family = at.family.to_owned();
        let def = |kind| Def {
            rust_name: rust_name.to_owned(),
            family: family.clone(),
            description: description.clone(),
            component: component.map(str::to_owned),
            kind,
        };

        if is_string_or_integer(schema) {
            self.defs.push(def(DefKind::StringOrNumberAlias));
            return Ok(());
        }
        if is_free_form_object(schema) {
            self.defs.push(def(DefKind::JsonObjectAlias));
            return Ok(());
        }
        if is_string_enum(schema) {
            let values = strings(schema.get("enum"));
            let open = schema.get("x-closed-enum").and_then(Value::as_bool) != Some(true);
            let values = variant_names(&values, at, if open { &["Unknown"] } else { &[] })?;
            self.defs.push(def(DefKind::Enum { values, open }));
            return Ok(());
        }
        if let Some(discriminator) = schema.get("discriminator") {
            let kind = self.tagged_union(rust_name, schema, discriminator, at)?;
            self.defs.push(def(kind));
            return Ok(());
        }

        // Everything else goes to typify, with its inline shapes named.
        let index = self.defs.len();
        self.defs.push(def(DefKind::JsonObjectAlias)); // placeholder keeps parents before their hoisted shapes
        let mut property_order = Vec::new();
        let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut variant_titles: BTreeMap<String, String> = BTreeMap::new();
        let mut variant_docs: BTreeMap<String, String> = BTreeMap::new();
        let mut fixed_values: BTreeMap<String, String> = BTreeMap::new();
        let mut boxed: BTreeSet<String> = BTreeSet::new();
        let stripped_tag = self.tags_to_strip.get(rust_name).cloned();
        let mut lowered = Map::new();
        for (key, value) in schema.as_object().into_iter().flatten() {
            let child = at.child(key);
            let new = match key.as_str() {
                "properties" => {
                    let mut properties = Map::new();
                    for (name, property) in value.as_object().into_iter().flatten() {
                        let prop_at = child.child(name);
                        if stripped_tag.as_deref() == Some(name.as_str()) {
                            continue;
                        }
                        if let Some(canonical) = property.get("x-alias-of").and_then(Value::as_str) {
                            aliases.entry(canonical.to_owned()).or_default().push(name.clone());
                            continue;
                        }
                        if let Some(value) = fixed_value(property, &prop_at)? {
                            fixed_values.insert(name.clone(), value);
                        }
                        if boxed_member(schema, name, property, &prop_at)? {
                            boxed.insert(name.clone());
                        }
                        property_order.push(name.clone());
                        let hint = format!("{rust_name}{}", variant_name(name));
                        properties.insert(
                            name.clone(),
                            self.lower_child(property, &hint, rust_name, name, &prop_at)?,
                        );
                    }
                    for canonical in aliases.keys() {
                        if !properties.contains_key(canonical) {
                            return Err(child.error(format!("`x-alias-of: {canonical}` names no property")));
                        }
                    }
                    let mut fields: BTreeMap<String, &str> = BTreeMap::new();
                    for name in properties.keys() {
                        let field = name.to_snake_case().trim_start_matches("r#").to_owned();
                        if let Some(other) = fields.insert(field.clone(), name) {
                            return Err(child.error(format!(
                                "properties `{other}` and `{name}` both become the Rust field `{field}`; \
                                 mark one `x-alias-of` the other"
                            )));
                        }
                    }
                    Value::Object(properties)
                }
                "required" => {
                    let required: Vec<Value> = strings(Some(value))
                        .into_iter()
                        .filter(|name| Some(name) != stripped_tag.as_ref())
                        .filter(|name| !aliases.values().flatten().any(|alias| alias == name))
                        .map(Value::String)
                        .collect();
                    Value::Array(required)
                }
                "items" => self.lower_child(value, &format!("{rust_name}Item"), rust_name, "items", &child)?,
                "additionalProperties" if value.is_object() => {
                    self.lower_child(value, &format!("{rust_name}Value"), rust_name, "values", &child)?
                }
                "oneOf" | "anyOf" => {
                    let mut alternatives = Vec::new();
                    for (position, alternative) in value.as_array().into_iter().flatten().enumerate() {
                        let title = alternative
                            .get("title")
                            .and_then(Value::as_str)
                            .map(variant_name)
                            .unwrap_or_else(|| format!("Variant{position}"));
                        let alt_at = child.child(&position.to_string());
                        let hint = format!("{rust_name}{title}");
                        if let Some(description) = alternative.get("description").and_then(Value::as_str) {
                            variant_docs.insert(title.clone(), description.to_owned());
                        }
                        let mut lowered = self.lower_child(alternative, &hint, rust_name, &title, &alt_at)?;
                        if let (Value::Object(map), Some(spec_title)) = (&mut lowered, alternative.get("title")) {
                            map.insert("title".into(), spec_title.clone());
                            // typify names a referencing alternative after the type; the title wins.
                            if let Some(target) = map.get("$ref").and_then(Value::as_str) {
                                let target = target.trim_start_matches("#/definitions/").to_owned();
                                variant_titles.insert(target, title.clone());
                            }
                        }
                        alternatives.push(lowered);
                    }
                    Value::Array(alternatives)
                }
                "allOf" => return Err(child.error("`allOf` is not used in this spec; write the members out")),
                _ if key.starts_with("x-") || key == "example" || key == "examples" => continue,
                _ => value.clone(),
            };
            lowered.insert(key.clone(), new);
        }
        lowered.insert("description".into(), Value::String(description.clone()));
        self.defs[index].kind = DefKind::Typify {
            schema: Value::Object(lowered),
            property_order,
            aliases,
            variant_titles,
            variant_docs,
            fixed_values,
            boxed,
        };
        Ok(())
    }

    /// Lowers a schema in a child position: references are rewritten, named shapes stay inline, and every
    /// other non-trivial shape becomes a definition of its own named `hint`.
    fn lower_child(
        &mut self,
        schema: &Value,
        hint: &str,
        parent: &str,
        member: &str,
        at: &At<'_>,
    ) -> Result<Value, SpecError> {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.trim_start_matches("#/components/schemas/");
            let rust = self
                .rust_names
                .get(name)
                .ok_or_else(|| at.error(format!("reference to unknown schema `{name}`")))?;
            let mut out = Map::new();
            out.insert("$ref".into(), Value::String(format!("#/definitions/{rust}")));
            if let Some(description) = schema.get("description") {
                out.insert("description".into(), description.clone());
            }
            return Ok(Value::Object(out));
        }
        if let Some(inner) = non_null_part(schema) {
            let lowered = self.lower_child(&inner, hint, parent, member, at)?;
            let mut out = nullable(lowered);
            if let Some(description) = schema.get("description") {
                out["description"] = description.clone();
            }
            return Ok(out);
        }
        if types_of(schema) == ["string"] && schema.get("format").and_then(Value::as_str) == Some("binary") {
            let mut out = json!({ "$ref": format!("#/definitions/{UPLOAD}") });
            if let Some(description) = schema.get("description") {
                out["description"] = description.clone();
            }
            return Ok(out);
        }
        if is_string_or_integer(schema) {
            let mut out = json!({ "$ref": format!("#/definitions/{STRING_OR_NUMBER}") });
            if let Some(description) = schema.get("description") {
                out["description"] = description.clone();
            }
            return Ok(out);
        }
        if types_of(schema) == ["array"] {
            let mut out = schema.as_object().cloned().unwrap_or_default();
            if let Some(items) = schema.get("items") {
                let lowered = self.lower_child(items, &format!("{hint}Item"), parent, member, &at.child("items"))?;
                out.insert("items".into(), lowered);
            }
            return Ok(Value::Object(out));
        }
        if needs_name(schema) {
            if !self.taken.insert(hint.to_owned()) {
                return Err(at.error(format!(
                    "this inline schema would be named `{hint}`, which is taken; make it a named component"
                )));
            }
            let description = schema
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("The `{member}` member of [`{parent}`]."));
            self.define(hint, None, description.clone(), schema, at)?;
            return Ok(json!({ "$ref": format!("#/definitions/{hint}"), "description": description }));
        }
        if let Some(values) = schema.get("additionalProperties").filter(|values| values.is_object()) {
            let mut out = schema.as_object().cloned().unwrap_or_default();
            let lowered = self.lower_child(
                values,
                &format!("{hint}Value"),
                parent,
                member,
                &at.child("additionalProperties"),
            )?;
            out.insert("additionalProperties".into(), lowered);
            return Ok(Value::Object(out));
        }
        Ok(schema.clone())
    }

    fn tagged_union(
        &mut self,
        rust_name: &str,
        schema: &Value,
        discriminator: &Value,
        at: &At<'_>,
    ) -> Result<DefKind, SpecError> {
        let tag = discriminator
            .get("propertyName")
            .and_then(Value::as_str)
            .ok_or_else(|| at.error("`discriminator` needs `propertyName`"))?
            .to_owned();
        let mapping = discriminator
            .get("mapping")
            .and_then(Value::as_object)
            .ok_or_else(|| at.error("`discriminator` needs an explicit `mapping` of every tag"))?;
        let listed: BTreeSet<String> = schema
            .get("oneOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|alt| alt.get("$ref").and_then(Value::as_str))
            .map(|reference| reference.trim_start_matches("#/components/schemas/").to_owned())
            .collect();
        let tags: Vec<String> = mapping.keys().cloned().collect();
        let names = variant_names(&tags, at, &["Unknown"])?;
        let mut variants = Vec::new();
        for EnumValue {
            wire: tag_value,
            variant,
        } in names
        {
            let target = mapping[&tag_value]
                .as_str()
                .unwrap_or_default()
                .trim_start_matches("#/components/schemas/");
            if !listed.contains(target) {
                return Err(at.error(format!("mapping `{tag_value}` → `{target}`, which is not in `oneOf`")));
            }
            let payload = self
                .rust_names
                .get(target)
                .ok_or_else(|| at.error(format!("mapping `{tag_value}` names unknown schema `{target}`")))?
                .to_string();
            match self.variant_of.get(&payload) {
                Some(owner) if owner != rust_name => {
                    return Err(at.error(format!(
                        "`{target}` is already a variant of `{owner}`; a variant schema belongs to one union"
                    )));
                }
                _ => {}
            }
            self.variant_of.insert(payload.clone(), rust_name.to_owned());
            self.tags_to_strip.insert(payload.clone(), tag.clone());
            variants.push(TaggedVariant {
                tag: tag_value,
                variant,
                payload,
            });
        }
        Ok(DefKind::TaggedUnion { tag, variants })
    }

    /// Checks that every union variant is an object schema; a variant left with no members becomes an empty
    /// struct (typify would make it a map).
    fn strip_variant_tags(&mut self) -> Result<(), SpecError> {
        for def in &mut self.defs {
            if !self.tags_to_strip.contains_key(&def.rust_name) {
                continue;
            }
            let DefKind::Typify { property_order, .. } = &def.kind else {
                return Err(SpecError::new(
                    &format!("{}.yaml", def.family),
                    "",
                    format!("union variant `{}` must be an object schema", def.rust_name),
                ));
            };
            if property_order.is_empty() {
                def.kind = DefKind::EmptyStruct;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn a_summary_is_the_first_sentence() {
        assert_eq!(summary("One. Two."), "One.");
        assert_eq!(summary("Wrapped\nover lines. Then more."), "Wrapped over lines.");
        assert_eq!(summary("First paragraph\n\nSecond. Paragraph."), "First paragraph");
        assert_eq!(summary("Does it? Yes."), "Does it?");
        assert_eq!(summary("No full stop"), "No full stop");
        assert_eq!(summary("Ends `here`. `Code` starts the next."), "Ends `here`.");
    }

    #[test]
    fn a_summary_is_not_cut_at_abbreviations_decimals_or_versions() {
        assert_eq!(
            summary("A file (e.g. a PDF) sent inline. More."),
            "A file (e.g. a PDF) sent inline."
        );
        assert_eq!(
            summary("Switch, e.g. `{\"type\": \"enabled\"}`. More."),
            "Switch, e.g. `{\"type\": \"enabled\"}`."
        );
        assert_eq!(summary("Ids, i.e. Strings. More."), "Ids, i.e. Strings.");
        assert_eq!(
            summary("Text, images, etc. are kept. More."),
            "Text, images, etc. are kept."
        );
        assert_eq!(summary("Sora vs. Veo jobs. More."), "Sora vs. Veo jobs.");
        assert_eq!(summary("Between 0.5 and 1.5. More."), "Between 0.5 and 1.5.");
        assert_eq!(
            summary("Claude 3.7 and API v1.2.3 only. More."),
            "Claude 3.7 and API v1.2.3 only."
        );
        assert_eq!(summary("Text, images, etc. The rest."), "Text, images, etc.");
        assert_eq!(summary("JSON or text. gpt-4o models send text."), "JSON or text.");
    }

    #[test]
    fn a_chinese_full_stop_ends_a_summary() {
        assert_eq!(summary("任务。其他"), "任务。");
    }
}
