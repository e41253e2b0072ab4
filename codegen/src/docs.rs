//! Doc comments that link: a backticked schema name in a description (`` `GeminiResponse` ``, `` `任务` ``)
//! becomes an intra-doc link to its Rust type (``[`GeminiGenerateContentResponse`]``) where that type is in
//! scope, and is at least written with its Rust name where it is not.

use std::collections::BTreeMap;

use syn::{Attribute, Item};

/// The Rust type a schema name stands for.
#[derive(Debug, Clone)]
struct Target {
    rust_name: String,
    family: String,
}

/// Every schema name (spec name and Rust name) and its Rust type.
#[derive(Debug, Clone, Default)]
pub struct SchemaLinks {
    targets: BTreeMap<String, Target>,
    /// The path of the types where the docs are not in their crate (`allmhub_types`).
    path: Option<String>,
}

impl SchemaLinks {
    /// Links to each `(spec name, Rust name, family)`; the family decides where a link resolves.
    pub fn new<'a>(schemas: impl IntoIterator<Item = (Option<&'a str>, &'a str, &'a str)>) -> Self {
        let mut targets = BTreeMap::new();
        for (spec_name, rust_name, family) in schemas {
            let target = Target {
                rust_name: rust_name.to_owned(),
                family: family.to_owned(),
            };
            if let Some(spec_name) = spec_name {
                targets.insert(spec_name.to_owned(), target.clone());
            }
            targets.insert(rust_name.to_owned(), target);
        }
        SchemaLinks { targets, path: None }
    }

    /// Links through `path` (`allmhub_types`): for docs outside the types' crate.
    pub fn through(mut self, path: &str) -> Self {
        self.path = Some(path.to_owned());
        self
    }

    /// Rewrites the code spans of `text` that are exactly a schema name: into ``[`RustName`]`` when
    /// `in_scope(family)` says the type resolves where the doc is, into `` `RustName` `` otherwise. Spans
    /// naming `this` (the documented type itself, whose doc may cite its spec name on purpose) and spans
    /// already inside a link stay as written.
    pub fn rewrite(&self, text: &str, this: Option<&str>, in_scope: impl Fn(&str) -> bool) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('`') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('`') else {
                break;
            };
            let name = &after[..close];
            let tail = &after[close + 1..];
            out.push_str(&rest[..open]);
            let linked = rest[..open].ends_with('[') || tail.starts_with(']');
            match self.targets.get(name) {
                Some(target) if !linked && Some(target.rust_name.as_str()) != this => {
                    if in_scope(&target.family) {
                        match &self.path {
                            Some(path) => out.push_str(&format!("[`{0}`]({path}::{0})", target.rust_name)),
                            None => out.push_str(&format!("[`{}`]", target.rust_name)),
                        }
                    } else {
                        out.push_str(&format!("`{}`", target.rust_name));
                    }
                }
                _ => {
                    out.push('`');
                    out.push_str(name);
                    out.push('`');
                }
            }
            rest = tail;
        }
        out.push_str(rest);
        out
    }

    /// Rewrites the doc attributes of an item and of its fields and variants (see [`SchemaLinks::rewrite`]).
    pub fn rewrite_item(&self, item: &mut Item, in_scope: impl Fn(&str) -> bool) {
        let this = match item {
            Item::Struct(item) => Some(item.ident.to_string()),
            Item::Enum(item) => Some(item.ident.to_string()),
            Item::Type(item) => Some(item.ident.to_string()),
            _ => None,
        };
        let this = this.as_deref();
        let rewrite = |attrs: &mut [Attribute]| self.rewrite_attrs(attrs, this, &in_scope);
        match item {
            Item::Struct(item) => {
                rewrite(&mut item.attrs);
                for field in item.fields.iter_mut() {
                    rewrite(&mut field.attrs);
                }
            }
            Item::Enum(item) => {
                rewrite(&mut item.attrs);
                for variant in &mut item.variants {
                    rewrite(&mut variant.attrs);
                }
            }
            Item::Type(item) => rewrite(&mut item.attrs),
            _ => {}
        }
    }

    /// The doc attributes are read as one text, so that a code span wrapped over two lines is still one span.
    fn rewrite_attrs(&self, attrs: &mut [Attribute], this: Option<&str>, in_scope: &impl Fn(&str) -> bool) {
        let lines: Vec<(usize, String)> = attrs
            .iter()
            .enumerate()
            .filter_map(|(index, attr)| doc_text(attr).map(|text| (index, text)))
            .collect();
        if lines.is_empty() {
            return;
        }
        let text: Vec<&str> = lines.iter().map(|(_, line)| line.as_str()).collect();
        let rewritten = self.rewrite(&text.join("\n"), this, in_scope);
        for ((index, _), line) in lines.iter().zip(rewritten.split('\n')) {
            attrs[*index] = syn::parse_quote!(#[doc = #line]);
        }
    }
}

/// The text of a `#[doc = "…"]` attribute.
pub fn doc_text(attr: &Attribute) -> Option<String> {
    match &attr.meta {
        syn::Meta::NameValue(meta) if attr.path().is_ident("doc") => match &meta.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) => Some(text.value()),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> SchemaLinks {
        SchemaLinks::new([
            (Some("GeminiResponse"), "GeminiGenerateContentResponse", "gemini"),
            (Some("任务"), "MjTask", "midjourney"),
            (Some("Usage"), "Usage", "common"),
        ])
    }

    fn gemini_scope(family: &str) -> bool {
        family == "gemini" || family == "common"
    }

    #[test]
    fn schema_names_in_scope_become_links_to_the_rust_type() {
        let text = "Each event is a `GeminiResponse` with `Usage`; see `任务`.";
        assert_eq!(
            links().rewrite(text, None, gemini_scope),
            "Each event is a [`GeminiGenerateContentResponse`] with [`Usage`]; see `MjTask`."
        );
    }

    #[test]
    fn other_code_spans_self_references_and_links_stay() {
        let text = "`usage` or `stop`, not [`Usage`]; Spec schema `GeminiResponse`.";
        assert_eq!(
            links().rewrite(text, Some("GeminiGenerateContentResponse"), gemini_scope),
            text
        );
        assert_eq!(
            links().rewrite("an odd ` backtick", None, gemini_scope),
            "an odd ` backtick"
        );
    }

    #[test]
    fn links_outside_the_types_crate_go_through_its_path() {
        assert_eq!(
            links()
                .through("allmhub_types")
                .rewrite("A `GeminiResponse`.", None, gemini_scope),
            "A [`GeminiGenerateContentResponse`](allmhub_types::GeminiGenerateContentResponse)."
        );
    }

    #[test]
    fn a_span_wrapped_over_lines_is_one_span() {
        let mut item: Item = syn::parse_quote! {
            /// Starts `a
            /// b` then names `Usage`.
            struct S;
        };
        links().rewrite_item(&mut item, gemini_scope);
        let Item::Struct(item) = item else { unreachable!() };
        let lines: Vec<String> = item.attrs.iter().filter_map(doc_text).collect();
        assert_eq!(lines, [" Starts `a", " b` then names [`Usage`]."]);
    }
}
