//! Emitting the Rust types: typify for structs and plain unions, `quote!` for enums, tagged unions and aliases.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use schemars::schema::Schema;
use serde_json::{Value, json};
use syn::{Attribute, Fields, Item, parse_quote};
use typify::{TypeSpace, TypeSpaceImpl, TypeSpaceSettings};

use crate::GenError;
use crate::lower::{Def, DefKind, STRING_OR_NUMBER, UPLOAD};
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
    let mut typify_items = run_typify(defs)?;
    let kinds = KindTable::new(defs);
    let file_types = file_types(defs);
    let summaries: BTreeMap<&str, String> = defs
        .iter()
        .map(|def| (def.rust_name.as_str(), crate::lower::summary(&def.description)))
        .collect();
    let mut modules: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    for def in defs {
        let items = match &def.kind {
            DefKind::Typify {
                property_order,
                aliases,
                variant_titles,
                ..
            } => {
                let mut items = typify_items
                    .remove(&def.rust_name)
                    .ok_or_else(|| GenError::Generator(format!("typify produced no type for `{}`", def.rust_name)))?;
                let mut extra = Vec::new();
                for item in &mut items {
                    match item {
                        Item::Struct(item) => {
                            shape_struct(item, property_order, aliases, &summaries);
                            if let Some(tokens) = constructor(item) {
                                extra.extend(parse_items(tokens)?);
                            }
                            if multipart.contains(&def.rust_name) {
                                extra.extend(parse_items(multipart_form_impl(item, &file_types))?);
                            }
                        }
                        Item::Enum(item) if file_types.contains(&def.rust_name) => {
                            extra.extend(parse_items(file_union_impl(item))?);
                            if let Some(tokens) = kinds.dispatch_untagged(item) {
                                extra.extend(parse_items(tokens)?);
                            }
                        }
                        Item::Enum(item) => {
                            if let Some(tokens) = kinds.dispatch_untagged(item) {
                                extra.extend(parse_items(tokens)?);
                            }
                        }
                        _ => {}
                    }
                }
                items.extend(extra);
                rename_variants(&mut items, variant_titles);
                items
            }
            DefKind::Enum { values, open } => parse_items(enum_tokens(def, values, *open))?,
            DefKind::TaggedUnion { tag, variants } => parse_items(tagged_union_tokens(def, defs, tag, variants))?,
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
    if let Some((name, items)) = typify_items.iter().next() {
        let first = items.first().map(|item| quote!(#item).to_string()).unwrap_or_default();
        return Err(GenError::Generator(format!(
            "typify produced `{name}`, which no definition names; name that shape in the spec ({})",
            first.chars().take(200).collect::<String>()
        )));
    }
    for items in modules.values_mut() {
        for item in items.iter_mut() {
            tidy_docs(item);
        }
    }
    Ok(TypeModules { modules })
}

/// Every family that a family's types refer to, from the emitted items (used for feature dependencies).
pub fn family_dependencies(defs: &[Def], modules: &TypeModules) -> BTreeMap<String, Vec<String>> {
    let family_of: BTreeMap<&str, &str> = defs
        .iter()
        .map(|def| (def.rust_name.as_str(), def.family.as_str()))
        .collect();
    let mut out = BTreeMap::new();
    for (family, items) in &modules.modules {
        let mut deps: Vec<String> = Vec::new();
        let text: String = items.iter().map(|item| quote!(#item).to_string()).collect();
        for token in text.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
            if let Some(other) = family_of.get(token) {
                if *other != family && !deps.iter().any(|dep| dep == other) {
                    deps.push((*other).to_owned());
                }
            }
        }
        deps.sort();
        out.insert(family.clone(), deps);
    }
    out
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

/// Runs typify over every definition; returns the items of each type name.
fn run_typify(defs: &[Def]) -> Result<BTreeMap<String, Vec<Item>>, GenError> {
    let mut settings = TypeSpaceSettings::default();
    settings.with_struct_builder(false);
    settings.with_derive("PartialEq".to_owned());
    // Deterministic order when re-serializing (HashMap's order is random).
    settings.with_map_type("::std::collections::BTreeMap");
    let mut definitions: Vec<(String, Value)> = Vec::new();
    for def in defs {
        match &def.kind {
            DefKind::Typify { schema, .. } => definitions.push((def.rust_name.clone(), schema.clone())),
            other => {
                // Emitted here, not by typify: typify only needs the name.
                // What typify may assume of the type. `FromStr` is never declared: typify would then emit
                // conversions against its own error type.
                let impls = match other {
                    DefKind::JsonObjectAlias | DefKind::EmptyStruct => vec![TypeSpaceImpl::Default],
                    DefKind::Enum { .. } => vec![TypeSpaceImpl::Display],
                    _ => vec![],
                };
                settings.with_replacement(&def.rust_name, &def.rust_name, impls.into_iter());
                definitions.push((def.rust_name.clone(), json!({})));
            }
        }
    }
    settings.with_replacement(
        STRING_OR_NUMBER,
        "crate::StringOrNumber",
        [TypeSpaceImpl::Display].into_iter(),
    );
    definitions.push((STRING_OR_NUMBER.to_owned(), json!({})));
    settings.with_replacement(UPLOAD, "crate::Upload", [TypeSpaceImpl::Default].into_iter());
    definitions.push((UPLOAD.to_owned(), json!({})));

    let mut space = TypeSpace::new(&settings);
    let schemas = definitions
        .into_iter()
        .map(|(name, schema)| {
            let schema: Schema = serde_json::from_value(schema)
                .map_err(|error| GenError::Generator(format!("definition `{name}` is not a JSON Schema: {error}")))?;
            Ok((name, schema))
        })
        .collect::<Result<Vec<_>, GenError>>()?;
    space
        .add_ref_types(schemas)
        .map_err(|error| GenError::Generator(format!("typify: {error}")))?;
    let file: syn::File =
        syn::parse2(space.to_stream()).map_err(|error| GenError::Generator(format!("typify output: {error}")))?;

    let mut by_type: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    for item in file.items {
        let name = match &item {
            Item::Struct(item) => item.ident.to_string(),
            Item::Enum(item) => item.ident.to_string(),
            Item::Type(item) => item.ident.to_string(),
            Item::Impl(item) => match &*item.self_ty {
                syn::Type::Path(path) => path
                    .path
                    .segments
                    .last()
                    .map(|segment| segment.ident.to_string())
                    .unwrap_or_default(),
                _ => String::new(),
            },
            // typify's ConversionError module: only its own string enums use it, and this generator emits
            // every string enum itself.
            Item::Mod(module) if module.ident == "error" => continue,
            other => {
                return Err(GenError::Generator(format!(
                    "unexpected typify item: {}",
                    quote!(#other).to_string().chars().take(120).collect::<String>()
                )));
            }
        };
        by_type.entry(name).or_default().push(item);
    }
    Ok(by_type)
}

/// The JSON member name of a typify struct field.
fn wire_name(field: &syn::Field) -> String {
    for attr in &field.attrs {
        if attr.path().is_ident("serde") {
            let text = quote!(#attr).to_string();
            if let Some(rest) = text.split("rename = \"").nth(1) {
                if let Some(name) = rest.split('"').next() {
                    return name.to_owned();
                }
            }
        }
    }
    field
        .ident
        .as_ref()
        .map(|ident| ident.to_string().trim_start_matches("r#").to_owned())
        .unwrap_or_default()
}

/// The generated type a field holds, through `Option`, `Vec`, `Box` and maps.
fn held_type(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => args.args.iter().rev().find_map(|arg| match arg {
            syn::GenericArgument::Type(inner) => held_type(inner),
            _ => None,
        }),
        _ => Some(last.ident.to_string()),
    }
}

/// `T` of a `Box<Option<T>>`.
fn boxed_option(ty: &syn::Type) -> Option<syn::Type> {
    let generic = |ty: &syn::Type, name: &str| -> Option<syn::Type> {
        let syn::Type::Path(path) = ty else {
            return None;
        };
        let last = path.path.segments.last()?;
        if last.ident != name {
            return None;
        }
        match &last.arguments {
            syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
                syn::GenericArgument::Type(inner) => Some(inner.clone()),
                _ => None,
            }),
            _ => None,
        }
    };
    generic(&generic(ty, "Box")?, "Option")
}

/// The name of a type written as a plain path without generic arguments (`ChatImageUrl`, not `Vec<…>`).
fn direct_type(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    last.arguments.is_none().then(|| last.ident.to_string())
}

/// Types whose values are files in a multipart form: `Upload`, and unions of `Upload` alternatives
/// (one file or several).
fn file_types(defs: &[Def]) -> BTreeSet<String> {
    let upload_ref = format!("#/definitions/{UPLOAD}");
    let is_upload = |schema: &Value| {
        schema.get("$ref").and_then(Value::as_str) == Some(upload_ref.as_str())
            || schema.pointer("/items/$ref").and_then(Value::as_str) == Some(upload_ref.as_str())
    };
    let mut out: BTreeSet<String> = [UPLOAD.to_owned()].into();
    for def in defs {
        if let DefKind::Typify { schema, .. } = &def.kind {
            let alternatives = schema
                .get("oneOf")
                .or_else(|| schema.get("anyOf"))
                .and_then(Value::as_array);
            if alternatives.is_some_and(|alternatives| alternatives.iter().all(is_upload)) {
                out.insert(def.rust_name.clone());
            }
        }
    }
    out
}

/// typify writes some paths inside serde attribute strings with spaces (`":: std :: …"`).
fn tidy_serde_attr(attr: &mut Attribute) {
    let text = quote!(#attr).to_string();
    if text.contains(":: ") {
        let tokens: TokenStream = text
            .replace("\":: ", "\"::")
            .replace(" :: ", "::")
            .parse()
            .expect("re-parsing a serde attribute");
        let mut parsed: Vec<Attribute> =
            syn::parse::Parser::parse2(Attribute::parse_outer, tokens).expect("an attribute");
        *attr = parsed.remove(0);
    }
}

/// Fields in the spec's order, serde aliases, absent-tolerant required-nullable fields, and a doc on every
/// field (the held type's summary when the spec gives none).
fn shape_struct(
    item: &mut syn::ItemStruct,
    order: &[String],
    aliases: &BTreeMap<String, Vec<String>>,
    summaries: &BTreeMap<&str, String>,
) {
    let Fields::Named(fields) = &mut item.fields else {
        return;
    };
    let mut list: Vec<syn::Field> = fields.named.iter().cloned().collect();
    let position = |field: &syn::Field| {
        let name = wire_name(field);
        order
            .iter()
            .position(|candidate| *candidate == name)
            .unwrap_or(usize::MAX)
    };
    list.sort_by_key(position);
    for field in &mut list {
        let required_nullable = field
            .attrs
            .iter()
            .any(|attr| attr.path().is_ident("serde") && quote!(#attr).to_string().contains("Option::deserialize"));
        // A recursive optional member comes as `Box<Option<T>>`, serialized as `null` when absent; make it
        // `Option<Box<T>>`, omitted when absent (unless the spec requires it).
        if let Some(inner) = boxed_option(&field.ty) {
            field.ty = parse_quote!(::std::option::Option<::std::boxed::Box<#inner>>);
            if !required_nullable {
                field.attrs.retain(|attr| !attr.path().is_ident("serde"));
                field
                    .attrs
                    .push(parse_quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")]));
            }
        }
        // typify makes a required-but-nullable member mandatory; real payloads omit it, so accept absence
        // (and still always serialize it, as `null` when empty).
        for attr in &mut field.attrs {
            if attr.path().is_ident("serde") {
                if quote!(#attr).to_string().contains("Option::deserialize") {
                    *attr = parse_quote!(#[serde(default)]);
                } else {
                    tidy_serde_attr(attr);
                }
            }
        }
        if let Some(names) = aliases.get(&wire_name(field)) {
            for alias in names {
                field.attrs.push(parse_quote!(#[serde(alias = #alias)]));
            }
        }
        if !field.attrs.iter().any(|attr| attr.path().is_ident("doc")) {
            let held = held_type(&field.ty).and_then(|name| summaries.get(name.as_str()));
            let text = match held {
                Some(summary) if !summary.is_empty() => summary.clone(),
                _ => format!("The `{}` member.", wire_name(field)),
            };
            field.attrs.insert(0, parse_quote!(#[doc = #text]));
        }
    }
    fields.named = list.into_iter().collect();
}

/// One `#[doc]` attribute per line, each with a leading space, so they print as `/// text`.
fn tidy_docs(item: &mut Item) {
    fn tidy(attrs: &mut Vec<Attribute>) {
        let mut out = Vec::with_capacity(attrs.len());
        for attr in attrs.drain(..) {
            let text = match &attr.meta {
                syn::Meta::NameValue(meta) if attr.path().is_ident("doc") => match &meta.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }) => Some(text.value()),
                    _ => None,
                },
                _ => None,
            };
            match text {
                Some(text) if text.trim().is_empty() => out.push(parse_quote!(#[doc = ""])),
                Some(text) if !text.starts_with(' ') || text.contains('\n') => {
                    let text = text.trim().to_owned();
                    for line in text.lines() {
                        let line = if line.trim().is_empty() {
                            String::new()
                        } else {
                            format!(" {}", line.trim_end())
                        };
                        out.push(parse_quote!(#[doc = #line]));
                    }
                }
                _ => out.push(attr),
            }
        }
        *attrs = out;
    }
    match item {
        Item::Struct(item) => {
            tidy(&mut item.attrs);
            for field in item.fields.iter_mut() {
                tidy(&mut field.attrs);
            }
        }
        Item::Enum(item) => {
            tidy(&mut item.attrs);
            for variant in &mut item.variants {
                if !variant.attrs.iter().any(|attr| attr.path().is_ident("doc")) {
                    let text = format!(" The `{}` form.", variant.ident);
                    variant.attrs.insert(0, parse_quote!(#[doc = #text]));
                }
                tidy(&mut variant.attrs);
            }
        }
        Item::Type(item) => tidy(&mut item.attrs),
        _ => {}
    }
}

fn enum_tokens(def: &Def, values: &[(String, String)], open: bool) -> TokenStream {
    let name = format_ident!("{}", def.rust_name);
    let docs = doc_attrs(&def.description);
    let variants: Vec<_> = values.iter().map(|(_, variant)| format_ident!("{variant}")).collect();
    let wire: Vec<&String> = values.iter().map(|(value, _)| value).collect();
    let variant_docs: Vec<String> = wire.iter().map(|value| format!(" `{value}`")).collect();

    if !open {
        return quote! {
            #docs
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
            pub enum #name {
                #(
                    #[doc = #variant_docs]
                    #[serde(rename = #wire)]
                    #variants,
                )*
            }

            impl #name {
                /// The value as sent on the wire.
                pub fn as_str(&self) -> &'static str {
                    match self {
                        #(Self::#variants => #wire,)*
                    }
                }
            }

            impl ::std::fmt::Display for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }
        };
    }

    quote! {
        #docs
        ///
        /// The enum is open: a value this version does not know is kept in `Unknown`.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(
                #[doc = #variant_docs]
                #variants,
            )*
            /// A value this version does not know, kept as sent.
            Unknown(::std::string::String),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #wire,)*
                    Self::Unknown(value) => value,
                }
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#wire => Self::#variants,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                match value.as_str() {
                    #(#wire => Self::#variants,)*
                    _ => Self::Unknown(value),
                }
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                crate::__private::deserialize_open_enum(deserializer)
            }
        }
    }
}

fn tagged_union_tokens(def: &Def, defs: &[Def], tag: &str, variants: &[(String, String, String)]) -> TokenStream {
    let name = format_ident!("{}", def.rust_name);
    let docs = doc_attrs(&def.description);
    let tags: Vec<&String> = variants.iter().map(|(tag, _, _)| tag).collect();
    let idents: Vec<_> = variants
        .iter()
        .map(|(_, variant, _)| format_ident!("{variant}"))
        .collect();
    let payloads: Vec<_> = variants
        .iter()
        .map(|(_, _, payload)| format_ident!("{payload}"))
        .collect();
    let variant_docs: Vec<TokenStream> = variants
        .iter()
        .map(|(tag_value, _, payload)| {
            let first = defs
                .iter()
                .find(|def| def.rust_name == *payload)
                .map(|def| crate::lower::summary(&def.description))
                .unwrap_or_default();
            doc_attrs(&format!("`{tag_value}`: {first}"))
        })
        .collect();
    let unknown_doc = format!(" An object whose `{tag}` this version does not know, kept whole.");
    let tag_doc = format!(" The `{tag}` of this value.");
    quote! {
        #docs
        ///
        /// The union is open: an object with an unknown tag is kept in `Unknown`.
        #[derive(Clone, Debug, PartialEq, ::serde::Serialize)]
        #[serde(tag = #tag)]
        pub enum #name {
            #(
                #variant_docs
                #[serde(rename = #tags)]
                #idents(#payloads),
            )*
            #[doc = #unknown_doc]
            #[serde(untagged)]
            Unknown(::serde_json::Value),
        }

        impl #name {
            #[doc = #tag_doc]
            pub fn tag(&self) -> &str {
                match self {
                    #(Self::#idents(_) => #tags,)*
                    Self::Unknown(value) => value.get(#tag).and_then(::serde_json::Value::as_str).unwrap_or_default(),
                }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                crate::__private::deserialize_tagged(deserializer, #tag)
            }
        }

        impl crate::__private::TaggedUnion for #name {
            fn decode_variant<'de, R: crate::__private::VariantDecoder<'de>>(
                tag: &str,
                rest: R,
            ) -> ::std::result::Result<Self, R::Error> {
                match tag {
                    #(#tags => rest.decode().map(Self::#idents),)*
                    _ => rest.unknown().map(Self::Unknown),
                }
            }
        }
    }
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

/// JSON value kinds, as a bit set.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Kinds(u8);

impl Kinds {
    const NONE: Kinds = Kinds(0);
    const BOOL: Kinds = Kinds(1);
    const INTEGER: Kinds = Kinds(2);
    const FLOAT: Kinds = Kinds(4);
    const STRING: Kinds = Kinds(8);
    const ARRAY: Kinds = Kinds(16);
    const OBJECT: Kinds = Kinds(32);
    const ANY: Kinds = Kinds(63);

    fn or(self, other: Kinds) -> Kinds {
        Kinds(self.0 | other.0)
    }

    fn overlaps(self, other: Kinds) -> bool {
        self.0 & other.0 != 0
    }

    /// The runtime's `JsonKind` variants in this set.
    fn variants(self) -> Vec<TokenStream> {
        [
            (Kinds::BOOL, quote!(Bool)),
            (Kinds::INTEGER, quote!(Integer)),
            (Kinds::FLOAT, quote!(Float)),
            (Kinds::STRING, quote!(String)),
            (Kinds::ARRAY, quote!(Array)),
            (Kinds::OBJECT, quote!(Object)),
        ]
        .into_iter()
        .filter(|(kind, _)| self.overlaps(*kind))
        .map(|(_, name)| quote!(crate::__private::JsonKind::#name))
        .collect()
    }

    fn describe(self) -> String {
        let names: Vec<&str> = [
            (Kinds::BOOL, "a boolean"),
            (Kinds::INTEGER, "an integer"),
            (Kinds::FLOAT, "a number"),
            (Kinds::STRING, "a string"),
            (Kinds::ARRAY, "an array"),
            (Kinds::OBJECT, "an object"),
        ]
        .into_iter()
        .filter(|(kind, _)| self.overlaps(*kind) && !(*kind == Kinds::INTEGER && self.overlaps(Kinds::FLOAT)))
        .map(|(_, name)| name)
        .collect();
        match names.as_slice() {
            [] => "nothing".to_owned(),
            [one] => (*one).to_owned(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
        }
    }
}

/// The JSON kinds each generated type accepts, for dispatching untagged unions without buffering.
struct KindTable {
    kinds: BTreeMap<String, Kinds>,
}

impl KindTable {
    fn new(defs: &[Def]) -> Self {
        let kinds = defs
            .iter()
            .map(|def| {
                let kinds = match &def.kind {
                    DefKind::Enum { .. } => Kinds::STRING,
                    DefKind::TaggedUnion { .. } | DefKind::EmptyStruct | DefKind::JsonObjectAlias => Kinds::OBJECT,
                    DefKind::StringOrNumberAlias => Kinds::STRING.or(Kinds::INTEGER),
                    DefKind::Typify { schema, .. } => schema_kinds(schema),
                };
                (def.rust_name.clone(), kinds)
            })
            .collect();
        KindTable { kinds }
    }

    /// The kinds a Rust type (as typify writes it) accepts.
    fn of_type(&self, ty: &syn::Type) -> Kinds {
        let syn::Type::Path(path) = ty else {
            return Kinds::ANY;
        };
        let Some(last) = path.path.segments.last() else {
            return Kinds::ANY;
        };
        let inner = || match &last.arguments {
            syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
                syn::GenericArgument::Type(ty) => Some(ty.clone()),
                _ => None,
            }),
            _ => None,
        };
        match last.ident.to_string().as_str() {
            "String" => Kinds::STRING,
            "bool" => Kinds::BOOL,
            "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "NonZeroU64" => Kinds::INTEGER,
            "f32" | "f64" => Kinds::INTEGER.or(Kinds::FLOAT),
            "Vec" => Kinds::ARRAY,
            "Map" | "HashMap" | "BTreeMap" => Kinds::OBJECT,
            "StringOrNumber" => Kinds::STRING.or(Kinds::INTEGER),
            "Box" => inner().map_or(Kinds::ANY, |inner| self.of_type(&inner)),
            name => self.kinds.get(name).copied().unwrap_or(Kinds::ANY),
        }
    }

    /// For a typify `#[serde(untagged)]` enum whose variants accept disjoint JSON kinds: drops the derived
    /// `Deserialize` and returns an impl that picks the variant by the value's kind and decodes it in place.
    fn dispatch_untagged(&self, item: &mut syn::ItemEnum) -> Option<TokenStream> {
        let untagged = item
            .attrs
            .iter()
            .any(|attr| attr.path().is_ident("serde") && quote!(#attr).to_string().contains("untagged"));
        if !untagged {
            return None;
        }
        let mut seen = Kinds::NONE;
        let mut arms = Vec::new();
        for variant in &item.variants {
            let syn::Fields::Unnamed(fields) = &variant.fields else {
                return None;
            };
            let [field] = fields.unnamed.iter().collect::<Vec<_>>()[..] else {
                return None;
            };
            let mut kinds = self.of_type(&field.ty);
            // Integers go to an integer alternative when there is one; a float alternative keeps the rest.
            if kinds == Kinds::INTEGER.or(Kinds::FLOAT) && seen.overlaps(Kinds::INTEGER) {
                kinds = Kinds::FLOAT;
            }
            if kinds == Kinds::ANY || kinds.overlaps(seen) {
                return None;
            }
            seen = seen.or(kinds);
            let ident = &variant.ident;
            let patterns = kinds.variants();
            arms.push(quote!(#(#patterns)|* => ::serde::Deserialize::deserialize(deserializer).map(Self::#ident)));
        }
        for attr in &mut item.attrs {
            if attr.path().is_ident("derive") {
                let derives = quote!(#attr).to_string();
                if derives.contains("Deserialize") {
                    let kept: Vec<syn::Path> = attr
                        .parse_args_with(syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
                        .ok()?
                        .into_iter()
                        .filter(|path| {
                            path.segments
                                .last()
                                .is_none_or(|segment| segment.ident != "Deserialize")
                        })
                        .collect();
                    *attr = parse_quote!(#[derive(#(#kept),*)]);
                }
            }
        }
        let name = &item.ident;
        let expecting = seen.describe();
        // `"text".into()` for a union with one text alternative.
        let text_variants: Vec<&syn::Variant> = item
            .variants
            .iter()
            .filter(|variant| match &variant.fields {
                syn::Fields::Unnamed(fields) => fields
                    .unnamed
                    .first()
                    .is_some_and(|field| direct_type(&field.ty).as_deref() == Some("String")),
                _ => false,
            })
            .collect();
        let from_text = match text_variants.as_slice() {
            [variant] => {
                let ident = &variant.ident;
                quote! {
                    impl ::std::convert::From<&str> for #name {
                        fn from(value: &str) -> Self {
                            Self::#ident(value.to_owned())
                        }
                    }

                    impl ::std::convert::From<::std::string::String> for #name {
                        fn from(value: ::std::string::String) -> Self {
                            Self::#ident(value)
                        }
                    }
                }
            }
            _ => quote!(),
        };
        Some(quote! {
            #from_text

            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                    crate::__private::deserialize_by_kind(deserializer)
                }
            }

            impl crate::__private::KindUnion for #name {
                const EXPECTING: &'static str = #expecting;

                fn decode_kind<'de, D: ::serde::Deserializer<'de>>(
                    kind: crate::__private::JsonKind,
                    deserializer: D,
                ) -> ::std::result::Result<Self, D::Error> {
                    match kind {
                        #(#arms,)*
                        other => Err(crate::__private::unexpected_kind(other, Self::EXPECTING)),
                    }
                }
            }
        })
    }
}

fn schema_kinds(schema: &Value) -> Kinds {
    if schema.get("oneOf").is_some() || schema.get("anyOf").is_some() {
        return Kinds::ANY;
    }
    if schema.get("properties").is_some() {
        return Kinds::OBJECT;
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => Kinds::OBJECT,
        Some("array") => Kinds::ARRAY,
        Some("string") => Kinds::STRING,
        Some("integer") => Kinds::INTEGER,
        Some("number") => Kinds::INTEGER.or(Kinds::FLOAT),
        Some("boolean") => Kinds::BOOL,
        _ => Kinds::ANY,
    }
}

/// Renames the variants of a typify union after the spec's titles, in the enum and in its impls.
fn rename_variants(items: &mut [Item], titles: &BTreeMap<String, String>) {
    use syn::visit_mut::VisitMut;

    struct Rename(BTreeMap<String, String>);

    impl VisitMut for Rename {
        fn visit_path_mut(&mut self, path: &mut syn::Path) {
            // `Self::Old` → `Self::New`.
            if path.segments.len() == 2 && path.segments[0].ident == "Self" {
                if let Some(new) = self.0.get(&path.segments[1].ident.to_string()) {
                    path.segments[1].ident = format_ident!("{new}");
                }
            }
            syn::visit_mut::visit_path_mut(self, path);
        }
    }

    if titles.is_empty() {
        return;
    }
    let mut renames = BTreeMap::new();
    for item in items.iter_mut() {
        let Item::Enum(item) = item else {
            continue;
        };
        for variant in &mut item.variants {
            let syn::Fields::Unnamed(fields) = &variant.fields else {
                continue;
            };
            let Some(held) = fields.unnamed.first().and_then(|field| direct_type(&field.ty)) else {
                continue;
            };
            if let Some(title) = titles.get(&held) {
                if variant.ident != title.as_str() {
                    renames.insert(variant.ident.to_string(), title.clone());
                    variant.ident = format_ident!("{title}");
                }
            }
        }
    }
    let mut rename = Rename(renames);
    for item in items.iter_mut() {
        if let Item::Impl(item) = item {
            rename.visit_item_impl_mut(item);
        }
    }
}

/// `impl FileField` for a union of one file or several.
fn file_union_impl(item: &syn::ItemEnum) -> TokenStream {
    let name = &item.ident;
    let variants = item.variants.iter().map(|variant| &variant.ident);
    quote! {
        impl crate::__private::FileField for #name {
            fn add_parts<'a>(&'a self, name: &'static str, parts: &mut ::std::vec::Vec<crate::FormPart<'a>>) {
                match self {
                    #(Self::#variants(value) => crate::__private::FileField::add_parts(value, name, parts),)*
                }
            }
        }
    }
}

/// `impl MultipartForm`: one part per file of file members, text parts for the rest.
fn multipart_form_impl(item: &syn::ItemStruct, file_types: &BTreeSet<String>) -> TokenStream {
    let name = &item.ident;
    let adds = item.fields.iter().map(|field| {
        let ident = field.ident.as_ref().expect("named field");
        let wire = wire_name(field);
        if held_type(&field.ty).is_some_and(|held| file_types.contains(&held)) {
            quote!(crate::__private::FileField::add_parts(&self.#ident, #wire, &mut parts);)
        } else {
            quote!(crate::__private::add_value_parts(#wire, &self.#ident, &mut parts);)
        }
    });
    quote! {
        impl crate::MultipartForm for #name {
            fn parts(&self) -> ::std::vec::Vec<crate::FormPart<'_>> {
                let mut parts = ::std::vec::Vec::new();
                #(#adds)*
                parts
            }
        }
    }
}

/// `new(required members…)` for a struct with required members: the optional ones start empty.
fn constructor(item: &syn::ItemStruct) -> Option<TokenStream> {
    let optional = |field: &syn::Field| {
        let ty = &field.ty;
        quote!(#ty).to_string().starts_with(":: std :: option :: Option")
            || field
                .attrs
                .iter()
                .any(|attr| attr.path().is_ident("serde") && quote!(#attr).to_string().contains("default"))
    };
    let fields: Vec<&syn::Field> = item.fields.iter().collect();
    if fields.iter().all(|field| optional(field)) {
        return None; // such structs derive `Default`
    }
    let mut params = Vec::new();
    let mut inits = Vec::new();
    for field in &fields {
        let ident = field.ident.as_ref().expect("named field");
        let ty = &field.ty;
        if optional(field) {
            inits.push(quote!(#ident: ::std::default::Default::default()));
        } else {
            params.push(quote!(#ident: impl ::std::convert::Into<#ty>));
            inits.push(quote!(#ident: #ident.into()));
        }
    }
    let name = &item.ident;
    let doc = format!(" Builds a `{name}` from its required members; the optional ones start empty.");
    Some(quote! {
        impl #name {
            #[doc = #doc]
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits),* }
            }
        }
    })
}
