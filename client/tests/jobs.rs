//! Waiters against a scripted server: a job that succeeds, one that fails, one that never finishes, and a
//! status this version does not know.

mod support;

use std::time::{Duration, Instant};

use allmhub::Error;
use allmhub::jobs::{JobErrorKind, JobState, WaitOptions};
use futures_util::StreamExt;
use support::{Reply, Server, client, within};

fn fast() -> WaitOptions {
    WaitOptions::default().delays(Duration::from_millis(10), Duration::from_millis(40))
}

fn task(status: &str, progress: &str) -> Reply {
    Reply::json(
        200,
        &format!(
            r#"{{"id":"1730621718151844","action":"IMAGINE","status":"{status}","progress":"{progress}","imageUrl":"https://cdn.example.com/cat.png","failReason":""}}"#
        ),
    )
}

#[tokio::test]
async fn a_midjourney_task_is_watched_to_success() {
    let server = Server::start(vec![
        task("SUBMITTED", "0%"),
        task("IN_PROGRESS", "45%"),
        task("IN_PROGRESS", "30%"),
        task("SUCCESS", "100%"),
    ])
    .await;
    let client = client(&server.url);
    let updates: Vec<_> = within(
        10,
        client
            .midjourney()
            .watch("1730621718151844", fast())
            .collect::<Vec<_>>(),
    )
    .await;
    let updates: Vec<_> = updates.into_iter().collect::<Result<_, _>>().expect("no error");
    let percents: Vec<Option<f64>> = updates.iter().map(|update| update.percent).collect();
    assert_eq!(percents, [Some(0.0), Some(45.0), Some(30.0), Some(100.0)]);
    assert_eq!(updates[2].max_percent, Some(45.0), "the maximum does not go down");
    assert_eq!(updates[3].state, JobState::Succeeded);
    assert!(
        server
            .requests()
            .iter()
            .all(|request| request.target == "/mj/task/1730621718151844/fetch")
    );
}

#[tokio::test]
async fn wait_returns_the_finished_task() {
    let server = Server::start(vec![task("IN_PROGRESS", "10%"), task("SUCCESS", "100%")]).await;
    let done = within(10, client(&server.url).midjourney().wait("1730621718151844", fast()))
        .await
        .expect("success");
    assert_eq!(done.image_url.as_deref(), Some("https://cdn.example.com/cat.png"));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_failed_task_is_a_typed_error_with_the_servers_reason() {
    let failure = Reply::json(
        200,
        r#"{"id":"9","status":"FAILURE","progress":"","failReason":"banned prompt: gore"}"#,
    );
    let server = Server::start(vec![task("IN_PROGRESS", "5%"), failure]).await;
    let error = within(10, client(&server.url).midjourney().wait("9", fast()))
        .await
        .expect_err("fails");
    let Error::Job(job) = error else {
        panic!("a job error, got {error:?}")
    };
    assert_eq!(job.kind, JobErrorKind::Failed(Some("banned prompt: gore".into())));
    assert_eq!(job.status, "FAILURE");
    assert_eq!(job.id, "9");
}

#[tokio::test]
async fn a_job_that_never_finishes_hits_the_deadline() {
    let server = Server::start(vec![task("IN_PROGRESS", "50%")]).await;
    let started = Instant::now();
    let options = fast().deadline(Duration::from_millis(300));
    let error = within(10, client(&server.url).midjourney().wait("7", options))
        .await
        .expect_err("deadline");
    let Error::Job(job) = error else {
        panic!("a job error, got {error:?}")
    };
    assert_eq!(job.kind, JobErrorKind::DeadlineExceeded(Duration::from_millis(300)));
    assert_eq!(job.status, "IN_PROGRESS");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    assert!(server.requests().len() >= 3, "it kept polling until the deadline");
}

#[tokio::test]
async fn an_unknown_status_is_reported_and_polling_goes_on() {
    let server = Server::start(vec![task("PAUSED", ""), task("SUCCESS", "100%")]).await;
    let updates: Vec<_> = within(
        10,
        client(&server.url).midjourney().watch("1", fast()).collect::<Vec<_>>(),
    )
    .await;
    let first = updates[0].as_ref().expect("an update");
    assert_eq!(first.status, "PAUSED");
    assert_eq!(first.state, JobState::Running);
    assert_eq!(first.percent, None, "an empty progress is no percentage");
    assert!(matches!(updates.last(), Some(Ok(update)) if update.state == JobState::Succeeded));
}

#[tokio::test]
async fn dropping_the_wait_stops_the_polling() {
    let server = Server::start(vec![task("IN_PROGRESS", "1%")]).await;
    let client = client(&server.url);
    let outcome = tokio::time::timeout(Duration::from_millis(150), client.midjourney().wait("1", fast())).await;
    assert!(outcome.is_err(), "still waiting when dropped");
    let seen = server.requests().len();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(server.requests().len(), seen, "no request after the drop");
}

fn video(status: &str, progress: u32, extra: &str) -> Reply {
    Reply::json(
        200,
        &format!(
            r#"{{"id":"video_123","object":"video","model":"sora-2","status":"{status}","progress":{progress}{extra}}}"#
        ),
    )
}

#[tokio::test]
async fn a_video_job_is_waited_for_and_its_failure_reason_kept() {
    let server = Server::start(vec![
        video("queued", 0, ""),
        video("in_progress", 40, ""),
        video("completed", 100, r#","metadata":{"url":"https://v.example.com/1.mp4"}"#),
    ])
    .await;
    let done = within(10, client(&server.url).videos().wait("video_123", fast()))
        .await
        .expect("completes");
    assert_eq!(done.progress, 100);
    assert_eq!(server.requests()[0].target, "/v1/videos/video_123");

    let server = Server::start(vec![
        video("in_progress", 10, ""),
        video(
            "failed",
            10,
            r#","error":{"message":"content policy violation","code":""}"#,
        ),
    ])
    .await;
    let error = within(10, client(&server.url).videos().wait("video_123", fast()))
        .await
        .expect_err("fails");
    let Error::Job(job) = error else {
        panic!("a job error, got {error:?}")
    };
    assert_eq!(job.kind, JobErrorKind::Failed(Some("content policy violation".into())));
}
