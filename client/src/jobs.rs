//! Waiting for long jobs: Midjourney tasks and video jobs are submitted, then polled until they end.
//!
//! `watch` polls with growing intervals and yields a [`JobUpdate`] per look; `wait` keeps only the end. Both
//! stop at the deadline, and dropping them stops the polling (nothing runs in the background).

use std::time::Duration;

#[cfg(feature = "midjourney")]
use allmhub_types::{MjTask, MjTaskStatus};
#[cfg(feature = "videos")]
use allmhub_types::{VideoStatus, VideoTask};
use futures_core::Stream;
use futures_util::StreamExt;
use tokio::time::Instant;

use crate::Error;
#[cfg(feature = "midjourney")]
use crate::Midjourney;
#[cfg(feature = "videos")]
use crate::Videos;

/// How a waiter polls.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct WaitOptions {
    /// Delay before the second look (the first is immediate); default 2 s.
    pub first_delay: Duration,
    /// Longest delay between two looks; default 15 s.
    pub max_delay: Duration,
    /// Growth of the delay after each look; default 1.5.
    pub factor: f64,
    /// Give up after this long; default 30 minutes.
    pub deadline: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            first_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(15),
            factor: 1.5,
            deadline: Duration::from_secs(30 * 60),
        }
    }
}

impl WaitOptions {
    /// Sets the deadline.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets the first and the longest delay between looks.
    pub fn delays(mut self, first: Duration, max: Duration) -> Self {
        self.first_delay = first;
        self.max_delay = max;
        self
    }

    /// Sets the growth of the delay after each look (at least 1).
    pub fn factor(mut self, factor: f64) -> Self {
        self.factor = factor.max(1.0);
        self
    }
}

/// Where a job stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobState {
    /// Still going (or in a state this version does not know).
    Running,
    /// Finished with a result.
    Succeeded,
    /// Ended without a result, with the reason the server gave.
    Failed(Option<String>),
}

/// A job that can be polled to its end.
pub trait Job {
    /// The status as the server wrote it.
    fn status_text(&self) -> String;
    /// The progress in percent, when the server gave one.
    fn percent(&self) -> Option<f64>;
    /// Where the job stands.
    fn state(&self) -> JobState;
}

#[cfg(feature = "midjourney")]
impl Job for MjTask {
    fn status_text(&self) -> String {
        self.status
            .as_ref()
            .map(|status| status.as_str().to_owned())
            .unwrap_or_default()
    }

    /// Midjourney sends progress as text such as `"45%"` (`""` before it starts).
    fn percent(&self) -> Option<f64> {
        let text = self.progress.as_deref()?.trim().trim_end_matches('%').trim();
        text.parse().ok()
    }

    fn state(&self) -> JobState {
        match &self.status {
            Some(MjTaskStatus::Success) => JobState::Succeeded,
            Some(MjTaskStatus::Failure | MjTaskStatus::Cancel) => {
                JobState::Failed(self.fail_reason.clone().filter(|reason| !reason.is_empty()))
            }
            _ => JobState::Running,
        }
    }
}

#[cfg(feature = "videos")]
impl Job for VideoTask {
    fn status_text(&self) -> String {
        self.status.as_str().to_owned()
    }

    fn percent(&self) -> Option<f64> {
        Some(self.progress as f64)
    }

    fn state(&self) -> JobState {
        match &self.status {
            VideoStatus::Completed => JobState::Succeeded,
            VideoStatus::Failed => JobState::Failed(
                self.error
                    .as_ref()
                    .map(|error| error.message.clone())
                    .filter(|message| !message.is_empty()),
            ),
            _ => JobState::Running,
        }
    }
}

/// One look at a running job.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct JobUpdate<T> {
    /// The status as the server wrote it (an unknown status is reported as it is).
    pub status: String,
    /// The progress in percent, when the server gave one; it may go down.
    pub percent: Option<f64>,
    /// The highest percentage so far, for progress bars.
    pub max_percent: Option<f64>,
    /// Where the job stands.
    pub state: JobState,
    /// The job as the server returned it.
    pub job: T,
}

/// Why waiting for a job failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JobError {
    /// The job id.
    pub id: String,
    /// The last status seen.
    pub status: String,
    /// What happened.
    pub kind: JobErrorKind,
}

/// How a job ended badly.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobErrorKind {
    /// The server reported a failure, with its reason.
    Failed(Option<String>),
    /// The deadline passed while the job was still running.
    DeadlineExceeded(Duration),
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            JobErrorKind::Failed(Some(reason)) => write!(f, "job {} failed ({}): {reason}", self.id, self.status),
            JobErrorKind::Failed(None) => write!(f, "job {} failed ({})", self.id, self.status),
            JobErrorKind::DeadlineExceeded(after) => {
                write!(f, "job {} still {} after {after:?}", self.id, self.status)
            }
        }
    }
}

impl std::error::Error for JobError {}

/// Polls `look` until the job ends; see `Midjourney::watch`.
#[cfg_attr(not(any(feature = "midjourney", feature = "videos")), allow(dead_code))]
fn watch_job<'a, T, F, Fut>(
    id: String,
    options: WaitOptions,
    look: F,
) -> impl Stream<Item = Result<JobUpdate<T>, Error>> + 'a
where
    T: Job + 'a,
    F: FnMut() -> Fut + 'a,
    Fut: Future<Output = Result<T, Error>> + 'a,
{
    struct State<F> {
        look: F,
        id: String,
        options: WaitOptions,
        started: Instant,
        delay: Option<Duration>,
        max_percent: Option<f64>,
        last_status: String,
        ended: bool,
        pending_error: Option<Error>,
    }

    let state = State {
        look,
        id,
        options,
        started: Instant::now(),
        delay: None,
        max_percent: None,
        last_status: String::new(),
        ended: false,
        pending_error: None,
    };
    futures_util::stream::unfold(state, |mut state| async move {
        if let Some(error) = state.pending_error.take() {
            return Some((Err(error), state));
        }
        if state.ended {
            return None;
        }
        if let Some(delay) = state.delay {
            let elapsed = state.started.elapsed();
            if elapsed + delay > state.options.deadline {
                // Sleep what is left, look once more, then give up.
                tokio::time::sleep(state.options.deadline.saturating_sub(elapsed)).await;
            } else {
                tokio::time::sleep(delay).await;
            }
        }
        let job = match (state.look)().await {
            Ok(job) => job,
            Err(error) => {
                state.ended = true;
                return Some((Err(error), state));
            }
        };
        let percent = job.percent();
        if let Some(percent) = percent {
            state.max_percent = Some(state.max_percent.map_or(percent, |max| max.max(percent)));
        }
        let job_state = job.state();
        state.last_status = job.status_text();
        match &job_state {
            JobState::Running if state.started.elapsed() >= state.options.deadline => {
                state.ended = true;
                state.pending_error = Some(Error::Job(JobError {
                    id: state.id.clone(),
                    status: state.last_status.clone(),
                    kind: JobErrorKind::DeadlineExceeded(state.options.deadline),
                }));
            }
            JobState::Running => {
                let next = match state.delay {
                    None => state.options.first_delay,
                    Some(delay) => delay.mul_f64(state.options.factor).min(state.options.max_delay),
                };
                state.delay = Some(next);
            }
            JobState::Succeeded => state.ended = true,
            JobState::Failed(reason) => {
                state.ended = true;
                state.pending_error = Some(Error::Job(JobError {
                    id: state.id.clone(),
                    status: state.last_status.clone(),
                    kind: JobErrorKind::Failed(reason.clone()),
                }));
            }
        }
        let update = JobUpdate {
            status: state.last_status.clone(),
            percent,
            max_percent: state.max_percent,
            state: job_state,
            job,
        };
        Some((Ok(update), state))
    })
}

/// The last update of a watch, when the job succeeded.
#[cfg_attr(not(any(feature = "midjourney", feature = "videos")), allow(dead_code))]
async fn finish<T>(updates: impl Stream<Item = Result<JobUpdate<T>, Error>>) -> Result<T, Error> {
    let mut updates = std::pin::pin!(updates);
    let mut last = None;
    while let Some(update) = updates.next().await {
        last = Some(update?.job);
    }
    last.ok_or_else(|| Error::Request("the job was never looked at".to_owned()))
}

#[cfg(feature = "midjourney")]
impl<'a> Midjourney<'a> {
    /// Polls `GET /mj/task/{id}/fetch` until the task succeeds, fails or is cancelled, yielding each look.
    /// A failed task ends the stream with [`Error::Job`] carrying `failReason`; so does the deadline.
    pub fn watch(
        &self,
        task_id: &str,
        options: WaitOptions,
    ) -> impl Stream<Item = Result<JobUpdate<MjTask>, Error>> + 'a {
        let this = *self;
        let id = task_id.to_owned();
        watch_job(id.clone(), options, move || {
            let id = id.clone();
            async move { this.fetch_task(&id).await }
        })
    }

    /// Waits for a task to succeed and returns it (see [`watch`](Self::watch)).
    pub async fn wait(&self, task_id: &str, options: WaitOptions) -> Result<MjTask, Error> {
        finish(self.watch(task_id, options)).await
    }
}

#[cfg(feature = "videos")]
impl<'a> Videos<'a> {
    /// Polls `GET /v1/videos/{video_id}` until the job completes or fails, yielding each look. A failed job
    /// ends the stream with [`Error::Job`] carrying the server's error message; so does the deadline.
    pub fn watch(
        &self,
        video_id: &str,
        options: WaitOptions,
    ) -> impl Stream<Item = Result<JobUpdate<VideoTask>, Error>> + 'a {
        let this = *self;
        let id = video_id.to_owned();
        watch_job(id.clone(), options, move || {
            let id = id.clone();
            async move { this.retrieve(&id).await }
        })
    }

    /// Waits for a video job to complete and returns it (see [`watch`](Self::watch)).
    pub async fn wait(&self, video_id: &str, options: WaitOptions) -> Result<VideoTask, Error> {
        finish(self.watch(video_id, options)).await
    }
}
