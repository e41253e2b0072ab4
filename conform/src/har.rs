//! HAR captures (browser devtools, mitmproxy, Charles): every entry matched to its operation, its request
//! body and its answer checked like the validating proxy checks live traffic; and HAR as a cassette: the
//! proxy records exchanges with [`write_har`], the mock replays them after [`read_har`].

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
    #[serde(default, rename = "startedDateTime")]
    started: String,
    #[serde(default, deserialize_with = "null_as_zero")]
    time: f64,
    request: Request,
    response: Response,
}

/// A number, or `null` (which some writers put where they had no number) as 0.
fn null_as_zero<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or_default())
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

/// One exchange of a HAR capture: what [`read_har`] gives and [`write_har`] takes.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct HarExchange {
    /// When the request started (ISO 8601, as HAR's `startedDateTime`).
    pub started: String,
    /// How long the exchange took, in milliseconds.
    pub time_ms: f64,
    /// The request's method.
    pub method: String,
    /// The request's URL, query included.
    pub url: String,
    /// The request's headers, in order.
    pub request_headers: Vec<(String, String)>,
    /// The request body's media type (empty without a body).
    pub request_type: String,
    /// The request body as text (HAR keeps request bodies as text).
    pub request_body: String,
    /// The answer's status (0 when the request failed without one).
    pub status: u16,
    /// The answer's headers, in order.
    pub response_headers: Vec<(String, String)>,
    /// The answer's media type.
    pub response_type: String,
    /// The answer's bytes, decoded from base64 where the capture stores them so; `None` when the capture
    /// holds no answer body.
    pub response_body: Option<Vec<u8>>,
}

impl HarExchange {
    /// An exchange of `method` on `url` answered with `status`; everything else starts empty.
    pub fn new(method: impl Into<String>, url: impl Into<String>, status: u16) -> Self {
        HarExchange {
            method: method.into(),
            url: url.into(),
            status,
            ..HarExchange::default()
        }
    }
}

/// Reads every exchange of a HAR capture, in order. An answer whose base64 does not decode is a [`HarError`]
/// naming its entry.
pub fn read_har(input: &[u8]) -> Result<Vec<HarExchange>, HarError> {
    let har: Har = serde_json::from_slice(input).map_err(|error| HarError(format!("not a HAR capture: {error}")))?;
    let pairs = |headers: &[Header]| -> Vec<(String, String)> {
        headers
            .iter()
            .map(|header| (header.name.clone(), header.value.clone()))
            .collect()
    };
    har.log
        .entries
        .into_iter()
        .enumerate()
        .map(|(index, entry)| {
            let post = entry.request.post_data.as_ref();
            let request_type = post
                .map(|post| post.mime_type.clone())
                .filter(|mime| !mime.is_empty())
                .or_else(|| header(&entry.request.headers, "content-type").map(str::to_owned))
                .unwrap_or_default();
            let response_type = Some(entry.response.content.mime_type.clone())
                .filter(|mime| !mime.is_empty())
                .or_else(|| header(&entry.response.headers, "content-type").map(str::to_owned))
                .unwrap_or_default();
            let content = &entry.response.content;
            let response_body = match (&content.text, content.encoding.as_deref()) {
                (Some(text), Some("base64")) => Some(
                    base64::engine::general_purpose::STANDARD
                        .decode(text.trim())
                        .map_err(|error| {
                            HarError(format!("entry {index}: the answer's base64 does not decode: {error}"))
                        })?,
                ),
                (Some(text), _) => Some(text.clone().into_bytes()),
                (None, _) => None,
            };
            Ok(HarExchange {
                started: entry.started.clone(),
                time_ms: entry.time,
                method: entry.request.method.clone(),
                url: entry.request.url.clone(),
                request_headers: pairs(&entry.request.headers),
                request_type,
                request_body: post.and_then(|post| post.text.clone()).unwrap_or_default(),
                status: entry.response.status,
                response_headers: pairs(&entry.response.headers),
                response_type,
                response_body,
            })
        })
        .collect()
}

/// A HAR 1.2 document of `exchanges`, which [`read_har`], `allmhub conform --har` and browsers' HAR viewers
/// read. Answers that are not UTF-8 are stored in base64.
pub fn write_har(creator: &str, exchanges: &[HarExchange]) -> String {
    let entries: Vec<String> = exchanges
        .iter()
        .map(|exchange| har_entry(exchange).to_string())
        .collect();
    format!("{}{}{HAR_END}", har_start(creator), entries.join(",\n"))
}

/// Everything of a HAR document before its first entry.
fn har_start(creator: &str) -> String {
    let creator = serde_json::json!({"name": creator, "version": env!("CARGO_PKG_VERSION")});
    format!("{{\"log\":{{\"version\":\"1.2\",\"creator\":{creator},\"entries\":[\n")
}

/// Everything of a HAR document after its last entry.
const HAR_END: &str = "\n]}}\n";

/// A HAR file written entry by entry: after each [`append`](HarWriter::append) the file is a complete HAR
/// document, and only the new entry is written (nothing is kept in memory), so a long recording costs no more
/// than its file.
#[derive(Debug)]
pub struct HarWriter {
    file: std::fs::File,
    entries: usize,
}

impl HarWriter {
    /// Creates (or truncates) `path` as an empty HAR document naming `creator`.
    pub fn create(path: &std::path::Path, creator: &str) -> std::io::Result<HarWriter> {
        use std::io::Write;
        let mut file = std::fs::File::create(path)?;
        file.write_all(har_start(creator).as_bytes())?;
        file.write_all(HAR_END.as_bytes())?;
        Ok(HarWriter { file, entries: 0 })
    }

    /// Adds an entry: writes it over the document's end, then the end again.
    pub fn append(&mut self, exchange: &HarExchange) -> std::io::Result<()> {
        use std::io::{Seek, SeekFrom, Write};
        let end = HAR_END.len() as i64;
        self.file.seek(SeekFrom::End(-end))?;
        let separator = if self.entries == 0 { "" } else { ",\n" };
        let entry = har_entry(exchange).to_string();
        self.file.write_all(format!("{separator}{entry}{HAR_END}").as_bytes())?;
        self.file.flush()?;
        self.entries += 1;
        Ok(())
    }
}

/// One HAR entry.
fn har_entry(exchange: &HarExchange) -> serde_json::Value {
    use serde_json::{Value, json};
    let headers = |pairs: &[(String, String)]| -> Value {
        pairs
            .iter()
            .map(|(name, value)| json!({"name": name, "value": value}))
            .collect()
    };
    let (query, http_version) = (query_of(&exchange.url), "HTTP/1.1");
    // JSON has no NaN or infinity (serde_json would write `null`, which HAR does not allow).
    let time = if exchange.time_ms.is_finite() {
        exchange.time_ms
    } else {
        0.0
    };
    let mut request = json!({
        "method": exchange.method,
        "url": exchange.url,
        "httpVersion": http_version,
        "cookies": [],
        "headers": headers(&exchange.request_headers),
        "queryString": query,
        "headersSize": -1,
        "bodySize": exchange.request_body.len(),
    });
    if !exchange.request_body.is_empty() || !exchange.request_type.is_empty() {
        request["postData"] = json!({"mimeType": exchange.request_type, "text": exchange.request_body});
    }
    let mut content = json!({
        "size": exchange.response_body.as_ref().map_or(0, Vec::len),
        "mimeType": exchange.response_type,
    });
    if let Some(body) = &exchange.response_body {
        match std::str::from_utf8(body) {
            Ok(text) => content["text"] = Value::from(text),
            Err(_) => {
                content["text"] = Value::from(base64::engine::general_purpose::STANDARD.encode(body));
                content["encoding"] = Value::from("base64");
            }
        }
    }
    json!({
        "startedDateTime": exchange.started,
        "time": time,
        "request": request,
        "response": {
            "status": exchange.status,
            "statusText": "",
            "httpVersion": http_version,
            "cookies": [],
            "headers": headers(&exchange.response_headers),
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": exchange.response_body.as_ref().map_or(-1, |body| body.len() as i64),
        },
        "cache": {},
        "timings": {"send": 0, "wait": time, "receive": 0},
    })
}

/// HAR's `queryString`: the URL's query as name/value pairs, percent-decoded.
fn query_of(url: &str) -> serde_json::Value {
    let query = url.split_once('?').map_or("", |(_, query)| query);
    let query = query.split('#').next().unwrap_or_default();
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |text: &str| {
                percent_encoding::percent_decode_str(&text.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            serde_json::json!({"name": decode(name), "value": decode(value)})
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_that_is_no_number_is_written_as_zero_and_a_null_time_reads_as_zero() {
        // JSON has no NaN or infinity: written as they are, they became `null`, which did not read back.
        let mut unknown = HarExchange::new("GET", "https://gateway.example/v1/models", 200);
        unknown.time_ms = f64::NAN;
        let mut endless = unknown.clone();
        endless.time_ms = f64::INFINITY;
        let written = write_har("test", &[unknown, endless]);
        let read = read_har(written.as_bytes()).expect("a written capture reads back");
        assert_eq!(
            read.iter().map(|exchange| exchange.time_ms).collect::<Vec<_>>(),
            [0.0, 0.0]
        );

        let capture = written.replace("\"time\":0.0", "\"time\":null");
        assert!(capture.contains("\"time\":null"), "{capture}");
        assert_eq!(read_har(capture.as_bytes()).expect("a null time reads")[0].time_ms, 0.0);
        assert_eq!(check_har(capture.as_bytes(), false).expect("checks")[0].ms, 0.0);
    }

    #[test]
    fn a_written_capture_reads_back_the_same_and_checks() {
        let mut chat = HarExchange::new("POST", "https://gateway.example/v1/chat/completions", 200);
        chat.started = "2026-11-29T10:00:00.000Z".to_owned();
        chat.time_ms = 12.5;
        chat.request_headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        chat.request_type = "application/json".to_owned();
        chat.request_body = r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}]}"#.to_owned();
        chat.response_headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        chat.response_type = "application/json".to_owned();
        chat.response_body = Some(
            br#"{"id":"c","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}]}"#.to_vec(),
        );
        let mut speech = HarExchange::new("POST", "https://gateway.example/v1/audio/speech?x=a%20b", 200);
        speech.response_type = "audio/mpeg".to_owned();
        speech.response_body = Some(vec![0xff, 0xfb, 0x90, 0x00]);
        let failed = HarExchange::new("GET", "https://gateway.example/v1/models", 0);

        let written = write_har("test", &[chat.clone(), speech.clone(), failed.clone()]);
        let value: serde_json::Value = serde_json::from_str(&written).expect("JSON");
        assert_eq!(value["log"]["entries"][1]["response"]["content"]["encoding"], "base64");
        assert_eq!(value["log"]["entries"][1]["request"]["queryString"][0]["value"], "a b");
        assert_eq!(read_har(written.as_bytes()).expect("reads"), vec![chat, speech, failed]);

        let reports = check_har(written.as_bytes(), false).expect("checks");
        assert_eq!(reports[0].operation.as_deref(), Some("create_chat_completion"));
        assert!(reports[0].ok(), "{:?}", reports[0]);
    }

    #[test]
    fn a_writer_leaves_a_whole_document_after_each_entry() {
        let path = std::env::temp_dir().join(format!("allmhub-har-writer-{}.har", std::process::id()));
        let mut writer = HarWriter::create(&path, "test").expect("created");
        assert_eq!(read_har(&std::fs::read(&path).expect("read")).expect("a HAR"), vec![]);
        let mut first = HarExchange::new("GET", "http://x/v1/models", 200);
        first.response_body = Some(b"{}".to_vec());
        let second = HarExchange::new("POST", "http://x/v1/embeddings", 0);
        writer.append(&first).expect("appended");
        assert_eq!(
            read_har(&std::fs::read(&path).expect("read")).expect("a HAR"),
            vec![first.clone()]
        );
        writer.append(&second).expect("appended");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(
            read_har(text.as_bytes()).expect("a HAR"),
            vec![first.clone(), second.clone()]
        );
        assert_eq!(
            text,
            write_har("test", &[first, second]),
            "the same document as written at once"
        );
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn bad_base64_names_its_entry() {
        let capture = r#"{"log":{"entries":[{"request":{"method":"GET","url":"http://x/v1/models"},
            "response":{"status":200,"content":{"mimeType":"audio/mpeg","text":"%%%","encoding":"base64"}}}]}}"#;
        let error = read_har(capture.as_bytes()).expect_err("bad base64");
        assert!(
            error.0.starts_with("entry 0: the answer's base64 does not decode"),
            "{error}"
        );
    }
}
