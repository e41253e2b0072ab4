//! The mock gateway: [`MockServer`].

use std::convert::Infallible;
use std::future::pending;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use allmhub_conform::form::{fields_as_json, parse_multipart};
use allmhub_conform::har::HarExchange;
use allmhub_conform::route::{self, Route};
use allmhub_types::operations::Family;
use allmhub_types::{Operation, ParamLocation};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::{Map, Value};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use crate::answer::{self, NoExample, Wanted};
use crate::dialect::{self, Denied, MockError};
use crate::faults::{AfterAccept, Fault, Scenario};
use crate::jobs::{self, Jobs, Role, Submission};
use crate::names::Envelope;
use crate::replay::Replay;
use crate::structured;
use crate::synthesized;
use crate::tools;

/// The request header that asks for a fault (`429; retry-after=1`, `reset`, … — see [`Fault`]).
pub const FAULT_HEADER: &str = "x-allmhub-mock-fault";
/// The request header that picks a named example of the spec for the answer (`chat_stream`).
pub const EXAMPLE_HEADER: &str = "x-allmhub-mock-example";
/// The answer header that lists the request's members the spec does not know, as JSON paths.
pub const UNKNOWN_MEMBERS_HEADER: &str = "x-allmhub-mock-unknown-members";
/// The answer header that lists the request's values the spec does not list (an open enum's value, a
/// union's tag), each as `path = "value"`.
pub const UNKNOWN_VALUES_HEADER: &str = "x-allmhub-mock-unknown-values";
/// The answer header with the request id, as the gateway names it.
pub const REQUEST_ID_HEADER: &str = "x-oneapi-request-id";

/// Request bodies larger than this are refused (413).
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// A request as the mock received it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReceivedRequest {
    /// The operation it matched, or `None` for a path the spec does not have.
    pub operation: Option<&'static str>,
    /// The HTTP method.
    pub method: String,
    /// The path.
    pub path: String,
    /// The query string, when there is one.
    pub query: Option<String>,
    /// The headers, in arrival order (values as text, lossy for non-UTF-8 bytes).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
    /// The fault the request was answered with.
    pub fault: Option<Fault>,
}

impl ReceivedRequest {
    /// The first value of a header (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Shared by the server's tasks.
struct Shared {
    key: Option<String>,
    pace: Duration,
    scenario: Mutex<Scenario>,
    received: Mutex<Vec<ReceivedRequest>>,
    jobs: Mutex<Jobs>,
    replay: Mutex<Replay>,
    requests: AtomicU64,
}

/// A lock that survives a panicked holder: the data is plain records, still valid.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Builds a [`MockServer`].
#[derive(Debug, Clone)]
pub struct MockBuilder {
    listen: SocketAddr,
    key: Option<String>,
    pace: Duration,
    scenario: Scenario,
    replay: Vec<HarExchange>,
}

impl Default for MockBuilder {
    fn default() -> Self {
        MockBuilder {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            key: None,
            pace: Duration::ZERO,
            scenario: Scenario::new(),
            replay: Vec::new(),
        }
    }
}

impl MockBuilder {
    /// The address to listen on (default `127.0.0.1:0`, a free port).
    pub fn listen(mut self, address: SocketAddr) -> Self {
        self.listen = address;
        self
    }

    /// Accept only this key (any key is accepted by default).
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The pause between two events of a stream (default none).
    pub fn pace(mut self, pace: Duration) -> Self {
        self.pace = pace;
        self
    }

    /// Faults to play per operation.
    pub fn scenario(mut self, scenario: Scenario) -> Self {
        self.scenario = scenario;
        self
    }

    /// Answers the requests a capture holds with the answers recorded for them (`allmhub proxy --record`, a
    /// browser's HAR export read with [`read_har`](allmhub_conform::har::read_har)): same method and path,
    /// an equal JSON body first, in recorded order. Other requests get the spec's examples.
    pub fn replay(mut self, exchanges: Vec<HarExchange>) -> Self {
        self.replay = exchanges;
        self
    }

    /// Binds the address and starts serving on the current Tokio runtime.
    pub async fn start(self) -> std::io::Result<MockServer> {
        let listener = TcpListener::bind(self.listen).await?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Shared {
            key: self.key,
            pace: self.pace,
            scenario: Mutex::new(self.scenario),
            received: Mutex::new(Vec::new()),
            jobs: Mutex::new(Jobs::default()),
            replay: Mutex::new(Replay::new(self.replay)),
            requests: AtomicU64::new(0),
        });
        let (shutdown, stopped) = watch::channel(false);
        let router = axum::Router::new().fallback(handle).with_state(shared.clone());
        tokio::spawn(serve(listener, router, stopped));
        Ok(MockServer {
            url: format!("http://{address}"),
            address,
            shared,
            shutdown,
        })
    }
}

/// A mock of the gateway on 127.0.0.1, driven by the spec: every operation routed by its path template,
/// authenticated by its security schemes, its request body decoded with the generated type, and answered
/// with the spec's examples (streams event by event, long jobs that move on, faults on demand). Dropping it
/// stops it.
///
/// ```no_run
/// # async fn run() -> Result<(), allmhub::Error> {
/// let mock = allmhub_mock::MockServer::start().await;
/// let client = allmhub::Client::builder().api_key("any").base_url(mock.url()).build()?;
/// let models = client.account().models().await?;
/// assert!(!models.data.is_empty());
/// assert_eq!(mock.requests_for("list_models").len(), 1);
/// # Ok(()) }
/// ```
pub struct MockServer {
    url: String,
    address: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a mock on a free port of 127.0.0.1 that accepts any key.
    ///
    /// # Panics
    ///
    /// When no port of 127.0.0.1 can be bound (use [`MockServer::builder`] to handle that).
    pub async fn start() -> MockServer {
        match MockBuilder::default().start().await {
            Ok(server) => server,
            Err(error) => panic!("the mock cannot listen on 127.0.0.1: {error}"),
        }
    }

    /// A builder: address, key, pace, scenario.
    pub fn builder() -> MockBuilder {
        MockBuilder::default()
    }

    /// The base URL (`http://127.0.0.1:PORT`) to give a client.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        lock(&self.shared.received).clone()
    }

    /// The requests received for one operation (by operation id).
    pub fn requests_for(&self, operation: &str) -> Vec<ReceivedRequest> {
        lock(&self.shared.received)
            .iter()
            .filter(|request| request.operation == Some(operation))
            .cloned()
            .collect()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        lock(&self.shared.received).clear();
    }

    /// How many long jobs (Midjourney tasks, video jobs) were accepted.
    pub fn jobs_accepted(&self) -> usize {
        lock(&self.shared.jobs).count()
    }

    /// Queues a fault for the next call of `operation` not yet given a step.
    pub fn push_fault(&self, operation: &str, fault: Fault) {
        lock(&self.shared.scenario).push(operation, Some(fault));
    }

    /// Queues a normal answer for the next call of `operation` not yet given a step.
    pub fn push_ok(&self, operation: &str) {
        lock(&self.shared.scenario).push(operation, None);
    }

    /// Replaces the scenario.
    pub fn set_scenario(&self, scenario: Scenario) {
        *lock(&self.shared.scenario) = scenario;
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        // Stops accepting and ends every open connection.
        let _ = self.shutdown.send(true);
    }
}

/// One connection's kill switch: a fault that resets the connection pulls it.
#[derive(Default)]
pub(crate) struct Conn {
    kill: Notify,
}

impl Conn {
    /// Resets the connection (RST, no more bytes), then never returns: the caller's future is dropped with
    /// the connection.
    async fn reset(&self) -> ! {
        self.kill.notify_one();
        pending().await
    }
}

/// Accepts connections until shut down; each is served by hyper (HTTP/1.1) with the axum router, and can be
/// reset by a fault.
pub(crate) async fn serve(listener: TcpListener, router: axum::Router, mut stopped: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.changed() => return,
        };
        let Ok((stream, _)) = accepted else {
            // Out of file descriptors and the like: try again shortly rather than spin.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let router = router.clone();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            // A second handle on the socket, to make a reset an RST.
            let Ok(std_stream) = stream.into_std() else { return };
            let Ok(handle) = std_stream.try_clone() else { return };
            let Ok(stream) = tokio::net::TcpStream::from_std(std_stream) else {
                return;
            };
            let conn = Arc::new(Conn::default());
            let service_conn = conn.clone();
            let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(service_conn.clone());
                let mut router = router.clone();
                async move {
                    use tower_service::Service;
                    router.call(request.map(Body::new)).await
                }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = conn.kill.notified() => {
                    let _ = socket2::SockRef::from(&handle).set_linger(Some(Duration::ZERO));
                }
                _ = stopped.changed() => {}
            }
        });
    }
}

/// A finished answer or a stream of events.
enum Answer {
    Body {
        status: u16,
        content_type: String,
        body: Bytes,
    },
    Stream {
        events: Vec<String>,
        names_events: bool,
    },
}

/// What the handler works with.
struct Call<'a> {
    shared: &'a Shared,
    op: &'static Operation,
    /// The request's method and path, as sent.
    method: &'a str,
    path: &'a str,
    route: Route,
    headers: &'a HeaderMap,
    members: Option<Map<String, Value>>,
    model: Option<String>,
    request_id: String,
}

impl Call<'_> {
    fn member(&self, name: &str) -> Option<&str> {
        self.members.as_ref()?.get(name)?.as_str()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

fn json_answer(status: u16, body: String) -> Answer {
    Answer::Body {
        status,
        content_type: "application/json".to_owned(),
        body: Bytes::from(body),
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let conn = request.extensions().get::<Arc<Conn>>().cloned().unwrap_or_default();
    let (parts, body) = request.into_parts();
    let number = shared.requests.fetch_add(1, Ordering::Relaxed);
    let request_id = format!("mock{:016}", number + 1);
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().map(str::to_owned);
    let body = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(body) => body,
        Err(_) => {
            let error = MockError::new(
                413,
                "invalid_request_error",
                "read_request_body_failed",
                "the request body is too large or broke off",
            );
            return error_response(Envelope::OpenAi, &error, &request_id, &Unknown::NONE);
        }
    };
    let mut record = ReceivedRequest {
        operation: None,
        method: parts.method.as_str().to_owned(),
        path: path.clone(),
        query: query.clone(),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.clone(),
        fault: None,
    };

    let Some(route) = route::find(parts.method.as_str(), &path) else {
        lock(&shared.received).push(record);
        // The gateway's answer to a path it does not route.
        let error = MockError::new(
            404,
            "invalid_request_error",
            "",
            format!("Invalid URL ({} {path})", parts.method),
        );
        return error_response(Envelope::OpenAi, &error, &request_id, &Unknown::NONE);
    };
    let op = route.operation;
    record.operation = Some(op.id);

    if let Err(denied) = dialect::authorize(op, &parts.headers, query.as_deref(), shared.key.as_deref()) {
        lock(&shared.received).push(record);
        let message = match denied {
            Denied::Missing(accepted) => format!("未提供令牌 (no credentials: send {accepted})"),
            Denied::WrongKey => "无效的令牌 (the key is not the one the mock was given)".to_owned(),
        };
        let error = MockError::new(401, "new_api_error", "", message);
        return error_response(dialect::auth_envelope(op), &error, &request_id, &Unknown::NONE);
    }

    let envelope = dialect::envelope(op);
    let fault = match parts.headers.get(FAULT_HEADER).map(|value| value.to_str()) {
        Some(Ok(text)) => match text.parse::<Fault>() {
            Ok(fault) => Some(fault),
            Err(error) => {
                lock(&shared.received).push(record);
                let error = MockError::new(
                    400,
                    "invalid_request_error",
                    "invalid_request",
                    format!("{FAULT_HEADER}: {error}"),
                );
                return error_response(envelope, &error, &request_id, &Unknown::NONE);
            }
        },
        Some(Err(_)) => None,
        None => lock(&shared.scenario).next_step(op.id),
    };
    record.fault = fault.clone();
    lock(&shared.received).push(record);

    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let checked = allmhub_conform::check_request(op, &content_type, &body, false);
    let unknown = Unknown::of(&checked.verdict);
    if let Some(first) = checked.verdict.first_error() {
        let error = MockError::new(
            400,
            "invalid_request_error",
            "invalid_request",
            format!("the request body does not conform to the spec at {first}"),
        );
        return error_response(envelope, &error, &request_id, &unknown);
    }

    let members = if content_type.starts_with("multipart/form-data") {
        parse_multipart(&content_type, &body)
            .ok()
            .and_then(|fields| fields_as_json(&fields).as_object().cloned())
    } else {
        serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|value| value.as_object().cloned())
    };
    let model = members
        .as_ref()
        .and_then(|members| members.get("model"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| route.param("model").map(str::to_owned));
    let wants_stream = op
        .stream_flag
        .is_some_and(|flag| members.as_ref().and_then(|members| members.get(flag)) == Some(&Value::Bool(true)))
        || (op.response.json.is_none() && op.response.stream_event.is_some());
    let call = Call {
        shared: &shared,
        op,
        method: parts.method.as_str(),
        path: parts.uri.path(),
        route,
        headers: &parts.headers,
        members,
        model,
        request_id,
    };

    match &fault {
        Some(Fault::Stall(wait)) => tokio::time::sleep(*wait).await,
        Some(Fault::Reset) => conn.reset().await,
        Some(Fault::Status { status, retry_after }) => {
            let error = MockError {
                retry_after: *retry_after,
                ..MockError::status(*status)
            };
            return error_response(envelope, &error, &call.request_id, &unknown);
        }
        Some(Fault::Quota) => {
            return error_response(envelope, &MockError::quota(), &call.request_id, &unknown);
        }
        Some(Fault::InBand) => return in_band_response(&call, &unknown),
        Some(Fault::EndlessEvent) => return endless(&call, true),
        Some(Fault::EndlessJson) => return endless(&call, false),
        _ => {}
    }

    let stream = wants_stream && fault != Some(Fault::JsonForStream);
    let answer = match answer_for(&call, stream) {
        Ok(answer) => answer,
        Err(error) => return error_response(envelope, &error, &call.request_id, &unknown),
    };

    match &fault {
        Some(Fault::AcceptedThen(AfterAccept::BadGateway)) => {
            return error_response(envelope, &MockError::status(502), &call.request_id, &unknown);
        }
        Some(Fault::AcceptedThen(AfterAccept::Reset)) => conn.reset().await,
        Some(Fault::StreamError(_)) if !matches!(answer, Answer::Stream { .. }) => {
            return in_band_response(&call, &unknown);
        }
        _ => {}
    }
    deliver(&call, answer, fault.as_ref(), conn, &unknown)
}

fn base_headers(
    builder: axum::http::response::Builder,
    request_id: &str,
    unknown: &Unknown,
) -> axum::http::response::Builder {
    let mut builder = builder.header(REQUEST_ID_HEADER, request_id);
    for (name, list) in [
        (UNKNOWN_MEMBERS_HEADER, &unknown.members),
        (UNKNOWN_VALUES_HEADER, &unknown.values),
    ] {
        // JSON paths may hold non-ASCII member names; header values may carry them as raw bytes.
        if let Some(value) = list
            .as_deref()
            .and_then(|list| HeaderValue::from_bytes(list.as_bytes()).ok())
        {
            builder = builder.header(HeaderName::from_static(name), value);
        }
    }
    builder
}

/// What a request held that the spec does not know, as the answer's headers list it.
struct Unknown {
    members: Option<String>,
    values: Option<String>,
}

impl Unknown {
    const NONE: Unknown = Unknown {
        members: None,
        values: None,
    };

    fn of(verdict: &allmhub_conform::exchange::Verdict) -> Unknown {
        let values: Vec<String> = verdict.unknown_values.iter().map(ToString::to_string).collect();
        Unknown {
            members: (!verdict.unknown.is_empty()).then(|| verdict.unknown.join(", ")),
            values: (!values.is_empty()).then(|| values.join(", ")),
        }
    }
}

/// The response `builder` describes, or, when it cannot be built (a replayed capture with a status or a media
/// type HTTP does not allow), a 500 that says why.
fn finish(builder: axum::http::response::Builder, body: Body) -> Response {
    builder.body(body).unwrap_or_else(|error| {
        let error = MockError::new(
            500,
            "mock_error",
            "unsendable_answer",
            format!("the mock cannot send this answer: {error}"),
        );
        let mut response = Response::new(Body::from(dialect::render(Envelope::OpenAi, &error, "")));
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    })
}

fn error_response(envelope: Envelope, error: &MockError, request_id: &str, unknown: &Unknown) -> Response {
    let body = dialect::render(envelope, error, request_id);
    let mut builder = base_headers(Response::builder().status(error.status), request_id, unknown)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(seconds) = error.retry_after {
        builder = builder.header(header::RETRY_AFTER, seconds);
    }
    finish(builder, Body::from(body))
}

/// An error envelope with HTTP 200: the operation's in-band envelope, else its usual one.
fn in_band_response(call: &Call<'_>, unknown: &Unknown) -> Response {
    let envelope = dialect::in_band_envelope(call.op).unwrap_or_else(|| dialect::envelope(call.op));
    let error = MockError {
        status: 200,
        ..MockError::status(500)
    };
    let body = dialect::render(envelope, &error, &call.request_id);
    let builder = base_headers(Response::builder().status(200), &call.request_id, unknown)
        .header(header::CONTENT_TYPE, "application/json");
    finish(builder, Body::from(body))
}

/// A body that never ends: a `data:` line without its end, or a JSON document without its end. It stops
/// when the client goes away.
fn endless(call: &Call<'_>, event: bool) -> Response {
    let (content_type, head) = if event {
        (
            "text/event-stream",
            "data: {\"id\":\"endless\",\"choices\":[{\"delta\":{\"content\":\"",
        )
    } else {
        ("application/json", "{\"id\":\"endless\",\"data\":\"")
    };
    let filler = Bytes::from(vec![b'x'; 64 * 1024]);
    let body = futures_util::stream::once(async move { Ok::<_, Infallible>(Bytes::from_static(head.as_bytes())) })
        .chain(futures_util::stream::repeat_with(move || Ok(filler.clone())));
    let builder = base_headers(Response::builder().status(200), &call.request_id, &Unknown::NONE)
        .header(header::CONTENT_TYPE, content_type);
    finish(builder, Body::from_stream(body))
}

/// The caller parses the answer into its own type, or offers its own tools: the answer's text becomes a value
/// of the schema it sent, or the answer calls one of its tools (which wins, as a model calls a tool first).
fn shape(family: Family, answer: &mut Value, schema: Option<&Value>, tool_call: Option<&tools::ToolCall>) {
    if let Some(schema) = schema {
        structured::with_text(family, answer, &structured::instance(schema).to_string());
    }
    if let Some(tool_call) = tool_call {
        tools::with_call(family, answer, tool_call);
    }
}

/// A streamed request for structured output or a tool call, which no stream example of the spec answers:
/// the events of the whole answer the mock would give, synthesized.
fn synthesized_stream(call: &Call<'_>) -> Option<Answer> {
    let members = call.members.as_ref()?;
    let op = call.op;
    let schema = structured::requested_schema(op.family, members);
    let tool_call = tools::requested_call(op.family, members);
    if schema.is_none() && tool_call.is_none() {
        return None;
    }
    // The whole answers: this operation's, or (Gemini) those of the operation whose answer is this one's event.
    let whole = if op.response.json.is_some() {
        op
    } else {
        let event = op.response.stream_event?;
        allmhub_types::operations::ALL
            .iter()
            .copied()
            .find(|other| other.response.json == Some(event))?
    };
    let wanted = Wanted {
        stream: false,
        accept: "",
        key: None,
        members: Some(members),
        params: &call.route.params,
        model: call.model.as_deref(),
    };
    let example = answer::choose(whole, &wanted).ok()??;
    let mut answer: Value = serde_json::from_str(&answer::echo_model(example.body, call.model.as_deref())).ok()?;
    shape(op.family, &mut answer, schema, tool_call.as_ref());
    let (events, names_events) = synthesized::stream_of(op.family, &answer)?;
    Some(Answer::Stream { events, names_events })
}

/// The answer a replayed capture recorded for this request, if it holds one.
fn replayed(call: &Call<'_>) -> Option<Answer> {
    let mut replay = lock(&call.shared.replay);
    if replay.is_empty() {
        return None;
    }
    let exchange = replay.take(call.method, call.path, call.members.as_ref())?;
    let bytes = exchange.response_body.clone().unwrap_or_default();
    if exchange.response_type.starts_with("text/event-stream") {
        let text = String::from_utf8_lossy(&bytes);
        return Some(Answer::Stream {
            events: answer::stream_events(&text, None),
            names_events: answer::names_events(&text),
        });
    }
    Some(Answer::Body {
        status: exchange.status,
        content_type: exchange.response_type.clone(),
        body: Bytes::from(bytes),
    })
}

/// The answer of the operation for this call: a recorded one when replaying, a long job's, or the chosen
/// example with the model echoed.
fn answer_for(call: &Call<'_>, stream: bool) -> Result<Answer, MockError> {
    if let Some(answer) = replayed(call) {
        return Ok(answer);
    }
    let op = call.op;
    let role = jobs::role(op);
    let jobs_lock = || lock(&call.shared.jobs);
    match role {
        Role::MjFetch | Role::VideoRetrieve | Role::JobContent => {
            let id = op
                .params
                .iter()
                .find(|param| param.location == ParamLocation::Path)
                .and_then(|param| call.route.param(param.name))
                .unwrap_or_default()
                .to_owned();
            let looked = match role {
                Role::MjFetch => jobs_lock().fetch_mj(&id),
                Role::VideoRetrieve => jobs_lock().retrieve_video(&id, &content_url(call, &id)),
                _ => None,
            };
            if let Some(body) = looked {
                return Ok(json_answer(op.response.status, body));
            }
            // An id of the spec's examples gets the example; any other id is unknown to the gateway.
            let exists = match role {
                Role::JobContent => {
                    jobs_lock().has_video(&id)
                        || jobs::is_example_id(Role::VideoRetrieve, &id)
                        || jobs::is_example_id(Role::JobContent, &id)
                }
                _ => jobs::is_example_id(role, &id),
            };
            if !exists {
                return Err(match role {
                    Role::MjFetch => MockError::new(400, "upstream_error", "task_no_found", "task_no_found"),
                    _ => MockError::new(400, "task_not_exist", "task_not_exist", "task_not_exist"),
                });
            }
        }
        Role::MjList => {
            let ids: Vec<String> = call
                .members
                .as_ref()
                .and_then(|members| members.get("ids"))
                .and_then(Value::as_array)
                .map(|ids| ids.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            if let Some(body) = jobs_lock().list_mj(&ids) {
                return Ok(json_answer(op.response.status, body));
            }
        }
        _ => {}
    }

    // A named example is served as the spec has it; otherwise the caller's own schema and tools shape it.
    let named = call.header(EXAMPLE_HEADER).is_some();
    if stream && !named {
        if let Some(answer) = synthesized_stream(call) {
            return Ok(answer);
        }
    }
    let accept = call.header("accept").unwrap_or_default();
    let wanted = Wanted {
        stream,
        accept,
        key: call.header(EXAMPLE_HEADER),
        members: call.members.as_ref(),
        params: &call.route.params,
        model: call.model.as_deref(),
    };
    let example = match answer::choose(op, &wanted) {
        Ok(example) => example,
        Err(NoExample::UnknownKey(keys)) => {
            return Err(MockError::new(
                400,
                "invalid_request_error",
                "invalid_request",
                format!(
                    "{EXAMPLE_HEADER}: {} has no answer example `{}`; it has: {}",
                    op.id,
                    wanted.key.unwrap_or_default(),
                    keys.join(", ")
                ),
            ));
        }
    };
    let Some(example) = example else {
        let Some(content_type) = op.response.binary.first() else {
            return Err(MockError::new(
                501,
                "new_api_error",
                "api_not_implemented",
                format!("the spec has no answer example for {}", op.id),
            ));
        };
        return Ok(Answer::Body {
            status: op.response.status,
            content_type: (*content_type).to_owned(),
            body: Bytes::from(answer::media_bytes(content_type)),
        });
    };
    if example.is_stream() {
        return Ok(Answer::Stream {
            events: answer::stream_events(example.body, call.model.as_deref()),
            names_events: answer::names_events(example.body),
        });
    }
    let mut body = if example.media_type.contains("json") {
        answer::fill_elided_base64(answer::echo_model(example.body, call.model.as_deref()))
    } else {
        example.body.to_owned()
    };
    if let Some(members) = call.members.as_ref().filter(|_| !named) {
        let schema = structured::requested_schema(op.family, members);
        let tool_call = tools::requested_call(op.family, members);
        if schema.is_some() || tool_call.is_some() {
            if let Ok(mut answer) = serde_json::from_str::<Value>(&body) {
                shape(op.family, &mut answer, schema, tool_call.as_ref());
                body = answer.to_string();
            }
        }
    }
    let submission = Submission {
        path: op.path,
        model: call.model.as_deref(),
        prompt: call.member("prompt"),
        seconds: call.member("seconds"),
        size: call.member("size"),
    };
    match role {
        Role::MjSubmit => {
            let id = jobs_lock().submit_mj(&submission);
            body = crate::json::set_members(&body, &[("code", "1".to_owned()), ("result", crate::json::string(&id))])
                .unwrap_or(body);
        }
        Role::VideoCreate => {
            let mut jobs = jobs_lock();
            let id = jobs.create_video(&submission);
            body = jobs.created_video(&id, &body);
        }
        _ => {}
    }
    Ok(Answer::Body {
        status: op.response.status,
        content_type: example.media_type.to_owned(),
        body: Bytes::from(body),
    })
}

/// Where a video job's content is downloaded from this mock.
fn content_url(call: &Call<'_>, id: &str) -> String {
    let host = call.header("host").unwrap_or("127.0.0.1");
    let path = allmhub_types::operations::ALL
        .iter()
        .find(|op| jobs::role(op) == Role::JobContent)
        .map(|op| {
            let mut path = op.path.to_owned();
            for param in op.params.iter().filter(|param| param.location == ParamLocation::Path) {
                path = path.replace(&format!("{{{}}}", param.name), id);
            }
            path
        })
        .unwrap_or_default();
    format!("http://{host}{path}")
}

/// Sends an answer, shaped by the fault: cut short, reset after some events, an error event inside the
/// stream.
fn deliver(call: &Call<'_>, answer: Answer, fault: Option<&Fault>, conn: Arc<Conn>, unknown: &Unknown) -> Response {
    match answer {
        Answer::Body {
            status,
            content_type,
            body,
        } => {
            let builder = base_headers(Response::builder().status(status), &call.request_id, unknown)
                .header(header::CONTENT_TYPE, content_type);
            match fault {
                Some(Fault::Truncate) => {
                    // The declared length is never reached: the client sees the body break off.
                    let half = body.slice(..body.len() / 2);
                    let length = body.len();
                    let pieces = futures_util::stream::iter([Ok::<_, std::io::Error>(half)]).chain(
                        futures_util::stream::once(async {
                            flush_pause().await;
                            Err(std::io::Error::other("truncated on demand"))
                        }),
                    );
                    finish(
                        builder.header(header::CONTENT_LENGTH, length),
                        Body::from_stream(pieces),
                    )
                }
                Some(Fault::ResetAfter(_)) => {
                    // Headers, then the connection is reset.
                    let pieces = futures_util::stream::once(async move {
                        flush_pause().await;
                        conn.reset().await;
                    })
                    .map(|()| Ok::<Bytes, Infallible>(Bytes::new()));
                    finish(builder, Body::from_stream(pieces))
                }
                _ => finish(builder, Body::from(body)),
            }
        }
        Answer::Stream { events, names_events } => {
            let mut events: Vec<Bytes> = events.into_iter().map(Bytes::from).collect();
            let mut cut: Option<Cut> = None;
            match fault {
                Some(Fault::ResetAfter(count)) => {
                    events.truncate(*count);
                    cut = Some(Cut::Reset);
                }
                Some(Fault::StreamError(count)) => {
                    events.truncate(*count);
                    let envelope = dialect::envelope(call.op);
                    let data = dialect::render(envelope, &MockError::status(500), &call.request_id);
                    let event = if names_events {
                        format!("event: error\ndata: {data}\n\n")
                    } else {
                        format!("data: {data}\n\n")
                    };
                    events.push(Bytes::from(event));
                }
                Some(Fault::Truncate) => {
                    // Half of the bytes, cut inside an event, then the connection breaks.
                    let total: usize = events.iter().map(Bytes::len).sum();
                    let mut left = total / 2;
                    let mut kept = Vec::new();
                    for event in events {
                        if left == 0 {
                            break;
                        }
                        let take = event.len().min(left);
                        left -= take;
                        kept.push(event.slice(..take));
                    }
                    events = kept;
                    cut = Some(Cut::Break);
                }
                _ => {}
            }
            let pace = call.shared.pace;
            let body = futures_util::stream::unfold(
                (events.into_iter(), 0usize, cut, conn),
                move |(mut events, sent, cut, conn)| async move {
                    match events.next() {
                        Some(event) => {
                            if sent > 0 && !pace.is_zero() {
                                tokio::time::sleep(pace).await;
                            }
                            Some((Ok(event), (events, sent + 1, cut, conn)))
                        }
                        None => match cut {
                            Some(Cut::Reset) => {
                                flush_pause().await;
                                conn.reset().await
                            }
                            Some(Cut::Break) => {
                                flush_pause().await;
                                Some((
                                    Err(std::io::Error::other("truncated on demand")),
                                    (events, sent, None, conn),
                                ))
                            }
                            None => None,
                        },
                    }
                },
            );
            let builder = base_headers(Response::builder().status(200), &call.request_id, unknown)
                .header(header::CONTENT_TYPE, "text/event-stream")
                .header(header::CACHE_CONTROL, "no-cache");
            finish(builder, Body::from_stream(body))
        }
    }
}

/// A moment for hyper to write what it holds before the connection breaks: an error from the body, or a
/// reset, drops whatever is still buffered (headers included).
async fn flush_pause() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// How a stream ends early.
#[derive(Clone, Copy)]
enum Cut {
    /// The connection is reset.
    Reset,
    /// The body breaks off.
    Break,
}
