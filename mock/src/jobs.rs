//! Long jobs as the gateway runs them: a Midjourney submission gets a fresh task id and each fetch moves the
//! task on (NOT_START → SUBMITTED → IN_PROGRESS with rising progress → SUCCESS with its image and buttons);
//! a video job goes queued → in_progress (progress rising, going back once, as the real gateway reports
//! it) → completed, and its content is an MP4.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use allmhub_conform::catalog;
use allmhub_types::{Method, Operation, ParamLocation};

use crate::json;
use crate::names::{self, JobSchema};

/// What an operation does to long jobs, read from its descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Submits a Midjourney task.
    MjSubmit,
    /// Looks at one Midjourney task.
    MjFetch,
    /// Looks at several Midjourney tasks.
    MjList,
    /// Creates a video job.
    VideoCreate,
    /// Looks at a video job.
    VideoRetrieve,
    /// Downloads a job's result.
    JobContent,
    /// Nothing to do with jobs.
    Plain,
}

/// The role of an operation: by the schema of its answer, its method and its path parameters.
pub(crate) fn role(op: &Operation) -> Role {
    let by_id = op.params.iter().any(|param| param.location == ParamLocation::Path);
    match (op.response.json.and_then(names::job_schema), op.method) {
        (Some(JobSchema::MjSubmitted), _) => Role::MjSubmit,
        (Some(JobSchema::MjTask), _) if op.response.json_array => Role::MjList,
        (Some(JobSchema::MjTask), _) if by_id => Role::MjFetch,
        (Some(JobSchema::VideoJob), Method::Post) => Role::VideoCreate,
        (Some(JobSchema::VideoJob), Method::Get) if by_id => Role::VideoRetrieve,
        (None, Method::Get) if by_id && !op.response.binary.is_empty() => Role::JobContent,
        _ => Role::Plain,
    }
}

/// The first operation of a role.
fn operation_of(role: Role) -> Option<&'static Operation> {
    allmhub_types::operations::ALL
        .iter()
        .copied()
        .find(|op| self::role(op) == role)
}

/// The bodies of the successful answer examples of the first operation of a role.
fn answer_bodies(role: Role) -> Vec<&'static str> {
    operation_of(role)
        .map(|op| {
            catalog::examples_of(op.id)
                .filter(|example| example.is_success_answer())
                .map(|example| example.body)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `id` is the id of an example of `role`'s operation (its path parameter examples), which the mock
/// answers with the example itself.
pub(crate) fn is_example_id(role: Role, id: &str) -> bool {
    operation_of(role).is_some_and(|op| {
        catalog::examples_of(op.id)
            .any(|example| matches!(example.place, catalog::Place::Parameter(_)) && example.body == id)
    })
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_millis() as i64)
        .unwrap_or_default()
}

struct MjJob {
    template: &'static str,
    prompt: Option<String>,
    submitted_ms: i64,
    looks: usize,
}

struct VideoJob {
    template: &'static str,
    model: Option<String>,
    prompt: Option<String>,
    seconds: Option<String>,
    size: Option<String>,
    created_s: i64,
    looks: usize,
}

/// The jobs the mock has accepted.
#[derive(Default)]
pub(crate) struct Jobs {
    mj: HashMap<String, MjJob>,
    videos: HashMap<String, VideoJob>,
    counter: u64,
}

/// A request's members the jobs keep.
pub(crate) struct Submission<'a> {
    pub(crate) path: &'a str,
    pub(crate) model: Option<&'a str>,
    pub(crate) prompt: Option<&'a str>,
    pub(crate) seconds: Option<&'a str>,
    pub(crate) size: Option<&'a str>,
}

const MJ_STEPS: [(&str, &str); 5] = [
    ("NOT_START", "0%"),
    ("SUBMITTED", "0%"),
    ("IN_PROGRESS", "30%"),
    ("IN_PROGRESS", "70%"),
    ("SUCCESS", "100%"),
];

/// Video progress as the gateway reports it: rising, going back once, then done.
const VIDEO_STEPS: [(&str, u8); 6] = [
    ("queued", 0),
    ("in_progress", 20),
    ("in_progress", 45),
    ("in_progress", 30),
    ("in_progress", 80),
    ("completed", 100),
];

impl Jobs {
    /// How many jobs were accepted.
    pub(crate) fn count(&self) -> usize {
        self.mj.len() + self.videos.len()
    }

    /// A fresh 19-digit id: milliseconds since the epoch and a counter.
    fn next_number(&mut self) -> u64 {
        self.counter += 1;
        (now_ms() as u64 % 10_000_000_000_000) * 1_000_000 + self.counter % 1_000_000
    }

    /// Records a Midjourney submission; returns its task id.
    pub(crate) fn submit_mj(&mut self, submission: &Submission<'_>) -> String {
        let mut id = self.next_number();
        // The id must have 19 digits even right after the epoch's digit count changes.
        while id < 1_000_000_000_000_000_000 {
            id += 1_000_000_000_000_000_000;
        }
        let id = id.to_string();
        // The task looks like the fetch example of the same action (`/mj/submit/video` → `VIDEO`).
        let action = submission
            .path
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let templates = answer_bodies(Role::MjFetch);
        let template = templates
            .iter()
            .find(|body| json::string_member(body, "action").is_some_and(|known| known == action))
            .or(templates.first())
            .copied()
            .unwrap_or("{}");
        self.mj.insert(
            id.clone(),
            MjJob {
                template,
                prompt: submission.prompt.map(str::to_owned),
                submitted_ms: now_ms(),
                looks: 0,
            },
        );
        id
    }

    /// The task as the next fetch sees it (each fetch moves it one step on); `None` for an unknown id.
    pub(crate) fn fetch_mj(&mut self, id: &str) -> Option<String> {
        let job = self.mj.get_mut(id)?;
        let body = render_mj(id, job);
        job.looks += 1;
        Some(body)
    }

    /// The tasks of these ids as they stand (not moved on); `None` when none is known.
    pub(crate) fn list_mj(&self, ids: &[String]) -> Option<String> {
        let tasks: Vec<String> = ids
            .iter()
            .filter_map(|id| self.mj.get(id).map(|job| render_mj(id, job)))
            .collect();
        (!tasks.is_empty()).then(|| format!("[{}]", tasks.join(",")))
    }

    /// Records a video job; returns its id.
    pub(crate) fn create_video(&mut self, submission: &Submission<'_>) -> String {
        let id = format!("task_mock{:016x}", self.next_number());
        let templates = answer_bodies(Role::VideoRetrieve);
        let template = templates
            .iter()
            .find(|body| json::string_member(body, "model").as_deref() == submission.model)
            .or(templates.first())
            .copied()
            .unwrap_or("{}");
        self.videos.insert(
            id.clone(),
            VideoJob {
                template,
                model: submission.model.map(str::to_owned),
                prompt: submission.prompt.map(str::to_owned),
                seconds: submission.seconds.map(str::to_owned),
                size: submission.size.map(str::to_owned),
                created_s: now_ms() / 1000,
                looks: 0,
            },
        );
        id
    }

    /// The answer of a video creation: `created` (the creation example) as this job.
    pub(crate) fn created_video(&self, id: &str, created: &str) -> String {
        let Some(job) = self.videos.get(id) else {
            return created.to_owned();
        };
        let mut updates = vec![
            ("id", json::string(id)),
            ("status", json::string("queued")),
            ("progress", "0".to_owned()),
            ("created_at", job.created_s.to_string()),
        ];
        if json::string_member(created, "task_id").is_some() {
            updates.push(("task_id", json::string(id)));
        }
        updates.extend(job_members(job));
        json::set_members(created, &updates).unwrap_or_else(|| created.to_owned())
    }

    /// The job as the next look sees it (each look moves it on); `None` for an unknown id. `content_url`
    /// is where the finished video can be downloaded.
    pub(crate) fn retrieve_video(&mut self, id: &str, content_url: &str) -> Option<String> {
        let job = self.videos.get_mut(id)?;
        let (status, progress) = VIDEO_STEPS[job.looks.min(VIDEO_STEPS.len() - 1)];
        job.looks += 1;
        let done = status == "completed";
        let mut updates = vec![
            ("id", json::string(id)),
            ("status", json::string(status)),
            ("progress", progress.to_string()),
            ("created_at", job.created_s.to_string()),
            (
                "completed_at",
                if done {
                    (now_ms() / 1000).to_string()
                } else {
                    "null".to_owned()
                },
            ),
        ];
        if done {
            updates.push(("video_url", json::string(content_url)));
        }
        updates.extend(job_members(job));
        Some(json::set_members(job.template, &updates).unwrap_or_else(|| job.template.to_owned()))
    }

    /// Whether a video job of this id exists.
    pub(crate) fn has_video(&self, id: &str) -> bool {
        self.videos.contains_key(id)
    }
}

fn job_members(job: &VideoJob) -> Vec<(&'static str, String)> {
    [
        ("model", &job.model),
        ("prompt", &job.prompt),
        ("seconds", &job.seconds),
        ("size", &job.size),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.as_deref().map(|value| (name, json::string(value))))
    .collect()
}

fn render_mj(id: &str, job: &MjJob) -> String {
    let (status, progress) = MJ_STEPS[job.looks.min(MJ_STEPS.len() - 1)];
    let done = status == "SUCCESS";
    let started = job.looks >= 2;
    let mut updates = vec![
        ("id", json::string(id)),
        ("status", json::string(status)),
        ("progress", json::string(progress)),
        ("submitTime", job.submitted_ms.to_string()),
        (
            "startTime",
            if started {
                (job.submitted_ms + 1_000).to_string()
            } else {
                "0".to_owned()
            },
        ),
        ("finishTime", if done { now_ms().to_string() } else { "0".to_owned() }),
        ("failReason", json::string("")),
    ];
    if let Some(prompt) = &job.prompt {
        updates.push(("prompt", json::string(prompt)));
        updates.push(("promptEn", json::string(prompt)));
    }
    if !done {
        // Results appear only when the task succeeds.
        let members = json::members(job.template).unwrap_or_default();
        let has = |name: &str| members.iter().any(|(key, _)| key == name);
        for (name, empty) in [
            ("imageUrl", "\"\""),
            ("videoUrl", "\"\""),
            ("videoUrls", "null"),
            ("buttons", "[]"),
        ] {
            if has(name) {
                updates.push((name, empty.to_owned()));
            }
        }
    }
    json::set_members(job.template, &updates).unwrap_or_else(|| job.template.to_owned())
}
