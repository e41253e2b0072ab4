//! Progress of the "chat format" image and video models.
//!
//! Models such as `sora_video2`, `veo3.1` or `gpt-4o-image`, called through `/v1/chat/completions`, report a
//! long job as streamed Markdown prose: a queue notice, `> 🏃 进度:36.0%` lines, and finally a link or image
//! with the result (or a failure line). [`ProgressParser`] turns that text, however it is split across
//! chunks, into [`ProgressEvent`]s; [`progress_events`] does it for a chunk stream.
//!
//! Percentages are reported as sent — they do go down (the doc's own stream goes 45.0 → 36.0) — and
//! [`ProgressParser::max_percent`] keeps the running maximum for progress bars.

#[cfg(feature = "openai-chat")]
use std::collections::VecDeque;

#[cfg(feature = "openai-chat")]
use allmhub_types::ChatCompletionChunk;
#[cfg(feature = "openai-chat")]
use futures_core::Stream;
#[cfg(feature = "openai-chat")]
use futures_util::StreamExt;
use pulldown_cmark::{Event, Parser, Tag};

#[cfg(feature = "openai-chat")]
use crate::Error;

/// What a line of progress prose says.
#[derive(Debug, Clone, PartialEq)]
pub enum ProgressEvent {
    /// The job is waiting in a queue.
    Queued {
        /// The line, without Markdown quote markers.
        message: String,
    },
    /// The job reported a percentage.
    Progress {
        /// The percentage as sent (it may be lower than an earlier one).
        percent: f64,
        /// The highest percentage reported so far, for progress bars.
        max_percent: f64,
    },
    /// The result is ready: every URL of the line's links and images (`https:` or `data:`), in order.
    MediaReady {
        /// The result URLs.
        urls: Vec<String>,
    },
    /// The job failed.
    Failed {
        /// The failure as the server worded it.
        message: String,
    },
    /// Any other text (a prompt echo, a remark).
    Text(String),
}

/// Turns progress prose into [`ProgressEvent`]s, line by line; text may arrive in pieces of any size.
#[derive(Debug, Clone, Default)]
pub struct ProgressParser {
    pending: String,
    code_block: Option<String>,
    max_percent: Option<f64>,
}

impl ProgressParser {
    /// A parser with nothing seen yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next piece of text; returns the events of the lines it completes.
    pub fn push(&mut self, text: &str) -> Vec<ProgressEvent> {
        self.pending.push_str(text);
        let mut events = Vec::new();
        while let Some(end) = self.pending.find('\n') {
            let line: String = self.pending.drain(..=end).collect();
            self.line(line.trim_end_matches(['\n', '\r']), &mut events);
        }
        events
    }

    /// Ends the text: the last line, even without a line break, and an unclosed code block.
    pub fn finish(&mut self) -> Vec<ProgressEvent> {
        let mut events = Vec::new();
        let rest = std::mem::take(&mut self.pending);
        if !rest.is_empty() {
            self.line(&rest, &mut events);
        }
        if let Some(block) = self.code_block.take() {
            events.push(ProgressEvent::Text(block));
        }
        events
    }

    /// The highest percentage reported so far.
    pub fn max_percent(&self) -> Option<f64> {
        self.max_percent
    }

    fn line(&mut self, raw: &str, events: &mut Vec<ProgressEvent>) {
        // A fenced code block (the prompt echoed as JSON) is one text event.
        if raw.trim_start().starts_with("```") {
            match self.code_block.take() {
                Some(mut block) => {
                    block.push_str(raw);
                    events.push(ProgressEvent::Text(block));
                }
                None => self.code_block = Some(format!("{raw}\n")),
            }
            return;
        }
        if let Some(block) = &mut self.code_block {
            block.push_str(raw);
            block.push('\n');
            return;
        }
        let line = raw.trim().trim_start_matches(['>', ' ', '\u{3000}']).trim();
        if line.is_empty() {
            return;
        }
        events.push(self.classify(line));
    }

    fn classify(&mut self, line: &str) -> ProgressEvent {
        let lower = line.to_lowercase();
        let has = |words: &[&str]| words.iter().any(|word| lower.contains(word));
        if has(&["❌", "失败", "failed", "failure", "error", "错误", "违规"]) {
            return ProgressEvent::Failed {
                message: line.to_owned(),
            };
        }
        let mut urls = markdown_urls(line);
        if urls.is_empty() && has(&["✅", "成功", "完成", "success", "succeeded", "completed", "ready"]) {
            urls = bare_urls(line);
        }
        if !urls.is_empty() {
            return ProgressEvent::MediaReady { urls };
        }
        if has(&["进度", "progress", "🏃", "%", "％"]) {
            if let Some(percent) = percentage(line) {
                let max_percent = self.max_percent.map_or(percent, |max| max.max(percent));
                self.max_percent = Some(max_percent);
                return ProgressEvent::Progress { percent, max_percent };
            }
        }
        if has(&["队列", "排队", "等待", "queue", "waiting", "pending", "⌛", "⏳"]) {
            return ProgressEvent::Queued {
                message: line.to_owned(),
            };
        }
        ProgressEvent::Text(line.to_owned())
    }
}

/// The number right before the first `%` (or full-width `％`) of a line, when it is between 0 and 100.
fn percentage(line: &str) -> Option<f64> {
    let end = line.find(['%', '％'])?;
    let before = &line[..end];
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit() || *c == '.')
        .last()
        .map(|(index, _)| index)?;
    let percent: f64 = before[start..].trim_start_matches('.').parse().ok()?;
    (0.0..=100.0).contains(&percent).then_some(percent)
}

/// Destinations of the Markdown links and images of a line.
fn markdown_urls(line: &str) -> Vec<String> {
    Parser::new(line)
        .filter_map(|event| match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => Some(dest_url.into_string()),
            _ => None,
        })
        .filter(|url| url.starts_with("http://") || url.starts_with("https://") || url.starts_with("data:"))
        .collect()
}

/// Bare `http(s)://` URLs of a line, up to the first space or closing punctuation.
fn bare_urls(line: &str) -> Vec<String> {
    let mut urls = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find("http://").or_else(|| rest.find("https://")) {
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | ']' | '>' | '"' | '\'' | '，' | '。' | '）'))
            .unwrap_or(tail.len());
        urls.push(tail[..end].to_owned());
        rest = &tail[end..];
    }
    urls
}

#[cfg(feature = "openai-chat")]
/// The progress events of a chat completion stream: the text of each chunk's first choice goes through a
/// [`ProgressParser`]; a stream error is passed on and ends the events.
pub fn progress_events<S>(chunks: S) -> impl Stream<Item = Result<ProgressEvent, Error>>
where
    S: Stream<Item = Result<ChatCompletionChunk, Error>> + Unpin,
{
    struct State<S> {
        chunks: Option<S>,
        parser: ProgressParser,
        ready: VecDeque<Result<ProgressEvent, Error>>,
    }

    let state = State {
        chunks: Some(chunks),
        parser: ProgressParser::new(),
        ready: VecDeque::new(),
    };
    futures_util::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(event) = state.ready.pop_front() {
                return Some((event, state));
            }
            let chunks = state.chunks.as_mut()?;
            match chunks.next().await {
                Some(Ok(chunk)) => {
                    let text: String = chunk
                        .choices
                        .iter()
                        .filter_map(|choice| choice.delta.content.as_deref())
                        .collect();
                    state.ready.extend(state.parser.push(&text).into_iter().map(Ok));
                }
                Some(Err(error)) => {
                    state.chunks = None;
                    state.ready.push_back(Err(error));
                }
                None => {
                    state.chunks = None;
                    state.ready.extend(state.parser.finish().into_iter().map(Ok));
                }
            }
        }
    })
}
