//! Emitting the Rust types, one private module per job: typify writes the structs and plain unions
//! (`driver`), which `patch` shapes to this project's rules; this generator writes string enums (`enums`),
//! tagged unions and the by-kind decoding of plain unions (`unions`), constructors and multipart forms
//! (`impls`).

mod driver;
mod enums;
mod impls;
mod patch;
mod unions;

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use syn::{Item, parse_quote};

use crate::GenError;
use crate::docs::SchemaLinks;
use crate::lower::{Def, DefKind};
use crate::model::Model;

/// The family of the schemas shared by several families; always compiled.
pub const COMMON: &str = "common";

/// `#[cfg(feature = "<family>")]`, nothing for the shared schemas.
pub fn feature_gate(family: &str) -> TokenStream {
    if family == COMMON {
        quote!()
    } else {
        quote!(#[cfg(feature = #family)])
    }
}

/// The Rust module name of a family (`openai-chat` → `openai_chat`).
pub fn module_name(family: &str) -> String {
    family.replace('-', "_")
}

/// The items of every family module, in definition order.
pub struct TypeModules {
    /// Family name → items.
    pub modules: BTreeMap<String, Vec<Item>>,
}

/// Emits the types of every definition; `multipart` names the Rust types sent as `multipart/form-data`,
/// which also get a `MultipartForm` impl.
pub fn emit(defs: &[Def], multipart: &[String]) -> Result<TypeModules, GenError> {
    let mut typified = driver::run(defs)?;
    let kinds = unions::KindTable::new(defs);
    let file_types = impls::file_types(defs);
    let union_tags: BTreeMap<String, String> = defs
        .iter()
        .filter_map(|def| match &def.kind {
            DefKind::TaggedUnion { tag, .. } => Some((def.rust_name.clone(), tag.clone())),
            _ => None,
        })
        .collect();
    let summaries: BTreeMap<&str, String> = defs
        .iter()
        .map(|def| (def.rust_name.as_str(), crate::lower::summary(&def.description)))
        .collect();
    // Every type but the string enums: arrays of these get the runtime's sizing for large elements.
    let objects: BTreeSet<String> = defs
        .iter()
        .filter(|def| !matches!(def.kind, DefKind::Enum { .. }))
        .map(|def| def.rust_name.clone())
        .collect();
    let mut modules: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    for def in defs {
        let items = match &def.kind {
            DefKind::Typify {
                property_order,
                aliases,
                variant_titles,
                variant_docs,
                fixed_values,
                boxed,
                ..
            } => {
                let mut items = typified
                    .items
                    .remove(&def.rust_name)
                    .ok_or_else(|| GenError::Generator(format!("typify produced no type for `{}`", def.rust_name)))?;
                // Variants take the spec's titles first, so that the impls below use the final names.
                patch::rename_variants(&mut items, variant_titles);
                patch::document_variants(&mut items, variant_docs);
                let mut extra = Vec::new();
                for item in &mut items {
                    match item {
                        Item::Struct(item) => {
                            let fields = typified.structs.get(&def.rust_name).ok_or_else(|| {
                                GenError::Generator(format!("typify has no property list of `{}`", def.rust_name))
                            })?;
                            patch::shape_struct(item, fields, property_order, aliases, boxed, &objects)?;
                            if let Some(tokens) = impls::constructor(item, fields, fixed_values)? {
                                extra.extend(parse_items(tokens)?);
                            }
                            if multipart.contains(&def.rust_name) {
                                extra.extend(parse_items(impls::multipart_form_impl(item, &file_types)?)?);
                            }
                        }
                        Item::Enum(item) => {
                            if file_types.contains(&def.rust_name) {
                                extra.extend(parse_items(impls::file_union_impl(item))?);
                            }
                            if patch::is_untagged(item)? {
                                if let Some(tokens) = kinds.dispatch_untagged(item)? {
                                    extra.extend(parse_items(tokens)?);
                                } else if let Some(tokens) = unions::first_match(item, &union_tags)? {
                                    extra.extend(parse_items(tokens)?);
                                }
                            }
                        }
                        _ => {}
                    }
                }
                items.extend(extra);
                items
            }
            DefKind::Enum { values, open } => parse_items(enums::enum_tokens(def, values, *open))?,
            DefKind::TaggedUnion { tag, variants } => {
                parse_items(unions::tagged_union_tokens(def, defs, tag, variants))?
            }
            DefKind::EmptyStruct => {
                let name = format_ident!("{}", def.rust_name);
                let docs = doc_attrs(&def.description);
                parse_items(quote! {
                    #docs
                    #[derive(Clone, Debug, Default, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
                    pub struct #name {}
                })?
            }
            DefKind::JsonObjectAlias => alias(
                def,
                quote!(::serde_json::Map<::std::string::String, ::serde_json::Value>),
            )?,
            DefKind::StringOrNumberAlias => alias(def, quote!(crate::StringOrNumber))?,
        };
        modules.entry(def.family.clone()).or_default().extend(items);
    }
    if let Some((name, items)) = typified.items.iter().next() {
        let what = items.first().map(driver::describe).unwrap_or_default();
        return Err(GenError::Generator(format!(
            "typify produced `{name}` ({what}), which no definition names; name that shape in the spec"
        )));
    }
    let links = SchemaLinks::new(
        defs.iter()
            .map(|def| (def.component.as_deref(), def.rust_name.as_str(), def.family.as_str())),
    );
    for (family, items) in &mut modules {
        // A type of another family may be compiled out: only the module's own family and the shared
        // schemas can be linked.
        let in_scope = |target: &str| target == family || target == COMMON;
        for item in items.iter_mut() {
            patch::tidy_docs(item);
            links.rewrite_item(item, in_scope);
            patch::require_docs(item, &summaries)?;
        }
    }
    Ok(TypeModules { modules })
}

/// The families each family's types refer to, from the references between definitions (the `$ref`s of
/// the lowered schemas and the payloads of tagged unions); a family's Cargo feature enables these.
pub fn family_dependencies(defs: &[Def]) -> BTreeMap<String, Vec<String>> {
    let family_of: BTreeMap<&str, &str> = defs
        .iter()
        .map(|def| (def.rust_name.as_str(), def.family.as_str()))
        .collect();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for def in defs {
        let mut referenced = Vec::new();
        match &def.kind {
            DefKind::Typify { schema, .. } => references(schema, &mut referenced),
            DefKind::TaggedUnion { variants, .. } => {
                referenced.extend(variants.iter().map(|variant| variant.payload.clone()));
            }
            DefKind::Enum { .. } | DefKind::EmptyStruct | DefKind::JsonObjectAlias | DefKind::StringOrNumberAlias => {}
        }
        let deps = out.entry(def.family.clone()).or_default();
        for name in referenced {
            // Runtime types (`StringOrNumber`, `Upload`) are no definition and belong to no family.
            if let Some(other) = family_of.get(name.as_str()) {
                if *other != def.family && !deps.iter().any(|dep| dep == other) {
                    deps.push((*other).to_owned());
                }
            }
        }
    }
    for deps in out.values_mut() {
        deps.sort();
    }
    out
}

/// The Rust names of every `#/definitions/<Name>` reference in a lowered schema.
fn references(schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(target)) => {
                        if let Some(name) = target.strip_prefix("#/definitions/") {
                            out.push(name.to_owned());
                        }
                    }
                    _ => references(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, out)),
        _ => {}
    }
}

fn parse_items(tokens: TokenStream) -> Result<Vec<Item>, GenError> {
    let file: syn::File =
        syn::parse2(tokens).map_err(|error| GenError::Generator(format!("emitted invalid Rust: {error}")))?;
    Ok(file.items)
}

fn doc_attrs(text: &str) -> TokenStream {
    let lines = text.trim().lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

fn alias(def: &Def, target: TokenStream) -> Result<Vec<Item>, GenError> {
    let name = format_ident!("{}", def.rust_name);
    let docs = doc_attrs(&def.description);
    parse_items(quote! {
        #docs
        pub type #name = #target;
    })
}

/// The module of one family.
pub fn family_module(model: &Model, family: &str, items: &[Item]) -> syn::File {
    let description = model
        .families
        .iter()
        .find(|known| known.name == family)
        .map(|known| known.description.clone())
        .unwrap_or_else(|| "Schemas shared by several API families.".to_owned());
    let heading = format!(" Types of the `{family}` family: {description}");
    let source = format!(" Generated from `spec/{family}.yaml`.");
    parse_quote! {
        #![doc = #heading]
        #![doc = ""]
        #![doc = #source]
        #[allow(unused_imports)]
        use crate::*;
        #(#items)*
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lower::TaggedVariant;

    fn def(rust_name: &str, family: &str, kind: DefKind) -> Def {
        Def {
            rust_name: rust_name.to_owned(),
            family: family.to_owned(),
            description: String::new(),
            component: None,
            kind,
        }
    }

    fn typify(schema: Value) -> DefKind {
        DefKind::Typify {
            schema,
            property_order: Vec::new(),
            aliases: BTreeMap::new(),
            variant_titles: BTreeMap::new(),
            variant_docs: BTreeMap::new(),
            fixed_values: BTreeMap::new(),
            boxed: BTreeSet::new(),
        }
    }

    #[test]
    fn family_dependencies_follow_references_not_docs() {
        let defs = [
            def(
                "Request",
                "chat",
                typify(serde_json::json!({
                    "description": "Like `GeminiPart`, but a chat message.",
                    "properties": {
                        "usage": {"$ref": "#/definitions/Usage"},
                        "ids": {"type": "array", "items": {"$ref": "#/definitions/StringOrNumber"}}
                    }
                })),
            ),
            def(
                "Event",
                "claude",
                DefKind::TaggedUnion {
                    tag: "type".to_owned(),
                    variants: vec![TaggedVariant {
                        tag: "part".to_owned(),
                        variant: "Part".to_owned(),
                        payload: "GeminiPart".to_owned(),
                    }],
                },
            ),
            def("GeminiPart", "gemini", typify(serde_json::json!({"type": "object"}))),
            def("Usage", COMMON, typify(serde_json::json!({"type": "object"}))),
        ];
        let deps = family_dependencies(&defs);
        assert_eq!(deps["chat"], [COMMON], "a name in a doc is no dependency");
        assert_eq!(deps["claude"], ["gemini"], "a union depends on its variants' family");
        assert!(deps["gemini"].is_empty());
    }
}
