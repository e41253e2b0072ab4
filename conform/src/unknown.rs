//! Unknown members, reported while decoding: a deserializer layer that notes the JSON path of every value
//! the type skips (serde's generated decoders skip an unknown member with `deserialize_ignored_any`).
//!
//! serde_ignored does the same job but copies every member name of every object into a new `String` to keep
//! the path at hand; this layer borrows each name from the input (or, for a name with escapes, copies it into
//! one buffer per object) and builds a path string only for a member it reports, which matters on captures of
//! thousands of payloads.
//!
//! The same layer reports values the spec does not list: after each string and each object it reads the types'
//! count of values kept in catch-all variants (`allmhub_types::unknown_values`), and a higher count means an
//! open enum's value (the string) or a union's tag (the object) to report there. It also asks for an object
//! where a type asks for a struct, so an array of the members, which serde_json would accept, is an error.
//!
//! Objects a union reads whole before decoding them (`allmhub_types::buffered`) are decoded with this layer
//! too, by `crate::redecode`; what that notes is placed under the object's path when the object ends.

use std::fmt::{self, Write as _};

use crate::UnknownValue;
use allmhub_types::buffered::{self, Found};
use allmhub_types::unknown_values;
use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};

/// Where the value being decoded sits: a chain through the decoders' stack frames, rendered only on demand.
#[derive(Clone, Copy)]
enum Path<'p> {
    Root,
    Member { parent: &'p Path<'p>, name: &'p str },
    Element { parent: &'p Path<'p>, index: usize },
}

impl Path<'_> {
    fn render(&self, out: &mut String) {
        match self {
            Path::Root => out.push('$'),
            Path::Member { parent, name } => {
                parent.render(out);
                allmhub_types::json_path::push_member(out, name);
            }
            Path::Element { parent, index } => {
                parent.render(out);
                let _ = write!(out, "[{index}]");
            }
        }
    }
}

/// What a payload holds that the spec does not: members, and values kept in a catch-all variant.
pub(crate) struct Findings {
    /// The JSON path of each member the type does not know.
    pub(crate) members: Vec<String>,
    /// Each open enum's value or union's tag the spec does not list, where it is.
    pub(crate) values: Vec<UnknownValue>,
    /// The types' count of catch-all values (see `allmhub_types::unknown_values`) as far as it is
    /// reported: a string or object after which the count is higher holds a value to report.
    accounted: u64,
}

impl Findings {
    pub(crate) fn new() -> Findings {
        Findings {
            members: Vec::new(),
            values: Vec::new(),
            accounted: unknown_values::seen(),
        }
    }

    /// Reports the value last kept in a catch-all variant at `path`, if one was kept since the last report:
    /// called after each string (an enum's value) and each object (a union's tag) is decoded, so a value is
    /// reported at the innermost place it was seen. What was noted inside an object a union read whole
    /// (decoded out of this layer's sight, by `crate::redecode`) is placed under that object's path first.
    #[inline]
    fn note_values_at(&mut self, path: &Path<'_>) {
        let found = buffered::take_found();
        // The common case, nothing to note, stays inline: this runs after every string and object.
        if found.is_empty() && unknown_values::seen() == self.accounted {
            return;
        }
        self.note(found, path);
    }

    #[inline(never)]
    fn note(&mut self, found: Vec<Found>, path: &Path<'_>) {
        if !found.is_empty() {
            self.place(found, path);
        }
        let seen = unknown_values::seen();
        if seen == self.accounted {
            return;
        }
        self.accounted = seen;
        let mut at = String::new();
        path.render(&mut at);
        self.values.push(UnknownValue {
            path: at,
            value: unknown_values::last(),
        });
    }

    /// Reports what was noted inside an object a union read whole (see `allmhub_types::buffered`), under
    /// the object's path. Values counted in there are reported where they are, so the count is caught up.
    fn place(&mut self, found: Vec<Found>, path: &Path<'_>) {
        let mut at = String::new();
        path.render(&mut at);
        // A noted path is relative to the object: `$` is the object itself.
        let under = |inner: &str| format!("{at}{}", inner.strip_prefix('$').unwrap_or(inner));
        for found in found {
            match found {
                Found::Member(inner) => self.members.push(under(&inner)),
                Found::Value { path, value } => self.values.push(UnknownValue {
                    path: under(&path),
                    value,
                }),
            }
        }
        self.accounted = unknown_values::seen();
    }
}

/// Reports at `path`, when dropped, a value kept in a catch-all variant while it lived: the decoded value is
/// returned as it comes (a chunk is hundreds of bytes), rather than held while the count is read.
struct NoteValuesAt<'p, 's> {
    path: Path<'p>,
    findings: &'s mut Findings,
}

impl Drop for NoteValuesAt<'_, '_> {
    // Not inlined: the layer is compiled once per decoded type, and one shared copy builds faster.
    fn drop(&mut self) {
        self.findings.note_values_at(&self.path);
    }
}

/// Decodes `T` from `deserializer`, noting each member `T` does not know and each value it keeps in a
/// catch-all variant in `unknown`.
pub(crate) fn deserialize<'de, T, D>(deserializer: D, unknown: &mut Findings) -> Result<T, D::Error>
where
    T: de::Deserialize<'de>,
    D: Deserializer<'de>,
{
    T::deserialize(tracked(deserializer, Path::Root, unknown))
}

/// A deserializer, visitor, seed or enum access of the decoded type, carrying the path and the findings.
struct Tracked<'p, 's, X> {
    inner: X,
    path: Path<'p>,
    unknown: &'s mut Findings,
}

/// `inner` at `path`: the layer handed on from one of serde's roles to the next.
fn tracked<'p, 's, X>(inner: X, path: Path<'p>, unknown: &'s mut Findings) -> Tracked<'p, 's, X> {
    Tracked { inner, path, unknown }
}

/// Calls `$forward!` with every method of serde's `Deserializer` but `deserialize_ignored_any` and
/// `deserialize_struct` (and the `$extra` ones), each with its arguments before the visitor.
macro_rules! every_deserialize_method {
    ($forward:ident $(, $extra:ident($($arg:ident: $type:ty),*))*) => {
        $forward! {
            deserialize_any(), deserialize_bool(), deserialize_i8(), deserialize_i16(), deserialize_i32(),
            deserialize_i64(), deserialize_i128(), deserialize_u8(), deserialize_u16(), deserialize_u32(),
            deserialize_u64(), deserialize_u128(), deserialize_f32(), deserialize_f64(), deserialize_char(),
            deserialize_str(), deserialize_string(), deserialize_bytes(), deserialize_byte_buf(),
            deserialize_option(), deserialize_unit(), deserialize_unit_struct(name: &'static str),
            deserialize_newtype_struct(name: &'static str), deserialize_seq(), deserialize_tuple(len: usize),
            deserialize_tuple_struct(name: &'static str, len: usize), deserialize_map(),
            deserialize_enum(name: &'static str, variants: &'static [&'static str]), deserialize_identifier(),
            $($extra($($arg: $type),*),)*
        }
    };
}

macro_rules! forward_deserialize {
    ($($method:ident($($arg:ident: $type:ty),*)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $type,)* visitor: V) -> Result<V::Value, Self::Error> {
            let visitor = tracked(visitor, self.path, self.unknown);
            self.inner.$method($($arg,)* visitor)
        }
    )*};
}

impl<'de, X: Deserializer<'de>> Deserializer<'de> for Tracked<'_, '_, X> {
    type Error = X::Error;

    every_deserialize_method!(forward_deserialize);

    /// An object, and only an object: serde_json also reads a struct from an array of its members in order,
    /// which no schema allows. Asking for a map also keeps every struct's array decoder out of the build.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let visitor = tracked(visitor, self.path, self.unknown);
        self.inner.deserialize_map(visitor)
    }

    /// A value the type skips: an unknown member (or element) at this path.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        let mut path = String::new();
        self.path.render(&mut path);
        self.unknown.members.push(path);
        self.inner.deserialize_ignored_any(visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident($type:ty)),* $(,)?) => {$(
        fn $method<E: de::Error>(self, value: $type) -> Result<Self::Value, E> {
            self.inner.$method(value)
        }
    )*};
}

/// A string may be an open enum's value the spec does not list: it is noted where it is.
macro_rules! forward_string {
    ($($method:ident($type:ty)),* $(,)?) => {$(
        fn $method<E: de::Error>(self, value: $type) -> Result<Self::Value, E> {
            let _note = NoteValuesAt {
                path: self.path,
                findings: self.unknown,
            };
            self.inner.$method(value)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Tracked<'_, '_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit! {
        visit_bool(bool), visit_i8(i8), visit_i16(i16), visit_i32(i32), visit_i64(i64), visit_i128(i128),
        visit_u8(u8), visit_u16(u16), visit_u32(u32), visit_u64(u64), visit_u128(u128), visit_f32(f32),
        visit_f64(f64), visit_char(char), visit_bytes(&[u8]), visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>),
    }

    forward_string! {
        visit_str(&str), visit_borrowed_str(&'de str), visit_string(String),
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let deserializer = tracked(deserializer, self.path, self.unknown);
        self.inner.visit_some(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let deserializer = tracked(deserializer, self.path, self.unknown);
        self.inner.visit_newtype_struct(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let seq = Elements {
            inner: seq,
            path: self.path,
            unknown: self.unknown,
            index: 0,
        };
        self.inner.visit_seq(seq)
    }

    /// An object may be a union's variant whose tag the spec does not list (or has no tag): noted at the
    /// object, unless what was noted inside was reported deeper (an enum value in a member).
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let note = NoteValuesAt {
            path: self.path,
            findings: self.unknown,
        };
        let map = Members {
            inner: map,
            path: self.path,
            unknown: &mut *note.findings,
            name: Name::default(),
        };
        self.inner.visit_map(map)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        let data = tracked(data, self.path, self.unknown);
        self.inner.visit_enum(data)
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Tracked<'_, '_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let deserializer = tracked(deserializer, self.path, self.unknown);
        self.inner.deserialize(deserializer)
    }
}

impl<'p, 's, 'de, A: EnumAccess<'de>> EnumAccess<'de> for Tracked<'p, 's, A> {
    type Error = A::Error;
    type Variant = Tracked<'p, 's, A::Variant>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self::Variant), Self::Error> {
        let (variant, access) = self.inner.variant_seed(seed)?;
        Ok((variant, tracked(access, self.path, self.unknown)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Tracked<'_, '_, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), Self::Error> {
        self.inner.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Self::Error> {
        let seed = tracked(seed, self.path, self.unknown);
        self.inner.newtype_variant_seed(seed)
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Self::Error> {
        let visitor = tracked(visitor, self.path, self.unknown);
        self.inner.tuple_variant(len, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let visitor = tracked(visitor, self.path, self.unknown);
        self.inner.struct_variant(fields, visitor)
    }
}

/// The elements of an array, each at its index.
struct Elements<'p, 's, A> {
    inner: A,
    path: Path<'p>,
    unknown: &'s mut Findings,
    index: usize,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Elements<'_, '_, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Self::Error> {
        let index = self.index;
        self.index += 1;
        let path = Path::Element {
            parent: &self.path,
            index,
        };
        self.inner.next_element_seed(tracked(seed, path, &mut *self.unknown))
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// The name of the member being decoded: borrowed from the input when the reader can lend it (a name without
/// escapes, read from text: nearly every name), otherwise copied into a buffer reused member after member.
#[derive(Default)]
struct Name<'de> {
    borrowed: Option<&'de str>,
    copied: String,
}

impl<'de> Name<'de> {
    fn get(&self) -> &str {
        self.borrowed.unwrap_or(&self.copied)
    }

    fn lend(&mut self, name: &'de str) {
        self.borrowed = Some(name);
    }

    /// The buffer to copy a name into, emptied.
    fn copy(&mut self) -> &mut String {
        self.borrowed = None;
        self.copied.clear();
        &mut self.copied
    }
}

/// The members of an object, each under its name.
struct Members<'p, 's, 'de, A> {
    inner: A,
    path: Path<'p>,
    unknown: &'s mut Findings,
    name: Name<'de>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Members<'_, '_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error> {
        self.inner.next_key_seed(Named {
            inner: seed,
            name: &mut self.name,
        })
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Self::Error> {
        let path = Path::Member {
            parent: &self.path,
            name: self.name.get(),
        };
        self.inner.next_value_seed(tracked(seed, path, &mut *self.unknown))
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// A member name on its way to the decoder, noted in the object's [`Name`] as it passes.
struct Named<'n, 'de, X> {
    inner: X,
    name: &'n mut Name<'de>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Named<'_, 'de, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.inner.deserialize(Named {
            inner: deserializer,
            name: self.name,
        })
    }
}

macro_rules! forward_name {
    ($($method:ident($($arg:ident: $type:ty),*)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $type,)* visitor: V) -> Result<V::Value, Self::Error> {
            self.inner.$method($($arg,)* Named { inner: visitor, name: self.name })
        }
    )*};
}

impl<'de, X: Deserializer<'de>> Deserializer<'de> for Named<'_, 'de, X> {
    type Error = X::Error;

    every_deserialize_method!(
        forward_name,
        deserialize_ignored_any(),
        deserialize_struct(name: &'static str, fields: &'static [&'static str])
    );

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

macro_rules! name_from {
    ($($method:ident($type:ty)),* $(,)?) => {$(
        fn $method<E: de::Error>(self, value: $type) -> Result<Self::Value, E> {
            let _ = write!(self.name.copy(), "{value}");
            self.inner.$method(value)
        }
    )*};
}

macro_rules! forward_plain {
    ($($method:ident($type:ty)),* $(,)?) => {$(
        fn $method<E: de::Error>(self, value: $type) -> Result<Self::Value, E> {
            self.inner.$method(value)
        }
    )*};
}

/// JSON names are strings; the other kinds are here for completeness (numbers keep their text).
impl<'de, V: Visitor<'de>> Visitor<'de> for Named<'_, 'de, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    name_from! {
        visit_bool(bool), visit_i8(i8), visit_i16(i16), visit_i32(i32), visit_i64(i64), visit_i128(i128),
        visit_u8(u8), visit_u16(u16), visit_u32(u32), visit_u64(u64), visit_u128(u128), visit_f32(f32),
        visit_f64(f64), visit_char(char),
    }

    forward_plain! {
        visit_bytes(&[u8]), visit_borrowed_bytes(&'de [u8]), visit_byte_buf(Vec<u8>),
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        self.name.copy().push_str(value);
        self.inner.visit_str(value)
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        self.name.lend(value);
        self.inner.visit_borrowed_str(value)
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        self.name.copy().push_str(&value);
        self.inner.visit_string(value)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_some(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_newtype_struct(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_map(map)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_enum(data)
    }
}
