//! The spec's examples and error envelopes, embedded at build time (generated into `examples.rs` by
//! `cargo xtask regen`), so that programs need no spec directory at run time.

pub use crate::examples::{ERROR_ANSWERS, EXAMPLES};

/// Where an example sits in its operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The request body.
    Request,
    /// An answer with this status key (`200`, `4XX`).
    Response(&'static str),
    /// The parameter of this name.
    Parameter(&'static str),
}

/// One example of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example {
    /// The operation's `operationId`.
    pub operation: &'static str,
    /// Where in the operation.
    pub place: Place,
    /// The media type (empty for parameters).
    pub media_type: &'static str,
    /// The example's key (a request and its answer share it).
    pub key: &'static str,
    /// The body as sent on the wire: JSON text (members in spec order), or the text itself for raw event
    /// streams, plain text and parameter values.
    pub body: &'static str,
}

impl Example {
    /// Whether this is a successful answer (2xx).
    pub fn is_success_answer(&self) -> bool {
        matches!(self.place, Place::Response(status) if status.starts_with('2'))
    }

    /// Whether the body is a raw event stream.
    pub fn is_stream(&self) -> bool {
        self.media_type == "text/event-stream"
    }
}

/// The error envelopes an operation answers with for one status class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorAnswer {
    /// The operation's `operationId`.
    pub operation: &'static str,
    /// The status key (`4XX`, `5XX`, or an exact status).
    pub status: &'static str,
    /// Spec names of the envelope schemas, the usual one first.
    pub schemas: &'static [&'static str],
}

/// Every example of one operation, in spec order.
pub fn examples_of(operation: &str) -> impl Iterator<Item = &'static Example> {
    let operation = operation.to_owned();
    EXAMPLES.iter().filter(move |example| example.operation == operation)
}

/// The error envelopes of `operation` for an answer of `status`: those of the exact status, else of its
/// class (`4XX`). Empty when the spec lists none.
pub fn error_schemas(operation: &str, status: u16) -> &'static [&'static str] {
    let exact = status.to_string();
    let class = format!("{}XX", status / 100);
    let of = |key: &str| {
        ERROR_ANSWERS
            .iter()
            .find(|answer| answer.operation == operation && answer.status == key)
            .map(|answer| answer.schemas)
    };
    of(&exact).or_else(|| of(&class)).unwrap_or(&[])
}
