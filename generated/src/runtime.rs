//! The runtime of the generated code (`allmhub_types::__private`): open enums, unions told apart by JSON kind
//! or by a tag, members that may be `null`, arrays of large objects, and the parts of multipart forms. Not part
//! of the public API: only generated code calls it.

use std::fmt;
use std::io::Write as _;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserialize, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::{FormError, FormPart, Upload};

/// Decodes an optional array or object member: `null` reads as absent (empty), like a missing member.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// Decodes an array of one of the spec's objects. serde's `Vec` reserves four places at the first element; four
/// of this API's larger objects (a choice, a candidate, a message: hundreds of bytes each) pass 1 KiB, where
/// glibc's `malloc` takes its slow path, for arrays that mostly hold one element, once per answer or chunk.
/// Such elements start with one place and grow as more arrive; smaller ones grow as serde's would.
pub fn vec_of_objects<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_seq(ObjectsVisitor(PhantomData))
}

/// [`vec_of_objects`] for an optional array, where `null` reads as empty (see [`null_as_default`]).
pub fn null_or_vec_of_objects<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_option(ObjectsVisitor(PhantomData))
}

/// [`vec_of_objects`] for an array kept as `Option`, where `null` reads as `None`.
pub fn option_vec_of_objects<'de, D, T>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Objects<T>(Vec<T>);

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for Objects<T> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            vec_of_objects(deserializer).map(Objects)
        }
    }

    Ok(Option::<Objects<T>>::deserialize(deserializer)?.map(|objects| objects.0))
}

/// Elements at least this large start an array with one place (four of them reach 1 KiB).
const LARGE_ELEMENT: usize = 256;

struct ObjectsVisitor<T>(PhantomData<fn() -> T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectsVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("an array")
    }

    fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<T>, D::Error> {
        deserializer.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let Some(first) = seq.next_element()? else {
            return Ok(Vec::new());
        };
        let size = std::mem::size_of::<T>().max(1);
        // A length the format knows (JSON's is never known) reserves at most 4 KiB: a wrong one costs little.
        let capacity = match seq.size_hint() {
            Some(rest) => rest.saturating_add(1).min((4096 / size).max(1)),
            None if size >= LARGE_ELEMENT => 1,
            None => 4,
        };
        let mut out = Vec::with_capacity(capacity);
        out.push(first);
        while let Some(next) = seq.next_element()? {
            out.push(next);
        }
        Ok(out)
    }
}

/// An open enum: a value the spec does not list is kept in its `Unknown` variant.
pub trait OpenEnum {
    /// The value kept in the catch-all variant, if this is it.
    fn unknown_value(&self) -> Option<&str>;
}

/// Decodes an open enum from a string, noting a value the spec does not list (see [`crate::unknown_values`]).
pub fn deserialize_open_enum<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: From<String> + for<'a> From<&'a str> + OpenEnum,
{
    struct OpenEnumVisitor<T>(PhantomData<fn() -> T>);

    impl<T> Visitor<'_> for OpenEnumVisitor<T>
    where
        T: From<String> + for<'a> From<&'a str> + OpenEnum,
    {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
            Ok(noted(T::from(value)))
        }

        fn visit_string<E: de::Error>(self, value: String) -> Result<T, E> {
            Ok(noted(T::from(value)))
        }
    }

    fn noted<T: OpenEnum>(decoded: T) -> T {
        if let Some(value) = decoded.unknown_value() {
            crate::unknown_values::note(Some(value));
        }
        decoded
    }

    deserializer.deserialize_str(OpenEnumVisitor(PhantomData))
}

/// A member of a multipart form that holds files.
pub trait FileField {
    /// Adds one part per file.
    fn add_parts<'a>(&'a self, name: &'static str, parts: &mut Vec<FormPart<'a>>);
}

impl FileField for Upload {
    fn add_parts<'a>(&'a self, name: &'static str, parts: &mut Vec<FormPart<'a>>) {
        parts.push(FormPart::File { name, upload: self });
    }
}

impl<T: FileField> FileField for Option<T> {
    fn add_parts<'a>(&'a self, name: &'static str, parts: &mut Vec<FormPart<'a>>) {
        if let Some(value) = self {
            value.add_parts(name, parts);
        }
    }
}

impl<T: FileField> FileField for Vec<T> {
    fn add_parts<'a>(&'a self, name: &'static str, parts: &mut Vec<FormPart<'a>>) {
        for value in self {
            value.add_parts(name, parts);
        }
    }
}

/// Adds the text parts of a non-file member: nothing for null, one part per array element, JSON text
/// for objects. A member that does not serialize is an error naming it.
pub fn add_value_parts<T: serde::Serialize>(
    name: &'static str,
    value: &T,
    parts: &mut Vec<FormPart<'_>>,
) -> Result<(), FormError> {
    fn text(value: Value) -> Option<String> {
        match value {
            Value::Null => None,
            Value::String(text) => Some(text),
            other => Some(other.to_string()),
        }
    }
    let value = serde_json::to_value(value).map_err(|source| FormError { member: name, source })?;
    match value {
        Value::Array(items) => {
            for item in items {
                if let Some(value) = text(item) {
                    parts.push(FormPart::Text { name, value });
                }
            }
        }
        other => {
            if let Some(value) = text(other) {
                parts.push(FormPart::Text { name, value });
            }
        }
    }
    Ok(())
}

/// The kind of a JSON value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonKind {
    /// `true` or `false`.
    Bool,
    /// An integer number.
    Integer,
    /// A number with a fraction or exponent.
    Float,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl fmt::Display for JsonKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonKind::Bool => "a boolean",
            JsonKind::Integer => "an integer",
            JsonKind::Float => "a number",
            JsonKind::String => "a string",
            JsonKind::Array => "an array",
            JsonKind::Object => "an object",
        })
    }
}

/// The error for a value of a kind no alternative accepts.
pub fn unexpected_kind<E: de::Error>(kind: JsonKind, expecting: &str) -> E {
    E::custom(format_args!("expected {expecting}, found {kind}"))
}

/// A union whose alternatives accept disjoint kinds of JSON value.
pub trait KindUnion: Sized {
    /// What the union accepts, for error messages.
    const EXPECTING: &'static str;

    /// Decodes the alternative that accepts `kind` from `deserializer`.
    fn decode_kind<'de, D: Deserializer<'de>>(kind: JsonKind, deserializer: D) -> Result<Self, D::Error>;
}

/// Decodes a [`KindUnion`]: the value's kind picks the alternative, which decodes in place (no
/// buffering, so error paths and unknown-member reports reach into it).
pub fn deserialize_by_kind<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: KindUnion,
{
    deserializer.deserialize_any(KindVisitor(PhantomData))
}

struct KindVisitor<T>(PhantomData<fn() -> T>);

impl<'de, T: KindUnion> Visitor<'de> for KindVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<T, E> {
        T::decode_kind(JsonKind::Bool, value.into_deserializer())
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
        T::decode_kind(JsonKind::Integer, value.into_deserializer())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
        T::decode_kind(JsonKind::Integer, value.into_deserializer())
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<T, E> {
        T::decode_kind(JsonKind::Float, value.into_deserializer())
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        T::decode_kind(JsonKind::String, value.into_deserializer())
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<T, E> {
        T::decode_kind(JsonKind::String, BorrowedStrDeserializer::new(value))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<T, E> {
        T::decode_kind(JsonKind::String, value.into_deserializer())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        let mut read = Touched {
            inner: &mut seq,
            touched: false,
        };
        let decoded = T::decode_kind(JsonKind::Array, SeqAccessDeserializer::new(&mut read));
        if decoded.is_err() && !read.touched {
            // The union takes no array. The reader is just past the `[`, where the error's position would
            // name the first element; past the whole array, it names the array.
            while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        }
        decoded
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut read = Touched {
            inner: &mut map,
            touched: false,
        };
        let decoded = T::decode_kind(JsonKind::Object, MapAccessDeserializer::new(&mut read));
        if decoded.is_err() && !read.touched {
            // As for arrays: an object the union does not take is named whole, not by its first member.
            while map.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
        }
        decoded
    }
}

/// An array's or object's reader, noting whether anything was read from it.
struct Touched<'a, A> {
    inner: &'a mut A,
    touched: bool,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Touched<'_, A> {
    type Error = A::Error;

    fn next_element_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, A::Error> {
        self.touched = true;
        self.inner.next_element_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Touched<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.touched = true;
        self.inner.next_key_seed(seed)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// A union whose alternatives are tried in order (serde's untagged decoding), with tagged-union alternatives
/// taken only by objects that carry their tag.
pub trait FirstMatch: Sized {
    /// The union's name, for the error when no alternative matches.
    const NAME: &'static str;

    /// The first alternative that decodes `value`; otherwise `None`, with each alternative's reason in
    /// `failures`.
    fn first_match(value: &Candidate, failures: &mut Vec<(&'static str, String)>) -> Option<Self>;
}

/// A value a [`FirstMatch`] union read whole: the `Value` its alternatives are decoded from and, when a layer
/// watches the decoding ([`crate::buffered`]), the value's text with its members in their order, which that
/// layer decodes (so a tagged alternative whose tag came first still finds it first). With the text, the
/// `Value` is only built if an alternative is decoded unwatched.
pub struct Candidate {
    value: std::cell::OnceCell<Value>,
    text: Option<String>,
}

impl Candidate {
    fn value(&self) -> &Value {
        self.value.get_or_init(|| {
            // The text was written by `Transcode` from what serde_json read: it parses (`Null` is unreachable).
            self.text
                .as_deref()
                .and_then(|text| serde_json::from_str(text).ok())
                .unwrap_or(Value::Null)
        })
    }

    /// Whether the value is an object whose member `name` is a string (the last one, as a `Value` keeps it).
    fn has_string_member(&self, name: &str) -> bool {
        match (self.value.get(), &self.text) {
            (None, Some(text)) => serde_json::Deserializer::from_str(text)
                .deserialize_map(StringMember(name))
                .unwrap_or(false),
            _ => matches!(self.value().get(name), Some(Value::String(_))),
        }
    }
}

impl From<Value> for Candidate {
    fn from(value: Value) -> Candidate {
        Candidate {
            value: std::cell::OnceCell::from(value),
            text: None,
        }
    }
}

/// Reads an object's members without keeping them, to tell whether the member it names is a string.
struct StringMember<'n>(&'n str);

impl<'de> Visitor<'de> for StringMember<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(named) = map.next_key_seed(NameIs(self.0))? {
            if named {
                // As a tagged object's tag is read: a string is borrowed when it can be, not kept.
                found = !matches!(map.next_value_seed(TagValue)?, Tag::Other(_));
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// Whether a member name is the one wanted, compared where it is read.
struct NameIs<'n>(&'n str);

impl<'de> de::DeserializeSeed<'de> for NameIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for NameIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<bool, E> {
        Ok(name == self.0)
    }
}

/// Decodes a [`FirstMatch`] union. Like serde's untagged decoding it reads the value whole first (a layer
/// watching the decoding sees into the chosen alternative through [`crate::buffered`]). The choice
/// is made inside the visitor, so the decoder places a failure right after the union's value (not after the
/// container around it), and the error's position names the union's path.
pub fn deserialize_first_match<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FirstMatch,
{
    deserializer.deserialize_any(FirstMatchVisitor(PhantomData))
}

struct FirstMatchVisitor<T>(PhantomData<fn() -> T>);

impl<T: FirstMatch> FirstMatchVisitor<T> {
    fn choose<E: de::Error>(value: impl Into<Candidate>) -> Result<T, E> {
        let value = value.into();
        let mut failures = Vec::new();
        T::first_match(&value, &mut failures).ok_or_else(|| {
            let reasons: Vec<String> = failures
                .iter()
                .map(|(alternative, reason)| format!("{alternative}: {reason}"))
                .collect();
            E::custom(format_args!(
                "data did not match any variant of untagged enum {} ({})",
                T::NAME,
                reasons.join("; ")
            ))
        })
    }
}

impl<'de, T: FirstMatch> Visitor<'de> for FirstMatchVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a value of {}", T::NAME)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<T, E> {
        Self::choose(Value::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
        Self::choose(Value::from(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
        Self::choose(Value::from(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<T, E> {
        Self::choose(Value::from(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        Self::choose(Value::String(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<T, E> {
        Self::choose(Value::String(value))
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Self::choose(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        Self::choose(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        Self::choose(Value::deserialize(deserializer)?)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        Self::choose(Value::deserialize(SeqAccessDeserializer::new(seq))?)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        if crate::buffered::watched() {
            // Written out as text as it is read (no `Value` built from the watched reader), for the watcher.
            let mut text = Vec::with_capacity(256);
            Transcode(&mut text).visit_map(map)?;
            // Transcoded text is UTF-8 JSON: it was written from `str`s and numbers.
            let text = String::from_utf8(text).map_err(de::Error::custom)?;
            return Self::choose(Candidate {
                value: std::cell::OnceCell::new(),
                text: Some(text),
            });
        }
        Self::choose(Value::deserialize(MapAccessDeserializer::new(map))?)
    }
}

/// One alternative of a [`FirstMatch`] union.
pub fn alternative<T: serde::de::DeserializeOwned + 'static>(
    value: &Candidate,
    label: &'static str,
    failures: &mut Vec<(&'static str, String)>,
) -> Option<T> {
    // A watching layer decodes the object as text, noting what is inside (see `crate::buffered`).
    let watched = crate::buffered::watched();
    if watched {
        let decoded = match &value.text {
            Some(text) => crate::buffered::redecode(text),
            None => serde_json::to_string(value.value())
                .ok()
                .and_then(|text| crate::buffered::redecode(&text)),
        };
        if decoded.is_some() {
            return decoded;
        }
    }
    let seen = crate::unknown_values::seen();
    let mark = watched.then(crate::buffered::found_mark);
    let decoded = T::deserialize(value.value());
    if let Some(mark) = mark {
        // Notes made out of the watcher's sight have no place it can name.
        crate::buffered::forget_found_since(mark);
    }
    match decoded {
        Ok(decoded) => Some(decoded),
        Err(error) => {
            // What a rejected alternative kept in its catch-alls was never decoded.
            crate::unknown_values::forget_since(seen);
            failures.push((label, error.to_string()));
            None
        }
    }
}

/// A tagged-union alternative of a [`FirstMatch`] union: only an object with a string `tag` member is one (a
/// tagged union alone keeps tagless objects in its catch-all variant, which would take every object here).
pub fn tagged_alternative<T: serde::de::DeserializeOwned + 'static>(
    value: &Candidate,
    tag: &'static str,
    label: &'static str,
    failures: &mut Vec<(&'static str, String)>,
) -> Option<T> {
    if value.has_string_member(tag) {
        alternative(value, label, failures)
    } else {
        failures.push((label, format!("no string `{tag}` member")));
        None
    }
}

/// A union tagged by one of its members, whose variants the generated code lists.
pub trait TaggedUnion: Sized {
    /// Decodes the variant of `tag` from the rest of the object.
    fn decode_variant<'de, R: VariantDecoder<'de>>(tag: &str, rest: R) -> Result<Self, R::Error>;

    /// The catch-all variant, for an object whose tag is missing, `null` or not a string.
    fn unknown(object: Value) -> Self;
}

/// The members of a tagged object other than its tag.
pub trait VariantDecoder<'de> {
    /// The decoding error.
    type Error: de::Error;

    /// Decodes the members as a known variant's payload (generated types own their data).
    fn decode<T: serde::de::DeserializeOwned + 'static>(self) -> Result<T, Self::Error>;

    /// Keeps the whole object (tag included) for a tag this version does not know.
    fn unknown(self) -> Result<Value, Self::Error>;
}

/// Decodes a tagged union. When the tag is the object's first member (as every server here sends it)
/// the payload is decoded straight from the input, so error paths and unknown-member reports reach into
/// it. When it comes later (an OpenAI tool call's `type` follows its `id`), the members before it are kept
/// and the rest is decoded straight from the input; under a layer watching the decoding
/// ([`crate::buffered`]) the whole object is read first and handed to that layer, so that it sees every
/// member. An object without a string tag (missing, `null`, another
/// kind) is kept whole in the catch-all variant, like an unknown tag, rather than failing the answer.
pub fn deserialize_tagged<'de, D, T>(deserializer: D, tag: &'static str) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TaggedUnion,
{
    deserializer.deserialize_map(TaggedVisitor {
        tag,
        marker: PhantomData,
    })
}

struct TaggedVisitor<T> {
    tag: &'static str,
    marker: PhantomData<fn() -> T>,
}

impl<'de, T: TaggedUnion> Visitor<'de> for TaggedVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with a `{}` member", self.tag)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        // The tag's name and (usually) its value are read without copying them.
        let Some(first) = map.next_key_seed(FirstName { tag: self.tag })? else {
            crate::unknown_values::note(None);
            return Ok(T::unknown(Value::Object(Map::new())));
        };
        let Some(first) = first else {
            let streamed = |map, tag| StreamedRest {
                map,
                tag_member: self.tag,
                tag,
            };
            // One call of the union's variant decoders for both kinds of string: each call compiles them all.
            let owned;
            let tag = match map.next_value_seed(TagValue)? {
                Tag::Borrowed(tag) => tag,
                Tag::Owned(tag) => {
                    owned = tag;
                    owned.as_str()
                }
                Tag::Other(other) => return Ok(T::unknown(untagged(Map::new(), self.tag, other, map)?)),
            };
            return T::decode_variant(tag, streamed(map, tag));
        };
        if !crate::buffered::watched() {
            return tag_later(self.tag, first, map);
        }
        // The tag comes later, and a layer watches the decoding: the members are written out as JSON text as
        // they are read (no `Value` is built), without the tag, for the watcher to decode once the tag is
        // known, so that it sees every member.
        let (text, tag) = rest_as_text(self.tag, &first, &mut map)?;
        from_text(self.tag, text, tag)
    }
}

/// The catch-all's object for a tag that is not a string: the members `before` it, the tag, then the rest.
/// Generic over the reader only (it was compiled per union too, inside the union's decoder).
fn untagged<'de, A: MapAccess<'de>>(
    mut object: Map<String, Value>,
    tag_member: &'static str,
    tag: Value,
    map: A,
) -> Result<Value, A::Error> {
    object.insert(tag_member.to_owned(), tag);
    object.extend(Map::deserialize(MapAccessDeserializer::new(map))?);
    crate::unknown_values::note(None);
    Ok(Value::Object(object))
}

/// Reads a tagged object whose tag has not come yet as JSON text, from its first member (named `first`,
/// whose value comes next) on, leaving the tag out; and the tag's string value when it has one.
fn rest_as_text<'de, A: MapAccess<'de>>(
    tag_member: &'static str,
    first: &str,
    map: &mut A,
) -> Result<(String, Option<String>), A::Error> {
    let mut text = Vec::with_capacity(256);
    text.push(b'{');
    write_name(&mut text, first, true);
    map.next_value_seed(Transcode(&mut text))?;
    text_after(tag_member, text, map)
}

/// Reads the rest of a tagged object whose tag has not come yet as JSON text (`text` holds `{` and the
/// members before, at least one), leaving the tag out, and the tag's string value when it has one. Generic over
/// the reader only; [`from_text`] decodes the result as the union.
fn text_after<'de, A: MapAccess<'de>>(
    tag_member: &'static str,
    mut text: Vec<u8>,
    map: &mut A,
) -> Result<(String, Option<String>), A::Error> {
    let mut tag = None;
    while let Some(is_tag) = map.next_key_seed(MemberName {
        tag: tag_member,
        text: &mut text,
        skip: tag.is_some(),
    })? {
        if is_tag {
            match map.next_value_seed(TagValue)? {
                Tag::Borrowed(value) => tag = Some(value.to_owned()),
                Tag::Owned(value) => tag = Some(value),
                // Kept in its place: an object without a string tag goes whole to the catch-all.
                Tag::Other(other) => {
                    write_name(&mut text, tag_member, false);
                    write_value(&mut text, &other);
                }
            }
        } else {
            map.next_value_seed(Transcode(&mut text))?;
        }
    }
    text.push(b'}');
    // Transcoded text is UTF-8: it was written from `str`s and numbers.
    let text = String::from_utf8(text).map_err(de::Error::custom)?;
    Ok((text, tag))
}

/// Decodes a tagged object read as text (without its tag) as the tag says: the catch-all when it has none.
fn from_text<T: TaggedUnion, E: de::Error>(
    tag_member: &'static str,
    text: String,
    tag: Option<String>,
) -> Result<T, E> {
    let Some(tag) = tag else {
        let object = serde_json::from_str(&text).map_err(E::custom)?;
        crate::unknown_values::note(None);
        return Ok(T::unknown(Value::Object(object)));
    };
    T::decode_variant(
        &tag,
        BufferedRest {
            text,
            tag_member,
            tag: &tag,
            marker: PhantomData,
        },
    )
}

/// A tagged object whose tag is not its first member (an OpenAI tool call: `id`, then `type`), decoded
/// unwatched: the members before the tag are kept — scalars, as an `id` or an `index` is — and once the tag is
/// read the variant decodes them, then the rest of the object straight from the input. An object or array
/// before the tag sends the object the text way ([`text_after`]): scalars are replayed through a deserializer
/// that never asks for a map, so no member type gets a second decoder of nested objects for it.
fn tag_later<'de, T: TaggedUnion, A: MapAccess<'de>>(
    tag_member: &'static str,
    first: String,
    mut map: A,
) -> Result<T, A::Error> {
    let owned;
    let (before, tag) = match until_tag(tag_member, first, &mut map)? {
        UntilTag::Tag(before, Tag::Borrowed(tag)) => (before, tag),
        UntilTag::Tag(before, Tag::Owned(tag)) => {
            owned = tag;
            (before, owned.as_str())
        }
        UntilTag::Tag(before, Tag::Other(other)) => {
            return Ok(T::unknown(untagged(Scalar::object(before), tag_member, other, map)?));
        }
        UntilTag::Untagged(before) => {
            crate::unknown_values::note(None);
            return Ok(T::unknown(Value::Object(Scalar::object(before))));
        }
        UntilTag::Text(text, tag) => return from_text(tag_member, text, tag),
    };
    let rest = PrefixedRest {
        before,
        map,
        tag_member,
        tag,
    };
    T::decode_variant(tag, rest)
}

/// What [`until_tag`] found.
enum UntilTag<'de> {
    /// The tag, and the scalar members before it.
    Tag(Vec<(String, Scalar)>, Tag<'de>),
    /// The object ended without a tag: its members, all scalars.
    Untagged(Vec<(String, Scalar)>),
    /// An object or array came before the tag: the whole object as text (without the tag) and the tag.
    Text(String, Option<String>),
}

/// Reads the members of a tagged object before its tag (the first one's name is `first`), and the tag's value.
/// Generic over the reader only, so that it is compiled once per reader rather than once per union.
fn until_tag<'de, A: MapAccess<'de>>(
    tag_member: &'static str,
    first: String,
    map: &mut A,
) -> Result<UntilTag<'de>, A::Error> {
    let mut before = Vec::new();
    let mut name = first;
    loop {
        match map.next_value_seed(KeptSeed)? {
            Kept::Scalar(value) => before.push((name, value)),
            Kept::Text(value) => {
                let mut text = Vec::with_capacity(256);
                text.push(b'{');
                for (index, (name, kept)) in before.iter().enumerate() {
                    write_name(&mut text, name, index == 0);
                    kept.write(&mut text);
                }
                write_name(&mut text, &name, before.is_empty());
                text.extend_from_slice(&value);
                let (text, tag) = text_after(tag_member, text, map)?;
                return Ok(UntilTag::Text(text, tag));
            }
        }
        match map.next_key_seed(FirstName { tag: tag_member })? {
            Some(Some(next)) => name = next,
            Some(None) => break,
            None => return Ok(UntilTag::Untagged(before)),
        }
    }
    Ok(UntilTag::Tag(before, map.next_value_seed(TagValue)?))
}

/// The members of a tagged object other than its tag, when the tag came after some: those, kept as they
/// were read, then the rest of the object from the input.
struct PrefixedRest<'t, A> {
    before: Vec<(String, Scalar)>,
    map: A,
    tag_member: &'static str,
    tag: &'t str,
}

impl<'de, A: MapAccess<'de>> VariantDecoder<'de> for PrefixedRest<'_, A> {
    type Error = A::Error;

    fn decode<T: serde::de::DeserializeOwned + 'static>(mut self) -> Result<T, A::Error> {
        let mut failed_before = false;
        let decoded = T::deserialize(MapAccessDeserializer::new(Prefixed {
            kept: KeptMembers {
                before: self.before.into_iter(),
                value: None,
            },
            map: &mut self.map,
            failed_before: &mut failed_before,
        }));
        if decoded.is_err() && failed_before {
            skip_rest(&mut self.map)?;
        }
        decoded
    }

    fn unknown(self) -> Result<Value, A::Error> {
        let mut rest = Scalar::object(self.before);
        rest.extend(Map::deserialize(MapAccessDeserializer::new(self.map))?);
        crate::unknown_values::note(Some(self.tag));
        Ok(with_tag(self.tag_member, self.tag, rest))
    }
}

/// After a kept member failed to decode, the reader stands past the tag: it reads to the object's end, so that
/// the failure is placed at the object (as when the whole object was read first), its reason naming the member.
fn skip_rest<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    while map.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Kept members, then the live ones, as one object.
struct Prefixed<'m, A> {
    kept: KeptMembers,
    map: &'m mut A,
    /// Set when a kept member's value fails to decode.
    failed_before: &'m mut bool,
}

/// The members kept before a tag, handed out name, then value. Not generic: its bookkeeping is compiled once,
/// not once per variant's member decoder.
struct KeptMembers {
    before: std::vec::IntoIter<(String, Scalar)>,
    /// The kept member whose name was handed out last, with its value.
    value: Option<(String, Scalar)>,
}

impl KeptMembers {
    /// The next kept member's name; its value waits for [`KeptMembers::take_value`].
    fn next_name(&mut self) -> Option<&str> {
        self.value = self.before.next();
        self.value.as_ref().map(|(name, _)| name.as_str())
    }

    fn take_value(&mut self) -> Option<(String, Scalar)> {
        self.value.take()
    }
}

/// A kept member's value that failed to decode, as the reader's error. The reader is past the tag by now: the
/// reason names the member.
fn kept_failure<E: de::Error>(name: &str, error: &serde_json::Error) -> E {
    E::custom(format_args!("{name}: {error}"))
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Prefixed<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        match self.kept.next_name() {
            Some(name) => seed
                .deserialize(IntoDeserializer::<A::Error>::into_deserializer(name))
                .map(Some),
            None => self.map.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.kept.take_value() {
            Some((name, value)) => seed.deserialize(value).map_err(|error| {
                *self.failed_before = true;
                kept_failure(&name, &error)
            }),
            None => self.map.next_value_seed(seed),
        }
    }
}

/// A member read before its object's tag: a scalar, kept, or any other value, written out as JSON text.
enum Kept {
    Scalar(Scalar),
    Text(Vec<u8>),
}

/// A JSON scalar kept for replay. As a deserializer it never hands out a map or a sequence, so a member type
/// decoded from it compiles no nested decoder for it.
enum Scalar {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    String(String),
}

impl Scalar {
    fn into_value(self) -> Value {
        match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(value) => Value::Bool(value),
            Scalar::I64(value) => Value::from(value),
            Scalar::U64(value) => Value::from(value),
            Scalar::F64(value) => Value::from(value),
            Scalar::String(value) => Value::String(value),
        }
    }

    /// Kept members as an object (for the catch-all variant).
    fn object(members: Vec<(String, Scalar)>) -> Map<String, Value> {
        members
            .into_iter()
            .map(|(name, value)| (name, value.into_value()))
            .collect()
    }

    /// Writes the scalar as JSON.
    fn write(&self, out: &mut Vec<u8>) {
        // Writing into a `Vec` does not fail.
        match self {
            Scalar::Null => out.extend_from_slice(b"null"),
            Scalar::Bool(value) => out.extend_from_slice(if *value { b"true" } else { b"false" }),
            Scalar::I64(value) => {
                let _ = write!(out, "{value}");
            }
            Scalar::U64(value) => {
                let _ = write!(out, "{value}");
            }
            Scalar::F64(value) => write_value(out, &Value::from(*value)),
            Scalar::String(value) => write_str(out, value),
        }
    }
}

impl<'de> Deserializer<'de> for Scalar {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            Scalar::Null => visitor.visit_unit(),
            Scalar::Bool(value) => visitor.visit_bool(value),
            Scalar::I64(value) => visitor.visit_i64(value),
            Scalar::U64(value) => visitor.visit_u64(value),
            Scalar::F64(value) => visitor.visit_f64(value),
            Scalar::String(value) => visitor.visit_string(value),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            Scalar::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self {
            // A unit variant, by name (as serde_json reads one from a string).
            Scalar::String(value) => {
                IntoDeserializer::<Self::Error>::into_deserializer(value).deserialize_enum(name, variants, visitor)
            }
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit unit_struct seq
        tuple tuple_struct map struct identifier ignored_any
    }
}

/// Reads a member before the tag: a scalar, or any other value as JSON text.
struct KeptSeed;

impl<'de> de::DeserializeSeed<'de> for KeptSeed {
    type Value = Kept;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Kept, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KeptSeed {
    type Value = Kept;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Kept, E> {
        Ok(Kept::Scalar(Scalar::Bool(value)))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Kept, E> {
        Ok(Kept::Scalar(Scalar::I64(value)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Kept, E> {
        Ok(Kept::Scalar(Scalar::U64(value)))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Kept, E> {
        Ok(Kept::Scalar(Scalar::F64(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Kept, E> {
        Ok(Kept::Scalar(Scalar::String(value.to_owned())))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Kept, E> {
        Ok(Kept::Scalar(Scalar::String(value)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Kept, E> {
        Ok(Kept::Scalar(Scalar::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Kept, E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Kept, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Kept, A::Error> {
        let mut text = Vec::new();
        Transcode(&mut text).visit_seq(seq)?;
        Ok(Kept::Text(text))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Kept, A::Error> {
        let mut text = Vec::new();
        Transcode(&mut text).visit_map(map)?;
        Ok(Kept::Text(text))
    }
}

/// Reads the first member name of a tagged object: `None` for the tag, the name otherwise.
struct FirstName {
    tag: &'static str,
}

impl<'de> de::DeserializeSeed<'de> for FirstName {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<String>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for FirstName {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Option<String>, E> {
        Ok((name != self.tag).then(|| name.to_owned()))
    }
}

/// The value of a tag member: a string, borrowed from the input when it has no escapes, or any other value.
enum Tag<'de> {
    Borrowed(&'de str),
    Owned(String),
    Other(Value),
}

struct TagValue;

impl<'de> de::DeserializeSeed<'de> for TagValue {
    type Value = Tag<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Tag<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TagValue {
    type Value = Tag<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a tag")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Tag<'de>, E> {
        Ok(Tag::Borrowed(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Tag<'de>, E> {
        Ok(Tag::Owned(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Tag<'de>, E> {
        Ok(Tag::Owned(value))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Tag<'de>, E> {
        Ok(Tag::Other(Value::Bool(value)))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Tag<'de>, E> {
        Ok(Tag::Other(Value::from(value)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Tag<'de>, E> {
        Ok(Tag::Other(Value::from(value)))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Tag<'de>, E> {
        Ok(Tag::Other(Value::from(value)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Tag<'de>, E> {
        Ok(Tag::Other(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Tag<'de>, E> {
        Ok(Tag::Other(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Tag<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Tag<'de>, A::Error> {
        Ok(Tag::Other(Value::deserialize(SeqAccessDeserializer::new(seq))?))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Tag<'de>, A::Error> {
        Ok(Tag::Other(Value::deserialize(MapAccessDeserializer::new(map))?))
    }
}

/// Writes a member name as `"name":`, after a `,` unless it is the object's first.
fn write_name(out: &mut Vec<u8>, name: &str, first: bool) {
    if !first {
        out.push(b',');
    }
    write_str(out, name);
    out.push(b':');
}

/// Writes `value` as a JSON string.
fn write_str(out: &mut Vec<u8>, value: &str) {
    // Most strings need no escape (JSON escapes `"`, `\\` and control characters only): copied as they are,
    // they cost a scan rather than serde_json's byte-by-byte writer.
    if !needs_escape(value.as_bytes()) {
        out.reserve(value.len() + 2);
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    } else {
        // Writing a `str` into a `Vec` does not fail.
        let _ = serde_json::to_writer(out, value);
    }
}

/// Whether `bytes` hold a byte JSON escapes in a string. Sixteen bytes at a time, without an early exit
/// inside a block, so that the compiler checks each block with vector instructions.
fn needs_escape(bytes: &[u8]) -> bool {
    let escaped = |byte: u8| byte < 0x20 || byte == b'"' || byte == b'\\';
    let mut blocks = bytes.chunks_exact(16);
    for block in &mut blocks {
        if block.iter().fold(false, |hit, &byte| hit | escaped(byte)) {
            return true;
        }
    }
    blocks.remainder().iter().any(|&byte| escaped(byte))
}

/// Writes `value` as JSON.
fn write_value(out: &mut Vec<u8>, value: &Value) {
    // Writing a `Value` (whose numbers are finite) into a `Vec` does not fail.
    let _ = serde_json::to_writer(out, value);
}

/// Reads a member name of a buffered tagged object: `true` for the (first) tag member; any other name is
/// written to the text as `,"name":`, ready for its value.
struct MemberName<'w> {
    tag: &'static str,
    text: &'w mut Vec<u8>,
    /// The tag was already read: a repeated one is an ordinary member.
    skip: bool,
}

impl<'de> de::DeserializeSeed<'de> for MemberName<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for MemberName<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<bool, E> {
        if !self.skip && name == self.tag {
            return Ok(true);
        }
        write_name(self.text, name, false);
        Ok(false)
    }
}

/// Writes the value a deserializer reads as JSON text, visiting it once, without building a `Value`.
struct Transcode<'w>(&'w mut Vec<u8>);

impl<'de> de::DeserializeSeed<'de> for Transcode<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Transcode<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<(), E> {
        self.0.extend_from_slice(if value { b"true" } else { b"false" });
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<(), E> {
        // Writing into a `Vec` does not fail.
        let _ = write!(self.0, "{value}");
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<(), E> {
        let _ = write!(self.0, "{value}");
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<(), E> {
        // serde_json's own number text; a NaN or infinity (no JSON document holds one) becomes `null`.
        write_value(self.0, &Value::from(value));
        Ok(())
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        write_str(self.0, value);
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.extend_from_slice(b"null");
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.push(b'[');
        let mut first = true;
        loop {
            let start = self.0.len();
            if !first {
                self.0.push(b',');
            }
            if seq.next_element_seed(Transcode(&mut *self.0))?.is_none() {
                self.0.truncate(start);
                break;
            }
            first = false;
        }
        self.0.push(b']');
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.0.push(b'{');
        let mut first = true;
        while let Some(()) = map.next_key_seed(Name {
            text: &mut *self.0,
            first,
        })? {
            map.next_value_seed(Transcode(&mut *self.0))?;
            first = false;
        }
        self.0.push(b'}');
        Ok(())
    }
}

/// Writes a member name (`"name":`, after a `,` unless it is the first) while transcoding an object.
struct Name<'w> {
    text: &'w mut Vec<u8>,
    first: bool,
}

impl<'de> de::DeserializeSeed<'de> for Name<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for Name<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<(), E> {
        write_name(self.text, name, self.first);
        Ok(())
    }
}

fn with_tag(tag_member: &str, tag: &str, rest: Map<String, Value>) -> Value {
    let mut object = Map::new();
    object.insert(tag_member.to_owned(), Value::String(tag.to_owned()));
    object.extend(rest);
    Value::Object(object)
}

struct StreamedRest<'t, A> {
    map: A,
    tag_member: &'static str,
    tag: &'t str,
}

impl<'de, A: MapAccess<'de>> VariantDecoder<'de> for StreamedRest<'_, A> {
    type Error = A::Error;

    fn decode<T: serde::de::DeserializeOwned + 'static>(self) -> Result<T, A::Error> {
        // Straight from the input (the same decoder as the text path's, below): a wrapper for kept members,
        // which a tag-first object never has, cost 4 % on a Claude message.
        T::deserialize(MapAccessDeserializer::new(self.map))
    }

    fn unknown(self) -> Result<Value, A::Error> {
        let rest = Map::deserialize(MapAccessDeserializer::new(self.map))?;
        crate::unknown_values::note(Some(self.tag));
        Ok(with_tag(self.tag_member, self.tag, rest))
    }
}

/// Decodes a variant's payload from the members of an object, as a tag-first object's rest is decoded.
struct RestVisitor<T>(PhantomData<fn() -> T>);

impl<'de, T: serde::de::DeserializeOwned> Visitor<'de> for RestVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the members of a tagged object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map))
    }
}

struct BufferedRest<'t, E> {
    /// The object's members other than the tag, as JSON text.
    text: String,
    tag_member: &'static str,
    tag: &'t str,
    marker: PhantomData<fn() -> E>,
}

impl<'de, E: de::Error> VariantDecoder<'de> for BufferedRest<'_, E> {
    type Error = E;

    /// The members, written out as JSON text while they were read, are decoded from that text the way a
    /// tag-first object is decoded from an answer's text ([`crate::json_path::decode_text`]), so the
    /// variant's decoder compiled for that serves here too (rather than a second one reading a `Value`), and
    /// a failure's position names its path.
    fn decode<T: serde::de::DeserializeOwned + 'static>(self) -> Result<T, E> {
        let text = self.text;
        // A watching layer decodes the members itself, noting what is inside (see `crate::buffered`).
        if let Some(decoded) = crate::buffered::redecode(&text) {
            return Ok(decoded);
        }
        let mark = crate::buffered::found_mark();
        let decoded = serde_json::Deserializer::from_str(&text).deserialize_map(RestVisitor(PhantomData));
        crate::buffered::forget_found_since(mark);
        decoded.map_err(|error| rest_failure(&text, &error))
    }

    fn unknown(self) -> Result<Value, E> {
        let rest: Map<String, Value> = serde_json::from_str(&self.text).map_err(E::custom)?;
        crate::unknown_values::note(Some(self.tag));
        Ok(with_tag(self.tag_member, self.tag, rest))
    }
}

/// A failure to decode a variant from its members written out as text, as the reader's error: generic over that
/// error only, not compiled per variant. The position is in the rewritten members, which the reader never saw:
/// only the path inside them and the reason are kept.
fn rest_failure<E: de::Error>(text: &str, error: &serde_json::Error) -> E {
    let path = crate::json_path::of_error(text.as_bytes(), error);
    let full = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let reason = full.strip_suffix(&suffix).unwrap_or(&full);
    match path.strip_prefix("$.").or_else(|| path.strip_prefix('$')) {
        Some(inner) if !inner.is_empty() => E::custom(format_args!("{inner}: {reason}")),
        _ => E::custom(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 256 bytes: a large element, like a choice.
    type Large = [u64; 32];

    #[derive(Debug, serde::Deserialize)]
    struct Chunk {
        #[serde(deserialize_with = "vec_of_objects")]
        choices: Vec<Large>,
        #[serde(default, deserialize_with = "null_or_vec_of_objects")]
        notes: Vec<String>,
        #[serde(default, deserialize_with = "option_vec_of_objects")]
        calls: Option<Vec<Large>>,
    }

    fn chunk(choices: usize, rest: &str) -> String {
        let one = serde_json::to_string(&[7u64; 32]).expect("an array");
        let choices = vec![one; choices].join(",");
        format!(r#"{{"choices": [{choices}]{rest}}}"#)
    }

    #[test]
    fn an_array_of_large_objects_is_sized_for_what_arrives() {
        let one: Chunk = serde_json::from_str(&chunk(1, "")).expect("one choice");
        assert_eq!((one.choices.len(), one.choices.capacity()), (1, 1));
        assert_eq!(one.choices[0], [7; 32]);
        let none: Chunk = serde_json::from_str(&chunk(0, "")).expect("no choice");
        assert_eq!((none.choices.len(), none.choices.capacity()), (0, 0));
        let three: Chunk = serde_json::from_str(&chunk(3, r#", "notes": ["a", "b"]"#)).expect("three choices");
        assert_eq!(
            (three.choices.len(), three.notes.as_slice()),
            (3, ["a".to_owned(), "b".to_owned()].as_slice())
        );
        // Small elements grow as serde's own `Vec` would.
        assert_eq!(three.notes.capacity(), 4);
        // A format that knows the length (here a `Value`) gets it reserved at once.
        let value: Value = serde_json::from_str(&chunk(3, "")).expect("a value");
        let three = Chunk::deserialize(value).expect("three choices from a value");
        assert_eq!((three.choices.len(), three.choices.capacity()), (3, 3));
    }

    #[test]
    fn an_array_of_objects_is_null_only_where_the_spec_allows_it() {
        let absent: Chunk = serde_json::from_str(&chunk(1, r#", "notes": null, "calls": null"#)).expect("nulls");
        assert!(absent.notes.is_empty() && absent.calls.is_none());
        let missing: Chunk = serde_json::from_str(&chunk(1, "")).expect("no calls");
        assert!(missing.calls.is_none());
        let empty: Chunk = serde_json::from_str(&chunk(1, r#", "calls": []"#)).expect("no calls");
        assert_eq!(empty.calls, Some(Vec::new()));
        let error = serde_json::from_str::<Chunk>(&chunk(1, r#", "calls": {}"#)).expect_err("an object of calls");
        assert!(error.to_string().contains("expected an array"), "{error}");
        let error = serde_json::from_str::<Chunk>(r#"{"choices": null}"#).expect_err("null choices");
        assert!(error.to_string().contains("expected an array"), "{error}");
        let error = serde_json::from_str::<Chunk>(&chunk(1, r#", "notes": [1]"#)).expect_err("a number note");
        assert!(error.to_string().contains("expected a string"), "{error}");
        let error = serde_json::from_str::<Chunk>(r#"{"choices": {}}"#).expect_err("an object");
        assert!(error.to_string().contains("expected an array"), "{error}");
    }

    fn read_whole(text: &str) -> Candidate {
        Candidate {
            value: std::cell::OnceCell::new(),
            text: Some(text.to_owned()),
        }
    }

    #[test]
    fn kept_scalars_decode_as_serde_json_reads_them() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        enum Role {
            #[serde(rename = "user")]
            User,
        }
        assert_eq!(Role::deserialize(Scalar::String("user".into())).ok(), Some(Role::User));
        assert!(Role::deserialize(Scalar::String("robot".into())).is_err());
        assert_eq!(Option::<i64>::deserialize(Scalar::Null).ok(), Some(None));
        assert_eq!(Option::<i64>::deserialize(Scalar::I64(-3)).ok(), Some(Some(-3)));
        assert_eq!(u8::deserialize(Scalar::U64(7)).ok(), Some(7));
        assert!(u8::deserialize(Scalar::U64(300)).is_err());
        assert!(String::deserialize(Scalar::Bool(true)).is_err());
        assert_eq!(f64::deserialize(Scalar::F64(0.5)).ok(), Some(0.5));
        for (scalar, text) in [
            (Scalar::Null, "null"),
            (Scalar::Bool(false), "false"),
            (Scalar::I64(-1), "-1"),
            (Scalar::U64(18_446_744_073_709_551_615), "18446744073709551615"),
            (Scalar::F64(1.5), "1.5"),
            (Scalar::String("a\"b".into()), r#""a\"b""#),
        ] {
            let mut out = Vec::new();
            scalar.write(&mut out);
            assert_eq!(String::from_utf8(out).expect("UTF-8"), text);
        }
    }

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let cases = [
            "",
            "plain",
            "quote \" inside",
            "back\\slash",
            "new\nline",
            "tab\t",
            "\u{1}",
            "\u{1f}",
            " ",
            "\u{7f}",
            "é and 漢字",
            "\u{2028}",
            "emoji 🦀",
            "end\\",
            "a string of more than sixteen bytes, none escaped",
            "sixteen bytes 16\"then more than another sixteen",
            "more than sixteen bytes, then a control character\u{7}",
        ];
        for case in cases {
            let mut ours = b"[".to_vec();
            write_str(&mut ours, case);
            assert_eq!(
                &ours[1..],
                serde_json::to_string(case).expect("a string").as_bytes(),
                "{case:?}"
            );
        }
    }

    #[test]
    fn a_tag_is_found_in_the_text_as_a_value_would_find_it() {
        let cases = [
            (r#"{"id": "c", "type": "function"}"#, true),
            (r#"{"ty\u0070e": "function"}"#, true),
            (r#"{"type": 3}"#, false),
            (r#"{"type": null}"#, false),
            (r#"{"type": {"type": "x"}}"#, false),
            (r#"{"inner": {"type": "x"}, "list": ["type"]}"#, false),
            (r#"{"type": "x", "type": 5}"#, false),
            (r#"{"type": 5, "type": "x"}"#, true),
            (r#"{}"#, false),
        ];
        for (text, expected) in cases {
            assert_eq!(read_whole(text).has_string_member("type"), expected, "{text}");
            let value: Value = serde_json::from_str(text).expect("JSON");
            assert_eq!(
                Candidate::from(value).has_string_member("type"),
                expected,
                "{text} as a Value"
            );
        }
    }

    #[test]
    fn the_value_of_a_text_is_built_when_asked_for() {
        let candidate = read_whole(r#"{"b": 1, "a": [true]}"#);
        assert!(candidate.value.get().is_none());
        assert_eq!(candidate.value(), &serde_json::json!({"b": 1, "a": [true]}));
    }
}
