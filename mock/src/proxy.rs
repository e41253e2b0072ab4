//! The validating proxy: forwards every request to the real gateway and every answer back unchanged
//! (status, headers, bytes; streams as they arrive), and checks a copy of each exchange against the spec
//! off the forwarding path, writing one JSON line per exchange ([`ExchangeReport`]).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use allmhub_conform::har::{HarExchange, HarWriter};
use allmhub_conform::{ExchangeReport, Summary, Verdict, check_request_verdict, check_response};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};

/// Answers larger than this are forwarded but not validated (32 MiB).
pub const DEFAULT_LIMIT: usize = 32 * 1024 * 1024;

/// Headers that belong to one connection, not to the exchange (RFC 9110 §7.6.1), and `host`, which names
/// the proxy.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

fn is_hop_by_hop(name: &HeaderName, connection: &HeaderMap) -> bool {
    let name = name.as_str();
    HOP_BY_HOP.contains(&name)
        || connection
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .any(|listed| listed.trim().eq_ignore_ascii_case(name))
}

/// Builds a [`Proxy`].
#[derive(Debug, Clone)]
pub struct ProxyBuilder {
    upstream: String,
    listen: SocketAddr,
    report: Option<PathBuf>,
    record: Option<PathBuf>,
    strict: bool,
    limit: usize,
}

impl ProxyBuilder {
    /// The address to listen on (default `127.0.0.1:0`).
    pub fn listen(mut self, address: SocketAddr) -> Self {
        self.listen = address;
        self
    }

    /// Appends one JSON line per exchange to this file.
    pub fn report(mut self, path: impl Into<PathBuf>) -> Self {
        self.report = Some(path.into());
        self
    }

    /// Records every exchange into this HAR file (a whole document after each), credentials redacted, for
    /// `allmhub mock --replay` and `allmhub conform --har`. Answers over the limit are recorded without body.
    pub fn record(mut self, path: impl Into<PathBuf>) -> Self {
        self.record = Some(path.into());
        self
    }

    /// Members and values the spec does not know (an open enum's value, a union's tag) make an exchange fail.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Answers larger than this many bytes are forwarded but not validated (default 32 MiB).
    pub fn limit(mut self, bytes: usize) -> Self {
        self.limit = bytes;
        self
    }

    /// Opens the report, binds the address and starts serving on the current Tokio runtime.
    pub async fn start(self) -> std::io::Result<Proxy> {
        let upstream = self.upstream.trim_end_matches('/').to_owned();
        if !(upstream.starts_with("http://") || upstream.starts_with("https://")) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("the upstream must be an http:// or https:// URL, found {upstream:?}"),
            ));
        }
        let report = match &self.report {
            Some(path) => Some(BufWriter::new(File::options().create(true).append(true).open(path)?)),
            None => None,
        };
        let cassette = match &self.record {
            Some(path) => Some(Cassette::create(path)?),
            None => None,
        };
        install_crypto_provider();
        let http = reqwest::Client::builder()
            // Redirects and compression go to the client as the upstream sent them.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(std::io::Error::other)?;
        let listener = TcpListener::bind(self.listen).await?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream,
            strict: self.strict,
            limit: self.limit,
            http,
            report: Mutex::new(report),
            cassette,
            reports: Mutex::new(Vec::new()),
            summary: Mutex::new(Summary::default()),
        });
        let (shutdown, stopped) = watch::channel(false);
        let router = axum::Router::new().fallback(forward).with_state(shared.clone());
        tokio::spawn(crate::server::serve(listener, router, stopped));
        Ok(Proxy {
            url: format!("http://{address}"),
            address,
            shared,
            shutdown,
        })
    }
}

/// rustls needs a process-wide crypto provider for `https://` upstreams; an application that installed its
/// own keeps it.
fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may win the race; either provider is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

struct Shared {
    upstream: String,
    strict: bool,
    limit: usize,
    http: reqwest::Client,
    report: Mutex<Option<BufWriter<File>>>,
    cassette: Option<Cassette>,
    reports: Mutex<Vec<ExchangeReport>>,
    summary: Mutex<Summary>,
}

/// The HAR file the proxy records into, entry by entry, in the order the answers arrived (checks, which
/// finish the exchanges, may end in another order).
struct Cassette {
    /// The arrival number of the next answer.
    next: std::sync::atomic::AtomicU64,
    recording: Mutex<Recording>,
}

struct Recording {
    writer: HarWriter,
    /// The arrival number the file waits for next.
    next_to_write: u64,
    /// Exchanges that finished before an earlier one.
    pending: std::collections::BTreeMap<u64, HarExchange>,
}

/// How many finished exchanges wait for an earlier one before the file moves on without it.
const MAX_PENDING: usize = 64;

impl Cassette {
    fn create(path: &std::path::Path) -> std::io::Result<Cassette> {
        Ok(Cassette {
            next: std::sync::atomic::AtomicU64::new(0),
            recording: Mutex::new(Recording {
                writer: HarWriter::create(path, "allmhub proxy")?,
                next_to_write: 0,
                pending: std::collections::BTreeMap::new(),
            }),
        })
    }

    /// The arrival number of an answer that will be recorded.
    fn arrived(&self) -> u64 {
        self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// Records an exchange once those that arrived before it are written. A file that cannot be written
    /// must not stop the traffic.
    fn add(&self, arrival: u64, exchange: HarExchange) {
        let mut recording = lock(&self.recording);
        let recording = &mut *recording;
        recording.pending.insert(arrival, exchange);
        if recording.pending.len() > MAX_PENDING {
            // An earlier exchange never finished: skip its place.
            recording.next_to_write = recording.pending.keys().next().copied().unwrap_or(arrival);
        }
        while let Some(exchange) = recording.pending.remove(&recording.next_to_write) {
            let _ = recording.writer.append(&exchange);
            recording.next_to_write += 1;
        }
    }
}

/// Headers whose values are credentials: recorded as `[redacted]`.
const SECRET_HEADERS: [&str; 7] = [
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "x-goog-api-key",
    "mj-api-secret",
    "cookie",
    "set-cookie",
];

/// The value a credential is recorded as.
pub const REDACTED: &str = "[redacted]";

/// A header list for the cassette: credentials redacted, hop-by-hop headers left out, and with a decoded
/// body, its encoding and length too.
fn recorded_headers(headers: &HeaderMap, decoded_body: bool) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| !is_hop_by_hop(name, headers) && *name != header::HOST)
        .filter(|(name, _)| !(decoded_body && (*name == header::CONTENT_ENCODING || *name == header::CONTENT_LENGTH)))
        .map(|(name, value)| {
            let value = if SECRET_HEADERS.contains(&name.as_str()) {
                REDACTED.to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_owned(), value)
        })
        .collect()
}

/// `target` with the value of a `key` query parameter (Gemini's credential) redacted.
fn redacted_target(target: &str) -> String {
    let Some((path, query)) = target.split_once('?') else {
        return target.to_owned();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("key", _)) => format!("key={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// `time` as ISO 8601 in UTC with milliseconds (HAR's `startedDateTime`).
fn iso8601(time: std::time::SystemTime) -> String {
    let since = time.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let seconds = since.as_secs();
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    // Howard Hinnant's days-to-civil: proleptic Gregorian calendar from 1970-01-01.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60,
        since.subsec_millis()
    )
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn record(&self, report: ExchangeReport) {
        if let Some(file) = lock(&self.report).as_mut() {
            // A report that cannot be written must not stop the traffic.
            let _ = writeln!(file, "{}", report.to_json_line()).and_then(|()| file.flush());
        }
        lock(&self.summary).add(&report);
        lock(&self.reports).push(report);
    }
}

/// A validating proxy in front of a gateway. Dropping it stops it.
pub struct Proxy {
    url: String,
    address: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("url", &self.url)
            .field("upstream", &self.shared.upstream)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// A builder for a proxy in front of `upstream` (`https://api.allmhub.com`).
    pub fn builder(upstream: impl Into<String>) -> ProxyBuilder {
        ProxyBuilder {
            upstream: upstream.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            report: None,
            record: None,
            strict: false,
            limit: DEFAULT_LIMIT,
        }
    }

    /// The base URL to give clients instead of the gateway's.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The reports of the exchanges finished so far, in the order they finished.
    pub fn reports(&self) -> Vec<ExchangeReport> {
        lock(&self.shared.reports).clone()
    }

    /// Waits until at least `count` exchanges are reported, or `timeout` passes; returns the reports.
    pub async fn wait_for_reports(&self, count: usize, timeout: Duration) -> Vec<ExchangeReport> {
        let deadline = Instant::now() + timeout;
        loop {
            let reports = self.reports();
            if reports.len() >= count || Instant::now() >= deadline {
                return reports;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Per-operation counts of exchanges, failures and unknown members.
    pub fn summary(&self) -> Summary {
        lock(&self.shared.summary).clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// What the forwarding path hands the validator once the answer is over: its pieces (while within the limit)
/// and how it ended.
struct Collected {
    pieces: Vec<Bytes>,
    size: usize,
    ending: Ending,
}

enum Ending {
    /// The body ended properly.
    End,
    /// Reading it from the upstream failed.
    Broken(String),
    /// The body was dropped before its end: the client went away, or hyper stopped at the declared length.
    Dropped,
}

/// The answer's body on its way to the client, keeping each piece for the validator as it passes. The pieces
/// are shared, not copied, and handed over in one message at the end: a message per piece woke the validator
/// for every read, and on two cores those wake-ups competed with the forwarding itself.
struct Tee<S> {
    inner: S,
    pieces: Vec<Bytes>,
    size: usize,
    limit: usize,
    collected: Option<oneshot::Sender<Collected>>,
}

impl<S> Tee<S> {
    fn new(inner: S, limit: usize) -> (Tee<S>, oneshot::Receiver<Collected>) {
        let (sender, receiver) = oneshot::channel();
        let tee = Tee {
            inner,
            pieces: Vec::new(),
            size: 0,
            limit,
            collected: Some(sender),
        };
        (tee, receiver)
    }

    fn finish(&mut self, ending: Ending) {
        if let Some(sender) = self.collected.take() {
            let _ = sender.send(Collected {
                pieces: std::mem::take(&mut self.pieces),
                size: self.size,
                ending,
            });
        }
    }
}

impl<S: Stream<Item = Result<Bytes, reqwest::Error>> + Unpin> Stream for Tee<S> {
    type Item = Result<Bytes, reqwest::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = self.inner.poll_next_unpin(cx);
        match &polled {
            Poll::Ready(Some(Ok(bytes))) => {
                self.size += bytes.len();
                if self.size <= self.limit {
                    self.pieces.push(bytes.clone());
                } else if !self.pieces.is_empty() {
                    // Past the limit the answer is forwarded, not validated: nothing more is kept.
                    self.pieces = Vec::new();
                }
            }
            Poll::Ready(Some(Err(error))) => self.finish(Ending::Broken(error.to_string())),
            Poll::Ready(None) => self.finish(Ending::End),
            Poll::Pending => {}
        }
        polled
    }
}

impl<S> Drop for Tee<S> {
    fn drop(&mut self) {
        self.finish(Ending::Dropped);
    }
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn elapsed_ms(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0
}

async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let started = Instant::now();
    let started_at = std::time::SystemTime::now();
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let target = parts
        .uri
        .path_and_query()
        .map(|target| target.as_str().to_owned())
        .unwrap_or_else(|| path.clone());
    let request_body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(error) => return proxy_error(StatusCode::BAD_REQUEST, &format!("the request body broke off: {error}")),
    };
    let request_type = content_type(&parts.headers);
    let route = allmhub_conform::route::find(&method, &path);

    let mut upstream = shared
        .http
        .request(parts.method.clone(), format!("{}{target}", shared.upstream))
        .body(request_body.clone());
    for (name, value) in &parts.headers {
        if name != header::HOST && !is_hop_by_hop(name, &parts.headers) {
            upstream = upstream.header(name, value);
        }
    }
    let answer = match upstream.send().await {
        Ok(answer) => answer,
        Err(error) => {
            // Connection details only: the error never holds the request's headers.
            let reason = format!(
                "the upstream {} is unreachable: {}",
                shared.upstream,
                error_chain(&error)
            );
            let report = ExchangeReport {
                operation: route.as_ref().map(|route| route.operation.id.to_owned()),
                method,
                path,
                status: 502,
                ms: elapsed_ms(started),
                request: match &route {
                    Some(route) => check_request_verdict(route.operation, &request_type, &request_body, shared.strict),
                    None => Verdict::noted("no operation of the spec"),
                },
                response: Verdict::not_validated(reason.clone()),
            };
            shared.record(report);
            return proxy_error(StatusCode::BAD_GATEWAY, &format!("allmhub proxy: {reason}"));
        }
    };

    let status = answer.status();
    let mut response = Response::builder().status(status);
    for (name, value) in answer.headers() {
        if !is_hop_by_hop(name, answer.headers()) {
            response = response.header(name, value);
        }
    }
    let answer_type = content_type(answer.headers());
    // `content_length()` is the size after decompression, which this client never does: the header it is.
    let declared_length = answer
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse().ok());
    let encoding = answer
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.trim().to_ascii_lowercase())
        .filter(|value| !value.is_empty() && value != "identity");
    let recording = shared.cassette.is_some();
    let arrival = shared.cassette.as_ref().map_or(0, Cassette::arrived);
    let (request_headers, response_headers) = if recording {
        (
            recorded_headers(&parts.headers, false),
            recorded_headers(answer.headers(), encoding.is_some()),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let (body, collected) = Tee::new(answer.bytes_stream(), shared.limit);
    tokio::spawn(validate(
        shared.clone(),
        Exchange {
            started,
            started_at,
            target: redacted_target(&target),
            arrival,
            request_headers,
            response_headers,
            method,
            path,
            route,
            request_type,
            request_body,
            status: status.as_u16(),
            answer_type,
            declared_length,
            encoding,
        },
        collected,
    ));
    response.body(Body::from_stream(body)).unwrap_or_else(|_| {
        proxy_error(
            StatusCode::BAD_GATEWAY,
            "allmhub proxy: the upstream's answer has invalid headers",
        )
    })
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The proxy's own error, in the OpenAI envelope.
fn proxy_error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({
        "error": {"message": message, "type": "proxy_error", "param": "", "code": "upstream_unreachable"}
    });
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}

struct Exchange {
    started: Instant,
    /// When the exchange started, for the cassette.
    started_at: std::time::SystemTime,
    /// The request's path and query, `key` redacted, for the cassette.
    target: String,
    /// The request's headers, credentials redacted, for the cassette (empty when not recording).
    request_headers: Vec<(String, String)>,
    /// The answer's headers as recorded (empty when not recording).
    response_headers: Vec<(String, String)>,
    /// The answer's arrival number, which orders the recording.
    arrival: u64,
    method: String,
    path: String,
    route: Option<allmhub_conform::route::Route>,
    request_type: String,
    request_body: Bytes,
    status: u16,
    answer_type: String,
    /// The answer's `Content-Length`, when it declared one.
    declared_length: Option<u64>,
    /// The answer's `Content-Encoding`, when it is compressed.
    encoding: Option<String>,
}

/// The answer's bytes as the spec describes them: decompressed (gzip, deflate) up to `limit`.
fn decoded(body: Vec<u8>, encoding: Option<&str>, limit: usize) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut reader: Box<dyn Read> = match encoding {
        None => return Ok(body),
        Some("gzip" | "x-gzip") => Box::new(flate2::read::GzDecoder::new(std::io::Cursor::new(body))),
        // HTTP's `deflate` is zlib-wrapped.
        Some("deflate") => Box::new(flate2::read::ZlibDecoder::new(std::io::Cursor::new(body))),
        Some(other) => {
            return Err(format!(
                "the answer is `{other}`-encoded, which the proxy does not decode; forwarded, not validated"
            ));
        }
    };
    let mut out = Vec::new();
    reader
        .by_ref()
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|error| format!("the compressed answer does not decompress: {error}"))?;
    if out.len() > limit {
        return Err(format!(
            "the answer decompresses to more than the {limit}-byte limit; forwarded, not validated"
        ));
    }
    Ok(out)
}

/// Takes the answer's pieces (up to the limit) once the answer ended, and checks the exchange.
async fn validate(shared: Arc<Shared>, exchange: Exchange, collected: oneshot::Receiver<Collected>) {
    // The sender goes with the body, which sends before it is dropped; a body never polled sends on drop too.
    let Collected { pieces, size, ending } = collected.await.unwrap_or(Collected {
        pieces: Vec::new(),
        size: 0,
        ending: Ending::Dropped,
    });
    let ending = match ending {
        Ending::End => None,
        Ending::Broken(reason) => Some(format!("the answer broke off: {reason}")),
        // hyper stops reading a body of declared length once it has it all, without asking for its end.
        Ending::Dropped if exchange.declared_length == Some(size as u64) => None,
        Ending::Dropped => Some("the client went away before the answer ended".to_owned()),
    };
    let ms = elapsed_ms(exchange.started);
    let limit = shared.limit;
    let strict = shared.strict;
    let recorder = shared.clone();
    let checked = tokio::task::spawn_blocking(move || {
        // The answer as the spec describes it (decompressed), or why it cannot be looked at.
        let answer = if size > limit {
            Err(format!(
                "the answer ({size} bytes) is larger than the {limit}-byte limit; forwarded, not validated"
            ))
        } else if let Some(reason) = ending {
            Err(reason)
        } else {
            decoded(pieces.concat(), exchange.encoding.as_deref(), limit)
        };
        let report = match &exchange.route {
            None => ExchangeReport {
                operation: None,
                method: exchange.method.clone(),
                path: exchange.path.clone(),
                status: exchange.status,
                ms,
                request: Verdict::noted("no operation of the spec"),
                response: Verdict::noted("no operation of the spec"),
            },
            Some(route) => {
                let op = route.operation;
                ExchangeReport {
                    operation: Some(op.id.to_owned()),
                    method: exchange.method.clone(),
                    path: exchange.path.clone(),
                    status: exchange.status,
                    ms,
                    request: check_request_verdict(op, &exchange.request_type, &exchange.request_body, strict),
                    response: match &answer {
                        Ok(body) => check_response(op, exchange.status, &exchange.answer_type, body, strict),
                        Err(reason) => Verdict::not_validated(reason.clone()),
                    },
                }
            }
        };
        if let Some(cassette) = &recorder.cassette {
            let mut recorded = HarExchange::new(exchange.method, exchange.target, exchange.status);
            recorded.started = iso8601(exchange.started_at);
            recorded.time_ms = ms;
            recorded.request_headers = exchange.request_headers;
            recorded.request_type = exchange.request_type;
            recorded.request_body = String::from_utf8_lossy(&exchange.request_body).into_owned();
            recorded.response_headers = exchange.response_headers;
            recorded.response_type = exchange.answer_type;
            recorded.response_body = answer.ok();
            cassette.add(exchange.arrival, recorded);
        }
        report
    })
    .await;
    if let Ok(report) = checked {
        shared.record(report);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn times_are_iso_8601_in_utc() {
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        // 2024-02-29 (a leap day) 23:59:59.5.
        let leap = UNIX_EPOCH + Duration::from_millis(1_709_251_199_500);
        assert_eq!(iso8601(leap), "2024-02-29T23:59:59.500Z");
        let later = UNIX_EPOCH + Duration::from_secs(1_795_910_400);
        assert_eq!(iso8601(later), "2026-11-29T00:00:00.000Z");
    }

    #[test]
    fn only_the_key_parameter_is_redacted() {
        assert_eq!(
            redacted_target("/v1beta/models/g:streamGenerateContent?alt=sse&key=AIza-secret"),
            format!("/v1beta/models/g:streamGenerateContent?alt=sse&key={REDACTED}")
        );
        assert_eq!(redacted_target("/v1/models?keyword=a"), "/v1/models?keyword=a");
        assert_eq!(redacted_target("/v1/models"), "/v1/models");
    }
}
