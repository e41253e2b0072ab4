//! What differs between the gateway's dialects: how a request proves its key, and how an error is written.

use allmhub_types::Operation;
use axum::http::HeaderMap;
use serde_json::json;

use crate::names::{self, Envelope, Scheme};

/// An error the mock answers with, before it is written in a dialect.
#[derive(Debug, Clone)]
pub(crate) struct MockError {
    pub(crate) status: u16,
    /// The class (`type` of the OpenAI and Claude envelopes).
    pub(crate) kind: &'static str,
    /// The machine-readable code (a string in most envelopes, a number in Midjourney's).
    pub(crate) code: &'static str,
    pub(crate) message: String,
    /// `Retry-After` seconds.
    pub(crate) retry_after: Option<u64>,
}

impl MockError {
    pub(crate) fn new(status: u16, kind: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        MockError {
            status,
            kind,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// An HTTP error status as the gateway words it.
    pub(crate) fn status(status: u16) -> Self {
        let (kind, code, message) = match status {
            400 => ("invalid_request_error", "invalid_request", "bad request"),
            401 => ("new_api_error", "", "无效的令牌"),
            403 => ("new_api_error", "access_denied", "该令牌无权使用此模型"),
            404 => ("invalid_request_error", "model_not_found", "not found"),
            408 | 504 => ("upstream_error", "do_request_failed", "upstream timed out"),
            429 => ("new_api_error", "", "当前分组上游负载已饱和，请稍后再试"),
            500 => ("new_api_error", "internal_error", "internal error"),
            502 => (
                "upstream_error",
                "bad_response_status_code",
                "bad response status code 502",
            ),
            503 => (
                "new_api_error",
                "get_channel_failed",
                "当前分组 default 下对于模型无可用渠道",
            ),
            _ => ("upstream_error", "", "upstream error"),
        };
        MockError::new(status, kind, code, format!("{message} (HTTP {status} on demand)"))
    }

    /// The key's balance is exhausted: new-api's pre-consume check answers 403 with
    /// `insufficient_user_quota`.
    pub(crate) fn quota() -> Self {
        MockError::new(
            403,
            "new_api_error",
            "insufficient_user_quota",
            "用户额度不足, 剩余额度: ＄0.000000",
        )
    }
}

/// The envelope an operation writes its errors in: the first of its error answers the mock knows.
pub(crate) fn envelope(op: &Operation) -> Envelope {
    allmhub_conform::catalog::error_schemas(op.id, 400)
        .iter()
        .find_map(|name| names::envelope(name))
        .unwrap_or(Envelope::OpenAi)
}

/// The envelope of authentication failures: token authentication runs before the relay, so routes whose
/// own envelope is Midjourney's or the task routes' answer in the OpenAI envelope (which their error
/// answers list as the alternative); Claude and dashboard routes keep theirs.
pub(crate) fn auth_envelope(op: &Operation) -> Envelope {
    allmhub_conform::catalog::error_schemas(op.id, 401)
        .iter()
        .filter_map(|name| names::envelope(name))
        .find(|envelope| matches!(envelope, Envelope::Claude | Envelope::NewApi | Envelope::OpenAi))
        .unwrap_or(Envelope::OpenAi)
}

/// The in-band envelope of an operation (an error with HTTP 200), when the spec lists one.
pub(crate) fn in_band_envelope(op: &Operation) -> Option<Envelope> {
    op.in_band_errors
        .iter()
        .find_map(|envelope| names::envelope(envelope.schema()))
}

/// An error as `envelope` writes it, with the request id where the gateway puts it.
pub(crate) fn render(envelope: Envelope, error: &MockError, request_id: &str) -> String {
    let message = &error.message;
    let value = match envelope {
        Envelope::OpenAi => json!({
            "error": {
                "message": format!("{message} (request id: {request_id})"),
                "type": error.kind,
                "param": "",
                "code": error.code,
            }
        }),
        Envelope::Claude => json!({
            "type": "error",
            "error": {"type": error.kind, "message": format!("{message} (request id: {request_id})")},
        }),
        Envelope::Gemini => json!({
            "error": {"code": error.status, "message": message, "status": google_status(error.status)}
        }),
        Envelope::Midjourney => json!({
            "code": if error.status == 429 { 30 } else { 4 },
            "description": message,
            "type": error.kind,
        }),
        Envelope::Task => json!({
            "code": if error.code.is_empty() { error.kind } else { error.code },
            "message": message,
            "data": null,
        }),
        Envelope::NewApi => json!({"success": false, "message": message}),
    };
    value.to_string()
}

fn google_status(status: u16) -> &'static str {
    match status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        429 => "RESOURCE_EXHAUSTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "INTERNAL",
    }
}

/// Why a request is not let in.
pub(crate) enum Denied {
    /// No credential the operation accepts.
    Missing(String),
    /// A credential, but not the key the mock was given.
    WrongKey,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

fn query_key(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == "key")
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// The credential a scheme reads from a request, when the request carries it (`Some("")` for schemes
/// whose value is no key, such as the user id).
fn credential<'a>(scheme: Scheme, headers: &'a HeaderMap, query: Option<&'a str>) -> Option<&'a str> {
    match scheme {
        // new-api takes the key with or without `Bearer `.
        Scheme::Bearer | Scheme::AccessToken => {
            header(headers, "authorization").map(|value| value.strip_prefix("Bearer ").unwrap_or(value).trim())
        }
        Scheme::ClaudeKey => {
            header(headers, "anthropic-version")?;
            header(headers, "x-api-key")
        }
        Scheme::GeminiKey => header(headers, "x-goog-api-key").or_else(|| query_key(query)),
        Scheme::MjSecret => header(headers, "mj-api-secret"),
        Scheme::NewApiUser => header(headers, "new-api-user")
            .filter(|user| user.chars().all(|c| c.is_ascii_digit()))
            .map(|_| ""),
    }
}

fn describe(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::Bearer => "Authorization: Bearer <key>",
        Scheme::ClaudeKey => "x-api-key: <key> with anthropic-version",
        Scheme::GeminiKey => "x-goog-api-key: <key> or ?key=<key>",
        Scheme::MjSecret => "mj-api-secret: <key>",
        Scheme::AccessToken => "Authorization: <access token>",
        Scheme::NewApiUser => "New-Api-User: <numeric user id>",
    }
}

/// Checks the request's credentials against the operation's security requirements (any one of them, each
/// with all its schemes). Any key is accepted unless the mock was given one.
pub(crate) fn authorize(
    op: &Operation,
    headers: &HeaderMap,
    query: Option<&str>,
    key: Option<&str>,
) -> Result<(), Denied> {
    let mut wrong_key = false;
    for requirement in op.security {
        let schemes: Vec<Scheme> = requirement.iter().map(|scheme| names::scheme(*scheme)).collect();
        let credentials: Option<Vec<&str>> = schemes
            .iter()
            .map(|scheme| credential(*scheme, headers, query))
            .collect();
        let Some(credentials) = credentials else {
            continue;
        };
        let key_ok = match key {
            None => true,
            Some(key) => schemes
                .iter()
                .zip(&credentials)
                .filter(|(scheme, _)| **scheme != Scheme::NewApiUser)
                .all(|(_, credential)| *credential == key),
        };
        if key_ok {
            return Ok(());
        }
        wrong_key = true;
    }
    if op.security.is_empty() {
        return Ok(());
    }
    if wrong_key {
        return Err(Denied::WrongKey);
    }
    let accepted: Vec<String> = op
        .security
        .iter()
        .map(|requirement| {
            requirement
                .iter()
                .map(|scheme| describe(names::scheme(*scheme)))
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect();
    Err(Denied::Missing(accepted.join(", or ")))
}
