//! Values the spec's schemas share: ids that arrive as strings or integers ([`StringOrNumber`]) and files of
//! multipart forms ([`Upload`]).

use std::fmt;

use bytes::Bytes;
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::{Serialize, Serializer};

/// A value sent as a JSON string by some servers and as a JSON integer by others (Midjourney task ids,
/// error codes). It keeps every digit (integers are never routed through a float) and re-serializes the
/// token the way it arrived.
///
/// Equality and hashing look at the text only, so `42` and `"42"` are the same id. Integers sort
/// numerically (`"9"` before `"10"`) and before other text, which sorts as text.
#[derive(Clone, Debug)]
pub struct StringOrNumber {
    text: String,
    number: bool,
}

impl StringOrNumber {
    /// The value as text (an integer in decimal).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the value arrived as a JSON integer.
    pub fn is_number(&self) -> bool {
        self.number
    }

    /// The value as an integer, when it is one (whichever way it arrived).
    pub fn as_i128(&self) -> Option<i128> {
        self.text.parse().ok()
    }

    /// The text, consuming the value.
    pub fn into_string(self) -> String {
        self.text
    }
}

impl PartialEq for StringOrNumber {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for StringOrNumber {}

impl std::hash::Hash for StringOrNumber {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl PartialOrd for StringOrNumber {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for StringOrNumber {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self.as_i128(), other.as_i128()) {
            // Ties (`"042"` and `"42"`) fall back to the text, which keeps the order consistent with `==`.
            (Some(a), Some(b)) => a.cmp(&b).then_with(|| self.text.cmp(&other.text)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => self.text.cmp(&other.text),
        }
    }
}

impl fmt::Display for StringOrNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl AsRef<str> for StringOrNumber {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl PartialEq<str> for StringOrNumber {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for StringOrNumber {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl From<&str> for StringOrNumber {
    fn from(text: &str) -> Self {
        StringOrNumber {
            text: text.to_owned(),
            number: false,
        }
    }
}

impl From<String> for StringOrNumber {
    fn from(text: String) -> Self {
        StringOrNumber { text, number: false }
    }
}

impl From<i64> for StringOrNumber {
    fn from(value: i64) -> Self {
        StringOrNumber {
            text: value.to_string(),
            number: true,
        }
    }
}

impl From<u64> for StringOrNumber {
    fn from(value: u64) -> Self {
        StringOrNumber {
            text: value.to_string(),
            number: true,
        }
    }
}

impl Serialize for StringOrNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.number {
            if let Ok(value) = self.text.parse::<u64>() {
                return serializer.serialize_u64(value);
            }
            if let Ok(value) = self.text.parse::<i64>() {
                return serializer.serialize_i64(value);
            }
            if let Ok(value) = self.text.parse::<i128>() {
                return serializer.serialize_i128(value);
            }
        }
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for StringOrNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StringOrNumberVisitor;

        impl Visitor<'_> for StringOrNumberVisitor {
            type Value = StringOrNumber;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an integer")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<StringOrNumber, E> {
                Ok(StringOrNumber::from(value))
            }

            fn visit_string<E: de::Error>(self, value: String) -> Result<StringOrNumber, E> {
                Ok(StringOrNumber::from(value))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<StringOrNumber, E> {
                Ok(StringOrNumber::from(value))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<StringOrNumber, E> {
                Ok(StringOrNumber::from(value))
            }

            fn visit_u128<E: de::Error>(self, value: u128) -> Result<StringOrNumber, E> {
                Ok(StringOrNumber {
                    text: value.to_string(),
                    number: true,
                })
            }

            fn visit_i128<E: de::Error>(self, value: i128) -> Result<StringOrNumber, E> {
                Ok(StringOrNumber {
                    text: value.to_string(),
                    number: true,
                })
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<StringOrNumber, E> {
                // A JSON number that is not an exact 64-bit integer (a fraction, or an integer too large for
                // the parser): accepting it would silently change the value.
                Err(E::custom(format_args!(
                    "expected a string or an integer that fits 64 bits, found the number {value}; \
                     its exact digits cannot be kept"
                )))
            }
        }

        deserializer.deserialize_any(StringOrNumberVisitor)
    }
}

/// A file sent in a `multipart/form-data` request (audio to transcribe, images to edit, a video's first
/// frame). In JSON (examples, `conform`) it reads and writes as its file name.
///
/// The bytes are a [`Bytes`]: cloning the upload, building the form and retrying the call share one buffer.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Upload {
    /// The file name sent with the part.
    pub file_name: String,
    /// The MIME type; guessed from the file name when `None`.
    pub content_type: Option<String>,
    /// The file's bytes.
    pub bytes: Bytes,
}

impl Upload {
    /// A file from bytes in memory (`Vec<u8>`, `&'static [u8]` or [`Bytes`], taken without copying).
    pub fn from_bytes(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        Upload {
            file_name: file_name.into(),
            content_type: None,
            bytes: bytes.into(),
        }
    }

    /// A file read from disk; the part is named after the file. The read blocks: in async code, read the
    /// file with your runtime (`tokio::fs::read`) and use [`Upload::from_bytes`].
    pub fn from_path(path: impl AsRef<std::path::Path>) -> std::io::Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)?;
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".to_owned());
        Ok(Upload {
            file_name,
            content_type: None,
            bytes: Bytes::from(bytes),
        })
    }

    /// Sets the MIME type.
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upload")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("bytes", &format_args!("{} bytes", self.bytes.len()))
            .finish()
    }
}

impl Serialize for Upload {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.file_name)
    }
}

impl<'de> Deserialize<'de> for Upload {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|file_name| Upload {
            file_name,
            ..Upload::default()
        })
    }
}
