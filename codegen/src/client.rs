//! Emitting the client's operation methods (`client/src/api.rs`): one resource per family, one or more
//! methods per operation, each preparing a call of the runtime on the operation's descriptor.

use std::collections::BTreeMap;

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::GenError;
use crate::docs::SchemaLinks;
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
    let mut queries = Vec::new();
    let links = SchemaLinks::new(model.schemas.iter().map(|schema| {
        (
            Some(schema.name.as_str()),
            schema.rust_name.as_str(),
            schema.family.as_str(),
        )
    }))
    .through("allmhub_types");

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
            let (methods, query) = operation_methods(model, op, &method, &links)?;
            resources.entry(owner).or_default().methods.extend(methods);
            queries.extend(query);
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
        #![allow(unused_imports)]

        use allmhub_types::operations;

        use crate::transport::Prepared;
        use crate::{ByteStream, Call, Client, EventStream};

        impl Client {
            #(#accessors)*
        }

        #(#structs)*

        #(#queries)*
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

fn is_json(request: &RequestBody) -> bool {
    request.content_type == "application/json"
}

/// The method suffix of a request content type, by one rule independent of the spec's order: a JSON body
/// gets the plain name; a multipart body gets `_multipart` when the operation also takes JSON, the plain name
/// otherwise.
fn content_suffix(op: &Operation, request: &RequestBody) -> Result<&'static str, GenError> {
    if is_json(request) {
        Ok("")
    } else if is_multipart(request) {
        Ok(if op.request.iter().any(is_json) {
            "_multipart"
        } else {
            ""
        })
    } else {
        Err(GenError::Generator(format!(
            "operation `{}`: no method name rule for request content type `{}`",
            op.id, request.content_type
        )))
    }
}

/// The Rust type of a parameter's value, from its schema: a schema's type, or a scalar.
fn param_type(model: &Model, schema: &serde_json::Value) -> Result<TokenStream, GenError> {
    if let Some(reference) = schema.get("$ref").and_then(serde_json::Value::as_str) {
        let name = reference.trim_start_matches("#/components/schemas/");
        return type_of(model, &BodyType::Named(name.to_owned()));
    }
    Ok(match schema.get("type").and_then(serde_json::Value::as_str) {
        Some("integer") => quote!(i64),
        Some("number") => quote!(f64),
        Some("boolean") => quote!(bool),
        _ => quote!(::std::string::String),
    })
}

/// Whether a parameter schema is plain text (`type: string`, or no type).
fn param_is_text(schema: &serde_json::Value) -> bool {
    matches!(
        schema.get("type").and_then(serde_json::Value::as_str),
        Some("string") | None
    )
}

/// Wraps a generated one-paragraph doc at about 110 columns, like the hand-written docs.
fn wrap(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.len() + 1 + word.len() > 110 {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}

/// The query struct of an operation with optional query parameters: `Default`, one setter per parameter.
struct QueryStruct {
    /// The struct and its impl.
    tokens: TokenStream,
    /// The struct's name.
    ident: proc_macro2::Ident,
    /// `.query(…)` calls filling the prepared call from `query`.
    fill: Vec<TokenStream>,
}

fn query_struct(model: &Model, op: &Operation, links: &SchemaLinks) -> Result<Option<QueryStruct>, GenError> {
    let params: Vec<&crate::model::Param> = op
        .params
        .iter()
        .filter(|param| param.location == ParamLocation::Query && param.fixed_value.is_none() && !param.required)
        .collect();
    if params.is_empty() {
        return Ok(None);
    }
    let ident = format_ident!("{}Query", op.id.to_upper_camel_case());
    let in_scope = |family: &str| family == op.family || family == crate::types::COMMON;
    let mut fields = Vec::new();
    let mut setters = Vec::new();
    let mut fill = Vec::new();
    for param in &params {
        let name = &param.name;
        let field = format_ident!("{}", param.name.to_snake_case());
        let ty = param_type(model, &param.schema)?;
        let description = links.rewrite(&param.description, None, in_scope);
        let doc = doc_lines(&description);
        let setter_doc = format!(" Sets `{name}`: {}", crate::lower::summary(&description));
        fields.push(quote! {
            #doc
            pub #field: ::std::option::Option<#ty>,
        });
        setters.push(quote! {
            #[doc = #setter_doc]
            pub fn #field(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
                self.#field = ::std::option::Option::Some(value.into());
                self
            }
        });
        fill.push(if param.schema.get("$ref").is_none() && param_is_text(&param.schema) {
            quote!(.query(#name, query.#field.as_deref()))
        } else {
            quote!(.query(#name, query.#field.as_ref().map(::std::string::ToString::to_string).as_deref()))
        });
    }
    let example = params
        .first()
        .map(|param| format!("`{ident}::default().{}(…)`", param.name.to_snake_case()))
        .unwrap_or_default();
    let doc = format!(
        "The query parameters of `{} {}` (`{}`); unset ones are not sent. Build it from `Default` with the \
         setters: {example}.",
        op.method_str(),
        op.path,
        op.id
    );
    let doc = doc_lines(&wrap(&doc));
    let gate = crate::types::feature_gate(&op.family);
    let tokens = quote! {
        #doc
        #gate
        #[derive(Debug, Clone, Default, PartialEq)]
        #[non_exhaustive]
        pub struct #ident {
            #(#fields)*
        }

        #gate
        impl #ident {
            #(#setters)*
        }
    };
    Ok(Some(QueryStruct { tokens, ident, fill }))
}

/// The methods of one operation, and its query struct. Each method returns a [`Call`] (the client's call
/// builder), which sends when awaited.
fn operation_methods(
    model: &Model,
    op: &Operation,
    base: &str,
    links: &SchemaLinks,
) -> Result<(Vec<TokenStream>, Option<TokenStream>), GenError> {
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
            ParamLocation::Query if param.fixed_value.is_none() && param.required => {
                let ty = param_type(model, &param.schema)?;
                args.push(quote!(#ident: #ty));
                fill.push(quote!(.query(#name, ::std::option::Option::Some(#ident.to_string().as_str()))));
            }
            // Optional query parameters go through the query struct; fixed values and headers the runtime
            // fills itself.
            _ => {}
        }
    }
    let query = query_struct(model, op, links)?;
    if let Some(query) = &query {
        let ident = &query.ident;
        args.push(quote!(query: #ident));
        fill.extend(query.fill.iter().cloned());
    }
    // The request member that selects a stream, read from the typed request (no re-parsing of the body).
    let flag_field = op
        .stream_flag
        .as_ref()
        .map(|flag| format_ident!("{}", flag.to_snake_case()));

    // One method family per accepted request body, named by content type.
    let mut bodies: Vec<Option<&RequestBody>> = op.request.iter().map(Some).collect();
    if bodies.is_empty() {
        bodies.push(None);
    }
    let mut methods = Vec::new();
    // The method that carries the operation's whole doc; every other one links to it.
    let mut main: Option<String> = None;
    let mut ordered: Vec<(Option<&RequestBody>, &'static str)> = Vec::new();
    for request in bodies {
        let suffix = match request {
            Some(request) => content_suffix(op, request)?,
            None => "",
        };
        ordered.push((request, suffix));
    }
    // The plain-named method first, so that it is the main one whatever the spec's order.
    ordered.sort_by_key(|(_, suffix)| !suffix.is_empty());
    for (request, suffix) in ordered {
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
        let body_note = match request {
            Some(request) if !suffix.is_empty() => format!(
                "with a `{}` body ({})",
                request.content_type,
                body_link(model, op, &request.body, links)?
            ),
            _ => String::new(),
        };
        let all_args: Vec<&TokenStream> = args.iter().chain(body_arg.as_ref()).collect();
        let mut emit = |method: String, returns: TokenStream, flag: TokenStream, finish: TokenStream, twin: &str| {
            let ident = format_ident!("{method}");
            let doc = match &main {
                None => {
                    main = Some(method.clone());
                    method_doc(op, twin, links)
                }
                Some(main) => {
                    let difference = [body_note.as_str(), twin]
                        .into_iter()
                        .filter(|part| !part.is_empty())
                        .collect::<Vec<_>>()
                        .join("; ");
                    doc_lines(&wrap(&format!("Like [`{main}`](Self::{main}), but {difference}.")))
                }
            };
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
                "waits for the whole answer (the stream flag is turned off)",
            );
            emit(
                format!("{name}_stream"),
                quote!(EventStream<#event_ty>),
                flag(true),
                quote!(into_events_or_whole::<#event_ty, #json_ty>()),
                "streams the answer as typed events (the stream flag is turned on; a whole JSON answer becomes \
                 synthesized events, see [`EventStream::is_synthesized`])",
            );
        } else if let Some(event) = &response.stream_event {
            let event_ty = type_of(model, &BodyType::Named(event.clone()))?;
            emit(
                name.clone(),
                quote!(EventStream<#event_ty>),
                quote!(),
                quote!(into_events()),
                "streams the answer as typed events",
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
                    "for the plain-text answer formats (`text`, `srt`, `vtt`): returns the text as sent",
                );
            }
        } else if !response.binary.is_empty() {
            emit(
                name.clone(),
                quote!(::bytes::Bytes),
                quote!(),
                quote!(into_bytes()),
                "returns the whole binary answer",
            );
            emit(
                format!("{name}_stream"),
                quote!(ByteStream),
                quote!(),
                quote!(into_byte_stream()),
                "streams the binary answer in chunks as they arrive",
            );
        } else {
            return Err(GenError::Generator(format!(
                "operation `{}` answers neither JSON, a stream nor bytes",
                op.id
            )));
        }
    }
    Ok((methods, query.map(|query| query.tokens)))
}

/// The body type of a method, as a link where it resolves.
fn body_link(model: &Model, op: &Operation, body: &BodyType, links: &SchemaLinks) -> Result<String, GenError> {
    let (name, array) = match body {
        BodyType::Named(name) => (name, false),
        BodyType::ArrayOf(name) => (name, true),
    };
    let schema = model
        .schema(name)
        .ok_or_else(|| GenError::Generator(format!("unknown schema `{name}`")))?;
    let in_scope = |family: &str| family == op.family || family == crate::types::COMMON;
    let linked = links.rewrite(&format!("`{}`", schema.rust_name), None, in_scope);
    Ok(if array { format!("a list of {linked}") } else { linked })
}

/// The whole doc of an operation's main method: summary, description, what the method does if the
/// operation has several, its HTTP route and the doc pages it implements.
fn method_doc(op: &Operation, extra: &str, links: &SchemaLinks) -> TokenStream {
    let mut text = op.summary.clone();
    if !op.description.is_empty() {
        text.push_str("\n\n");
        text.push_str(&op.description);
    }
    if !extra.is_empty() {
        let mut chars = extra.chars();
        let first: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
        text.push_str(&format!("\n\n{first}{}.", chars.as_str()));
    }
    text.push_str(&format!("\n\n`{} {}` (`{}`)", op.method_str(), op.path, op.id));
    if !op.doc_pages.is_empty() {
        text.push_str("\n\nDoc pages:");
        for page in &op.doc_pages {
            text.push_str(&format!("\n- {page}"));
        }
    }
    let in_scope = |family: &str| family == op.family || family == crate::types::COMMON;
    doc_lines(&links.rewrite(&text, None, in_scope))
}
