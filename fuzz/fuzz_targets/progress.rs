//! The chat-format progress parser on arbitrary text: it must not panic, and where the text is split must
//! not change the events (the first byte sets the piece size, in characters).

#![no_main]

use allmhub::progress::ProgressParser;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&size, text)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(text);
    let mut whole = ProgressParser::new();
    let mut expected = whole.push(&text);
    expected.extend(whole.finish());

    let chars: Vec<char> = text.chars().collect();
    let mut pieces = ProgressParser::new();
    let mut events = Vec::new();
    for piece in chars.chunks(usize::from(size % 16) + 1) {
        events.extend(pieces.push(&piece.iter().collect::<String>()));
    }
    events.extend(pieces.finish());
    assert_eq!(events, expected, "split text gives other events");
    assert_eq!(pieces.max_percent(), whole.max_percent());
});
