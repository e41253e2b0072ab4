//! Conveniences for the messages users write most; everything else is built with the generated `new`
//! constructors and public fields.

#[allow(unused_imports)]
use crate::*;

#[cfg(feature = "openai-chat")]
impl ChatMessage {
    /// A user message with text content.
    pub fn user(text: impl Into<String>) -> Self {
        Self::with_text(ChatRole::User, text)
    }

    /// A system message.
    pub fn system(text: impl Into<String>) -> Self {
        Self::with_text(ChatRole::System, text)
    }

    /// An assistant message (a previous answer, for multi-turn conversations).
    pub fn assistant(text: impl Into<String>) -> Self {
        Self::with_text(ChatRole::Assistant, text)
    }

    fn with_text(role: ChatRole, text: impl Into<String>) -> Self {
        let mut message = Self::new(role);
        message.content = Some(ChatMessageContent::Text(text.into()));
        message
    }
}

#[cfg(feature = "claude")]
impl ClaudeMessage {
    /// A user turn with text content.
    pub fn user(text: impl Into<String>) -> Self {
        Self::new(ClaudeRole::User, ClaudeMessageContent::Text(text.into()))
    }

    /// An assistant turn with text content.
    pub fn assistant(text: impl Into<String>) -> Self {
        Self::new(ClaudeRole::Assistant, ClaudeMessageContent::Text(text.into()))
    }
}

#[cfg(feature = "gemini")]
impl GeminiContent {
    /// A user turn with one text part.
    pub fn user(text: impl Into<String>) -> Self {
        GeminiContent {
            role: Some(GeminiRole::User),
            parts: vec![GeminiPart {
                text: Some(text.into()),
                ..GeminiPart::default()
            }],
        }
    }
}
