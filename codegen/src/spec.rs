//! Loading the multi-file spec into one bundled document.
//!
//! `spec/openapi.yaml` references path items and schemas in family files (`openai-chat.yaml`, …). Loading
//! resolves those references the way `redocly bundle` does: every schema reference becomes
//! `#/components/schemas/<name>` (names are unique across files), every other reference (responses,
//! parameters, examples) is inlined, and every schema of every family file lands in `components.schemas`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// A problem in the spec, located by file and JSON pointer.
#[derive(Debug, thiserror::Error)]
#[error("{file}#{pointer}: {message}")]
pub struct SpecError {
    /// The spec file, relative to the spec directory.
    pub file: String,
    /// JSON pointer inside that file ("" for the whole file).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl SpecError {
    pub(crate) fn new(file: &str, pointer: &str, message: impl fmt::Display) -> Self {
        SpecError {
            file: file.to_owned(),
            pointer: pointer.to_owned(),
            message: message.to_string(),
        }
    }
}

/// The bundled spec.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The spec directory.
    pub dir: PathBuf,
    /// The bundled OpenAPI document.
    pub doc: Value,
    /// The family (file stem) that defines each component schema.
    pub schema_family: BTreeMap<String, String>,
    /// The family (file stem) that defines each path.
    pub path_family: BTreeMap<String, String>,
}

/// The root file name inside the spec directory.
pub const ROOT_FILE: &str = "openapi.yaml";

const SCHEMAS_PREFIX: &str = "/components/schemas/";

impl Spec {
    /// Loads `openapi.yaml` and the family files it references from `dir`.
    pub fn load(dir: &Path) -> Result<Spec, SpecError> {
        let mut files = Files::new(dir);
        let root = files.get(ROOT_FILE)?.clone();

        let root_paths = member(&root, ROOT_FILE, "", "paths")?;
        let root_schemas = member(&root, ROOT_FILE, "/components", "schemas")?;

        // Every family file the root points at, in order of first mention.
        let mut family_files: Vec<String> = Vec::new();
        for reference in root_paths.values().chain(root_schemas.values()) {
            let Some(target) = reference.get("$ref").and_then(Value::as_str) else {
                continue;
            };
            let file = target.split('#').next().unwrap_or_default().to_owned();
            if !file.is_empty() && !family_files.contains(&file) {
                family_files.push(file);
            }
        }

        // Collect every schema of every family file.
        let mut homes: BTreeMap<String, String> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        for file in &family_files {
            let doc = files.get(file)?;
            let Some(schemas) = doc.pointer("/components/schemas") else {
                continue;
            };
            let schemas = schemas
                .as_object()
                .ok_or_else(|| SpecError::new(file, "/components/schemas", "must be a mapping"))?;
            for name in schemas.keys() {
                if let Some(other) = homes.insert(name.clone(), file.clone()) {
                    return Err(SpecError::new(
                        file,
                        &format!("{SCHEMAS_PREFIX}{}", escape(name)),
                        format!("schema `{name}` is also defined in {other}; names are unique across files"),
                    ));
                }
                order.push(name.clone());
            }
        }

        // The root must list each doc-level schema as a reference to its home under the same name.
        for (name, reference) in root_schemas {
            let pointer = format!("/components/schemas/{}", escape(name));
            let target = reference
                .get("$ref")
                .and_then(Value::as_str)
                .ok_or_else(|| SpecError::new(ROOT_FILE, &pointer, "root schemas must be `$ref`s into family files"))?;
            let (file, fragment) = split_ref(target);
            let expected = format!("{SCHEMAS_PREFIX}{}", escape(name));
            if unescape_pointer(fragment) != unescape_pointer(&expected) {
                return Err(SpecError::new(
                    ROOT_FILE,
                    &pointer,
                    format!("`{target}` must point at a schema of the same name"),
                ));
            }
            match homes.get(name) {
                Some(home) if home == file => {}
                Some(home) => {
                    return Err(SpecError::new(
                        ROOT_FILE,
                        &pointer,
                        format!("`{name}` is defined in {home}, not {file}"),
                    ));
                }
                None => {
                    return Err(SpecError::new(
                        ROOT_FILE,
                        &pointer,
                        format!("{file} does not define schema `{name}`"),
                    ));
                }
            }
        }

        let mut bundler = Bundler {
            files: &mut files,
            homes: &homes,
        };

        let mut schemas = Map::new();
        for name in &order {
            let file = &homes[name];
            let pointer = format!("{SCHEMAS_PREFIX}{}", escape(name));
            let schema = bundler
                .files
                .get(file)?
                .pointer(&pointer)
                .cloned()
                .unwrap_or(Value::Null);
            schemas.insert(name.clone(), bundler.resolve(file, &pointer, &schema, 0)?);
        }

        let mut paths = Map::new();
        let mut path_family = BTreeMap::new();
        for (path, reference) in root_paths {
            let pointer = format!("/paths/{}", escape(path));
            let target = reference
                .get("$ref")
                .and_then(Value::as_str)
                .ok_or_else(|| SpecError::new(ROOT_FILE, &pointer, "root paths must be `$ref`s into family files"))?;
            let (file, fragment) = split_ref(target);
            if file.is_empty() {
                return Err(SpecError::new(ROOT_FILE, &pointer, "path items live in family files"));
            }
            let item = bundler.lookup(file, fragment, ROOT_FILE, &pointer)?;
            paths.insert(path.clone(), bundler.resolve(file, fragment, &item, 0)?);
            path_family.insert(path.clone(), stem(file));
        }

        let mut doc = root.clone();
        doc["paths"] = Value::Object(paths);
        doc["components"]["schemas"] = Value::Object(schemas);

        Ok(Spec {
            dir: dir.to_owned(),
            doc,
            schema_family: homes.iter().map(|(name, file)| (name.clone(), stem(file))).collect(),
            path_family,
        })
    }

    /// The bundled component schemas, in spec order.
    pub fn schemas(&self) -> &Map<String, Value> {
        self.doc["components"]["schemas"]
            .as_object()
            .expect("bundling always writes components.schemas")
    }
}

/// The family name of a file: its name without `.yaml`.
fn stem(file: &str) -> String {
    file.trim_end_matches(".yaml").to_owned()
}

fn member<'a>(doc: &'a Value, file: &str, at: &str, key: &str) -> Result<&'a Map<String, Value>, SpecError> {
    let parent = if at.is_empty() { Some(doc) } else { doc.pointer(at) };
    parent
        .and_then(|value| value.get(key))
        .and_then(Value::as_object)
        .ok_or_else(|| SpecError::new(file, &format!("{at}/{key}"), "missing or not a mapping"))
}

/// Splits `file.yaml#/pointer` into its file and pointer parts.
fn split_ref(reference: &str) -> (&str, &str) {
    match reference.split_once('#') {
        Some((file, fragment)) => (file, fragment),
        None => (reference, ""),
    }
}

/// Escapes one JSON pointer token.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn unescape_pointer(pointer: &str) -> String {
    pointer
        .split('/')
        .map(|token| token.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join("/")
}

/// Parsed spec files, loaded on first use.
struct Files {
    dir: PathBuf,
    loaded: BTreeMap<String, Value>,
}

impl Files {
    fn new(dir: &Path) -> Self {
        Files {
            dir: dir.to_owned(),
            loaded: BTreeMap::new(),
        }
    }

    fn get(&mut self, file: &str) -> Result<&Value, SpecError> {
        if !self.loaded.contains_key(file) {
            let path = self.dir.join(file);
            let text = std::fs::read_to_string(&path)
                .map_err(|error| SpecError::new(file, "", format!("cannot read {}: {error}", path.display())))?;
            let value: Value = serde_norway::from_str(&text).map_err(|error| SpecError::new(file, "", error))?;
            self.loaded.insert(file.to_owned(), value);
        }
        Ok(&self.loaded[file])
    }
}

struct Bundler<'a> {
    files: &'a mut Files,
    homes: &'a BTreeMap<String, String>,
}

/// References nest only through responses and parameters; deeper means a cycle.
const MAX_DEPTH: usize = 32;

impl Bundler<'_> {
    fn lookup(&mut self, file: &str, fragment: &str, from_file: &str, from: &str) -> Result<Value, SpecError> {
        let doc = self
            .files
            .get(file)
            .map_err(|error| SpecError::new(from_file, from, format!("reference into {file}: {}", error.message)))?;
        doc.pointer(fragment)
            .cloned()
            .ok_or_else(|| SpecError::new(from_file, from, format!("dangling reference {file}#{fragment}")))
    }

    /// Resolves references inside `value`, which sits at `pointer` in `file`.
    fn resolve(&mut self, file: &str, pointer: &str, value: &Value, depth: usize) -> Result<Value, SpecError> {
        if depth > MAX_DEPTH {
            return Err(SpecError::new(file, pointer, "reference cycle"));
        }
        match value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(index, item)| self.resolve(file, &format!("{pointer}/{index}"), item, depth))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Value::Object(object) => {
                if let Some(Value::String(reference)) = object.get("$ref") {
                    return self.resolve_ref(file, pointer, reference, object, depth);
                }
                let in_properties = pointer.ends_with("/properties");
                let mut out = Map::new();
                for (key, item) in object {
                    let at = format!("{pointer}/{}", escape(key));
                    let resolved = match key.as_str() {
                        // Example values are data, not spec: nothing inside them is resolved.
                        "example" if !in_properties => item.clone(),
                        "examples" if !in_properties && item.is_object() => {
                            self.resolve_examples(file, &at, item, depth)?
                        }
                        _ => self.resolve(file, &at, item, depth)?,
                    };
                    out.insert(key.clone(), resolved);
                }
                Ok(Value::Object(out))
            }
            other => Ok(other.clone()),
        }
    }

    /// Resolves an OpenAPI `examples` map: references to Example Objects, but never inside example values.
    fn resolve_examples(
        &mut self,
        file: &str,
        pointer: &str,
        examples: &Value,
        depth: usize,
    ) -> Result<Value, SpecError> {
        let mut out = Map::new();
        for (key, example) in examples.as_object().into_iter().flatten() {
            let at = format!("{pointer}/{}", escape(key));
            let resolved = match example.get("$ref") {
                Some(Value::String(_)) => self.resolve(file, &at, example, depth)?,
                _ => example.clone(),
            };
            out.insert(key.clone(), resolved);
        }
        Ok(Value::Object(out))
    }

    fn resolve_ref(
        &mut self,
        file: &str,
        pointer: &str,
        reference: &str,
        object: &Map<String, Value>,
        depth: usize,
    ) -> Result<Value, SpecError> {
        let (target_file, fragment) = split_ref(reference);
        let target_file = if target_file.is_empty() { file } else { target_file }.to_owned();
        let fragment = unescape_pointer(fragment);

        let mut siblings = Map::new();
        for (key, item) in object.iter().filter(|(key, _)| *key != "$ref") {
            let resolved = self.resolve(file, &format!("{pointer}/{}", escape(key)), item, depth)?;
            siblings.insert(key.clone(), resolved);
        }

        if let Some(name) = fragment.strip_prefix(SCHEMAS_PREFIX).filter(|name| !name.contains('/')) {
            match self.homes.get(name) {
                Some(home) if *home == target_file => {}
                Some(home) => {
                    return Err(SpecError::new(
                        file,
                        pointer,
                        format!("`{reference}`: schema `{name}` lives in {home}"),
                    ));
                }
                None => {
                    return Err(SpecError::new(
                        file,
                        pointer,
                        format!("`{reference}`: no schema `{name}`"),
                    ));
                }
            }
            let mut out = Map::new();
            out.insert("$ref".into(), Value::String(format!("#{SCHEMAS_PREFIX}{name}")));
            out.extend(siblings);
            return Ok(Value::Object(out));
        }

        // Not a schema: inline the target, resolved in its own file.
        let escaped: String = fragment.split('/').map(escape).collect::<Vec<_>>().join("/");
        let target = self.lookup(&target_file, &escaped, file, pointer)?;
        let mut resolved = self.resolve(&target_file, &escaped, &target, depth + 1)?;
        if let Value::Object(map) = &mut resolved {
            map.extend(siblings);
        }
        Ok(resolved)
    }
}
