//! Multipart request bodies: the parts of a form ([`FormPart`]), the trait generated for every multipart schema
//! ([`MultipartForm`]) and its error ([`FormError`]).

use std::fmt;

use crate::Upload;

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone, PartialEq)]
pub enum FormPart<'a> {
    /// A text field.
    Text {
        /// Field name.
        name: &'static str,
        /// Field value.
        value: String,
    },
    /// A file field.
    File {
        /// Field name.
        name: &'static str,
        /// The file.
        upload: &'a Upload,
    },
}

/// A request body sent as `multipart/form-data`; generated for every multipart schema of the spec.
pub trait MultipartForm {
    /// The parts of the form, in spec order. Absent members send no part; arrays send one part per
    /// element; objects are sent as JSON text. Files are borrowed, not copied.
    fn parts(&self) -> Result<Vec<FormPart<'_>>, FormError>;
}

/// A member of a multipart form that could not be written as text.
#[derive(Debug)]
pub struct FormError {
    pub(crate) member: &'static str,
    pub(crate) source: serde_json::Error,
}

impl FormError {
    /// The form member (wire name) that failed.
    pub fn member(&self) -> &'static str {
        self.member
    }
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "form member `{}` does not serialize: {}", self.member, self.source)
    }
}

impl std::error::Error for FormError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
