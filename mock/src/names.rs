//! The one place that maps the spec's generated contracts — security schemes and schema roles (error
//! envelopes, the answers of long jobs) — to what the mock does with them. Everything else in the crate works
//! from the operation descriptors and these meanings.

use allmhub_types::operations::{SchemaRole, SecurityScheme};

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
        // The header and `?key=` are one scheme for the mock: either is accepted on the Gemini routes.
        SecurityScheme::GeminiApiKey | SecurityScheme::GeminiApiKeyQuery => Scheme::GeminiKey,
        SecurityScheme::MjApiSecret => Scheme::MjSecret,
        SecurityScheme::AccessToken => Scheme::AccessToken,
        SecurityScheme::NewApiUser => Scheme::NewApiUser,
    }
}

/// The meaning of an error envelope or job schema name; `None` for any other name. The schemas are found by
/// their generated role, so the match is exhaustive: a role added to the spec fails the build here.
pub(crate) fn known(name: &str) -> Option<Known> {
    Some(match SchemaRole::of(name)? {
        SchemaRole::OpenaiError => Known::Envelope(Envelope::OpenAi),
        SchemaRole::ClaudeError => Known::Envelope(Envelope::Claude),
        SchemaRole::GeminiError => Known::Envelope(Envelope::Gemini),
        SchemaRole::MidjourneyError => Known::Envelope(Envelope::Midjourney),
        SchemaRole::TaskError => Known::Envelope(Envelope::Task),
        SchemaRole::NewApiError => Known::Envelope(Envelope::NewApi),
        SchemaRole::MjSubmission => Known::Job(JobSchema::MjSubmitted),
        SchemaRole::MjTask => Known::Job(JobSchema::MjTask),
        SchemaRole::VideoJob => Known::Job(JobSchema::VideoJob),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_is_known_by_its_spec_and_rust_names() {
        for role in SchemaRole::ALL {
            let by_spec = known(role.schema());
            assert!(by_spec.is_some(), "{role:?}");
            assert_eq!(by_spec, known(role.rust_name()), "{role:?}");
        }
        assert_eq!(known("任务"), Some(Known::Job(JobSchema::MjTask)));
        assert_eq!(envelope("ClaudeErrorResponse"), Some(Envelope::Claude));
        assert_eq!(job_schema("ClaudeErrorResponse"), None);
        assert_eq!(
            known("ChatCompletionResponse"),
            None,
            "a schema without a role means nothing here"
        );
    }
}
