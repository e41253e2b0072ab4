//! Emitting the operation descriptors (`allmhub_types::operations`) and the schema registry.

use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{BodyType, Method, Model, ParamLocation};

fn option_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

fn body_parts(body: Option<&BodyType>) -> (TokenStream, bool) {
    match body {
        Some(BodyType::Named(name)) => (option_str(Some(name)), false),
        Some(BodyType::ArrayOf(name)) => (option_str(Some(name)), true),
        None => (option_str(None), false),
    }
}

/// The constant name of an operation's descriptor.
pub fn descriptor_ident(id: &str) -> proc_macro2::Ident {
    format_ident!("{}", id.to_shouty_snake_case())
}

/// `generated/src/operations.rs`.
pub fn operations_file(model: &Model) -> syn::File {
    let descriptors = model.operations.iter().map(|op| {
        let ident = descriptor_ident(&op.id);
        let id = &op.id;
        let family = &op.family;
        let path = &op.path;
        let summary = &op.summary;
        let method = match op.method {
            Method::Get => quote!(Get),
            Method::Post => quote!(Post),
            Method::Put => quote!(Put),
            Method::Patch => quote!(Patch),
            Method::Delete => quote!(Delete),
        };
        let params = op.params.iter().map(|param| {
            let name = &param.name;
            let required = param.required;
            let location = match param.location {
                ParamLocation::Path => quote!(Path),
                ParamLocation::Query => quote!(Query),
                ParamLocation::Header => quote!(Header),
            };
            let fixed = option_str(param.fixed_value.as_deref());
            quote!(crate::Param { name: #name, location: crate::ParamLocation::#location, required: #required, fixed_value: #fixed })
        });
        let requests = op.request.iter().map(|request| {
            let content_type = &request.content_type;
            let (schema, array) = body_parts(Some(&request.body));
            quote!(crate::RequestBody { content_type: #content_type, schema: #schema, array: #array })
        });
        let status = op.response.status;
        let (json, json_array) = body_parts(op.response.json.as_ref());
        let stream_event = option_str(op.response.stream_event.as_deref());
        let binary = &op.response.binary;
        let text = op.response.text;
        let stream_flag = option_str(op.stream_flag.as_deref());
        let security = op.security.iter().map(|schemes| quote!(&[#(#schemes),*]));
        let in_band = &op.in_band_errors;
        let pages = &op.doc_pages;
        let doc = format!(" `{} {}`: {}", op.method_str(), op.path, op.summary);
        let gate = crate::types::feature_gate(&op.family);
        quote! {
            #[doc = #doc]
            #gate
            pub const #ident: crate::Operation = crate::Operation {
                id: #id,
                family: #family,
                method: crate::Method::#method,
                path: #path,
                summary: #summary,
                params: &[#(#params),*],
                request: &[#(#requests),*],
                response: crate::ResponseInfo {
                    status: #status,
                    json: #json,
                    json_array: #json_array,
                    stream_event: #stream_event,
                    binary: &[#(#binary),*],
                    text: #text,
                },
                stream_flag: #stream_flag,
                security: &[#(#security),*],
                in_band_errors: &[#(#in_band),*],
                doc_pages: &[#(#pages),*],
            };
        }
    });
    let all = model.operations.iter().map(|op| {
        let ident = descriptor_ident(&op.id);
        let gate = crate::types::feature_gate(&op.family);
        quote!(#gate &#ident)
    });
    syn::parse_quote! {
        //! Descriptors of every operation in the spec: method, path template, parameters, bodies, answer,
        //! authentication and the doc pages each implements. The client builds its methods on them.
        #(#descriptors)*

        /// Every operation of the enabled families, in spec order.
        pub const ALL: &[&crate::Operation] = &[#(#all),*];
    }
}

/// `generated/src/schemas.rs`: every component schema by spec name and Rust name.
pub fn schemas_file(model: &Model) -> syn::File {
    let info_ident = |rust_name: &str| format_ident!("{}", rust_name.to_shouty_snake_case());
    let infos = model.schemas.iter().map(|schema| {
        let ident = info_ident(&schema.rust_name);
        let name = &schema.name;
        let rust_name = &schema.rust_name;
        let family = &schema.family;
        let summary = crate::lower::summary(&schema.description);
        let gate = crate::types::feature_gate(family);
        let doc = format!(" `{name}`.");
        quote! {
            #[doc = #doc]
            #gate
            const #ident: crate::SchemaInfo =
                crate::SchemaInfo { name: #name, rust_name: #rust_name, family: #family, summary: #summary };
        }
    });
    let list = model.schemas.iter().map(|schema| {
        let ident = info_ident(&schema.rust_name);
        let gate = crate::types::feature_gate(&schema.family);
        quote!(#gate #ident)
    });
    let arms = model.schemas.iter().map(|schema| {
        let ty = format_ident!("{}", schema.rust_name);
        let info = info_ident(&schema.rust_name);
        let name = &schema.name;
        let rust_name = &schema.rust_name;
        let gate = crate::types::feature_gate(&schema.family);
        let pattern = if name == rust_name {
            quote!(#name)
        } else {
            quote!(#name | #rust_name)
        };
        quote!(#gate #pattern => visitor.visit::<crate::#ty>(&#info))
    });
    syn::parse_quote! {
        //! The registry of component schemas: look a schema up by its spec name (`任务`) or Rust name
        //! (`MjTask`), and decode with its type through a [`SchemaVisitor`](crate::SchemaVisitor).

        #(#infos)*

        /// Every component schema of the enabled families, in spec order.
        pub const SCHEMAS: &[crate::SchemaInfo] = &[#(#list),*];

        /// Calls `visitor` with the Rust type of the schema named `name` (spec name or Rust name).
        pub fn visit_schema<V: crate::SchemaVisitor>(name: &str, visitor: V) -> ::core::option::Option<V::Output> {
            ::core::option::Option::Some(match name {
                #(#arms,)*
                _ => return ::core::option::Option::None,
            })
        }
    }
}
