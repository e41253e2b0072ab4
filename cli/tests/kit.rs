//! `allmhub mock` and `allmhub proxy` as processes, with the README's commands run against them: no key, no
//! network beyond 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const KEY: &str = "sk-kit-test-0123456789-SECRET";

fn binary() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_BIN_EXE_allmhub"))
}

/// A server process that is stopped (SIGINT, then kill) when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    /// Starts `allmhub ARGS` and reads the base URL from its first line.
    fn start(args: &[&str]) -> Served {
        let mut child = Command::new(binary())
            .args(args)
            .env_remove("ALLMHUB_API_KEY")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut first = String::new();
        BufReader::new(stdout).read_line(&mut first).expect("the first line");
        let url = first.trim().to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "first line: {first:?}");
        Served { child, url }
    }

    /// Interrupts the process as Ctrl-C would and returns what it wrote to stderr.
    fn interrupt(mut self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status().expect("kill runs");
        assert!(sent.success());
        let status = wait_at_most(&mut self.child, Duration::from_secs(20));
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            use std::io::Read;
            let _ = pipe.read_to_string(&mut stderr);
        }
        (status, stderr)
    }
}

fn wait_at_most(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waits") {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("the process did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a client command of `allmhub` against `url`.
fn allmhub(url: &str, args: &[&str]) -> Output {
    let mut child = Command::new(binary())
        .env("ALLMHUB_BASE_URL", url)
        .env("ALLMHUB_API_KEY", KEY)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    wait_at_most(&mut child, Duration::from_secs(60));
    child.wait_with_output().expect("output")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_quickstart_runs_against_the_mock_with_no_key_and_no_network() {
    let mock = Served::start(&["mock"]);

    let chat = allmhub(&mock.url, &["chat", "Hello!"]);
    assert!(chat.status.success(), "{}", text(&chat.stderr));
    assert!(
        text(&chat.stdout).contains("How can I help you today?"),
        "{}",
        text(&chat.stdout)
    );

    let imagine = allmhub(&mock.url, &["imagine", "a cat playing piano", "--poll", "0.01"]);
    assert!(imagine.status.success(), "{}", text(&imagine.stderr));
    assert!(
        text(&imagine.stdout).trim().starts_with("https://"),
        "{}",
        text(&imagine.stdout)
    );
    assert!(
        text(&imagine.stderr).contains("IN_PROGRESS"),
        "progress lines: {}",
        text(&imagine.stderr)
    );

    let video = allmhub(
        &mock.url,
        &["video", "a calico cat on stage", "--seconds", "8", "--poll", "0.01"],
    );
    assert!(video.status.success(), "{}", text(&video.stderr));
    assert!(
        text(&video.stdout).trim().ends_with("/content"),
        "{}",
        text(&video.stdout)
    );

    let chat_video = allmhub(&mock.url, &["video", "--chat", "-m", "sora_video2", "a cat"]);
    assert!(chat_video.status.success(), "{}", text(&chat_video.stderr));
    assert!(
        text(&chat_video.stdout).contains(".mp4"),
        "{}",
        text(&chat_video.stdout)
    );

    for args in [&["models"][..], &["balance"][..], &["task", "1320098173412546"][..]] {
        let out = allmhub(&mock.url, args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    }

    let (status, stderr) = mock.interrupt();
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("requests served"), "{stderr}");
}

#[test]
fn a_scenario_file_plays_faults_and_a_bad_one_is_a_usage_error() {
    let dir = std::env::temp_dir().join(format!("allmhub-kit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let scenario = dir.join("scenario.yaml");
    std::fs::write(&scenario, "list_models: [\"403\", ok]\n").expect("written");
    let mock = Served::start(&["mock", "--scenario", scenario.to_str().expect("utf-8")]);
    let first = allmhub(&mock.url, &["models"]);
    assert_eq!(first.status.code(), Some(1), "{}", text(&first.stderr));
    assert!(text(&first.stderr).contains("HTTP 403"), "{}", text(&first.stderr));
    let second = allmhub(&mock.url, &["models"]);
    assert!(second.status.success(), "{}", text(&second.stderr));
    drop(mock);

    std::fs::write(&scenario, "list_models: [teapot]\n").expect("written");
    let out = Command::new(binary())
        .args(["mock", "--scenario", scenario.to_str().expect("utf-8")])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unknown fault `teapot`"),
        "{}",
        text(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_proxy_reports_every_exchange_and_summarizes_on_exit_without_credentials() {
    let dir = std::env::temp_dir().join(format!("allmhub-proxy-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let report = dir.join("report.jsonl");
    let recording = dir.join("session.har");
    let mock = Served::start(&["mock"]);
    let proxy = Served::start(&[
        "proxy",
        "--upstream",
        &mock.url,
        "--report",
        report.to_str().expect("utf-8"),
        "--record",
        recording.to_str().expect("utf-8"),
    ]);

    let chat = allmhub(&proxy.url, &["chat", "Hello!"]);
    assert!(chat.status.success(), "{}", text(&chat.stderr));
    let models = allmhub(&proxy.url, &["models"]);
    assert!(models.status.success(), "{}", text(&models.stderr));

    let (status, stderr) = proxy.interrupt();
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.contains("create_chat_completion") && stderr.contains("list_models"),
        "{stderr}"
    );
    let lines = std::fs::read_to_string(&report).expect("the report");
    assert_eq!(lines.lines().count(), 2, "{lines}");
    for line in lines.lines() {
        let line: serde_json::Value = serde_json::from_str(line).expect("JSON");
        assert_eq!(line["request"]["ok"], true, "{line}");
        assert_eq!(line["response"]["ok"], true, "{line}");
    }
    assert!(
        !lines.contains(KEY) && !stderr.contains(KEY),
        "a credential was written"
    );

    // The recording replays without the upstream, and checks like live traffic.
    drop(mock);
    let recorded = std::fs::read_to_string(&recording).expect("the recording");
    assert!(!recorded.contains(KEY), "a credential was recorded");
    let replay = Served::start(&["mock", "--replay", recording.to_str().expect("utf-8")]);
    let models = allmhub(&replay.url, &["models"]);
    assert!(models.status.success(), "{}", text(&models.stderr));
    let (_, stderr) = replay.interrupt();
    assert!(stderr.contains("replaying 2 recorded exchanges"), "{stderr}");
    let checked = Command::new(binary())
        .args(["conform", "--har", recording.to_str().expect("utf-8")])
        .output()
        .expect("runs");
    assert!(checked.status.success(), "{}", text(&checked.stdout));

    std::fs::write(&recording, "not a capture").expect("written");
    let out = Command::new(binary())
        .args(["mock", "--replay", recording.to_str().expect("utf-8")])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not a HAR capture"), "{}", text(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn conform_har_exits_with_the_captures_verdict() {
    let data = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../conform/tests/data");
    let ok = Command::new(binary())
        .args(["conform", "--har"])
        .arg(data.join("conforming.har"))
        .output()
        .expect("runs");
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    let drifted = Command::new(binary())
        .args(["conform", "--json", "--har"])
        .arg(data.join("drifted.har"))
        .output()
        .expect("runs");
    assert_eq!(drifted.status.code(), Some(1));
    assert_eq!(text(&drifted.stdout).lines().count(), 3);
    let missing = Command::new(binary())
        .args(["conform", "--har", "no-such.har"])
        .output()
        .expect("runs");
    assert_eq!(missing.status.code(), Some(2));
}
