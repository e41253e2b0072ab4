//! The chat-format progress parser: the seed's stream, split text, failures, several links, English wording,
//! no progress at all, and arbitrary text.

use allmhub::progress::{ProgressEvent, ProgressParser, progress_events};
use allmhub::types::ChatCompletionChunk;
use futures_util::StreamExt;
use proptest::prelude::*;

/// The data of the doc's seed page's streamed answer (`spec/doc`), 21 chunks and `[DONE]`.
fn seed_data() -> Vec<String> {
    allmhub_tests::seed_stream_data()
}

fn seed_text() -> String {
    seed_data()
        .iter()
        .filter(|data| *data != "[DONE]")
        .map(|data| serde_json::from_str::<ChatCompletionChunk>(data).expect("a chunk"))
        .flat_map(|chunk| chunk.choices)
        .filter_map(|choice| choice.delta.content)
        .collect()
}

fn parse_whole(text: &str) -> Vec<ProgressEvent> {
    let mut parser = ProgressParser::new();
    let mut events = parser.push(text);
    events.extend(parser.finish());
    events
}

fn parse_pieces(pieces: &[&str]) -> Vec<ProgressEvent> {
    let mut parser = ProgressParser::new();
    let mut events: Vec<ProgressEvent> = pieces.iter().flat_map(|piece| parser.push(piece)).collect();
    events.extend(parser.finish());
    events
}

const SEED_PROGRESS: [f64; 16] = [
    9.0, 36.0, 45.0, 36.0, 53.7, 61.8, 68.9, 75.6, 68.9, 80.4, 61.8, 80.4, 90.0, 93.2, 95.2, 96.6,
];
const SEED_VIDEO: &str =
    "https://midjourney-plus.oss-us-west-1.aliyuncs.com/sora/e987e9c4-d6f3-4858-a7db-fb2e92e80c4f.mp4";

#[tokio::test]
async fn the_seed_stream_yields_its_exact_progress_sequence_and_the_video() {
    let chunks = seed_data()
        .into_iter()
        .filter(|data| data != "[DONE]")
        .map(|data| Ok(serde_json::from_str::<ChatCompletionChunk>(&data).expect("a chunk")));
    let events: Vec<ProgressEvent> = progress_events(futures_util::stream::iter(chunks))
        .map(|event| event.expect("no error"))
        .collect()
        .await;

    let percents: Vec<f64> = events
        .iter()
        .filter_map(|event| match event {
            ProgressEvent::Progress { percent, .. } => Some(*percent),
            _ => None,
        })
        .collect();
    assert_eq!(percents, SEED_PROGRESS);
    let maxima: Vec<f64> = events
        .iter()
        .filter_map(|event| match event {
            ProgressEvent::Progress { max_percent, .. } => Some(*max_percent),
            _ => None,
        })
        .collect();
    assert_eq!(maxima[3], 45.0, "the running maximum does not go down with 36.0");
    assert!(maxima.windows(2).all(|pair| pair[0] <= pair[1]));

    assert!(
        matches!(&events[0], ProgressEvent::Text(block) if block.starts_with("```json") && block.contains("竖屏模式"))
    );
    assert!(matches!(&events[1], ProgressEvent::Queued { message } if message.contains("任务正在队列中")));
    assert_eq!(
        events.last(),
        Some(&ProgressEvent::MediaReady {
            urls: vec![SEED_VIDEO.to_owned()]
        })
    );
    assert_eq!(events.len(), 1 + 1 + 16 + 1);
}

#[test]
fn text_split_anywhere_gives_the_same_events() {
    let text = seed_text();
    let whole = parse_whole(&text);
    let chars: Vec<String> = text.chars().map(String::from).collect();
    let one_char: Vec<&str> = chars.iter().map(String::as_str).collect();
    assert_eq!(parse_pieces(&one_char), whole, "one character at a time");
    for size in [2, 3, 5, 8, 13, 21] {
        let bounded: Vec<String> = text
            .chars()
            .collect::<Vec<_>>()
            .chunks(size)
            .map(|piece| piece.iter().collect())
            .collect();
        let pieces: Vec<&str> = bounded.iter().map(String::as_str).collect();
        assert_eq!(parse_pieces(&pieces), whole, "pieces of {size} characters");
    }
}

#[test]
fn failures_are_reported_with_their_message() {
    let events = parse_whole(
        "> ⌛️ 任务正在队列中,请耐心等待...\n\n> 🏃 进度:12.5%\n\n> ❌ 视频生成失败,原因: 内容不符合规范\n\n",
    );
    assert_eq!(
        events.last(),
        Some(&ProgressEvent::Failed {
            message: "❌ 视频生成失败,原因: 内容不符合规范".to_owned()
        })
    );
    let english = parse_whole("> Task failed: upstream timeout\n");
    assert!(matches!(&english[0], ProgressEvent::Failed { message } if message.contains("upstream timeout")));
}

#[test]
fn every_link_and_image_of_the_result_is_collected() {
    let events = parse_whole(
        "![image](https://cdn.example.com/a.png) ![image](https://cdn.example.com/b.png)\n\
         > ✅ 生成成功: [高清下载](https://cdn.example.com/c.png \"HD\")\n",
    );
    assert_eq!(
        events,
        [
            ProgressEvent::MediaReady {
                urls: vec![
                    "https://cdn.example.com/a.png".into(),
                    "https://cdn.example.com/b.png".into()
                ]
            },
            ProgressEvent::MediaReady {
                urls: vec!["https://cdn.example.com/c.png".into()]
            },
        ]
    );
    let inline = parse_whole("![image](data:image/png;base64,iVBORw0KGgo=)");
    assert_eq!(
        inline,
        [ProgressEvent::MediaReady {
            urls: vec!["data:image/png;base64,iVBORw0KGgo=".into()]
        }]
    );
    let bare = parse_whole("✅ Video ready: https://cdn.example.com/v.mp4");
    assert_eq!(
        bare,
        [ProgressEvent::MediaReady {
            urls: vec!["https://cdn.example.com/v.mp4".into()]
        }]
    );
}

#[test]
fn english_wording_and_full_width_signs_are_understood() {
    let events = parse_whole(
        "> ⏳ Queued, waiting for a worker...\n> Progress: 45%\n> 进度：66.6％\n> ✅ Done! [Download the video](https://v.example.com/1.mp4)\n",
    );
    assert!(matches!(events[0], ProgressEvent::Queued { .. }));
    assert_eq!(
        events[1],
        ProgressEvent::Progress {
            percent: 45.0,
            max_percent: 45.0
        }
    );
    assert_eq!(
        events[2],
        ProgressEvent::Progress {
            percent: 66.6,
            max_percent: 66.6
        }
    );
    assert_eq!(
        events[3],
        ProgressEvent::MediaReady {
            urls: vec!["https://v.example.com/1.mp4".into()]
        }
    );
}

#[test]
fn text_without_progress_is_plain_text() {
    let mut parser = ProgressParser::new();
    let mut events = parser.push("Rust is a systems programming language.\nIt is fast");
    events.extend(parser.finish());
    assert_eq!(
        events,
        [
            ProgressEvent::Text("Rust is a systems programming language.".into()),
            ProgressEvent::Text("It is fast".into())
        ]
    );
    assert_eq!(parser.max_percent(), None);
    assert_eq!(
        parse_whole("score: 150% better\n"),
        [ProgressEvent::Text("score: 150% better".into())],
        "not a percentage of progress"
    );
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = parse_whole(&text);
    }

    #[test]
    fn where_the_text_is_split_does_not_matter(text in "[a-z0-9 >%.:进度✅❌()!\\[\\]/\n]{0,200}", cuts in proptest::collection::vec(0usize..200, 0..8)) {
        let chars: Vec<char> = text.chars().collect();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|cut| cut.min(chars.len())).collect();
        cuts.sort_unstable();
        let mut pieces = Vec::new();
        let mut start = 0;
        for cut in cuts.into_iter().chain([chars.len()]) {
            pieces.push(chars[start..cut.max(start)].iter().collect::<String>());
            start = cut.max(start);
        }
        let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
        prop_assert_eq!(parse_pieces(&refs), parse_whole(&text));
    }
}
