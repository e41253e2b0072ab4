//! Gemini chunks → one response.

use std::borrow::Cow;

use allmhub_types::{
    GeminiCandidate, GeminiCitationMetadata, GeminiContent, GeminiGenerateContentResponse, GeminiPart,
};

use super::{Accumulator, StreamEvent, empty_stream, set_some};
use crate::Error;
use crate::synthesize::is_plain_text;

/// Folds the chunks of `streamGenerateContent` into one response: candidates merged by `index` (a
/// candidate without one counts by its position in the chunk), their parts appended with text joined as
/// [`merge_part`] says, citation sources appended, and the last finish reason, safety ratings, grounding
/// and other metadata; usage, prompt feedback, model version and response id from the last chunk that has
/// them.
#[derive(Clone, Debug, Default)]
pub struct GeminiAccumulator {
    response: GeminiGenerateContentResponse,
    /// The key (`index`, or position) of each candidate of `response`.
    keys: Vec<i64>,
    events: usize,
}

impl GeminiAccumulator {
    /// An accumulator that has seen nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one chunk. Never fails: Gemini chunks carry nothing that must parse.
    pub fn push(&mut self, chunk: &GeminiGenerateContentResponse) -> Result<(), Error> {
        self.events += 1;
        let response = &mut self.response;
        set_some(&mut response.prompt_feedback, &chunk.prompt_feedback);
        set_some(&mut response.usage_metadata, &chunk.usage_metadata);
        set_some(&mut response.model_version, &chunk.model_version);
        set_some(&mut response.response_id, &chunk.response_id);
        set_some(&mut response.create_time, &chunk.create_time);
        for (position, candidate) in chunk.candidates.iter().enumerate() {
            let key = candidate.index.unwrap_or(position as i64);
            let at = match self.keys.iter().position(|known| *known == key) {
                Some(at) => at,
                None => {
                    self.keys.push(key);
                    response.candidates.push(GeminiCandidate {
                        index: candidate.index,
                        ..GeminiCandidate::default()
                    });
                    response.candidates.len() - 1
                }
            };
            merge_candidate(&mut response.candidates[at], candidate);
        }
        Ok(())
    }

    /// The response so far.
    pub fn snapshot(&self) -> &GeminiGenerateContentResponse {
        &self.response
    }

    /// The final response.
    pub fn finish(self) -> Result<GeminiGenerateContentResponse, Error> {
        if self.events == 0 {
            return Err(empty_stream());
        }
        Ok(self.response)
    }
}

fn merge_candidate(merged: &mut GeminiCandidate, chunk: &GeminiCandidate) {
    if let Some(content) = &chunk.content {
        let target = merged.content.get_or_insert_with(GeminiContent::default);
        if target.role.is_none() {
            target.role.clone_from(&content.role);
        }
        for part in &content.parts {
            merge_part(&mut target.parts, part);
        }
    }
    set_some(&mut merged.index, &chunk.index);
    set_some(&mut merged.finish_reason, &chunk.finish_reason);
    set_some(&mut merged.finish_message, &chunk.finish_message);
    set_some(&mut merged.safety_ratings, &chunk.safety_ratings);
    set_some(&mut merged.grounding_metadata, &chunk.grounding_metadata);
    set_some(&mut merged.url_context_metadata, &chunk.url_context_metadata);
    set_some(&mut merged.avg_logprobs, &chunk.avg_logprobs);
    set_some(&mut merged.logprobs_result, &chunk.logprobs_result);
    set_some(&mut merged.token_count, &chunk.token_count);
    if let Some(citations) = &chunk.citation_metadata {
        let target = merged
            .citation_metadata
            .get_or_insert_with(GeminiCitationMetadata::default);
        target
            .citation_sources
            .extend(citations.citation_sources.iter().cloned());
        target.citations.extend(citations.citations.iter().cloned());
    }
}

/// Appends `part` to `parts`, joining it to the last part when both are plain text (nothing but `text`,
/// `thought` and `thoughtSignature`) with the same `thought` flag and the last one has no signature yet: a
/// signature closes a part. The joined part takes the new part's signature. Streams cut text parts into
/// fragments; this puts them together again.
pub fn merge_part(parts: &mut Vec<GeminiPart>, part: &GeminiPart) {
    let joins = |last: &GeminiPart| {
        is_plain_text(last) && is_plain_text(part) && last.thought == part.thought && last.thought_signature.is_none()
    };
    match parts.last_mut() {
        Some(last) if joins(last) => {
            if let Some(text) = &part.text {
                super::append(&mut last.text, text);
            }
            last.thought_signature.clone_from(&part.thought_signature);
        }
        _ => parts.push(part.clone()),
    }
}

impl Accumulator for GeminiAccumulator {
    type Event = GeminiGenerateContentResponse;
    type Output = GeminiGenerateContentResponse;

    fn push(&mut self, event: &GeminiGenerateContentResponse) -> Result<(), Error> {
        GeminiAccumulator::push(self, event)
    }

    fn snapshot(&self) -> &GeminiGenerateContentResponse {
        GeminiAccumulator::snapshot(self)
    }

    fn finish(self) -> Result<GeminiGenerateContentResponse, Error> {
        GeminiAccumulator::finish(self)
    }
}

impl StreamEvent for GeminiGenerateContentResponse {
    type Accumulator = GeminiAccumulator;

    /// The text of the first candidate's (index 0) parts that are not thoughts.
    fn text_delta(&self) -> Option<Cow<'_, str>> {
        let (_, first) = self
            .candidates
            .iter()
            .enumerate()
            .find(|(position, candidate)| candidate.index.unwrap_or(*position as i64) == 0)?;
        let parts = &first.content.as_ref()?.parts;
        let mut texts = parts
            .iter()
            .filter(|part| part.thought != Some(true))
            .filter_map(|part| part.text.as_deref());
        let first = texts.next()?;
        match texts.next() {
            None => Some(Cow::Borrowed(first)),
            Some(second) => {
                let mut text = format!("{first}{second}");
                texts.for_each(|more| text.push_str(more));
                Some(Cow::Owned(text))
            }
        }
    }
}
