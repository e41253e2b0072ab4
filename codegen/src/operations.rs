//! Emitting the operation descriptors (`allmhub_types::operations`) and the schema registry.

use heck::{ToShoutySnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{BodyType, CredentialPlacement, Method, Model, ParamLocation};

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
        let security = op.security.iter().map(|schemes| {
            let schemes = schemes.iter().map(|scheme| variant_ident(scheme));
            quote!(&[#(SecurityScheme::#schemes),*])
        });
        let in_band = op.in_band_errors.iter().map(|name| variant_ident(name));
        let family_variant = variant_ident(family);
        let idempotent = op.idempotent;
        let gen_ai = match (&op.gen_ai_operation, model.families.iter().find(|f| f.name == op.family).and_then(|f| f.gen_ai_system.as_ref())) {
            (Some(operation), Some(system)) => quote!(::core::option::Option::Some(crate::GenAi { system: #system, operation: #operation })),
            _ => quote!(::core::option::Option::None),
        };
        let pages = &op.doc_pages;
        let doc = format!(" `{} {}`: {}", op.method_str(), op.path, op.summary);
        let gate = crate::types::feature_gate(&op.family);
        quote! {
            #[doc = #doc]
            #gate
            pub const #ident: crate::Operation = crate::Operation {
                id: #id,
                #[cfg(feature = "registry")]
                family: Family::#family_variant,
                method: crate::Method::#method,
                path: #path,
                #[cfg(feature = "registry")]
                summary: #summary,
                params: &[#(#params),*],
                #[cfg(feature = "registry")]
                request: &[#(#requests),*],
                #[cfg(feature = "registry")]
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
                in_band_errors: &[#(InBandEnvelope::#in_band),*],
                idempotent: #idempotent,
                gen_ai: #gen_ai,
                #[cfg(feature = "registry")]
                doc_pages: &[#(#pages),*],
            };
        }
    });
    let all = model.operations.iter().map(|op| {
        let ident = descriptor_ident(&op.id);
        let gate = crate::types::feature_gate(&op.family);
        quote!(#gate &#ident)
    });
    let contracts = contract_enums(model);
    syn::parse_quote! {
        //! Descriptors of every operation in the spec: method, path template, parameters, bodies, answer,
        //! authentication, retry safety and the doc pages each implements. The client builds its methods on
        //! them; the enums name what the spec declares, so a renamed or added scheme, envelope or family fails
        //! the build of code that matches on them instead of failing at run time.
        #contracts

        #(#descriptors)*

        /// Every operation of the enabled families, in spec order.
        pub const ALL: &[&crate::Operation] = &[#(#all),*];
    }
}

/// The Rust variant naming a spec name (`bearerAuth` → `BearerAuth`, `openai-chat` → `OpenaiChat`).
fn variant_ident(name: &str) -> proc_macro2::Ident {
    format_ident!("{}", name.to_upper_camel_case())
}

/// One doc attribute per line of `text`.
fn doc(text: &str) -> TokenStream {
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

/// `SecurityScheme`, `InBandEnvelope` and `Family`: the spec's names as closed enums. They are deliberately
/// exhaustive: code that handles every scheme (the client's authentication) must break when the spec adds one.
fn contract_enums(model: &Model) -> TokenStream {
    let schemes = &model.security_schemes;
    let scheme_variants: Vec<_> = schemes.iter().map(|scheme| variant_ident(&scheme.name)).collect();
    let scheme_docs = schemes
        .iter()
        .map(|scheme| doc(&format!("`{}`: {}", scheme.name, scheme.description)));
    let scheme_names = schemes.iter().map(|scheme| &scheme.name);
    let placements = schemes.iter().map(|scheme| match &scheme.placement {
        CredentialPlacement::Bearer => quote!(crate::CredentialPlacement::Bearer),
        CredentialPlacement::Header(name) => quote!(crate::CredentialPlacement::Header(#name)),
        CredentialPlacement::Query(name) => quote!(crate::CredentialPlacement::Query(#name)),
    });

    let mut envelopes: Vec<&String> = Vec::new();
    for name in model.operations.iter().flat_map(|op| &op.in_band_errors) {
        if !envelopes.contains(&name) {
            envelopes.push(name);
        }
    }
    let envelope_variants: Vec<_> = envelopes.iter().map(|name| variant_ident(name)).collect();
    let envelope_docs = envelopes.iter().map(|name| {
        let summary = model
            .schema(name)
            .map(|schema| crate::lower::summary(&schema.description))
            .unwrap_or_default();
        doc(&format!("`{name}`: {summary}"))
    });
    let envelope_names = envelopes.iter();

    let roles: Vec<_> = model
        .schemas
        .iter()
        .filter_map(|schema| schema.role.as_ref().map(|role| (role, schema)))
        .collect();
    let role_variants: Vec<_> = roles.iter().map(|(role, _)| variant_ident(role)).collect();
    let role_docs = roles.iter().map(|(role, schema)| {
        doc(&format!(
            "`{}` (`x-role: {role}`): {}",
            schema.name,
            crate::lower::summary(&schema.description)
        ))
    });
    let role_names: Vec<_> = roles.iter().map(|(_, schema)| &schema.name).collect();
    let role_rust_names = roles.iter().map(|(_, schema)| &schema.rust_name);
    let role_patterns = roles.iter().map(|(_, schema)| {
        let (name, rust_name) = (&schema.name, &schema.rust_name);
        if name == rust_name {
            quote!(#name)
        } else {
            quote!(#name | #rust_name)
        }
    });

    let family_variants: Vec<_> = model
        .families
        .iter()
        .map(|family| variant_ident(&family.name))
        .collect();
    let family_docs = model.families.iter().map(|family| {
        doc(&format!(
            "`{}`: {}",
            family.name,
            crate::lower::summary(&family.description)
        ))
    });
    let family_names = model.families.iter().map(|family| &family.name);

    quote! {
        /// An authentication scheme of the spec (`components.securitySchemes`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum SecurityScheme {
            #(#scheme_docs #scheme_variants,)*
        }

        impl SecurityScheme {
            /// Every scheme, in spec order.
            pub const ALL: &'static [SecurityScheme] = &[#(SecurityScheme::#scheme_variants),*];

            /// The scheme's name in the spec.
            pub const fn name(self) -> &'static str {
                match self {
                    #(SecurityScheme::#scheme_variants => #scheme_names,)*
                }
            }

            /// Where the credential travels in a request.
            pub const fn placement(self) -> crate::CredentialPlacement {
                match self {
                    #(SecurityScheme::#scheme_variants => #placements,)*
                }
            }
        }

        /// An error envelope the gateway may send with a 2xx status (`x-in-band-errors` of the operations).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum InBandEnvelope {
            #(#envelope_docs #envelope_variants,)*
        }

        impl InBandEnvelope {
            /// The spec name of the envelope's schema.
            pub const fn schema(self) -> &'static str {
                match self {
                    #(InBandEnvelope::#envelope_variants => #envelope_names,)*
                }
            }
        }

        /// A schema the runtime must recognize by what it stands for (`x-role` in the spec): the error envelope
        /// of each dialect, the answers of long jobs. Code that needs such a schema matches on this enum, so a
        /// renamed or re-assigned schema fails the build instead of silently matching nothing.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum SchemaRole {
            #(#role_docs #role_variants,)*
        }

        impl SchemaRole {
            /// Every role, in spec order.
            pub const ALL: &'static [SchemaRole] = &[#(SchemaRole::#role_variants),*];

            /// The spec name of the schema that plays the role.
            pub const fn schema(self) -> &'static str {
                match self {
                    #(SchemaRole::#role_variants => #role_names,)*
                }
            }

            /// The Rust type name of that schema.
            pub const fn rust_name(self) -> &'static str {
                match self {
                    #(SchemaRole::#role_variants => #role_rust_names,)*
                }
            }

            /// The role of the schema named `name` (spec or Rust name), if it plays one.
            pub fn of(name: &str) -> ::core::option::Option<SchemaRole> {
                ::core::option::Option::Some(match name {
                    #(#role_patterns => SchemaRole::#role_variants,)*
                    _ => return ::core::option::Option::None,
                })
            }
        }

        /// An API family of the spec: one tag, one spec file, one Cargo feature of the same name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Family {
            #(#family_docs #family_variants,)*
        }

        impl Family {
            /// Every family, in spec order (enabled or not).
            pub const ALL: &'static [Family] = &[#(Family::#family_variants),*];

            /// The family's name: its spec tag and Cargo feature.
            pub const fn name(self) -> &'static str {
                match self {
                    #(Family::#family_variants => #family_names,)*
                }
            }
        }
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
