//! Unions: tagged unions (`discriminator`), written by this generator with a catch-all variant, and the
//! by-kind decoding of typify's plain unions, which replaces serde's buffering `untagged` decoding.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use super::doc_attrs;
use super::patch::{direct_type, remove_derive};
use crate::GenError;
use crate::lower::{Def, DefKind, TaggedVariant};

/// A tagged union: an enum serialized with its tag member, decoded by `__private::deserialize_tagged`.
pub fn tagged_union_tokens(def: &Def, defs: &[Def], tag: &str, variants: &[TaggedVariant]) -> TokenStream {
    let name = format_ident!("{}", def.rust_name);
    let docs = doc_attrs(&def.description);
    let tags: Vec<&String> = variants.iter().map(|variant| &variant.tag).collect();
    let idents: Vec<_> = variants
        .iter()
        .map(|variant| format_ident!("{}", variant.variant))
        .collect();
    let payloads: Vec<_> = variants
        .iter()
        .map(|variant| format_ident!("{}", variant.payload))
        .collect();
    let variant_docs: Vec<TokenStream> = variants
        .iter()
        .map(|variant| {
            let first = defs
                .iter()
                .find(|def| def.rust_name == variant.payload)
                .map(|def| crate::lower::summary(&def.description))
                .unwrap_or_default();
            doc_attrs(&format!("`{}`: {first}", variant.tag))
        })
        .collect();
    let unknown_doc = format!(" An object whose `{tag}` this version does not know (or that has none), kept whole.");
    let tag_doc = format!(" The `{tag}` of this value.");
    quote! {
        #docs
        ///
        /// The union is open: an object with an unknown tag is kept in `Unknown`, and later versions may add
        /// variants (a `match` needs a `_` arm).
        #[derive(Clone, Debug, PartialEq, ::serde::Serialize)]
        #[serde(tag = #tag)]
        #[non_exhaustive]
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

            fn unknown(object: ::serde_json::Value) -> Self {
                Self::Unknown(object)
            }
        }
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
pub struct KindTable {
    kinds: BTreeMap<String, Kinds>,
}

impl KindTable {
    /// The kinds of every definition.
    pub fn new(defs: &[Def]) -> Self {
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
    /// `None` when the variants' kinds overlap (serde's untagged decoding stays).
    pub fn dispatch_untagged(&self, item: &mut syn::ItemEnum) -> Result<Option<TokenStream>, GenError> {
        let mut seen = Kinds::NONE;
        let mut arms = Vec::new();
        for variant in &item.variants {
            let syn::Fields::Unnamed(fields) = &variant.fields else {
                return Ok(None);
            };
            let [field] = fields.unnamed.iter().collect::<Vec<_>>()[..] else {
                return Ok(None);
            };
            let mut kinds = self.of_type(&field.ty);
            // Integers go to an integer alternative when there is one; a float alternative keeps the rest.
            if kinds == Kinds::INTEGER.or(Kinds::FLOAT) && seen.overlaps(Kinds::INTEGER) {
                kinds = Kinds::FLOAT;
            }
            if kinds == Kinds::ANY || kinds.overlaps(seen) {
                return Ok(None);
            }
            seen = seen.or(kinds);
            let ident = &variant.ident;
            let patterns = kinds.variants();
            arms.push(quote!(#(#patterns)|* => ::serde::Deserialize::deserialize(deserializer).map(Self::#ident)));
        }
        remove_derive(&mut item.attrs, "Deserialize")?;
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
        Ok(Some(quote! {
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
        }))
    }
}

/// For a typify `#[serde(untagged)]` enum with a tagged-union alternative (which takes every object, a missing
/// tag included): drops the derived `Deserialize` and returns an impl that tries the alternatives in order, the
/// tagged ones only for objects that carry their tag — the order and meaning serde's untagged decoding gave the
/// union. `None` when no alternative is a tagged union. `tags` maps each tagged union to its tag member.
pub fn first_match(item: &mut syn::ItemEnum, tags: &BTreeMap<String, String>) -> Result<Option<TokenStream>, GenError> {
    let mut attempts = Vec::new();
    let mut any_tagged = false;
    for variant in &item.variants {
        let syn::Fields::Unnamed(fields) = &variant.fields else {
            return Ok(None);
        };
        let [field] = fields.unnamed.iter().collect::<Vec<_>>()[..] else {
            return Ok(None);
        };
        let ident = &variant.ident;
        let label = ident.to_string();
        let tag = direct_type(&field.ty).and_then(|held| tags.get(&held));
        attempts.push(match tag {
            Some(tag) => {
                any_tagged = true;
                quote! {
                    if let Some(value) = crate::__private::tagged_alternative(value, #tag, #label, failures) {
                        return Some(Self::#ident(value));
                    }
                }
            }
            None => quote! {
                if let Some(value) = crate::__private::alternative(value, #label, failures) {
                    return Some(Self::#ident(value));
                }
            },
        });
    }
    if !any_tagged {
        return Ok(None);
    }
    remove_derive(&mut item.attrs, "Deserialize")?;
    let name = &item.ident;
    let label = name.to_string();
    Ok(Some(quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                crate::__private::deserialize_first_match(deserializer)
            }
        }

        impl crate::__private::FirstMatch for #name {
            const NAME: &'static str = #label;

            fn first_match(
                value: &crate::__private::Candidate,
                failures: &mut ::std::vec::Vec<(&'static str, ::std::string::String)>,
            ) -> ::std::option::Option<Self> {
                #(#attempts)*
                None
            }
        }
    }))
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
