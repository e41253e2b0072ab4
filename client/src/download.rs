//! Downloads: the images of an answer as bytes or files, a video job's content or any media URL to a file
//! with progress, streamed to disk (memory stays bounded whatever the size).
//!
//! ```no_run
//! # async fn run(client: allmhub::Client, answer: allmhub::types::ImageResponse) -> Result<(), allmhub::download::DownloadError> {
//! let image = answer.data.iter().flatten().next().expect("an image"); // `data` may be null
//! let bytes = client.image_bytes(image).await?;                       // b64_json decoded, or url fetched
//! client.save_image(image, "cat.png").await?;                         // the same, to a file
//! client.save_video("video_123", "cat.mp4", |p| eprintln!("{} bytes", p.received)).await?;
//! # Ok(()) }
//! ```
//!
//! A URL taken from an answer points anywhere (a CDN, the channel's storage): it is fetched with the client's
//! connection pool and timeouts but **without** the API key or the client's extra headers. A file is written
//! under `<name>.part` and renamed when complete, so a broken download never looks finished.

// Which helpers are used depends on the API families compiled in.
#![cfg_attr(not(all(feature = "images", feature = "videos")), allow(dead_code, unused_imports))]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::error::{ApiError, DecodeError, Timeout, TimeoutKind, snippet};
use crate::{Client, Error};

/// Why a download failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DownloadError {
    /// The request failed: HTTP error, timeout, broken connection, or content that does not decode.
    #[error(transparent)]
    Http(#[from] Error),
    /// Writing the file failed.
    #[error("cannot write {}: {source}", path.display())]
    File {
        /// The file being written.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The image entry has no picture: neither `b64_json` nor `url` (a per-image error, for some models).
    #[error("the image has neither b64_json nor url{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    NoImage {
        /// The entry's `error.message`, when it has one.
        message: Option<String>,
    },
}

/// How far a download is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadProgress {
    /// Bytes written so far.
    pub received: u64,
    /// The size announced by the server (`Content-Length`), when it announced one.
    pub total: Option<u64>,
}

impl Client {
    /// The bytes of a generated image: `b64_json` decoded, or `url` fetched (a `data:` URL decoded).
    #[cfg(feature = "images")]
    pub async fn image_bytes(&self, image: &allmhub_types::ImageData) -> Result<Bytes, DownloadError> {
        match image_source(image)? {
            Source::Base64(data) => Ok(decode_base64(data, "$.b64_json")?),
            Source::Url(url) => self.url_bytes(url).await,
        }
    }

    /// Writes a generated image to `path` (see [`image_bytes`](Self::image_bytes)); returns its size.
    #[cfg(feature = "images")]
    pub async fn save_image(
        &self,
        image: &allmhub_types::ImageData,
        path: impl AsRef<Path>,
    ) -> Result<u64, DownloadError> {
        match image_source(image)? {
            Source::Base64(data) => {
                let bytes = decode_base64(data, "$.b64_json")?;
                let chunks = futures_util::stream::iter([Ok::<_, Error>(bytes)]);
                write_file(path.as_ref(), chunks, None, |_| {}).await
            }
            Source::Url(url) => self.save_url(url, path, |_| {}).await,
        }
    }

    /// Writes the video of a completed job (`GET /v1/videos/{id}/content`, through the gateway, with the
    /// key) to `path`, calling `progress` after each piece; returns its size.
    #[cfg(feature = "videos")]
    pub async fn save_video(
        &self,
        video_id: &str,
        path: impl AsRef<Path>,
        progress: impl FnMut(DownloadProgress),
    ) -> Result<u64, DownloadError> {
        let stream = self
            .videos()
            .download_content_stream(video_id, Default::default())
            .await?;
        let total = stream.content_length();
        write_file(path.as_ref(), stream, total, progress).await
    }

    /// Writes the media at `url` — a URL from an answer: a video link, an image on a CDN, a `data:` URL — to
    /// `path`, calling `progress` after each piece; returns its size. The API key is not sent.
    pub async fn save_url(
        &self,
        url: &str,
        path: impl AsRef<Path>,
        progress: impl FnMut(DownloadProgress),
    ) -> Result<u64, DownloadError> {
        if let Some(data) = data_url(url)? {
            let bytes = decode_base64(data, "$.url")?;
            let chunks = futures_util::stream::iter([Ok::<_, Error>(bytes)]);
            return write_file(path.as_ref(), chunks, None, progress).await;
        }
        let response = self.fetch(url, None).await?;
        let total = response.content_length();
        let idle = self.config().stream_idle_timeout;
        let chunks = response.bytes_stream().map(|chunk| chunk.map_err(connection));
        write_file(path.as_ref(), with_idle_timeout(chunks, idle), total, progress).await
    }

    /// The bytes at a URL from an answer (see [`save_url`](Self::save_url)), whole, within the request
    /// timeout.
    pub async fn url_bytes(&self, url: &str) -> Result<Bytes, DownloadError> {
        if let Some(data) = data_url(url)? {
            return Ok(decode_base64(data, "$.url")?);
        }
        let timeout = self.config().timeout;
        let response = self.fetch(url, Some(timeout)).await?;
        Ok(response.bytes().await.map_err(connection)?)
    }

    /// A GET of a third-party URL: the client's connection pool, none of its headers.
    async fn fetch(&self, url: &str, timeout: Option<Duration>) -> Result<reqwest::Response, Error> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(Error::Request(format!(
                "cannot download {url:?}: only http, https and data URLs are fetched"
            )));
        }
        let mut request = self.http().get(url);
        if let Some(timeout) = timeout {
            request = request.timeout(timeout);
        }
        let response = request.send().await.map_err(|error| {
            if error.is_timeout() {
                let kind = if error.is_connect() {
                    TimeoutKind::Connect
                } else {
                    TimeoutKind::Request
                };
                Error::Timeout(Timeout::new(kind, timeout.unwrap_or(self.config().connect_timeout)))
            } else {
                connection(error)
            }
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.bytes().await.unwrap_or_default();
        let raw = (!body.is_empty()).then(|| snippet(&body));
        Err(Error::Api(Box::new(ApiError::new(status.as_u16(), None, raw))))
    }
}

enum Source<'a> {
    Base64(&'a str),
    Url(&'a str),
}

/// Where an image entry's picture is; empty members count as absent (the gateway sends `"url": ""`).
#[cfg(feature = "images")]
fn image_source(image: &allmhub_types::ImageData) -> Result<Source<'_>, DownloadError> {
    fn present(value: &Option<String>) -> Option<&str> {
        value.as_deref().map(str::trim).filter(|value| !value.is_empty())
    }
    if let Some(data) = present(&image.b64_json) {
        return Ok(Source::Base64(data));
    }
    if let Some(url) = present(&image.url) {
        return Ok(Source::Url(url));
    }
    Err(DownloadError::NoImage {
        message: image.error.as_ref().and_then(|error| error.message.clone()),
    })
}

/// The base64 payload of a `data:` URL (`None` for other URLs).
fn data_url(url: &str) -> Result<Option<&str>, Error> {
    let Some(rest) = url.strip_prefix("data:") else {
        return Ok(None);
    };
    match rest.split_once(',') {
        Some((kind, data)) if kind.ends_with(";base64") => Ok(Some(data)),
        _ => Err(Error::Request(
            "a data: URL without base64 content cannot be saved as bytes".to_owned(),
        )),
    }
}

/// Decodes base64 as servers send it: the standard alphabet, padded or not, or the URL-safe one; a
/// `data:…;base64,` prefix and line breaks are tolerated.
fn decode_base64(text: &str, path: &str) -> Result<Bytes, Error> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let text = match data_url(text) {
        Ok(Some(data)) => data,
        _ => text,
    };
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut first_error = None;
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        match engine.decode(&compact) {
            Ok(bytes) => return Ok(Bytes::from(bytes)),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    let message = format!(
        "not base64: {}",
        first_error.map(|error| error.to_string()).unwrap_or_default()
    );
    Err(Error::Decode(Box::new(DecodeError::new(
        200,
        path.to_owned(),
        message,
        text.as_bytes(),
    ))))
}

/// A failed or broken connection to a third-party host.
fn connection(error: reqwest::Error) -> Error {
    Error::Connection(error)
}

/// Ends `chunks` with a timeout error when no piece arrives for `idle`.
fn with_idle_timeout<S>(chunks: S, idle: Duration) -> impl Stream<Item = Result<Bytes, Error>>
where
    S: Stream<Item = Result<Bytes, Error>> + Unpin,
{
    futures_util::stream::unfold(Some(chunks), move |state| async move {
        let mut chunks = state?;
        match tokio::time::timeout(idle, chunks.next()).await {
            Ok(Some(item)) => Some((item, Some(chunks))),
            Ok(None) => None,
            Err(_) => Some((Err(Error::Timeout(Timeout::new(TimeoutKind::StreamIdle, idle))), None)),
        }
    })
}

/// Streams `chunks` into `<path>.part`, then renames it to `path`; on failure the part file is removed.
async fn write_file<S>(
    path: &Path,
    chunks: S,
    total: Option<u64>,
    mut progress: impl FnMut(DownloadProgress),
) -> Result<u64, DownloadError>
where
    S: Stream<Item = Result<Bytes, Error>>,
{
    let mut part = OsString::from(path.as_os_str());
    part.push(".part");
    let part = PathBuf::from(part);
    let file_error = |path: &Path| {
        let path = path.to_owned();
        move |source| DownloadError::File { path, source }
    };
    let mut file = tokio::fs::File::create(&part).await.map_err(file_error(&part))?;
    let written = async {
        let mut chunks = std::pin::pin!(chunks);
        let mut received = 0u64;
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk?;
            file.write_all(&chunk).await.map_err(file_error(&part))?;
            received += chunk.len() as u64;
            progress(DownloadProgress { received, total });
        }
        file.flush().await.map_err(file_error(&part))?;
        file.sync_all().await.map_err(file_error(&part))?;
        Ok::<_, DownloadError>(received)
    }
    .await;
    drop(file);
    match written {
        Ok(received) => {
            tokio::fs::rename(&part, path).await.map_err(file_error(path))?;
            Ok(received)
        }
        Err(error) => {
            // A part file left behind would only mislead; the error says what happened.
            let _ = tokio::fs::remove_file(&part).await;
            Err(error)
        }
    }
}
