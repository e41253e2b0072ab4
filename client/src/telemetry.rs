//! OpenTelemetry GenAI attributes on the request span (`gen_ai.system`, `gen_ai.operation.name`,
//! `gen_ai.request.model`, `gen_ai.response.model`, `gen_ai.usage.input_tokens` / `output_tokens`,
//! `gen_ai.response.finish_reasons`, `error.type`) and the time to the first stream event.
//!
//! The span is an ordinary `tracing` span; `tracing-opentelemetry` exports its fields as attributes. Bodies are
//! probed for these values only when a subscriber listens to the span, so an application that records nothing
//! pays nothing.

use serde::Deserialize;
use tracing::Span;

/// The members of any dialect's answer (or stream event) that telemetry reports. Unknown members are skipped.
#[derive(Deserialize, Default)]
struct Probe {
    model: Option<String>,
    #[serde(rename = "modelVersion")]
    model_version: Option<String>,
    usage: Option<ProbeUsage>,
    #[serde(rename = "usageMetadata")]
    usage_metadata: Option<ProbeGeminiUsage>,
    #[serde(default)]
    choices: Vec<ProbeChoice>,
    #[serde(default)]
    candidates: Vec<ProbeCandidate>,
    stop_reason: Option<String>,
    status: Option<serde_json::Value>,
    /// Claude `message_start` and `message_delta`, Responses lifecycle events.
    message: Option<Box<Probe>>,
    delta: Option<ProbeDelta>,
    response: Option<Box<Probe>>,
}

#[derive(Deserialize, Default)]
struct ProbeUsage {
    prompt_tokens: Option<i64>,
    completion_tokens: Option<i64>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
}

#[derive(Deserialize, Default)]
struct ProbeGeminiUsage {
    #[serde(rename = "promptTokenCount")]
    prompt: Option<i64>,
    #[serde(rename = "candidatesTokenCount")]
    candidates: Option<i64>,
}

#[derive(Deserialize)]
struct ProbeChoice {
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ProbeCandidate {
    #[serde(rename = "finishReason")]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ProbeDelta {
    stop_reason: Option<String>,
}

/// What the answers (or events) seen so far said.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) model: Option<String>,
    pub(crate) input_tokens: Option<i64>,
    pub(crate) output_tokens: Option<i64>,
    pub(crate) finish_reasons: Vec<String>,
}

impl Seen {
    /// Takes in one answer or event body.
    pub(crate) fn observe(&mut self, body: &[u8]) {
        if let Ok(probe) = serde_json::from_slice::<Probe>(body) {
            self.take(probe);
        }
    }

    fn take(&mut self, probe: Probe) {
        if let Some(model) = probe.model.or(probe.model_version) {
            self.model = Some(model);
        }
        if let Some(usage) = probe.usage {
            self.input_tokens = usage.prompt_tokens.or(usage.input_tokens).or(self.input_tokens);
            self.output_tokens = usage.completion_tokens.or(usage.output_tokens).or(self.output_tokens);
        }
        if let Some(usage) = probe.usage_metadata {
            self.input_tokens = usage.prompt.or(self.input_tokens);
            self.output_tokens = usage.candidates.or(self.output_tokens);
        }
        let reasons = probe
            .choices
            .into_iter()
            .filter_map(|choice| choice.finish_reason)
            .chain(
                probe
                    .candidates
                    .into_iter()
                    .filter_map(|candidate| candidate.finish_reason),
            )
            .chain(probe.stop_reason)
            .chain(probe.delta.and_then(|delta| delta.stop_reason));
        for reason in reasons {
            if !self.finish_reasons.contains(&reason) {
                self.finish_reasons.push(reason);
            }
        }
        if let Some(serde_json::Value::String(status)) = probe.status {
            if matches!(status.as_str(), "completed" | "incomplete" | "failed")
                && !self.finish_reasons.contains(&status)
            {
                self.finish_reasons.push(status);
            }
        }
        for inner in [probe.message, probe.response].into_iter().flatten() {
            self.take(*inner);
        }
    }

    /// Writes what was seen onto the span.
    pub(crate) fn record(&self, span: &Span) {
        if let Some(model) = &self.model {
            span.record("gen_ai.response.model", model.as_str());
        }
        if let Some(tokens) = self.input_tokens {
            span.record("gen_ai.usage.input_tokens", tokens);
        }
        if let Some(tokens) = self.output_tokens {
            span.record("gen_ai.usage.output_tokens", tokens);
        }
        if !self.finish_reasons.is_empty() {
            // OpenTelemetry wants a string array; tracing fields are scalars, so the list is comma-separated.
            span.record("gen_ai.response.finish_reasons", self.finish_reasons.join(",").as_str());
        }
    }
}

/// The `model` member of a JSON request body, read only when the span is recorded.
pub(crate) fn request_model(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Model {
        model: Option<String>,
    }
    serde_json::from_slice::<Model>(body).ok()?.model
}

/// The OpenTelemetry `error.type` of an error: the error's class, never its message (which may echo input).
pub(crate) fn error_type(error: &crate::Error) -> String {
    use crate::Error;
    match error {
        Error::Api(api) => api
            .body
            .as_ref()
            .and_then(|body| body.code().or_else(|| body.error_type().map(str::to_owned)))
            .unwrap_or_else(|| api.status.to_string()),
        Error::Timeout(_) => "timeout".to_owned(),
        Error::Connection(_) => "connection".to_owned(),
        Error::Decode(_) => "decode".to_owned(),
        Error::Stream(_) => "stream".to_owned(),
        Error::TooLarge(_) => "too_large".to_owned(),
        Error::Unexpected(_) => "unexpected_answer".to_owned(),
        Error::Config(_) => "config".to_owned(),
        Error::Request(_) => "request".to_owned(),
        Error::Job(_) => "job".to_owned(),
    }
}
