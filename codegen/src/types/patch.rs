//! Shaping typify's items to this project's rules: fields in the spec's order, serde attributes rebuilt from
//! their parsed options and typify's typed view of each property, aliases, docs on every item, union
//! variants named after the spec's titles.

use std::collections::{BTreeMap, BTreeSet};

use quote::format_ident;
use syn::punctuated::Punctuated;
use syn::{Attribute, Fields, Item, LitStr, Token, parse_quote};

use super::driver::{FieldInfo, FieldShape, StructFields};
use crate::GenError;

/// The options of a field's `#[serde(…)]` attributes that typify writes, parsed.
#[derive(Default, Clone)]
struct SerdeField {
    rename: Option<String>,
    flatten: bool,
    default: bool,
    skip_serializing_if: Option<syn::Path>,
    deserialize_with: Option<syn::Path>,
    /// Other accepted member names (`x-alias-of`), written one attribute each.
    aliases: Vec<String>,
}

impl SerdeField {
    /// Parses (and removes) every `#[serde(…)]` attribute of a field; an option this generator does not know
    /// is an error, so that a typify upgrade that writes new ones cannot slip through unnoticed.
    fn take(field: &mut syn::Field) -> Result<SerdeField, GenError> {
        let mut out = SerdeField::default();
        let name = field_name(field);
        let mut kept = Vec::with_capacity(field.attrs.len());
        for attr in std::mem::take(&mut field.attrs) {
            if !attr.path().is_ident("serde") {
                kept.push(attr);
                continue;
            }
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    out.rename = Some(meta.value()?.parse::<LitStr>()?.value());
                } else if meta.path.is_ident("alias") {
                    out.aliases.push(meta.value()?.parse::<LitStr>()?.value());
                } else if meta.path.is_ident("flatten") {
                    out.flatten = true;
                } else if meta.path.is_ident("default") {
                    if meta.input.peek(Token![=]) {
                        return Err(meta.error("`default = …` (a spec `default`) is not used in this spec"));
                    }
                    out.default = true;
                } else if meta.path.is_ident("skip_serializing_if") {
                    out.skip_serializing_if = Some(meta.value()?.parse::<LitStr>()?.parse()?);
                } else if meta.path.is_ident("deserialize_with") {
                    out.deserialize_with = Some(meta.value()?.parse::<LitStr>()?.parse()?);
                } else {
                    return Err(meta.error("a serde option this generator does not know"));
                }
                Ok(())
            })
            .map_err(|error| GenError::Generator(format!("typify's serde attribute of field `{name}`: {error}")))?;
        }
        field.attrs = kept;
        Ok(out)
    }

    /// The attributes, with paths written without spaces (`"::std::option::Option::is_none"`).
    fn to_attrs(&self) -> Result<Vec<Attribute>, GenError> {
        let mut options: Vec<proc_macro2::TokenStream> = Vec::new();
        if let Some(rename) = &self.rename {
            options.push(quote::quote!(rename = #rename));
        }
        if self.flatten {
            options.push(quote::quote!(flatten));
        }
        if self.default {
            options.push(quote::quote!(default));
        }
        if let Some(path) = &self.skip_serializing_if {
            let path = path_text(path)?;
            options.push(quote::quote!(skip_serializing_if = #path));
        }
        if let Some(path) = &self.deserialize_with {
            let path = path_text(path)?;
            options.push(quote::quote!(deserialize_with = #path));
        }
        let mut attrs: Vec<Attribute> = Vec::new();
        if !options.is_empty() {
            attrs.push(parse_quote!(#[serde(#(#options),*)]));
        }
        for alias in &self.aliases {
            attrs.push(parse_quote!(#[serde(alias = #alias)]));
        }
        Ok(attrs)
    }
}

/// A plain path (`::std::option::Option::is_none`) as the text of a serde attribute.
fn path_text(path: &syn::Path) -> Result<String, GenError> {
    let mut text = String::new();
    if path.leading_colon.is_some() {
        text.push_str("::");
    }
    for (position, segment) in path.segments.iter().enumerate() {
        if !segment.arguments.is_none() {
            return Err(GenError::Generator(format!(
                "a serde attribute names a path with generic arguments (at `{}`)",
                segment.ident
            )));
        }
        if position > 0 {
            text.push_str("::");
        }
        text.push_str(&segment.ident.to_string());
    }
    Ok(text)
}

/// The Rust name of a field (`type_`), without a raw identifier's `r#`.
fn field_name(field: &syn::Field) -> String {
    field
        .ident
        .as_ref()
        .map(|ident| ident.to_string().trim_start_matches("r#").to_owned())
        .unwrap_or_default()
}

/// The JSON member name of a struct field: its serde `rename`, or its Rust name.
pub fn wire_name(field: &syn::Field) -> Result<String, GenError> {
    let mut copy = field.clone();
    Ok(SerdeField::take(&mut copy)?.rename.unwrap_or_else(|| field_name(field)))
}

/// The generated type a field holds, through `Option`, `Vec`, `Box` and maps.
pub fn held_type(ty: &syn::Type) -> Option<String> {
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

/// The type argument of `name<T>` (by the last path segment).
fn generic_argument(ty: &syn::Type, name: &str) -> Option<syn::Type> {
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
}

/// Whether `ty` names one of `objects` directly, as typify refers to the types it generates (`ChatChoice`).
fn is_object(ty: &syn::Type, objects: &BTreeSet<String>) -> bool {
    let syn::Type::Path(path) = ty else {
        return false;
    };
    path.qself.is_none()
        && path.path.leading_colon.is_none()
        && path.path.segments.len() == 1
        && direct_type(ty).is_some_and(|name| objects.contains(&name))
}

/// The name of a type written as a plain path without generic arguments (`ChatImageUrl`, not `Vec<…>`).
pub fn direct_type(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    last.arguments.is_none().then(|| last.ident.to_string())
}

/// Whether a typify enum is `#[serde(untagged)]`; other container options are errors (see [`SerdeField`]).
pub fn is_untagged(item: &syn::ItemEnum) -> Result<bool, GenError> {
    let mut untagged = false;
    for attr in item.attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("untagged") {
                untagged = true;
                Ok(())
            } else {
                Err(meta.error("a serde option this generator does not know"))
            }
        })
        .map_err(|error| GenError::Generator(format!("typify's serde attribute of `{}`: {error}", item.ident)))?;
    }
    Ok(untagged)
}

/// Removes `derive` from the derive attributes of an item.
pub fn remove_derive(attrs: &mut [Attribute], derive: &str) -> Result<(), GenError> {
    for attr in attrs.iter_mut().filter(|attr| attr.path().is_ident("derive")) {
        let paths = attr
            .parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
            .map_err(|error| GenError::Generator(format!("typify wrote an unreadable derive: {error}")))?;
        let kept: Vec<&syn::Path> = paths
            .iter()
            .filter(|path| path.segments.last().is_none_or(|segment| segment.ident != derive))
            .collect();
        if kept.len() != paths.len() {
            *attr = parse_quote!(#[derive(#(#kept),*)]);
        }
    }
    Ok(())
}

/// Fields in the spec's order, serde aliases, required-nullable members that may be absent, optional arrays
/// and objects that may be `null`, arrays of `objects` (the spec's object and union types, by Rust name)
/// decoded by the runtime's sizing, and the `boxed` members (`x-rust-box`, by wire name) behind a `Box`.
pub fn shape_struct(
    item: &mut syn::ItemStruct,
    info: &StructFields,
    order: &[String],
    aliases: &BTreeMap<String, Vec<String>>,
    boxed: &BTreeSet<String>,
    objects: &BTreeSet<String>,
) -> Result<(), GenError> {
    let Fields::Named(fields) = &mut item.fields else {
        return Ok(());
    };
    let mut list: Vec<(String, syn::Field)> = Vec::new();
    for field in fields.named.iter() {
        list.push((wire_name(field)?, field.clone()));
    }
    list.sort_by_key(|(wire, _)| {
        order
            .iter()
            .position(|candidate| candidate == wire)
            .unwrap_or(usize::MAX)
    });
    for (wire, field) in &mut list {
        let name = field_name(field);
        let FieldInfo { required, shape } = *info
            .get(&name)
            .ok_or_else(|| GenError::Generator(format!("typify has no property `{name}` of `{}`", item.ident)))?;
        let mut serde = SerdeField::take(field)?;
        if required && matches!(shape, FieldShape::Option | FieldShape::BoxedOption) {
            // typify makes a required-but-nullable member mandatory; real payloads omit it, so accept
            // absence (and still always serialize it, as `null` when empty).
            serde.deserialize_with = None;
            serde.default = true;
        }
        if !required && matches!(shape, FieldShape::Vec | FieldShape::Map) {
            // An optional array or object is `Vec`/map with `default`, and serde refuses `null` for it;
            // servers send `null` for "absent", so it decodes as empty (and is omitted when written back).
            serde.deserialize_with = Some(parse_quote!(crate::__private::null_as_default));
        }
        // serde's `Vec` reserves four places at the first element; the runtime starts large objects (a choice,
        // a candidate) with one, since such arrays mostly hold one and four of them cost `malloc` its slow path.
        let of_objects = |ty: &syn::Type| generic_argument(ty, "Vec").is_some_and(|item| is_object(&item, objects));
        if shape == FieldShape::Vec && of_objects(&field.ty) {
            serde.deserialize_with = Some(if required {
                parse_quote!(crate::__private::vec_of_objects)
            } else {
                parse_quote!(crate::__private::null_or_vec_of_objects)
            });
        }
        if shape == FieldShape::Option && generic_argument(&field.ty, "Option").is_some_and(|inner| of_objects(&inner))
        {
            // With `deserialize_with`, serde no longer reads a missing `Option` as `None` by itself.
            serde.deserialize_with = Some(parse_quote!(crate::__private::option_vec_of_objects));
            serde.default = true;
        }
        if boxed.contains(wire.as_str()) {
            // A large member that few values carry (a chunk's `usage`, on the last chunk only): behind a `Box`,
            // every other value of the type is smaller to build and move.
            let inner = generic_argument(&field.ty, "Option")
                .filter(|inner| shape == FieldShape::Option && is_object(inner, objects))
                .ok_or_else(|| {
                    GenError::Generator(format!(
                        "`x-rust-box` on `{}.{wire}`: only an optional member holding one of the spec's objects \
                         is boxed",
                        item.ident
                    ))
                })?;
            field.ty = parse_quote!(::std::option::Option<::std::boxed::Box<#inner>>);
            field.attrs.push(parse_quote!(#[doc = ""]));
            field.attrs.push(parse_quote!(#[doc = " Boxed (the spec's `x-rust-box`): it is large and few values carry it, so the others stay small."]));
        }
        if shape == FieldShape::BoxedOption {
            // A recursive optional member comes as `Box<Option<T>>`, serialized as `null` when absent; make
            // it `Option<Box<T>>`, omitted when absent (unless the spec requires it).
            let inner = generic_argument(&field.ty, "Box")
                .and_then(|boxed| generic_argument(&boxed, "Option"))
                .ok_or_else(|| GenError::Generator(format!("`{}.{name}` is not a `Box<Option<T>>`", item.ident)))?;
            field.ty = parse_quote!(::std::option::Option<::std::boxed::Box<#inner>>);
            if !required {
                serde.default = true;
                serde.skip_serializing_if = Some(parse_quote!(::std::option::Option::is_none));
            }
        }
        serde
            .aliases
            .extend(aliases.get(wire.as_str()).into_iter().flatten().cloned());
        field.attrs.extend(serde.to_attrs()?);
    }
    fields.named = list.into_iter().map(|(_, field)| field).collect();
    Ok(())
}

/// One `#[doc]` attribute per line, each with a leading space, so they print as `/// text`.
pub fn tidy_docs(item: &mut Item) {
    fn tidy(attrs: &mut Vec<Attribute>) {
        let mut out = Vec::with_capacity(attrs.len());
        for attr in attrs.drain(..) {
            let text = crate::docs::doc_text(&attr);
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
                tidy(&mut variant.attrs);
            }
        }
        Item::Type(item) => tidy(&mut item.attrs),
        _ => {}
    }
}

/// Puts the spec's description of each union alternative on its variant (typify drops them); `docs` is
/// keyed by the variant's final name, so this runs after [`rename_variants`].
pub fn document_variants(items: &mut [Item], docs: &BTreeMap<String, String>) {
    for item in items.iter_mut() {
        let Item::Enum(item) = item else {
            continue;
        };
        for variant in &mut item.variants {
            if let Some(text) = docs.get(&variant.ident.to_string()) {
                variant.attrs.retain(|attr| !attr.path().is_ident("doc"));
                for line in text.trim().lines().rev() {
                    let line = if line.is_empty() {
                        String::new()
                    } else {
                        format!(" {line}")
                    };
                    variant.attrs.insert(0, parse_quote!(#[doc = #line]));
                }
            }
        }
    }
}

/// Every field and variant must carry the spec's words. The model check refuses undocumented members
/// and alternatives before typify runs; what it lets through on purpose — the `$ref` variants of a union —
/// reads the held type's summary. Anything else undocumented is a generator bug, reported, never papered
/// over with filler.
pub fn require_docs(item: &mut Item, summaries: &BTreeMap<&str, String>) -> Result<(), GenError> {
    let undocumented = |attrs: &[Attribute]| !attrs.iter().any(|attr| attr.path().is_ident("doc"));
    match item {
        Item::Struct(item) => {
            if let Some(field) = item.fields.iter().find(|field| undocumented(&field.attrs)) {
                return Err(GenError::Generator(format!(
                    "member `{}` of `{}` lost its description on the way through typify",
                    wire_name(field)?,
                    item.ident
                )));
            }
        }
        Item::Enum(item) => {
            let name = item.ident.to_string();
            for variant in item.variants.iter_mut().filter(|variant| undocumented(&variant.attrs)) {
                let held = match &variant.fields {
                    syn::Fields::Unnamed(fields) => fields.unnamed.first().and_then(|field| held_type(&field.ty)),
                    _ => None,
                };
                let summary = held
                    .and_then(|held| summaries.get(held.as_str()))
                    .filter(|summary| !summary.is_empty())
                    .ok_or_else(|| {
                        GenError::Generator(format!(
                            "variant `{}` of `{name}` has no description and holds no documented type",
                            variant.ident
                        ))
                    })?;
                let text = format!(" {summary}");
                variant.attrs.insert(0, parse_quote!(#[doc = #text]));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Renames the variants of a typify union after the spec's titles, in the enum and in its impls.
pub fn rename_variants(items: &mut [Item], titles: &BTreeMap<String, String>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The attributes as prettyplease prints them (syn's `Attribute` has no `PartialEq` without its
    /// `extra-traits` feature).
    fn printed(attrs: &[Attribute]) -> String {
        let item: syn::ItemStruct = parse_quote!(#(#attrs)* struct S;);
        prettyplease::unparse(&parse_quote!(#item))
    }

    fn field(tokens: proc_macro2::TokenStream) -> syn::Field {
        let item: syn::ItemStruct = parse_quote!(struct S { #tokens });
        item.fields.into_iter().next().expect("one field")
    }

    #[test]
    fn serde_options_are_parsed_and_written_back_with_plain_paths() {
        // typify prints map paths with token spacing inside the string.
        let mut field = field(quote::quote! {
            #[serde(rename = "type", default, skip_serializing_if = ":: std :: collections :: BTreeMap::is_empty")]
            pub type_: ::std::collections::BTreeMap<String, String>
        });
        let options = SerdeField::take(&mut field).expect("known options");
        assert!(field.attrs.is_empty(), "the attribute is taken off the field");
        assert_eq!(options.rename.as_deref(), Some("type"));
        assert!(options.default);
        let attrs = options.to_attrs().expect("plain paths");
        let expected: Attribute = parse_quote!(#[serde(rename = "type", default, skip_serializing_if = "::std::collections::BTreeMap::is_empty")]);
        assert_eq!(printed(&attrs), printed(&[expected]));
    }

    #[test]
    fn an_unknown_serde_option_is_an_error_naming_the_field() {
        let mut field = field(quote::quote! {
            #[serde(with = "some::module")]
            pub created_at: String
        });
        let Err(error) = SerdeField::take(&mut field) else {
            panic!("`with` is not an option typify writes today");
        };
        assert!(error.to_string().contains("created_at"), "{error}");
    }

    #[test]
    fn an_unknown_container_option_is_an_error() {
        let item: syn::ItemEnum = parse_quote! {
            #[serde(untagged, deny_unknown_fields)]
            enum E { A(String) }
        };
        assert!(is_untagged(&item).is_err());
        let item: syn::ItemEnum = parse_quote! {
            #[serde(untagged)]
            enum E { A(String) }
        };
        assert!(is_untagged(&item).expect("known"));
    }

    #[test]
    fn a_derive_is_removed_by_path() {
        let mut item: syn::ItemEnum = parse_quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone)]
            enum E { A(String) }
        };
        remove_derive(&mut item.attrs, "Deserialize").expect("readable");
        let expected: Attribute = parse_quote!(#[derive(::serde::Serialize, Clone)]);
        assert_eq!(printed(&item.attrs), printed(&[expected]));
    }
}
