//! HAR captures (browser devtools, mitmproxy, Charles): every entry matched to its operation, its request
//! body and its answer checked like the validating proxy checks live traffic.

use std::fmt;

use base64::Engine as _;
use serde::Deserialize;

use crate::exchange::{ExchangeReport, Verdict, check_exchange, check_request_form, path_only};
use crate::form::{FormField, FormValue};

/// Why a file is not a readable HAR capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HarError(pub String);

impl fmt::Display for HarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HarError {}

#[derive(Deserialize)]
struct Har {
    log: Log,
}

#[derive(Deserialize)]
struct Log {
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    time: f64,
    request: Request,
    response: Response,
}

#[derive(Deserialize)]
struct Request {
    method: String,
    url: String,
    #[serde(default)]
    headers: Vec<Header>,
    #[serde(default, rename = "postData")]
    post_data: Option<PostData>,
}

#[derive(Deserialize)]
struct Header {
    name: String,
    value: String,
}

#[derive(Deserialize)]
struct PostData {
    #[serde(default, rename = "mimeType")]
    mime_type: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    params: Vec<Param>,
}

#[derive(Deserialize)]
struct Param {
    name: String,
    #[serde(default)]
    value: Option<String>,
    #[serde(default, rename = "fileName")]
    file_name: Option<String>,
    #[serde(default, rename = "contentType")]
    content_type: Option<String>,
}

#[derive(Deserialize)]
struct Response {
    #[serde(default)]
    status: u16,
    #[serde(default)]
    headers: Vec<Header>,
    #[serde(default)]
    content: Content,
}

#[derive(Deserialize, Default)]
struct Content {
    #[serde(default, rename = "mimeType")]
    mime_type: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    encoding: Option<String>,
}

fn header<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|header| header.name.eq_ignore_ascii_case(name))
        .map(|header| header.value.as_str())
}

/// Checks every entry of a HAR capture, in order.
pub fn check_har(input: &[u8], strict: bool) -> Result<Vec<ExchangeReport>, HarError> {
    let har: Har = serde_json::from_slice(input).map_err(|error| HarError(format!("not a HAR capture: {error}")))?;
    Ok(har
        .log
        .entries
        .iter()
        .enumerate()
        .map(|(index, entry)| check_entry(index, entry, strict))
        .collect())
}

fn check_entry(index: usize, entry: &Entry, strict: bool) -> ExchangeReport {
    let request = &entry.request;
    let post = request.post_data.as_ref();
    let request_type = post
        .map(|post| post.mime_type.as_str())
        .filter(|mime| !mime.is_empty())
        .or_else(|| header(&request.headers, "content-type"))
        .unwrap_or_default();
    let request_body = post.and_then(|post| post.text.as_deref()).unwrap_or_default();

    let response = &entry.response;
    let response_type = Some(response.content.mime_type.as_str())
        .filter(|mime| !mime.is_empty())
        .or_else(|| header(&response.headers, "content-type"))
        .unwrap_or_default();
    let body = match (&response.content.text, response.content.encoding.as_deref()) {
        (Some(text), Some("base64")) => base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map(std::borrow::Cow::Owned)
            .map_err(|error| format!("entry {index}: the answer's base64 does not decode: {error}")),
        (Some(text), _) => Ok(std::borrow::Cow::Borrowed(text.as_bytes())),
        (None, _) => Err("the capture holds no answer body".to_owned()),
    };

    let mut report = check_exchange(
        &request.method,
        &request.url,
        request_type,
        request_body.as_bytes(),
        response.status,
        response_type,
        body.as_deref().unwrap_or_default(),
        entry.time,
        strict,
    );
    if report.operation.is_none() {
        return report;
    }
    // Tools that keep forms as fields (Chrome, Firefox) leave `text` empty: check the fields instead.
    if let Some(post) = post.filter(|post| !post.params.is_empty() && request_body.is_empty()) {
        if let Some(route) = crate::route::find(&request.method, path_only(&request.url)) {
            let fields: Vec<FormField> = post
                .params
                .iter()
                .map(|param| FormField {
                    name: param.name.clone(),
                    value: match &param.file_name {
                        Some(file_name) => FormValue::File {
                            file_name: file_name.clone(),
                            content_type: param.content_type.clone(),
                            size: 0,
                        },
                        None => FormValue::Text(param.value.clone().unwrap_or_default()),
                    },
                })
                .collect();
            report.request = check_request_form(route.operation, &fields, strict).verdict;
        }
    }
    match body {
        Err(reason) if response.status != 0 => report.response = Verdict::not_validated(reason),
        _ if response.status == 0 => report.response = Verdict::not_validated("no answer (the request failed)"),
        _ => {}
    }
    report
}
