//! Long jobs as the real gateway runs them, followed through the generated client.

mod support;

use allmhub::types::{MjImagineRequest, MjTaskStatus, VideoRequest, VideoStatus};
use allmhub_mock::MockServer;
use support::{client, within};

#[tokio::test]
async fn a_midjourney_task_moves_on_with_each_fetch() {
    let mock = MockServer::start().await;
    let client = client(mock.url());
    let submitted = within(10, client.midjourney().submit_imagine(&MjImagineRequest::new("a cat")))
        .await
        .expect("submitted");
    let id = submitted.result.expect("a task id").into_string();
    assert_eq!(id.len(), 19, "{id}");
    assert!(id.chars().all(|c| c.is_ascii_digit()), "{id}");
    let second = within(10, client.midjourney().submit_imagine(&MjImagineRequest::new("a dog")))
        .await
        .expect("submitted")
        .result
        .expect("a task id");
    assert_ne!(second.as_str(), id, "every submission gets a fresh id");

    let mut seen = Vec::new();
    let mut progress = Vec::new();
    for _ in 0..6 {
        let task = within(10, client.midjourney().fetch_task(&id)).await.expect("a task");
        assert_eq!(task.id.as_str(), id);
        assert_eq!(task.prompt.as_deref(), Some("a cat"));
        seen.push(task.status.clone().expect("a status"));
        progress.push(task.progress.clone().unwrap_or_default());
        if task.status == Some(MjTaskStatus::Success) {
            assert!(task.image_url.is_some_and(|url| url.starts_with("https://")));
            assert!(task.buttons.is_some_and(|buttons| !buttons.is_empty()));
        } else {
            assert_eq!(task.image_url.as_deref(), Some(""), "no image before success");
        }
    }
    assert_eq!(
        seen,
        [
            MjTaskStatus::NotStart,
            MjTaskStatus::Submitted,
            MjTaskStatus::InProgress,
            MjTaskStatus::InProgress,
            MjTaskStatus::Success,
            MjTaskStatus::Success
        ]
    );
    assert_eq!(progress[2..5], ["30%", "70%", "100%"]);
    assert_eq!(mock.jobs_accepted(), 2);

    let unknown = within(10, client.midjourney().fetch_task("1111111111111111111"))
        .await
        .expect_err("an unknown task");
    assert_eq!(unknown.status(), Some(400));
}

#[tokio::test]
async fn a_video_job_goes_queued_in_progress_back_once_then_completed_with_mp4_content() {
    let mock = MockServer::start().await;
    let client = client(mock.url());
    let mut request = VideoRequest::new("sora-2", "a calico cat playing a piano");
    request.seconds = Some("8".to_owned());
    let job = within(10, client.videos().create(&request)).await.expect("created");
    assert_eq!(job.status, VideoStatus::Queued);
    assert_eq!(job.model.as_deref(), Some("sora-2"));
    let mut statuses = Vec::new();
    let mut progress = Vec::new();
    loop {
        let look = within(10, client.videos().retrieve(&job.id)).await.expect("a look");
        assert_eq!(look.id, job.id);
        assert_eq!(look.prompt.as_deref(), Some("a calico cat playing a piano"));
        statuses.push(look.status.clone());
        progress.push(look.progress);
        if look.status == VideoStatus::Completed {
            assert!(look.video_url.is_some_and(|url| url.ends_with("/content")));
            break;
        }
        assert!(statuses.len() < 10, "never completed: {statuses:?}");
    }
    assert_eq!(statuses.first(), Some(&VideoStatus::Queued));
    assert!(
        statuses[1..statuses.len() - 1]
            .iter()
            .all(|status| *status == VideoStatus::InProgress)
    );
    let backwards = progress.windows(2).filter(|pair| pair[1] < pair[0]).count();
    assert_eq!(
        backwards, 1,
        "progress goes back once, as the gateway reports it: {progress:?}"
    );
    assert_eq!(progress.last(), Some(&100));

    let bytes = within(10, client.videos().download_content(&job.id, Default::default()))
        .await
        .expect("content");
    assert_eq!(&bytes[4..8], b"ftyp", "an MP4 header");
    let unknown = within(10, client.videos().retrieve("task_unknown"))
        .await
        .expect_err("unknown");
    assert_eq!(unknown.status(), Some(400));
}

#[tokio::test]
async fn the_wait_helpers_of_the_client_follow_mock_jobs_to_their_end() {
    let mock = MockServer::start().await;
    let client = client(mock.url());
    let options = allmhub::jobs::WaitOptions::default()
        .delays(std::time::Duration::from_millis(1), std::time::Duration::from_millis(5));
    let submitted = within(10, client.midjourney().submit_imagine(&MjImagineRequest::new("a cat")))
        .await
        .expect("submitted");
    let id = submitted.result.expect("an id");
    let task = within(10, client.midjourney().wait(id.as_str(), options))
        .await
        .expect("done");
    assert_eq!(task.status, Some(MjTaskStatus::Success));
    let job = within(
        10,
        client.videos().create(&VideoRequest::new("veo3.1-fast", "a forest")),
    )
    .await
    .expect("created");
    let done = within(10, client.videos().wait(&job.id, options)).await.expect("done");
    assert_eq!(done.status, VideoStatus::Completed);
    assert_eq!(done.model.as_deref(), Some("veo3.1-fast"));
}
