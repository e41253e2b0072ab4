//! The types of the operation descriptors ([`operations`](crate::operations)): what each endpoint of the spec
//! takes and answers, and how it authenticates.

#[allow(unused_imports)]
use crate::{Family, InBandEnvelope, SecurityScheme};

/// An HTTP method of an [`Operation`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method as written in HTTP.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// Where a [`Param`] goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamLocation {
    /// A `{name}` segment of the path template.
    Path,
    /// A query-string member.
    Query,
    /// A request header.
    Header,
}

/// A parameter of an [`Operation`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param {
    /// Name on the wire.
    pub name: &'static str,
    /// Where it goes.
    pub location: ParamLocation,
    /// Whether every request carries it.
    pub required: bool,
    /// The only value it can take, which clients fill in themselves.
    pub fixed_value: Option<&'static str>,
}

/// One request content type an [`Operation`] accepts.
#[cfg(feature = "registry")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestBody {
    /// E.g. `application/json` or `multipart/form-data`.
    pub content_type: &'static str,
    /// The spec name of the body's schema.
    pub schema: Option<&'static str>,
    /// Whether the body is a JSON array of that schema.
    pub array: bool,
}

/// What a successful call of an [`Operation`] answers.
#[cfg(feature = "registry")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseInfo {
    /// HTTP status of success.
    pub status: u16,
    /// Spec name of the JSON answer's schema.
    pub json: Option<&'static str>,
    /// Whether the JSON answer is an array of that schema.
    pub json_array: bool,
    /// Spec name of the schema of each streamed event's data.
    pub stream_event: Option<&'static str>,
    /// Binary content types of the answer (audio, video).
    pub binary: &'static [&'static str],
    /// Whether the answer may be `text/plain`.
    pub text: bool,
}

/// One endpoint of the API, as the spec describes it. What the client needs to send it is always there; the
/// metadata only tests and conformance checks read (family, summary, bodies, answer, doc pages) comes with the
/// `registry` feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The spec's `operationId`.
    pub id: &'static str,
    /// The API family (spec tag). (feature `registry`)
    #[cfg(feature = "registry")]
    pub family: Family,
    /// HTTP method.
    pub method: Method,
    /// Path template such as `/v1/videos/{video_id}`.
    pub path: &'static str,
    /// One-line summary. (feature `registry`)
    #[cfg(feature = "registry")]
    pub summary: &'static str,
    /// Path, query and header parameters.
    pub params: &'static [Param],
    /// Accepted request bodies (empty when the operation takes none). (feature `registry`)
    #[cfg(feature = "registry")]
    pub request: &'static [RequestBody],
    /// The successful answer. (feature `registry`)
    #[cfg(feature = "registry")]
    pub response: ResponseInfo,
    /// The boolean request member that selects a streamed answer.
    pub stream_flag: Option<&'static str>,
    /// Accepted security requirements (each a set of schemes used together); the first is the default.
    pub security: &'static [&'static [SecurityScheme]],
    /// Error envelopes the gateway may send with a 2xx status.
    pub in_band_errors: &'static [InBandEnvelope],
    /// Whether sending the operation again after an ambiguous failure (a 5xx, a connection that broke after
    /// the request went out) does no harm. False for job submissions and other paid creations: the gateway
    /// may have accepted and charged the first attempt.
    pub idempotent: bool,
    /// What OpenTelemetry's GenAI conventions call this operation, when it is a GenAI call.
    pub gen_ai: Option<GenAi>,
    /// The ALLMHUB doc pages this operation implements. (feature `registry`)
    #[cfg(feature = "registry")]
    pub doc_pages: &'static [&'static str],
}

/// The OpenTelemetry GenAI names of an [`Operation`] (`gen_ai.system`, `gen_ai.operation.name`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GenAi {
    /// `gen_ai.system`: `openai`, `anthropic`, `gcp.gemini`.
    pub system: &'static str,
    /// `gen_ai.operation.name`: `chat`, `generate_content`, `embeddings`.
    pub operation: &'static str,
}

/// Where a credential of a [`SecurityScheme`] travels in a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CredentialPlacement {
    /// `Authorization: Bearer <credential>`.
    Bearer,
    /// The whole value of this request header.
    Header(&'static str),
    /// This query-string member.
    Query(&'static str),
}
