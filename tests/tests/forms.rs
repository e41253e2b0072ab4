//! Multipart forms: files are shared, never copied, and a member that cannot be written is an error.

use allmhub_types::{Bytes, FormPart, MultipartForm, TranscriptionRequest, Upload};

#[test]
fn an_upload_shares_its_buffer_from_construction_to_the_form() {
    let audio = Bytes::from(vec![7u8; 1 << 20]);
    let form = TranscriptionRequest::new(Upload::from_bytes("meeting.mp3", audio.clone()), "whisper-1");
    assert_eq!(form.file.bytes.as_ptr(), audio.as_ptr(), "taken without copying");

    let copy = form.clone();
    assert_eq!(
        copy.file.bytes.as_ptr(),
        audio.as_ptr(),
        "a cloned form shares the file"
    );

    let parts = form.parts().expect("serializes");
    let files: Vec<&Upload> = parts
        .iter()
        .filter_map(|part| match part {
            FormPart::File { upload, .. } => Some(*upload),
            FormPart::Text { .. } => None,
        })
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].bytes.as_ptr(), audio.as_ptr(), "the part borrows the upload");
    assert!(
        parts
            .iter()
            .any(|part| matches!(part, FormPart::Text { name: "model", value } if value == "whisper-1"))
    );
}

#[test]
fn a_member_that_does_not_serialize_is_an_error_naming_it() {
    struct Unwritable;

    impl serde::Serialize for Unwritable {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("no text form"))
        }
    }

    let mut parts = Vec::new();
    let error = allmhub_types::__private::add_value_parts("prompt", &Unwritable, &mut parts)
        .expect_err("the member cannot be written");
    assert_eq!(error.member(), "prompt");
    assert_eq!(
        error.to_string(),
        "form member `prompt` does not serialize: no text form"
    );
    assert!(parts.is_empty(), "nothing half-written");
}
