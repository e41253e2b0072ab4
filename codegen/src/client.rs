//! Emitting the client's operation methods (`client/src/api.rs`): one resource per family, one or more
//! methods per operation, each preparing a call of the runtime on the operation's descriptor.

use std::collections::BTreeMap;

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::GenError;
use crate::model::{BodyType, Model, Operation, ParamLocation, RequestBody};
use crate::operations::descriptor_ident;

/// A resource struct and its methods.
#[derive(Default)]
struct Resource {
    family: String,
    doc: String,
    methods: Vec<TokenStream>,
    /// Sub-resources: accessor name → struct name.
    children: BTreeMap<String, String>,
}

/// `client/src/api.rs`.
pub fn api_file(model: &Model) -> Result<syn::File, GenError> {
    // Struct name → resource, in order of first appearance.
    let mut order: Vec<String> = Vec::new();
    let mut resources: BTreeMap<String, Resource> = BTreeMap::new();
    let mut accessors = Vec::new();

    for family in &model.families {
        let operations: Vec<&Operation> = model.operations.iter().filter(|op| op.family == family.name).collect();
        if operations.is_empty() {
            continue;
        }
        let top = family.resource.to_upper_camel_case();
        let accessor = format_ident!("{}", family.resource);
        let top_ident = format_ident!("{top}");
        let doc = doc_lines(&format!(
            "{}\n\nOperations of the `{}` family (Cargo feature `{}`).",
            family.description, family.name, family.name
        ));
        let gate = crate::types::feature_gate(&family.name);
        accessors.push(quote! {
            #doc
            #gate
            pub fn #accessor(&self) -> #top_ident<'_> {
                #top_ident { client: self }
            }
        });
        order.push(top.clone());
        let resource = resources.entry(top.clone()).or_default();
        resource.doc = family.description.clone();
        resource.family = family.name.clone();

        for op in operations {
            let (owner, method) = match op.rust_method.split_once('.') {
                Some((child, method)) => {
                    let name = format!("{top}{}", child.to_upper_camel_case());
                    resources
                        .entry(top.clone())
                        .or_default()
                        .children
                        .insert(child.to_owned(), name.clone());
                    if !order.contains(&name) {
                        order.push(name.clone());
                        let resource = resources.entry(name.clone()).or_default();
                        resource.doc = format!("The `{child}` operations of [`{top}`].");
                        resource.family = family.name.clone();
                    }
                    (name, method.to_owned())
                }
                None => (top.clone(), op.rust_method.clone()),
            };
            let methods = operation_methods(model, op, &method)?;
            resources.entry(owner).or_default().methods.extend(methods);
        }
    }

    let structs = order.iter().map(|name| {
        let resource = &resources[name];
        let ident = format_ident!("{name}");
        let doc = doc_lines(&resource.doc);
        let gate = crate::types::feature_gate(&resource.family);
        let methods = &resource.methods;
        let children = resource.children.iter().map(|(accessor, child)| {
            let accessor_ident = format_ident!("{accessor}");
            let child_ident = format_ident!("{child}");
            let child_doc = format!(" The `{accessor}` operations.");
            quote! {
                #[doc = #child_doc]
                pub fn #accessor_ident(&self) -> #child_ident<'a> {
                    #child_ident { client: self.client }
                }
            }
        });
        quote! {
            #doc
            #gate
            #[derive(Debug, Clone, Copy)]
            pub struct #ident<'a> {
                client: &'a Client,
            }

            #gate
            impl<'a> #ident<'a> {
                #(#children)*
                #(#methods)*
            }
        }
    });

    Ok(syn::parse_quote! {
        //! The operations of the spec as client methods, grouped by family. Each method prepares one operation
        //! described in [`allmhub_types::operations`] and returns a [`Call`]: awaiting it sends the request, and
        //! its methods set per-call options or ask for the response's metadata.
        #![allow(clippy::too_many_arguments, unused_imports)]

        use allmhub_types::operations;

        use crate::transport::Prepared;
        use crate::{ByteStream, Call, Client, EventStream};

        impl Client {
            #(#accessors)*
        }

        #(#structs)*
    })
}

fn doc_lines(text: &str) -> TokenStream {
    let lines = text.trim().lines().map(|line| {
        let line = if line.trim().is_empty() {
            String::new()
        } else {
            format!(" {}", line.trim_end())
        };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

fn type_of(model: &Model, body: &BodyType) -> Result<TokenStream, GenError> {
    let rust = |name: &str| {
        model
            .schema(name)
            .map(|schema| format_ident!("{}", schema.rust_name))
            .ok_or_else(|| GenError::Generator(format!("unknown schema `{name}`")))
    };
    Ok(match body {
        BodyType::Named(name) => {
            let ident = rust(name)?;
            quote!(allmhub_types::#ident)
        }
        BodyType::ArrayOf(name) => {
            let ident = rust(name)?;
            quote!(::std::vec::Vec<allmhub_types::#ident>)
        }
    })
}

fn is_multipart(request: &RequestBody) -> bool {
    request.content_type == "multipart/form-data"
}

/// The methods of one operation. Each returns a [`Call`] (the client's call builder), which sends when awaited.
fn operation_methods(model: &Model, op: &Operation, base: &str) -> Result<Vec<TokenStream>, GenError> {
    let descriptor = descriptor_ident(&op.id);
    let mut args = Vec::new();
    let mut fill = Vec::new();
    for param in &op.params {
        let name = &param.name;
        let ident = format_ident!("{}", param.name.to_snake_case());
        match param.location {
            ParamLocation::Path => {
                args.push(quote!(#ident: &str));
                fill.push(quote!(.path(#name, #ident)));
            }
            ParamLocation::Query if param.fixed_value.is_none() => {
                args.push(quote!(#ident: ::std::option::Option<&str>));
                fill.push(quote!(.query(#name, #ident)));
            }
            // Fixed values and headers the runtime fills itself.
            _ => {}
        }
    }
    // The request member that selects a stream, read from the typed request (no re-parsing of the body).
    let flag_field = op
        .stream_flag
        .as_ref()
        .map(|flag| format_ident!("{}", flag.to_snake_case()));

    // One method family per accepted request body; the first content type gets the plain name.
    let mut bodies: Vec<Option<&RequestBody>> = op.request.iter().map(Some).collect();
    if bodies.is_empty() {
        bodies.push(None);
    }
    let mut methods = Vec::new();
    for (position, request) in bodies.into_iter().enumerate() {
        let suffix = match request {
            Some(request) if position > 0 && is_multipart(request) => "_multipart",
            Some(_) if position > 0 => "_json",
            _ => "",
        };
        let name = format!("{base}{suffix}");
        let (body_arg, body_fill) = match request {
            Some(request) => {
                let ty = type_of(model, &request.body)?;
                if is_multipart(request) {
                    (Some(quote!(form: &#ty)), quote!(.multipart(form)))
                } else {
                    (Some(quote!(request: &#ty)), quote!(.json(request)))
                }
            }
            None => (None, quote!()),
        };
        // For JSON bodies of operations with a stream flag: force it on or off.
        let flag = |on: bool| match (&flag_field, request) {
            (Some(field), Some(request)) if !is_multipart(request) => {
                quote!(.stream_flag(::core::convert::Into::into(request.#field), #on))
            }
            _ => quote!(),
        };
        let all_args: Vec<&TokenStream> = args.iter().chain(body_arg.as_ref()).collect();
        let mut emit =
            |method: String, returns: TokenStream, flag: TokenStream, finish: TokenStream, extra_doc: &str| {
                let ident = format_ident!("{method}");
                let doc = method_doc(op, extra_doc);
                methods.push(quote! {
                    #doc
                    pub fn #ident(&self, #(#all_args),*) -> Call<'a, #returns> {
                        Prepared::new(self.client, &operations::#descriptor)
                            #(#fill)*
                            #body_fill
                            #flag
                            .#finish
                    }
                });
            };

        let response = &op.response;
        if let (Some(json), Some(event)) = (&response.json, &response.stream_event) {
            let json_ty = type_of(model, json)?;
            let event_ty = type_of(model, &BodyType::Named(event.clone()))?;
            emit(
                name.clone(),
                json_ty.clone(),
                flag(false),
                quote!(into_json()),
                "Waits for the whole answer (the stream flag is turned off).",
            );
            emit(
                format!("{name}_stream"),
                quote!(EventStream<#event_ty>),
                flag(true),
                quote!(into_events_or_whole::<#event_ty, #json_ty>()),
                "Streams the answer as typed events (the stream flag is turned on). A gateway that ignores the \
                 flag and answers with the whole JSON answer still gives a stream: the answer's events, \
                 synthesized and flagged ([`EventStream::is_synthesized`]).",
            );
        } else if let Some(event) = &response.stream_event {
            let event_ty = type_of(model, &BodyType::Named(event.clone()))?;
            emit(
                name.clone(),
                quote!(EventStream<#event_ty>),
                quote!(),
                quote!(into_events()),
                "Streams the answer as typed events.",
            );
        } else if let Some(json) = &response.json {
            let json_ty = type_of(model, json)?;
            emit(name.clone(), json_ty.clone(), quote!(), quote!(into_json()), "");
            if response.text {
                emit(
                    format!("{name}_text"),
                    quote!(::std::string::String),
                    quote!(),
                    quote!(into_text()),
                    "For the plain-text answer formats (`text`, `srt`, `vtt`): returns the text as sent.",
                );
            }
        } else if !response.binary.is_empty() {
            emit(
                name.clone(),
                quote!(::bytes::Bytes),
                quote!(),
                quote!(into_bytes()),
                "Returns the whole binary answer.",
            );
            emit(
                format!("{name}_stream"),
                quote!(ByteStream),
                quote!(),
                quote!(into_byte_stream()),
                "Streams the binary answer in chunks as they arrive.",
            );
        } else {
            return Err(GenError::Generator(format!(
                "operation `{}` answers neither JSON, a stream nor bytes",
                op.id
            )));
        }
    }
    Ok(methods)
}

fn method_doc(op: &Operation, extra: &str) -> TokenStream {
    let mut text = op.summary.clone();
    if !op.description.is_empty() {
        text.push_str("\n\n");
        text.push_str(&op.description);
    }
    if !extra.is_empty() {
        text.push_str("\n\n");
        text.push_str(extra);
    }
    text.push_str(&format!("\n\n`{} {}` (`{}`)", op.method_str(), op.path, op.id));
    if !op.doc_pages.is_empty() {
        text.push_str("\n\nDoc pages:");
        for page in &op.doc_pages {
            text.push_str(&format!("\n- {page}"));
        }
    }
    doc_lines(&text)
}
