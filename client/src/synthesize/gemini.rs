//! Gemini response → streamed `GenerateContentResponse` chunks.

use allmhub_types::{GeminiCandidate, GeminiContent, GeminiGenerateContentResponse, GeminiPart};

use super::{Cutter, Split};

/// The chunks a `streamGenerateContent` stream of `response` would carry: per candidate one chunk per
/// fragment of each text part (the part's `thought` flag on every fragment, its `thoughtSignature` on the
/// last) and one per other part, candidates interleaved chunk by chunk; the candidate's finish reason and
/// metadata on its last chunk; `modelVersion`, `responseId` and `createTime` on every chunk,
/// `promptFeedback` on the first, `usageMetadata` on the last.
///
/// What a stream cannot carry, and the accumulator therefore normalizes: a text part joins the text part
/// before it when both are plain text with the same `thought` flag and the one before has no signature yet;
/// with several candidates, one without `index` gets its position.
pub fn gemini_chunks(response: &GeminiGenerateContentResponse, split: &Split) -> Vec<GeminiGenerateContentResponse> {
    let mut cutter = Cutter::new(split);
    let several = response.candidates.len() > 1;
    let per_candidate: Vec<Vec<GeminiCandidate>> = response
        .candidates
        .iter()
        .enumerate()
        .map(|(position, candidate)| {
            let index = candidate.index.or(several.then_some(position as i64));
            candidate_chunks(candidate, index, &mut cutter)
        })
        .collect();
    let chunk = |candidates: Vec<GeminiCandidate>| GeminiGenerateContentResponse {
        candidates,
        prompt_feedback: None,
        usage_metadata: None,
        ..response.clone()
    };
    let mut chunks = Vec::new();
    let longest = per_candidate.iter().map(Vec::len).max().unwrap_or(0);
    let mut queues: Vec<_> = per_candidate.into_iter().map(Vec::into_iter).collect();
    for _ in 0..longest {
        for queue in &mut queues {
            if let Some(candidate) = queue.next() {
                chunks.push(chunk(vec![candidate]));
            }
        }
    }
    if chunks.is_empty() {
        chunks.push(chunk(Vec::new()));
    }
    if let Some(first) = chunks.first_mut() {
        first.prompt_feedback = response.prompt_feedback.clone();
    }
    if let Some(last) = chunks.last_mut() {
        last.usage_metadata = response.usage_metadata.clone();
    }
    chunks
}

fn candidate_chunks(candidate: &GeminiCandidate, index: Option<i64>, cutter: &mut Cutter<'_>) -> Vec<GeminiCandidate> {
    // A chunk's candidate: only its index and content, the rest on the last one.
    let bare = |content: Option<GeminiContent>| GeminiCandidate {
        content,
        finish_reason: None,
        finish_message: None,
        index,
        safety_ratings: None,
        citation_metadata: None,
        grounding_metadata: None,
        url_context_metadata: None,
        avg_logprobs: None,
        logprobs_result: None,
        token_count: None,
    };
    let mut out = Vec::new();
    if let Some(content) = &candidate.content {
        let with_part = |part: GeminiPart| GeminiContent {
            role: content.role.clone(),
            parts: vec![part],
        };
        for part in &content.parts {
            match part.text.as_deref() {
                Some(text) if is_plain_text(part) => {
                    let pieces = cutter.cut(text);
                    let last = pieces.len() - 1;
                    for (number, piece) in pieces.into_iter().enumerate() {
                        out.push(bare(Some(with_part(GeminiPart {
                            text: Some(piece.to_owned()),
                            thought: part.thought,
                            thought_signature: if number == last {
                                part.thought_signature.clone()
                            } else {
                                None
                            },
                            ..GeminiPart::default()
                        }))));
                    }
                }
                _ => out.push(bare(Some(with_part(part.clone())))),
            }
        }
        if content.parts.is_empty() {
            out.push(bare(Some(content.clone())));
        }
    }
    let metadata = GeminiCandidate {
        content: None,
        index,
        ..candidate.clone()
    };
    match out.last_mut() {
        Some(last) => {
            *last = GeminiCandidate {
                content: last.content.take(),
                ..metadata
            }
        }
        None => out.push(metadata),
    }
    out
}

/// Whether a part is text and nothing else (besides the `thought` flag and its signature): such parts are
/// cut into fragments, and joined again by the accumulator.
pub(crate) fn is_plain_text(part: &GeminiPart) -> bool {
    let GeminiPart {
        text: _,
        thought: _,
        thought_signature: _,
        inline_data,
        file_data,
        function_call,
        function_response,
        executable_code,
        code_execution_result,
        video_metadata,
        media_resolution,
    } = part;
    inline_data.is_none()
        && file_data.is_none()
        && function_call.is_none()
        && function_response.is_none()
        && executable_code.is_none()
        && code_execution_result.is_none()
        && video_metadata.is_none()
        && media_resolution.is_empty()
}
