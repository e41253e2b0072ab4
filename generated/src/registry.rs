//! The schema registry's types: [`SchemaInfo`] describes a component schema, and a [`SchemaVisitor`] receives
//! the Rust type of one looked up by name ([`visit_schema`](crate::visit_schema)).

use serde::Serialize;

/// A component schema of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchemaInfo {
    /// The spec name, as the ALLMHUB doc spells it (`任务`, `Message«string»`).
    pub name: &'static str,
    /// The Rust type name.
    pub rust_name: &'static str,
    /// The API family that defines it.
    pub family: &'static str,
    /// The first line of its description.
    pub summary: &'static str,
}

/// Receives the Rust type of a schema looked up by name (see [`visit_schema`](crate::visit_schema)).
pub trait SchemaVisitor {
    /// What the visit produces.
    type Output;

    /// Called with `T`, the type generated for `schema` (every generated type is `Debug`, so a visitor can
    /// show the decoded value with its type and variant names).
    fn visit<T>(self, schema: &'static SchemaInfo) -> Self::Output
    where
        T: serde::de::DeserializeOwned + Serialize + std::fmt::Debug + 'static;
}
