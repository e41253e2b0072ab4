//! Matching requests to operations, forms decoded by the generated types, and verdicts on answers by
//! status and content type.

use allmhub_conform::form::{FormField, FormValue};
use allmhub_conform::{check_request, check_response, route};
use allmhub_types::operations;

#[test]
fn paths_match_their_templates() {
    let cases = [
        ("POST", "/v1/chat/completions", Some("create_chat_completion"), vec![]),
        (
            "GET",
            "/v1/videos/task_1",
            Some("retrieve_video"),
            vec![("video_id", "task_1")],
        ),
        (
            "GET",
            "/v1/videos/task_1/content?variant=video",
            Some("download_video_content"),
            vec![("video_id", "task_1")],
        ),
        (
            "GET",
            "/mj/task/1320098173412546/fetch",
            Some("mj_fetch_task"),
            vec![("id", "1320098173412546")],
        ),
        (
            "POST",
            "/mj/task/list-by-condition",
            Some("mj_list_tasks_by_condition"),
            vec![],
        ),
        (
            "POST",
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
            Some("gemini_stream_generate_content"),
            vec![("model", "gemini-2.5-flash")],
        ),
        (
            "POST",
            "/v1beta/models/gemini-2.5-flash%3AgenerateContent",
            Some("gemini_generate_content"),
            vec![("model", "gemini-2.5-flash")],
        ),
        ("GET", "/v1/chat/completions", None, vec![]),
        ("POST", "/v1/videos/", None, vec![]),
        ("GET", "/v1beta/models/:generateContent", None, vec![]),
        ("BREW", "/v1/models", None, vec![]),
    ];
    for (method, path, operation, params) in cases {
        let found = route::find(method, path);
        assert_eq!(
            found.as_ref().map(|route| route.operation.id),
            operation,
            "{method} {path}"
        );
        if let Some(found) = found {
            let params: Vec<(&str, String)> = params
                .into_iter()
                .map(|(name, value)| (name, value.to_owned()))
                .collect();
            assert_eq!(found.params, params, "{method} {path}");
        }
    }
}

fn text(name: &str, value: &str) -> FormField {
    FormField::text(name, value)
}

fn file(name: &str, file_name: &str) -> FormField {
    FormField {
        name: name.to_owned(),
        value: FormValue::File {
            file_name: file_name.to_owned(),
            content_type: Some("image/png".to_owned()),
            size: 3,
        },
    }
}

#[test]
fn form_fields_decode_as_the_types_ask_numbers_arrays_files_and_json_text() {
    let edit = &operations::EDIT_IMAGE;
    let fields = [
        text("model", "gpt-image-1"),
        text("prompt", "[cat] on a mat"),
        file("image[]", "a.png"),
        file("image[]", "b.png"),
        text("n", "2"),
    ];
    let checked = allmhub_conform::exchange::check_request_form(edit, &fields, true);
    assert!(checked.verdict.ok, "{:?}", checked.verdict);
    let value = checked.value.expect("decoded");
    assert_eq!(value["n"], 2);
    assert_eq!(
        value["prompt"], "[cat] on a mat",
        "text that looks like JSON stays text for a string member"
    );
    assert_eq!(value["image"], serde_json::json!(["a.png", "b.png"]));

    let bad = [
        text("model", "gpt-image-1"),
        text("prompt", "p"),
        file("image", "a.png"),
        text("n", "two"),
    ];
    let checked = allmhub_conform::exchange::check_request_form(edit, &bad, false);
    assert_eq!(checked.verdict.errors[0].path, "$.n", "{:?}", checked.verdict);
    assert!(
        checked.verdict.errors[0].message.contains("\"two\""),
        "{:?}",
        checked.verdict
    );

    let unknown = [text("model", "whisper-1"), file("file", "a.mp3"), text("my_field", "x")];
    let checked = allmhub_conform::exchange::check_request_form(&operations::CREATE_TRANSCRIPTION, &unknown, false);
    assert!(checked.verdict.ok);
    assert_eq!(checked.verdict.unknown, ["$.my_field"]);
}

#[test]
fn raw_multipart_bodies_are_split_with_their_boundary() {
    let body = "--XyZ\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n\
                --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\nID3\r\n\
                --XyZ--\r\n";
    let checked = check_request(
        &operations::CREATE_TRANSCRIPTION,
        "multipart/form-data; boundary=XyZ",
        body.as_bytes(),
        true,
    );
    assert!(checked.verdict.ok, "{:?}", checked.verdict);
    let broken = check_request(
        &operations::CREATE_TRANSCRIPTION,
        "multipart/form-data",
        body.as_bytes(),
        false,
    );
    assert!(!broken.verdict.ok);
    assert!(
        broken.verdict.errors[0].message.contains("boundary"),
        "{:?}",
        broken.verdict
    );
}

#[test]
fn answers_are_checked_by_status_and_content_type() {
    let chat = &operations::CREATE_CHAT_COMPLETION;
    let envelope =
        br#"{"error":{"message":"quota","type":"new_api_error","param":"","code":"insufficient_user_quota"}}"#;
    assert!(check_response(chat, 403, "application/json", envelope, true).ok);
    let not_envelope = br#"{"error":"flat text"}"#;
    assert!(!check_response(chat, 500, "application/json", not_envelope, false).ok);
    // An error event inside a stream is an envelope of the operation, not a broken chunk.
    let stream = b"data: {\"error\":{\"message\":\"upstream\",\"type\":\"upstream_error\"}}\n\n";
    let verdict = check_response(chat, 200, "text/event-stream", stream, true);
    assert!(verdict.ok, "{verdict:?}");
    // In-band errors where the spec lists them.
    let billing = &operations::GET_BILLING_SUBSCRIPTION;
    let in_band = br#"{"error":{"message":"x","type":"upstream_error"}}"#;
    assert!(check_response(billing, 200, "application/json", in_band, true).ok);
    // Bytes of a content type the operation answers with, and of one it does not.
    let video = &operations::DOWNLOAD_VIDEO_CONTENT;
    assert!(check_response(video, 200, "video/mp4", b"\x00\x00", true).ok);
    assert!(!check_response(video, 200, "image/png", b"\x89PNG", true).ok);
    // A stream where the operation answers none.
    assert!(!check_response(billing, 200, "text/event-stream", b"data: {}\n\n", false).ok);
}

#[test]
fn the_verdict_alone_is_the_verdict_of_the_whole_check() {
    let op = &operations::CREATE_CHAT_COMPLETION;
    let bodies: [&[u8]; 4] = [
        br#"{"model":"m","messages":[{"role":"user","content":"Hi"}]}"#,
        br#"{"model":"m","messages":[{"role":"user","content":"Hi"}],"extra_member":1}"#,
        br#"{"model":"m","messages":[{"role":"user","content":7}]}"#,
        b"not json",
    ];
    for body in bodies {
        for strict in [false, true] {
            let whole = check_request(op, "application/json", body, strict);
            let verdict = allmhub_conform::check_request_verdict(op, "application/json", body, strict);
            assert_eq!(whole.verdict, verdict, "{}", String::from_utf8_lossy(body));
            assert_eq!(
                whole.value.is_some(),
                whole.verdict.errors.is_empty() && body.starts_with(b"{")
            );
        }
    }
    let whole = check_request(op, "application/json", bodies[1], false);
    assert_eq!(whole.value.expect("a value")["model"], "m");
}
