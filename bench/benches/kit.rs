//! The test kit's speed, as same-run ratios against baselines on the same stack:
//! - proxy: time added to the first streamed event (median, target ≤ 1 ms) and a 1 MiB JSON answer end to
//!   end against the direct time (target ≤ 1.10×), both over 127.0.0.1;
//! - mock: small JSON answers per second against a bare axum server returning the same bytes (≥ 0.8×);
//! - HAR: captured bodies validated per second on one core (≥ 50 MB/s).
//!
//! `cd bench && cargo bench --bench kit [-- proxy|mock|har]` (no section named: all three)

use std::time::{Duration, Instant};

use allmhub_mock::MockServer;
use allmhub_mock::proxy::Proxy;
use axum::body::Body;
use axum::response::Response;
use axum::routing::{get, post};
use futures_util::StreamExt;

const KEY: &str = "sk-bench";

fn main() {
    println!("allmhub-rs test kit benchmarks (127.0.0.1, same-run baselines)\n");
    let servers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let filters: Vec<String> = std::env::args().skip(1).filter(|arg| !arg.starts_with("--")).collect();
    let wanted = |section: &str| filters.is_empty() || filters.iter().any(|filter| section.contains(filter.as_str()));
    let mut met = true;
    if wanted("proxy") {
        met &= proxy(&servers, &client);
    }
    if wanted("mock") {
        met &= mock(&servers, &client);
    }
    if wanted("har") {
        met &= har();
    }
    println!(
        "\n{}",
        if met {
            "every target met"
        } else {
            "some targets NOT met (see above)"
        }
    );
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

/// One SSE event, then (after the client has had it) the rest: what a model's first token looks like.
const FIRST_EVENT: &str = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n";

/// A chat completion of about 1 MiB.
fn big_completion() -> String {
    let content = "lorem ipsum dolor sit amet ".repeat(1024 * 1024 / 27);
    serde_json::json!({
        "id": "chatcmpl-big", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    })
    .to_string()
}

/// The upstream of the proxy benchmarks: a bare axum server. The big answer is shared, not copied: a copy per
/// request (two, with the handler's own clone) cost the upstream more than forwarding costs the proxy, and
/// padded the direct time that the proxy is measured against.
async fn upstream(big: String) -> String {
    let big = bytes::Bytes::from(big);
    let router = axum::Router::new().route(
        "/v1/chat/completions",
        post(move |body: String| {
            let big = big.clone();
            async move {
                if body.contains("\"stream\":true") {
                    let events = futures_util::stream::iter([
                        Ok::<_, std::io::Error>(FIRST_EVENT.to_owned()),
                        Ok("data: [DONE]\n\n".to_owned()),
                    ]);
                    Response::builder()
                        .header("content-type", "text/event-stream")
                        .body(Body::from_stream(events))
                        .expect("a response")
                } else {
                    Response::builder()
                        .header("content-type", "application/json")
                        .body(Body::from(big))
                        .expect("a response")
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    url
}

/// The floor of any proxy on this machine: a TCP relay that copies bytes both ways and knows nothing of
/// HTTP (no parsing, no validation, one upstream connection per client connection, as reqwest keeps its own).
async fn relay(upstream: &str) -> String {
    let target = upstream.trim_start_matches("http://").to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let target = target.clone();
            tokio::spawn(async move {
                let _ = inbound.set_nodelay(true);
                let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else {
                    return;
                };
                let _ = outbound.set_nodelay(true);
                let _ =
                    tokio::io::copy_bidirectional_with_sizes(&mut inbound, &mut outbound, 64 << 10, 256 << 10).await;
            });
        }
    });
    url
}

/// The zero-copy floor (Linux): the same relay on threads of its own, moving the bytes socket → pipe → socket
/// with `splice(2)`, so that no byte of the answer enters user space. What forwarding costs beyond this is
/// the kernel's: the second pair of loopback connections, their wake-ups and context switches on two cores.
#[cfg(target_os = "linux")]
fn splice_relay(upstream: &str) -> String {
    use std::net::{Shutdown, TcpStream};
    use std::os::fd::AsRawFd;

    /// Moves bytes one way until the reader ends, then ends the writer's side.
    fn pump(from: TcpStream, to: TcpStream) {
        let mut pipe = [0i32; 2];
        // SAFETY: `pipe` has room for the two descriptors `pipe(2)` writes.
        if unsafe { libc::pipe(pipe.as_mut_ptr()) } != 0 {
            return;
        }
        // SAFETY: the descriptors are the pipe's own, open until the end of this function; a failed resize
        // leaves the default 64 KiB pipe, which still works.
        unsafe { libc::fcntl(pipe[1], libc::F_SETPIPE_SZ, 1 << 20) };
        let splice = |from: i32, to: i32, len: usize| {
            // SAFETY: both descriptors are open; null offsets are what sockets and pipes require.
            unsafe {
                libc::splice(
                    from,
                    std::ptr::null_mut(),
                    to,
                    std::ptr::null_mut(),
                    len,
                    libc::SPLICE_F_MOVE,
                )
            }
        };
        'moving: loop {
            let read = splice(from.as_raw_fd(), pipe[1], 1 << 20);
            if read <= 0 {
                break;
            }
            let mut left = read as usize;
            while left > 0 {
                let written = splice(pipe[0], to.as_raw_fd(), left);
                if written <= 0 {
                    break 'moving;
                }
                left -= written as usize;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
        // SAFETY: closes the pipe opened above, used no more.
        unsafe {
            libc::close(pipe[0]);
            libc::close(pipe[1]);
        }
    }

    let target = upstream.trim_start_matches("http://").to_owned();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for inbound in listener.incoming().flatten() {
            let Ok(outbound) = TcpStream::connect(&target) else {
                continue;
            };
            let _ = inbound.set_nodelay(true);
            let _ = outbound.set_nodelay(true);
            let (Ok(inbound_again), Ok(outbound_again)) = (inbound.try_clone(), outbound.try_clone()) else {
                continue;
            };
            std::thread::spawn(move || pump(inbound, outbound));
            std::thread::spawn(move || pump(outbound_again, inbound_again));
        }
    });
    url
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().expect("a client")
}

const CHAT_STREAM: &str = r#"{"model":"m","messages":[{"role":"user","content":"Hi"}],"stream":true}"#;
const CHAT: &str = r#"{"model":"m","messages":[{"role":"user","content":"Hi"}]}"#;

/// Time from sending the request to the first body bytes of the answer.
async fn first_event(http: &reqwest::Client, url: &str) -> Duration {
    let started = Instant::now();
    let response = http
        .post(format!("{url}/v1/chat/completions"))
        .bearer_auth(KEY)
        .header("content-type", "application/json")
        .body(CHAT_STREAM)
        .send()
        .await
        .expect("an answer");
    let mut body = response.bytes_stream();
    let first = body.next().await.expect("an event").expect("bytes");
    let elapsed = started.elapsed();
    assert!(first.starts_with(b"data: "));
    while body.next().await.is_some() {}
    elapsed
}

/// Time from sending the request to the last byte of the answer.
async fn whole(http: &reqwest::Client, url: &str) -> (Duration, usize) {
    let started = Instant::now();
    let response = http
        .post(format!("{url}/v1/chat/completions"))
        .bearer_auth(KEY)
        .header("content-type", "application/json")
        .body(CHAT)
        .send()
        .await
        .expect("an answer");
    let bytes = response.bytes().await.expect("the body");
    (started.elapsed(), bytes.len())
}

fn proxy(servers: &tokio::runtime::Runtime, client: &tokio::runtime::Runtime) -> bool {
    let big = big_completion();
    let (direct_url, proxy, forwarding, relay_url) = servers.block_on(async {
        let url = upstream(big.clone()).await;
        let proxy = Proxy::builder(&url).start().await.expect("a proxy");
        // The same proxy validating nothing: what forwarding alone costs.
        let forwarding = Proxy::builder(&url).limit(0).start().await.expect("a proxy");
        let relay = relay(&url).await;
        (url, proxy, forwarding, relay)
    });
    #[cfg(target_os = "linux")]
    let splice_url = splice_relay(&direct_url);
    #[cfg(not(target_os = "linux"))]
    let splice_url = relay_url.clone();
    let proxy_url = proxy.url().to_owned();
    let forwarding_url = forwarding.url().to_owned();
    let http = http();
    let mut met = true;

    // Time to the first event, interleaved.
    let (mut direct, mut proxied) = (Vec::new(), Vec::new());
    client.block_on(async {
        for _ in 0..50 {
            first_event(&http, &direct_url).await;
            first_event(&http, &proxy_url).await;
        }
        for _ in 0..1000 {
            direct.push(first_event(&http, &direct_url).await);
            proxied.push(first_event(&http, &proxy_url).await);
        }
    });
    let (direct, proxied) = (median(direct), median(proxied));
    let added = proxied.saturating_sub(direct);
    let ok = added <= Duration::from_millis(1);
    met &= ok;
    println!("proxy: time to the first streamed event (median of 1000)");
    println!(
        "  direct {:>8.1} µs   through the proxy {:>8.1} µs   added {:>7.1} µs   target ≤ 1 ms: {}",
        direct.as_secs_f64() * 1e6,
        proxied.as_secs_f64() * 1e6,
        added.as_secs_f64() * 1e6,
        verdict(ok)
    );

    // A 1 MiB answer end to end, interleaved. Each proxy validates (or, forwarding alone, reports) an exchange
    // after forwarding it; the next timed request waits for that, so that no measurement shares the two cores
    // with the previous exchange's check.
    let (mut direct, mut proxied, mut forwarded) = (Vec::new(), Vec::new(), Vec::new());
    let (mut relayed, mut spliced) = (Vec::new(), Vec::new());
    let mut size = 0;
    let settle = Duration::from_secs(30);
    client.block_on(async {
        let (mut checked, mut passed) = (proxy.reports().len(), 0);
        for round in 0..210 {
            // The five take turns at going first, so that none always follows the same one.
            let mut times = [Duration::ZERO; 5];
            for turn in 0..5 {
                let which = (round + turn) % 5;
                match which {
                    0 => {
                        let (time, bytes) = whole(&http, &direct_url).await;
                        times[0] = time;
                        size = bytes;
                    }
                    1 => {
                        times[1] = whole(&http, &proxy_url).await.0;
                        checked += 1;
                        proxy.wait_for_reports(checked, settle).await;
                    }
                    3 => times[3] = whole(&http, &relay_url).await.0,
                    4 => times[4] = whole(&http, &splice_url).await.0,
                    _ => {
                        times[2] = whole(&http, &forwarding_url).await.0;
                        passed += 1;
                        forwarding.wait_for_reports(passed, settle).await;
                    }
                }
            }
            // The first rounds warm the connections up.
            if round >= 10 {
                direct.push(times[0]);
                proxied.push(times[1]);
                forwarded.push(times[2]);
                relayed.push(times[3]);
                spliced.push(times[4]);
            }
        }
    });
    let (direct, proxied, forwarded) = (median(direct), median(proxied), median(forwarded));
    let (relayed, spliced) = (median(relayed), median(spliced));
    let ratio = proxied.as_secs_f64() / direct.as_secs_f64();
    let ok = ratio <= 1.10;
    met &= ok;
    println!(
        "proxy: a {:.2} MiB JSON answer end to end (median of 200)",
        size as f64 / 1048576.0
    );
    println!(
        "  direct {:>8.1} µs   through the proxy {:>8.1} µs   {ratio:.3}× the direct time   target ≤ 1.10×: {}",
        direct.as_secs_f64() * 1e6,
        proxied.as_secs_f64() * 1e6,
        verdict(ok)
    );
    println!(
        "  forwarding alone (nothing validated)      {:>8.1} µs   {:.3}× the direct time",
        forwarded.as_secs_f64() * 1e6,
        forwarded.as_secs_f64() / direct.as_secs_f64()
    );
    // What any proxy costs here: a relay that knows nothing of HTTP, copying through user space as every
    // async proxy does, and one that moves the bytes without a copy.
    println!(
        "  floor, a byte relay with no HTTP (tokio)  {:>8.1} µs   {:.3}× the direct time",
        relayed.as_secs_f64() * 1e6,
        relayed.as_secs_f64() / direct.as_secs_f64()
    );
    if cfg!(target_os = "linux") {
        println!(
            "  floor, the same relay with splice(2)      {:>8.1} µs   {:.3}× the direct time",
            spliced.as_secs_f64() * 1e6,
            spliced.as_secs_f64() / direct.as_secs_f64()
        );
    }
    // Every exchange was validated off the forwarding path.
    let reports = servers.block_on(proxy.wait_for_reports(1260, Duration::from_secs(60)));
    let failures = reports.iter().filter(|report| !report.ok()).count();
    println!("  {} exchanges reported, {failures} not conforming", reports.len());
    met
}

/// Small JSON answers per second: `requests` sequential keep-alive requests.
async fn answers_per_second(http: &reqwest::Client, url: &str, requests: usize) -> f64 {
    let started = Instant::now();
    for _ in 0..requests {
        let response = http
            .get(format!("{url}/v1/models"))
            .bearer_auth(KEY)
            .send()
            .await
            .expect("an answer");
        let bytes = response.bytes().await.expect("the body");
        assert!(bytes.len() > 100);
    }
    requests as f64 / started.elapsed().as_secs_f64()
}

fn mock(servers: &tokio::runtime::Runtime, client: &tokio::runtime::Runtime) -> bool {
    let (mock, bare_url) = servers.block_on(async {
        let mock = MockServer::start().await;
        // The mock's own answer, served by a bare axum server on the same stack.
        let bytes = http()
            .get(format!("{}/v1/models", mock.url()))
            .bearer_auth(KEY)
            .send()
            .await
            .expect("an answer")
            .bytes()
            .await
            .expect("bytes");
        let router = axum::Router::new().route(
            "/v1/models",
            get(move || {
                let bytes = bytes.clone();
                async move {
                    Response::builder()
                        .header("content-type", "application/json")
                        .body(Body::from(bytes))
                        .expect("a response")
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        (mock, url)
    });
    let mock_url = mock.url().to_owned();
    let http = http();
    let (mut ours, mut bare) = (Vec::new(), Vec::new());
    client.block_on(async {
        answers_per_second(&http, &mock_url, 200).await;
        answers_per_second(&http, &bare_url, 200).await;
        for _ in 0..15 {
            ours.push(answers_per_second(&http, &mock_url, 500).await);
            bare.push(answers_per_second(&http, &bare_url, 500).await);
        }
    });
    ours.sort_by(f64::total_cmp);
    bare.sort_by(f64::total_cmp);
    let (ours, bare) = (ours[ours.len() / 2], bare[bare.len() / 2]);
    let ratio = ours / bare;
    let ok = ratio >= 0.8;
    println!("mock: small JSON answers per second (GET /v1/models, keep-alive, median of 15 rounds of 500)");
    println!(
        "  mock {ours:>8.0}/s   bare axum, same bytes {bare:>8.0}/s   {ratio:.3}×   target ≥ 0.8×: {}",
        verdict(ok)
    );
    drop(mock);
    ok
}

fn har() -> bool {
    let fixture = allmhub_bench::root().join("conform/tests/data/conforming.har");
    let text = std::fs::read_to_string(&fixture).expect("the fixture");
    let capture: serde_json::Value = serde_json::from_str(&text).expect("a HAR");
    let entries = capture["log"]["entries"].as_array().expect("entries").clone();
    // Only entries of the spec's operations: the benchmark measures validation.
    let entries: Vec<serde_json::Value> = entries
        .into_iter()
        .filter(|entry| !entry["request"]["url"].as_str().unwrap_or_default().ends_with(".ico"))
        .collect();
    let body_bytes = |entry: &serde_json::Value| {
        entry["request"]["postData"]["text"].as_str().map_or(0, str::len)
            + entry["response"]["content"]["text"].as_str().map_or(0, str::len)
    };
    let mut many = Vec::new();
    while many.iter().map(body_bytes).sum::<usize>() < 8 * 1024 * 1024 {
        many.extend(entries.iter().cloned());
    }
    let bodies: usize = many.iter().map(body_bytes).sum();
    let input = serde_json::json!({"log": {"version": "1.2", "entries": many}}).to_string();
    let mut samples = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let reports = allmhub_conform::har::check_har(input.as_bytes(), false).expect("a capture");
        samples.push(started.elapsed());
        assert!(reports.iter().all(|report| report.ok()), "the fixture conforms");
    }
    let time = median(samples);
    let rate = bodies as f64 / time.as_secs_f64() / 1e6;
    let ok = rate >= 50.0;
    println!(
        "HAR: captured bodies validated on one core ({:.1} MB of bodies in a {:.1} MB capture, median of 7)",
        bodies as f64 / 1e6,
        input.len() as f64 / 1e6
    );
    println!(
        "  {rate:>6.1} MB/s of bodies ({:.1} MB/s of capture)   target ≥ 50 MB/s: {}",
        input.len() as f64 / time.as_secs_f64() / 1e6,
        verdict(ok)
    );
    ok
}
