//! Impls written for typify's types: constructors of structs with required members, and the multipart form
//! of request bodies sent as `multipart/form-data`.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use super::driver::StructFields;
use super::patch::{held_type, wire_name};
use crate::GenError;
use crate::lower::{Def, DefKind, UPLOAD};

/// Types whose values are files in a multipart form: `Upload`, and unions of `Upload` alternatives
/// (one file or several).
pub fn file_types(defs: &[Def]) -> BTreeSet<String> {
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

/// `impl FileField` for a union of one file or several.
pub fn file_union_impl(item: &syn::ItemEnum) -> TokenStream {
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
pub fn multipart_form_impl(item: &syn::ItemStruct, file_types: &BTreeSet<String>) -> Result<TokenStream, GenError> {
    let name = &item.ident;
    let mut adds = Vec::new();
    for field in item.fields.iter() {
        let ident = named(item, field)?;
        let wire = wire_name(field)?;
        adds.push(if held_type(&field.ty).is_some_and(|held| file_types.contains(&held)) {
            quote!(crate::__private::FileField::add_parts(&self.#ident, #wire, &mut parts);)
        } else {
            quote!(crate::__private::add_value_parts(#wire, &self.#ident, &mut parts)?;)
        });
    }
    Ok(quote! {
        impl crate::MultipartForm for #name {
            fn parts(&self) -> ::std::result::Result<::std::vec::Vec<crate::FormPart<'_>>, crate::FormError> {
                let mut parts = ::std::vec::Vec::new();
                #(#adds)*
                Ok(parts)
            }
        }
    })
}

/// `new(members…)` for a struct with members a caller must choose: required members without an empty value
/// and without a fixed value (`x-fixed-value`, filled in). The optional ones start empty. `None` for a
/// struct without such members (it derives `Default`).
pub fn constructor(
    item: &syn::ItemStruct,
    info: &StructFields,
    fixed_values: &BTreeMap<String, String>,
) -> Result<Option<TokenStream>, GenError> {
    let mut params = Vec::new();
    let mut inits = Vec::new();
    let mut fixed = Vec::new();
    for field in item.fields.iter() {
        let ident = named(item, field)?;
        let name = ident.to_string();
        let field_info = info
            .get(name.trim_start_matches("r#"))
            .ok_or_else(|| GenError::Generator(format!("typify has no property `{name}` of `{}`", item.ident)))?;
        let ty = &field.ty;
        let wire = wire_name(field)?;
        match fixed_values.get(&wire) {
            Some(value) if field_info.caller_must_choose() => {
                inits.push(quote!(#ident: ::std::convert::From::from(#value)));
                fixed.push(format!("`{wire}` is `\"{value}\"`"));
            }
            _ if field_info.caller_must_choose() => {
                params.push(quote!(#ident: impl ::std::convert::Into<#ty>));
                inits.push(quote!(#ident: #ident.into()));
            }
            _ => inits.push(quote!(#ident: ::std::default::Default::default())),
        }
    }
    if params.is_empty() && fixed.is_empty() {
        return Ok(None);
    }
    let name = &item.ident;
    let mut doc = Vec::new();
    if params.is_empty() {
        doc.push(format!(
            " Builds a `{name}`: {}; the optional members start empty.",
            fixed.join(", ")
        ));
    } else {
        doc.push(format!(
            " Builds a `{name}` from its required members; the optional ones start empty."
        ));
        if !fixed.is_empty() {
            doc.push(format!(" Fixed members are filled in: {}.", fixed.join(", ")));
        }
    }
    // With nothing to choose, `new()` is also the `Default`.
    let default = params.is_empty().then(|| {
        quote! {
            impl ::std::default::Default for #name {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    });
    Ok(Some(quote! {
        impl #name {
            #(#[doc = #doc])*
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits),* }
            }
        }

        #default
    }))
}

fn named<'a>(item: &syn::ItemStruct, field: &'a syn::Field) -> Result<&'a syn::Ident, GenError> {
    field
        .ident
        .as_ref()
        .ok_or_else(|| GenError::Generator(format!("typify wrote a tuple struct `{}`", item.ident)))
}
