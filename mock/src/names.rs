//! The one place that knows names of the spec: security schemes, error envelopes and the schemas of long
//! jobs. Everything else in the crate works from the operation descriptors and these meanings.

use allmhub_types::operations::SecurityScheme;

/// A security scheme of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// `Authorization: Bearer <key>`.
    Bearer,
    /// Claude's `x-api-key` (with `anthropic-version`).
    ClaudeKey,
    /// Gemini's `x-goog-api-key` header or `?key=`.
    GeminiKey,
    /// Midjourney-proxy's `mj-api-secret`.
    MjSecret,
    /// The system access token in `Authorization` (dashboard routes).
    AccessToken,
    /// `New-Api-User: <user id>`, with the access token.
    NewApiUser,
}

/// An error envelope of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Envelope {
    /// `{"error": {"message", "type", "param", "code"}}`.
    OpenAi,
    /// `{"type": "error", "error": {"type", "message"}}`.
    Claude,
    /// Google's `{"error": {"code", "message", "status"}}`.
    Gemini,
    /// `{"code", "description", "type"}`.
    Midjourney,
    /// `{"code", "message", "data"}` of the task routes.
    Task,
    /// `{"success": false, "message"}`.
    NewApi,
}

/// What a long job's schema stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobSchema {
    /// The answer of a Midjourney submission (`提交结果`): a task id in `result`.
    MjSubmitted,
    /// A Midjourney task (`任务`).
    MjTask,
    /// A video job (`VideoTask`).
    VideoJob,
}

/// The meaning of a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Known {
    Envelope(Envelope),
    Job(JobSchema),
}

/// How the mock checks a security scheme of the descriptors (the match is exhaustive: a new scheme in the
/// spec fails the build here).
pub(crate) fn scheme(scheme: SecurityScheme) -> Scheme {
    match scheme {
        SecurityScheme::BearerAuth => Scheme::Bearer,
        SecurityScheme::ClaudeApiKey => Scheme::ClaudeKey,
        SecurityScheme::GeminiApiKey => Scheme::GeminiKey,
        SecurityScheme::MjApiSecret => Scheme::MjSecret,
        SecurityScheme::AccessToken => Scheme::AccessToken,
        SecurityScheme::NewApiUser => Scheme::NewApiUser,
    }
}

/// The meaning of an error envelope or job schema name; `None` for any other name.
pub(crate) fn known(name: &str) -> Option<Known> {
    Some(match name {
        "ErrorResponse" => Known::Envelope(Envelope::OpenAi),
        "ClaudeErrorResponse" => Known::Envelope(Envelope::Claude),
        "GeminiErrorResponse" => Known::Envelope(Envelope::Gemini),
        "MjErrorResponse" => Known::Envelope(Envelope::Midjourney),
        "TaskErrorResponse" => Known::Envelope(Envelope::Task),
        "NewApiErrorResponse" => Known::Envelope(Envelope::NewApi),
        "提交结果" | "MjSubmitResponse" => Known::Job(JobSchema::MjSubmitted),
        "任务" | "MjTask" => Known::Job(JobSchema::MjTask),
        "VideoTask" => Known::Job(JobSchema::VideoJob),
        _ => return None,
    })
}

/// The envelope a schema name stands for.
pub(crate) fn envelope(name: &str) -> Option<Envelope> {
    match known(name) {
        Some(Known::Envelope(envelope)) => Some(envelope),
        _ => None,
    }
}

/// The job schema a schema name stands for.
pub(crate) fn job_schema(name: &str) -> Option<JobSchema> {
    match known(name) {
        Some(Known::Job(job)) => Some(job),
        _ => None,
    }
}
