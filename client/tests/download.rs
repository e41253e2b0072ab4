//! Downloads against a server on 127.0.0.1: images from base64 or a URL (fetched without the key), video
//! content streamed to a file with progress, and failures that leave no file behind.

mod support;

use std::time::Duration;

use allmhub::download::{DownloadError, DownloadProgress};
use allmhub::types::ImageData;
use support::{KEY, Reply, Server, Then, builder, client, within};

fn image(url: Option<&str>, b64: Option<&str>) -> ImageData {
    serde_json::from_value(serde_json::json!({"url": url, "b64_json": b64})).expect("an image entry")
}

/// Bytes that are not all the same, so that a misplaced piece shows.
fn media(size: usize) -> Vec<u8> {
    (0..size).map(|index| (index * 31 % 251) as u8).collect()
}

#[tokio::test]
async fn images_come_from_base64_or_a_url_fetched_without_the_key() {
    let png = media(300);
    let server = Server::start(vec![Reply::Status {
        status: 200,
        headers: vec![("content-type", "image/png".into())],
        body: png.clone(),
    }])
    .await;
    let client = builder(&server.url)
        .header("x-team", "secret-team")
        .build()
        .expect("client");

    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&png);
    // The gateway sends `"url": ""` next to `b64_json`: empty members count as absent.
    let bytes = within(10, client.image_bytes(&image(Some(""), Some(&encoded))))
        .await
        .expect("decoded");
    assert_eq!(bytes.as_ref(), png.as_slice());
    let data_url = format!("data:image/png;base64,{encoded}");
    let bytes = within(10, client.image_bytes(&image(Some(&data_url), None)))
        .await
        .expect("decoded");
    assert_eq!(bytes.as_ref(), png.as_slice());
    assert!(server.requests().is_empty(), "nothing fetched for base64");

    let url = format!("{}/cdn/cat.png", server.url);
    let bytes = within(10, client.image_bytes(&image(Some(&url), Some(""))))
        .await
        .expect("fetched");
    assert_eq!(bytes.as_ref(), png.as_slice());
    let request = &server.requests()[0];
    assert_eq!(request.target, "/cdn/cat.png");
    for (name, value) in &request.headers {
        assert!(
            !value.contains(KEY) && !value.contains("secret-team"),
            "{name}: {value}"
        );
    }
    assert!(request.header("authorization").is_none() && request.header("x-api-key").is_none());

    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("cat.png");
    let size = within(10, client.save_image(&image(None, Some(&encoded)), &path))
        .await
        .expect("saved");
    assert_eq!(size, 300);
    assert_eq!(std::fs::read(&path).expect("the file"), png);

    let missing: ImageData = serde_json::from_value(
        serde_json::json!({"url": "", "error": {"code": "blocked", "message": "content policy"}}),
    )
    .expect("an entry");
    match client.image_bytes(&missing).await {
        Err(error @ DownloadError::NoImage { .. }) => assert!(error.to_string().contains("content policy"), "{error}"),
        other => panic!("{other:?}"),
    }
    match client.image_bytes(&image(None, Some("not base64!"))).await {
        Err(DownloadError::Http(allmhub::Error::Decode(error))) => assert_eq!(error.path, "$.b64_json"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_video_streams_to_a_file_with_progress() {
    // Chunked, so without a Content-Length: the total is unknown.
    let video = media(1 << 20);
    let pieces = video
        .chunks(64 * 1024)
        .map(|piece| (piece.to_vec(), Duration::ZERO))
        .collect();
    let server = Server::start(vec![Reply::Pieces {
        status: 200,
        content_type: "video/mp4",
        pieces,
        then: Then::End,
    }])
    .await;
    let client = client(&server.url);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("cat.mp4");
    let mut seen: Vec<DownloadProgress> = Vec::new();
    let size = within(
        20,
        client.save_video("video_123", &path, |progress| seen.push(progress)),
    )
    .await
    .expect("saved");
    assert_eq!(size, video.len() as u64);
    assert_eq!(std::fs::read(&path).expect("the file"), video);
    assert!(seen.len() > 1, "progress after each piece");
    assert!(seen.windows(2).all(|pair| pair[0].received < pair[1].received));
    assert_eq!(seen.last().map(|progress| progress.received), Some(size));
    assert!(seen.iter().all(|progress| progress.total.is_none()));
    let request = &server.requests()[0];
    assert_eq!(request.target, "/v1/videos/video_123/content");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {KEY}").as_str()),
        "through the gateway, with the key"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("the directory").count(),
        1,
        "no part file left"
    );
}

#[tokio::test]
async fn downloads_report_the_announced_size() {
    let video = media(20_000);
    let server = Server::start(vec![Reply::Status {
        status: 200,
        headers: vec![("content-type", "video/mp4".into())],
        body: video.clone(),
    }])
    .await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("job.mp4");
    let mut last = None;
    within(
        10,
        client(&server.url).save_video("video_9", &path, |progress| last = Some(progress)),
    )
    .await
    .expect("saved");
    assert_eq!(
        last.map(|progress| (progress.received, progress.total)),
        Some((20_000, Some(20_000)))
    );
}

#[tokio::test]
async fn a_url_download_reports_the_announced_size() {
    let video = media(10_000);
    let server = Server::start(vec![Reply::Status {
        status: 200,
        headers: vec![("content-type", "video/mp4".into())],
        body: video.clone(),
    }])
    .await;
    let client = client(&server.url);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("clip.mp4");
    let mut last = None;
    let url = format!("{}/files/clip.mp4", server.url);
    within(10, client.save_url(&url, &path, |progress| last = Some(progress)))
        .await
        .expect("saved");
    let last = last.expect("progress");
    assert_eq!((last.received, last.total), (10_000, Some(10_000)));
    assert_eq!(std::fs::read(&path).expect("the file"), video);
}

#[tokio::test]
async fn failed_downloads_leave_no_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("broken.mp4");

    // Cut mid-body.
    let server = Server::start(vec![Reply::Pieces {
        status: 200,
        content_type: "video/mp4",
        pieces: vec![(media(1000), Duration::ZERO)],
        then: Then::Cut,
    }])
    .await;
    let result = within(
        10,
        client(&server.url).save_url(&format!("{}/v.mp4", server.url), &path, |_| {}),
    )
    .await;
    assert!(
        matches!(result, Err(DownloadError::Http(allmhub::Error::Connection(_)))),
        "{result:?}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).expect("the directory").count(), 0);

    // Stalled mid-body: the idle timeout ends it.
    let server = Server::start(vec![Reply::Pieces {
        status: 200,
        content_type: "video/mp4",
        pieces: vec![(media(1000), Duration::ZERO)],
        then: Then::Stall,
    }])
    .await;
    let client_with_idle = builder(&server.url)
        .stream_idle_timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let result = within(
        10,
        client_with_idle.save_url(&format!("{}/v.mp4", server.url), &path, |_| {}),
    )
    .await;
    match result {
        Err(DownloadError::Http(allmhub::Error::Timeout(timeout))) => {
            assert_eq!(timeout.kind, allmhub::TimeoutKind::StreamIdle)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(std::fs::read_dir(dir.path()).expect("the directory").count(), 0);

    // Not found.
    let server = Server::start(vec![Reply::json(404, "{\"error\":\"no such file\"}")]).await;
    match within(
        10,
        client(&server.url).save_url(&format!("{}/gone.mp4", server.url), &path, |_| {}),
    )
    .await
    {
        Err(DownloadError::Http(error)) => assert_eq!(error.status(), Some(404)),
        other => panic!("{other:?}"),
    }
    assert!(!path.exists());

    // A file that cannot be created is a file error naming it.
    let nowhere = dir.path().join("no-such-dir").join("x.mp4");
    match client(&server.url)
        .save_url("data:video/mp4;base64,AAAA", &nowhere, |_| {})
        .await
    {
        Err(error @ DownloadError::File { .. }) => assert!(error.to_string().contains("no-such-dir"), "{error}"),
        other => panic!("{other:?}"),
    }
    // Only web and data URLs are fetched.
    assert!(matches!(
        client(&server.url).url_bytes("file:///etc/passwd").await,
        Err(DownloadError::Http(allmhub::Error::Request(_)))
    ));
}
