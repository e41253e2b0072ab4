//! Running typify: its settings, the items it writes for each type, and its typed view of every struct's
//! properties, which the patches rely on instead of reading the printed code.

use std::collections::BTreeMap;

use schemars::schema::Schema;
use serde_json::{Value, json};
use syn::Item;
use typify::{TypeDetails, TypeId, TypeSpace, TypeSpaceImpl, TypeSpaceSettings};

use crate::GenError;
use crate::lower::{Def, DefKind, STRING_OR_NUMBER, UPLOAD};

/// What typify produced.
pub struct Typified {
    /// Type name → its items (the type and its impls), in typify's order.
    pub items: BTreeMap<String, Vec<Item>>,
    /// Struct name → what typify knows of its properties.
    pub structs: BTreeMap<String, StructFields>,
}

/// typify's view of a struct's properties, by Rust field name.
pub type StructFields = BTreeMap<String, FieldInfo>;

/// typify's view of one struct property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldInfo {
    /// Whether the schema lists the property in `required`.
    pub required: bool,
    /// The Rust shape typify gave it.
    pub shape: FieldShape,
}

impl FieldInfo {
    /// Whether a caller building the struct must supply the member: it is required and has no empty value.
    pub fn caller_must_choose(self) -> bool {
        self.required && !matches!(self.shape, FieldShape::Option | FieldShape::BoxedOption)
    }
}

/// The outer Rust shape typify gives a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldShape {
    /// `Option<T>`: nullable, or optional without an empty value.
    Option,
    /// `Box<Option<T>>`: an optional member of a recursive type.
    BoxedOption,
    /// `Vec<T>`.
    Vec,
    /// A map (a free-form object, or `additionalProperties` of one schema).
    Map,
    /// Anything else.
    Plain,
}

/// The settings of typify.
fn settings(defs: &[Def]) -> TypeSpaceSettings {
    let mut settings = TypeSpaceSettings::default();
    settings.with_struct_builder(false);
    settings.with_derive("PartialEq".to_owned());
    // Deterministic order when re-serializing (HashMap's order is random).
    settings.with_map_type("::std::collections::BTreeMap");
    for def in defs {
        // The types this generator emits itself: typify only needs their names, and what it may assume of
        // them. `FromStr` is never declared: typify would then emit conversions against its own error type.
        let impls = match &def.kind {
            DefKind::Typify { .. } => continue,
            DefKind::JsonObjectAlias | DefKind::EmptyStruct => vec![TypeSpaceImpl::Default],
            DefKind::Enum { .. } => vec![TypeSpaceImpl::Display],
            DefKind::TaggedUnion { .. } | DefKind::StringOrNumberAlias => vec![],
        };
        settings.with_replacement(&def.rust_name, &def.rust_name, impls.into_iter());
    }
    settings.with_replacement(
        STRING_OR_NUMBER,
        "crate::StringOrNumber",
        [TypeSpaceImpl::Display].into_iter(),
    );
    settings.with_replacement(UPLOAD, "crate::Upload", [TypeSpaceImpl::Default].into_iter());
    settings
}

/// Runs typify over every definition.
pub fn run(defs: &[Def]) -> Result<Typified, GenError> {
    let mut definitions: Vec<(String, Value)> = defs
        .iter()
        .map(|def| match &def.kind {
            DefKind::Typify { schema, .. } => (def.rust_name.clone(), schema.clone()),
            // Replaced (see `settings`): any schema will do.
            _ => (def.rust_name.clone(), json!({})),
        })
        .collect();
    definitions.push((STRING_OR_NUMBER.to_owned(), json!({})));
    definitions.push((UPLOAD.to_owned(), json!({})));

    let mut space = TypeSpace::new(&settings(defs));
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

    Ok(Typified {
        items: items_by_type(&space)?,
        structs: struct_fields(&space)?,
    })
}

/// typify's items, grouped by the type they define or implement.
fn items_by_type(space: &TypeSpace) -> Result<BTreeMap<String, Vec<Item>>, GenError> {
    let file: syn::File =
        syn::parse2(space.to_stream()).map_err(|error| GenError::Generator(format!("typify output: {error}")))?;
    let mut by_type: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    for item in file.items {
        let name = match &item {
            Item::Struct(item) => item.ident.to_string(),
            Item::Enum(item) => item.ident.to_string(),
            Item::Type(item) => item.ident.to_string(),
            Item::Impl(item) => match &*item.self_ty {
                syn::Type::Path(path) if path.qself.is_none() => path
                    .path
                    .segments
                    .last()
                    .map(|segment| segment.ident.to_string())
                    .ok_or_else(|| GenError::Generator("typify wrote an impl for an empty path".to_owned()))?,
                _ => {
                    return Err(GenError::Generator(
                        "typify wrote an impl for a type that is no path".to_owned(),
                    ));
                }
            },
            // typify's ConversionError module: only its own string enums use it, and this generator emits
            // every string enum itself.
            Item::Mod(module) if module.ident == "error" => continue,
            other => {
                return Err(GenError::Generator(format!(
                    "unexpected typify item: {}",
                    describe(other)
                )));
            }
        };
        by_type.entry(name).or_default().push(item);
    }
    Ok(by_type)
}

/// typify's typed view of every struct: which properties are required, and the shape of each.
fn struct_fields(space: &TypeSpace) -> Result<BTreeMap<String, StructFields>, GenError> {
    let mut out = BTreeMap::new();
    for ty in space.iter_types() {
        let TypeDetails::Struct(details) = ty.details() else {
            continue;
        };
        let mut fields = StructFields::new();
        for property in details.properties_info() {
            let shape = shape_of(space, &property.type_id)?;
            fields.insert(
                property.name.to_owned(),
                FieldInfo {
                    required: property.required,
                    shape,
                },
            );
        }
        out.insert(ty.name(), fields);
    }
    Ok(out)
}

fn shape_of(space: &TypeSpace, id: &TypeId) -> Result<FieldShape, GenError> {
    let details = |id: &TypeId| {
        space
            .get_type(id)
            .map_err(|error| GenError::Generator(format!("typify lost a property type: {error}")))
    };
    Ok(match details(id)?.details() {
        TypeDetails::Option(_) => FieldShape::Option,
        TypeDetails::Vec(_) => FieldShape::Vec,
        TypeDetails::Map(..) => FieldShape::Map,
        TypeDetails::Box(inner) => match details(&inner)?.details() {
            TypeDetails::Option(_) => FieldShape::BoxedOption,
            _ => FieldShape::Plain,
        },
        _ => FieldShape::Plain,
    })
}

/// An item's kind and name, for error messages.
pub fn describe(item: &Item) -> String {
    match item {
        Item::Struct(item) => format!("struct `{}`", item.ident),
        Item::Enum(item) => format!("enum `{}`", item.ident),
        Item::Type(item) => format!("type alias `{}`", item.ident),
        Item::Impl(_) => "an impl block".to_owned(),
        Item::Mod(item) => format!("module `{}`", item.ident),
        Item::Fn(item) => format!("function `{}`", item.sig.ident),
        Item::Const(item) => format!("constant `{}`", item.ident),
        _ => "an item of another kind".to_owned(),
    }
}
