//! Test support: a scripted HTTP/1.1 server on 127.0.0.1 that can misbehave on purpose, and client
//! construction with fast retries.

#![allow(dead_code)] // each test file uses part of it

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A key that must never show up in output.
pub const KEY: &str = "sk-test-0123456789abcdef-SECRET";

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A complete answer.
    Status {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// Close the connection without answering (a reset before the headers).
    Close,
    /// Never answer.
    Stall,
    /// Send the headers, then `piece` again and again until the client goes away; the bytes sent are
    /// counted in `sent`.
    Endless {
        content_type: &'static str,
        /// Sent once before the repeats.
        prefix: Vec<u8>,
        piece: Vec<u8>,
        /// Announce this length (a lie) instead of chunked encoding.
        content_length: Option<u64>,
        sent: Arc<std::sync::atomic::AtomicU64>,
    },
    /// Send the headers, then these pieces with pauses, then end as `then` says.
    Pieces {
        status: u16,
        content_type: &'static str,
        pieces: Vec<(Vec<u8>, Duration)>,
        then: Then,
    },
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::Status {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// An answer with extra headers.
    pub fn with_header(mut self, name: &'static str, value: &str) -> Reply {
        if let Reply::Status { headers, .. } = &mut self {
            headers.push((name, value.to_owned()));
        }
        self
    }

    /// An event stream delivered in pieces of `size` bytes.
    pub fn sse_in_pieces(body: &str, size: usize) -> Reply {
        let pieces = body
            .as_bytes()
            .chunks(size.max(1))
            .map(|piece| (piece.to_vec(), Duration::ZERO))
            .collect();
        Reply::Pieces {
            status: 200,
            content_type: "text/event-stream",
            pieces,
            then: Then::End,
        }
    }
}

/// How a piecewise answer ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Then {
    /// The body ends properly.
    End,
    /// The connection is cut before the body ends.
    Cut,
    /// Nothing more is sent, and the connection stays open.
    Stall,
}

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON request body")
    }
}

/// The scripted server: each connection serves one request with the next reply (the last one repeats).
pub struct Server {
    pub url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl Server {
    pub async fn start(replies: Vec<Reply>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        tokio::spawn(async move {
            let mut index = 0;
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let reply = replies[index.min(replies.len() - 1)].clone();
                index += 1;
                let log = log.clone();
                tokio::spawn(async move { serve(socket, reply, log).await });
            }
        });
        Server { url, received }
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().expect("log").clone()
    }
}

async fn read_request(socket: &mut TcpStream) -> Option<Received> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(position) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break position + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[header_end..].to_vec();
    while body.len() < length {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    Some(Received {
        method,
        target,
        headers,
        body,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        408 => "Request Timeout",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

async fn serve(mut socket: TcpStream, reply: Reply, log: Arc<Mutex<Vec<Received>>>) {
    let Some(request) = read_request(&mut socket).await else {
        return;
    };
    log.lock().expect("log").push(request);
    match reply {
        Reply::Endless {
            content_type,
            prefix,
            piece,
            content_length,
            sent,
        } => {
            let framing = match content_length {
                Some(length) => format!("content-length: {length}"),
                None => "transfer-encoding: chunked".to_owned(),
            };
            let head = format!("HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\n{framing}\r\n\r\n");
            if socket.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let frame = |bytes: &[u8]| match content_length {
                Some(_) => bytes.to_vec(),
                None => [
                    format!("{:x}\r\n", bytes.len()).into_bytes(),
                    bytes.to_vec(),
                    b"\r\n".to_vec(),
                ]
                .concat(),
            };
            // An empty chunk would end a chunked body.
            let (prefix, piece) = (
                if prefix.is_empty() { Vec::new() } else { frame(&prefix) },
                frame(&piece),
            );
            if socket.write_all(&prefix).await.is_err() {
                return;
            }
            sent.fetch_add(prefix.len() as u64, std::sync::atomic::Ordering::Relaxed);
            while socket.write_all(&piece).await.is_ok() {
                sent.fetch_add(piece.len() as u64, std::sync::atomic::Ordering::Relaxed);
            }
        }
        Reply::Close => {}
        Reply::Stall => tokio::time::sleep(Duration::from_secs(3600)).await,
        Reply::Status { status, headers, body } => {
            let mut head = format!(
                "HTTP/1.1 {status} {}\r\ncontent-length: {}\r\nconnection: close\r\n",
                reason(status),
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&body).await;
            let _ = socket.shutdown().await;
        }
        Reply::Pieces {
            status,
            content_type,
            pieces,
            then,
        } => {
            let head = format!(
                "HTTP/1.1 {status} {}\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
                reason(status)
            );
            if socket.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            for (piece, pause) in pieces {
                let framed = [format!("{:x}\r\n", piece.len()).into_bytes(), piece, b"\r\n".to_vec()].concat();
                if socket.write_all(&framed).await.is_err() || socket.flush().await.is_err() {
                    return;
                }
                if !pause.is_zero() {
                    tokio::time::sleep(pause).await;
                }
            }
            match then {
                Then::End => {
                    let _ = socket.write_all(b"0\r\n\r\n").await;
                    let _ = socket.shutdown().await;
                }
                // Dropping the socket without the final chunk cuts the body.
                Then::Cut => {}
                Then::Stall => tokio::time::sleep(Duration::from_secs(3600)).await,
            }
        }
    }
}

/// A client of `url` with the test key and fast retries.
pub fn client(url: &str) -> allmhub::Client {
    builder(url).build().expect("client")
}

/// A builder of `url` with the test key, fast retries and short timeouts.
pub fn builder(url: &str) -> allmhub::ClientBuilder {
    allmhub::Client::builder()
        .api_key(KEY)
        .base_url(url)
        .timeout(Duration::from_secs(5))
        .stream_idle_timeout(Duration::from_secs(5))
        .retry_policy(
            allmhub::RetryPolicy::default()
                .max_retries(2)
                .delays(Duration::from_millis(5), Duration::from_millis(20))
                .max_retry_after(Duration::from_secs(2)),
        )
}

/// Runs `future`, failing the test instead of hanging.
pub async fn within<T>(seconds: u64, future: impl std::future::IntoFuture<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(seconds), future.into_future())
        .await
        .expect("the call hung")
}
