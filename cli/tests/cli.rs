//! The `allmhub` binary against a scripted server on 127.0.0.1: exit codes, stdout, plain progress lines when
//! standard error is not a terminal, and the key never echoed.

#[path = "../../client/tests/support/mod.rs"]
mod support;

use std::process::Output;

use assert_cmd::Command;
use support::{KEY, Reply, Server};

/// Runs `allmhub` with `args` against `url` (off the async runtime, which serves the requests).
async fn allmhub(url: &str, args: &[&str], stdin: &str) -> Output {
    let mut command = Command::cargo_bin("allmhub").expect("the binary");
    command
        .env_remove("ALLMHUB_API_KEY")
        .env_remove("ALLMHUB_BASE_URL")
        .args(["--api-key", KEY, "--base-url", url])
        .args(args)
        .write_stdin(stdin.to_owned())
        .timeout(std::time::Duration::from_secs(30));
    tokio::task::spawn_blocking(move || command.output().expect("runs"))
        .await
        .expect("joins")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn chunk(content: &str) -> String {
    format!(
        "data: {}\n\n",
        serde_json::json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]})
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_streams_tokens_and_reads_the_prompt_from_stdin() {
    let body = chunk("Hello") + &chunk(", world!") + "data: [DONE]\n\n";
    let server = Server::start(vec![Reply::sse_in_pieces(&body, 5)]).await;
    let out = allmhub(
        &server.url,
        &["chat", "-m", "gpt-4o-mini", "--system", "Be brief."],
        "Say hello\n",
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "Hello, world!\n");
    let request = server.requests()[0].json();
    assert_eq!(request["stream"], true);
    assert_eq!(request["messages"][0]["content"], "Be brief.");
    assert_eq!(request["messages"][1]["content"], "Say hello\n");
}

/// A streamed answer whose chunks carry reasoning, then the answer, then a usage-only chunk.
fn reasoning_stream() -> (allmhub::types::ChatCompletionResponse, String) {
    let answer: allmhub::types::ChatCompletionResponse = serde_json::from_value(serde_json::json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "deepseek-r1",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {
            "role": "assistant", "content": "Paris.", "reasoning_content": "The capital of France is Paris."}}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21}
    }))
    .expect("an answer");
    let chunks = allmhub::synthesize::chat_chunks(&answer, &allmhub::synthesize::Split::Chars(4));
    let body: String = chunks
        .iter()
        .map(|chunk| format!("data: {}\n\n", serde_json::to_string(chunk).expect("JSON")))
        .chain(["data: [DONE]\n\n".to_owned()])
        .collect();
    (answer, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_json_prints_the_accumulated_answer_streamed_or_not() {
    let (answer, body) = reasoning_stream();
    let server = Server::start(vec![Reply::sse_in_pieces(&body, 7)]).await;
    let out = allmhub(&server.url, &["chat", "--json", "What is the capital of France?"], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed: allmhub::types::ChatCompletionResponse =
        serde_json::from_slice(&out.stdout).expect("a chat completion");
    assert_eq!(printed, answer, "the final answer, as a non-streamed call gives it");
    assert_eq!(server.requests()[0].json()["stream"], true, "it was streamed");

    let server = Server::start(vec![Reply::json(200, &serde_json::to_string(&answer).expect("JSON"))]).await;
    let out = allmhub(&server.url, &["chat", "--json", "--no-stream", "Capital?"], "").await;
    let printed: allmhub::types::ChatCompletionResponse =
        serde_json::from_slice(&out.stdout).expect("a chat completion");
    assert_eq!(printed, answer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_shows_reasoning_dimmed_with_colors_and_on_stderr_without() {
    let (_, body) = reasoning_stream();
    let server = Server::start(vec![Reply::sse_in_pieces(&body, 9)]).await;
    let out = allmhub(&server.url, &["chat", "--color", "always", "Capital?"], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "\u{1b}[2mThe capital of France is Paris.\u{1b}[22m\n\nParis.\n"
    );

    // Not a terminal (the test's pipes): the answer alone on stdout, the reasoning plain on stderr.
    let server = Server::start(vec![Reply::sse_in_pieces(&body, 9)]).await;
    let out = allmhub(&server.url, &["chat", "Capital?"], "").await;
    assert_eq!(text(&out.stdout), "Paris.\n");
    assert_eq!(text(&out.stderr), "The capital of France is Paris.\n");

    let server = Server::start(vec![Reply::json(
        200,
        &serde_json::to_string(&reasoning_stream().0).expect("JSON"),
    )])
    .await;
    let out = allmhub(
        &server.url,
        &["chat", "--no-stream", "--color", "always", "Capital?"],
        "",
    )
    .await;
    assert_eq!(
        text(&out.stdout),
        "\u{1b}[2mThe capital of France is Paris.\u{1b}[22m\n\nParis.\n"
    );
}

fn task(status: &str, progress: &str) -> Reply {
    Reply::json(
        200,
        &format!(
            r#"{{"id":"1730621718151844","action":"IMAGINE","status":"{status}","progress":"{progress}","imageUrl":"https://cdn.example.com/cat.png","failReason":"{}"}}"#,
            if status == "FAILURE" { "banned prompt" } else { "" }
        ),
    )
}

fn submitted() -> Reply {
    Reply::json(
        200,
        r#"{"code":1,"description":"Submit success","result":"1730621718151844","properties":{}}"#,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imagine_follows_the_task_and_prints_the_image() {
    let server = Server::start(vec![
        submitted(),
        task("SUBMITTED", "0%"),
        task("IN_PROGRESS", "45%"),
        task("SUCCESS", "100%"),
    ])
    .await;
    let out = allmhub(&server.url, &["imagine", "Cat --ar 16:9", "--poll", "0.01"], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "https://cdn.example.com/cat.png\n");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("imagine 1730621718151844 IN_PROGRESS 45.0%"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "no terminal escapes when stderr is not a terminal: {stderr:?}"
    );
    assert_eq!(server.requests()[0].json()["prompt"], "Cat --ar 16:9");

    let server = Server::start(vec![submitted(), task("SUCCESS", "100%")]).await;
    let out = allmhub(&server.url, &["imagine", "Cat", "--json", "--poll", "0.01"], "").await;
    let task: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(task["status"], "SUCCESS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_task_exits_1_with_the_reason() {
    let server = Server::start(vec![submitted(), task("FAILURE", "")]).await;
    let out = allmhub(&server.url, &["imagine", "x", "--poll", "0.01"], "").await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("failed (FAILURE): banned prompt"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

fn video(status: &str, progress: u32, extra: &str) -> Reply {
    Reply::json(
        200,
        &format!(
            r#"{{"id":"video_1","object":"video","model":"sora-2","status":"{status}","progress":{progress}{extra}}}"#
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn video_jobs_print_the_video_or_hit_the_timeout() {
    let done = r#","metadata":{"url":"https://v.example.com/1.mp4"}"#;
    let server = Server::start(vec![
        video("queued", 0, ""),
        video("in_progress", 60, ""),
        video("completed", 100, done),
    ])
    .await;
    let out = allmhub(&server.url, &["video", "A cat", "--seconds", "8", "--poll", "0.01"], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "https://v.example.com/1.mp4\n");
    assert_eq!(server.requests()[0].json()["seconds"], "8");

    let server = Server::start(vec![video("queued", 0, ""), video("in_progress", 10, "")]).await;
    let out = allmhub(&server.url, &["video", "A cat", "--poll", "0.05", "--timeout", "1"], "").await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("still in_progress after 1s"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn video_output_streams_the_content_to_the_file() {
    let mp4: Vec<u8> = (0..300_000u32).map(|index| (index % 251) as u8).collect();
    let pieces = mp4
        .chunks(32 * 1024)
        .map(|piece| (piece.to_vec(), std::time::Duration::ZERO))
        .collect();
    let server = Server::start(vec![
        video("queued", 0, ""),
        video("completed", 100, ""),
        Reply::Pieces {
            status: 200,
            content_type: "video/mp4",
            pieces,
            then: support::Then::End,
        },
    ])
    .await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("cat.mp4");
    let out = allmhub(
        &server.url,
        &[
            "video",
            "A cat",
            "--poll",
            "0.01",
            "--output",
            path.to_str().expect("a UTF-8 path"),
        ],
        "",
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&path).expect("the video"), mp4);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("saved {} (300000 bytes)", path.display())),
        "{stderr}"
    );
    assert_eq!(server.requests()[2].target, "/v1/videos/video_1/content");
    // Without a URL in the job, the file is the result.
    assert_eq!(text(&out.stdout), format!("{}\n", path.display()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_format_video_follows_the_streamed_progress() {
    let seed = allmhub_tests::examples()
        .into_iter()
        .find(|example| {
            example.doc_page.as_deref() == Some("图像模型(Images)/Nano Banana/Chat格式/Banana图生图")
                && example.stream_event.is_some()
        })
        .expect("the seed's stream");
    let server = Server::start(vec![Reply::sse_in_pieces(seed.value.as_str().expect("text"), 64)]).await;
    let out = allmhub(
        &server.url,
        &["video", "--chat", "-m", "sora_video2", "狗狗在草地上打滚"],
        "",
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "https://midjourney-plus.oss-us-west-1.aliyuncs.com/sora/e987e9c4-d6f3-4858-a7db-fb2e92e80c4f.mp4\n"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("video queued") && stderr.contains("video in_progress 96.6%"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_balance_and_models() {
    let server = Server::start(vec![task("IN_PROGRESS", "45%")]).await;
    let out = allmhub(&server.url, &["task", "1730621718151844"], "").await;
    assert!(text(&out.stdout).contains("progress  45%"), "{}", text(&out.stdout));
    assert_eq!(server.requests()[0].target, "/mj/task/1730621718151844/fetch");

    let server = Server::start(vec![
        Reply::json(200, r#"{"object":"billing_subscription","has_payment_method":true,"soft_limit_usd":5,"hard_limit_usd":5,"system_hard_limit_usd":5,"access_until":0}"#),
        Reply::json(200, r#"{"object":"list","total_usage":139.4104}"#),
    ])
    .await;
    let out = allmhub(&server.url, &["balance", "--json"], "").await;
    let balance: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let remaining = balance["remaining"].as_f64().expect("a number");
    assert!((remaining - 3.605896).abs() < 1e-9, "{balance}");

    let server = Server::start(vec![Reply::json(
        200,
        r#"{"success":true,"object":"list","data":[{"id":"gpt-4o","object":"model","created":1626777600,"owned_by":"openai"},{"id":"mj_imagine","object":"model","created":1626777600,"owned_by":"midjourney"}]}"#,
    )])
    .await;
    let out = allmhub(&server.url, &["models"], "").await;
    assert_eq!(text(&out.stdout), "gpt-4o\nmj_imagine\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_logs_and_prices_of_the_key() {
    let server = Server::start(vec![Reply::json(
        200,
        r#"{"code":true,"message":"ok","data":{"object":"token_usage","name":"cli","total_granted":2500000,"total_used":1000000,"total_available":1500000,"unlimited_quota":false,"model_limits":{"gpt-4o-mini":true},"model_limits_enabled":true,"expires_at":1798761599}}"#,
    )])
    .await;
    let out = allmhub(&server.url, &["usage"], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(server.requests()[0].target, "/api/usage/token/");
    assert_eq!(
        text(&out.stdout),
        "name       cli\n\
         used       1000000 (2.0000 USD at the default rate)\n\
         remaining  1500000 (3.0000 USD at the default rate)\n\
         models     gpt-4o-mini\n\
         expires    Thu, 31 Dec 2026 23:59:59 GMT\n"
    );

    let server = Server::start(vec![Reply::json(
        200,
        r#"{"success":true,"message":"","data":[{"id":1,"created_at":1764485203,"type":2,"model_name":"gpt-4o-mini","quota":1530,"prompt_tokens":812,"completion_tokens":240,"other":"null"},{"id":2,"created_at":1764485011,"type":5,"model_name":"gpt-4o","quota":0},{"id":3,"created_at":1764484000,"type":2,"model_name":"o3","quota":9}]}"#,
    )])
    .await;
    let out = allmhub(&server.url, &["logs", "-n", "2"], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(server.requests()[0].target, "/api/log/token");
    assert_eq!(
        text(&out.stdout),
        "Sun, 30 Nov 2025 06:46:43 GMT  request  gpt-4o-mini  in 812 out 240  quota 1530\n\
         Sun, 30 Nov 2025 06:43:31 GMT  failed   gpt-4o  in 0 out 0  quota 0\n"
    );

    let price_list = r#"{"success":true,"data":[{"model_name":"gpt-4o-mini","quota_type":0,"model_ratio":0.075,"completion_ratio":4,"cache_ratio":0.5},{"model_name":"dall-e-3","quota_type":1,"model_price":0.04},{"model_name":"gpt-image-2","quota_type":0,"billing_mode":"tiered_expr","billing_expr":"tier(\"standard\", p * 5 + c * 30)"}],"group_ratio":{"default":1,"vip":0.5}}"#;
    let server = Server::start(vec![
        Reply::json(200, price_list),
        Reply::json(200, price_list),
        Reply::json(200, price_list),
        Reply::json(200, price_list),
    ])
    .await;
    let out = allmhub(&server.url, &["prices"], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "gpt-4o-mini  input 0.1500, output 0.6000, cached input 0.0750 USD per million tokens\n\
         dall-e-3  0.0400 USD per call\n\
         gpt-image-2  priced by a formula (see --json or the site's pricing page)\n"
    );
    let request = &server.requests()[0];
    assert_eq!(request.target, "/api/pricing");
    assert_eq!(
        request.header("authorization"),
        None,
        "the public price list gets no key"
    );
    let out = allmhub(&server.url, &["prices", "dall-e-3", "--group", "vip", "--json"], "").await;
    let prices: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        prices,
        serde_json::json!([{"model": "dall-e-3", "group": "vip", "per_call": 0.02}])
    );
    let out = allmhub(&server.url, &["prices", "gpt-image-2", "--json"], "").await;
    let prices: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        prices,
        serde_json::json!([{"model": "gpt-image-2", "group": "default", "billing_expr": "tier(\"standard\", p * 5 + c * 30)"}]),
        "the formula, as the gateway sent it"
    );
    let out = allmhub(&server.url, &["prices", "--group", "svip"], "").await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(r#"no group "svip" (it has: default, vip)"#),
        "{}",
        text(&out.stderr)
    );

    let server = Server::start(vec![Reply::json(
        200,
        r#"{"success":true,"data":[{"model_name":"dall-e-3","quota_type":1,"model_price":0.04}]}"#,
    )])
    .await;
    let out = allmhub(&server.url, &["prices", "--group", "vip"], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "dall-e-3  0.0400 USD per call\n",
        "no group ratios: every group at 1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conform_has_the_same_contract_as_the_xtask() {
    let out = allmhub(
        "http://127.0.0.1:9",
        &["conform", "任务", "-"],
        r#"{"id":1,"status":"SUCCESS","extra":true}"#,
    )
    .await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stderr), "$.extra\n");
    let strict = allmhub(
        "http://127.0.0.1:9",
        &["conform", "任务", "--strict"],
        r#"{"id":1,"extra":true}"#,
    )
    .await;
    assert_eq!(strict.status.code(), Some(1));
    let unknown = allmhub("http://127.0.0.1:9", &["conform", "Task"], "{}").await;
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("nearest"), "{}", text(&unknown.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_exit_1_without_echoing_the_key_and_a_missing_key_exits_2() {
    let server = Server::start(vec![Reply::json(
        401,
        r#"{"error":{"message":"无效的令牌","type":"new_api_error"}}"#,
    )])
    .await;
    let out = allmhub(&server.url, &["models"], "").await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("HTTP 401") && stderr.contains("无效的令牌"), "{stderr}");
    assert!(!stderr.contains(KEY) && !text(&out.stdout).contains(KEY));

    let mut command = Command::cargo_bin("allmhub").expect("the binary");
    command.env_remove("ALLMHUB_API_KEY").args(["models"]);
    let out = tokio::task::spawn_blocking(move || command.output().expect("runs"))
        .await
        .expect("joins");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no API key"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imagine_never_resubmits_after_a_5xx_and_says_so() {
    let server = Server::start(vec![
        Reply::json(
            502,
            r#"{"error":{"message":"upstream timed out","type":"upstream_error"}}"#,
        ),
        Reply::json(
            200,
            r#"{"code":1,"description":"提交成功","result":"1730621718151844"}"#,
        ),
    ])
    .await;
    let out = allmhub(&server.url, &["imagine", "Cat", "--poll", "0.01"], "").await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(server.requests().len(), 1, "submitted once");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("upstream timed out"), "{stderr}");
    assert!(stderr.contains("sent once and not repeated"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_cannot_be_followed_is_named_for_later() {
    let server = Server::start(vec![
        Reply::json(
            200,
            r#"{"id":"video_7","object":"video","model":"sora-2","status":"queued","progress":0}"#,
        ),
        Reply::json(500, r#"{"error":{"message":"database is down"}}"#),
    ])
    .await;
    let out = allmhub(&server.url, &["video", "A cat", "--poll", "0.01"], "").await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("created video job video_7"), "{stderr}");
    assert!(stderr.contains("allmhub video --job video_7"), "{stderr}");
    let creations = server
        .requests()
        .iter()
        .filter(|request| request.method == "POST")
        .count();
    assert_eq!(creations, 1, "created once");

    // Following it later submits nothing.
    let server = Server::start(vec![
        video("in_progress", 50, ""),
        video("completed", 100, r#","video_url":"https://cdn.example.com/v.mp4""#),
    ])
    .await;
    let out = allmhub(&server.url, &["video", "--job", "video_1", "--poll", "0.01"], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "https://cdn.example.com/v.mp4\n");
    assert!(server.requests().iter().all(|request| request.method == "GET"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_prints_an_answer_sent_whole_to_a_stream_request() {
    let server = Server::start(vec![Reply::json(
        200,
        r#"{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m",
            "choices":[{"index":0,"message":{"role":"assistant","content":"The whole answer."},"finish_reason":"stop"}]}"#,
    )])
    .await;
    let out = allmhub(&server.url, &["chat", "Hi"], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "The whole answer.\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_environment_variables_are_honoured() {
    // The scripted server plays the proxy: it receives the absolute URL of the gateway it stands in front of.
    let proxy = Server::start(vec![Reply::json(
        200,
        r#"{"object":"list","data":[{"id":"gpt-4o","object":"model"}]}"#,
    )])
    .await;
    let mut command = Command::cargo_bin("allmhub").expect("the binary");
    command
        .env_remove("ALLMHUB_API_KEY")
        .env_remove("ALLMHUB_BASE_URL")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env("HTTP_PROXY", &proxy.url)
        .env("http_proxy", &proxy.url)
        .args(["--api-key", KEY, "--base-url", "http://gateway.invalid", "models"])
        .timeout(std::time::Duration::from_secs(30));
    let out = tokio::task::spawn_blocking(move || command.output().expect("runs"))
        .await
        .expect("joins");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "gpt-4o\n");
    assert_eq!(proxy.requests()[0].target, "http://gateway.invalid/v1/models");
}
