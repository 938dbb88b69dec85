//! What an upload is, read from its first bytes (magic numbers), never from its name or the
//! client's `Content-Type`.

use crate::models::media::MediaKind;

/// How many leading bytes detection looks at.
pub const HEAD_BYTES: usize = 8 * 1024;

/// A type the library accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    pub kind: MediaKind,
    pub mime: &'static str,
    pub ext: &'static str,
}

const ACCEPTED: &[Detected] = &[
    Detected::new(MediaKind::Image, "image/jpeg", "jpg"),
    Detected::new(MediaKind::Image, "image/png", "png"),
    Detected::new(MediaKind::Image, "image/webp", "webp"),
    Detected::new(MediaKind::Image, "image/gif", "gif"),
    Detected::new(MediaKind::Video, "video/mp4", "mp4"),
    Detected::new(MediaKind::Video, "video/webm", "webm"),
    Detected::new(MediaKind::Audio, "audio/mpeg", "mp3"),
    Detected::new(MediaKind::Audio, "audio/aac", "aac"),
    Detected::new(MediaKind::Audio, "audio/mp4", "m4a"),
    Detected::new(MediaKind::Audio, "audio/ogg", "ogg"),
];

/// What the library accepts, for messages and the API description.
pub const ACCEPTED_TYPES: &str = "JPEG, PNG, WebP and GIF images; MP4 and WebM video; \
                                  MP3, AAC (ADTS or M4A) and Ogg audio";

impl Detected {
    const fn new(kind: MediaKind, mime: &'static str, ext: &'static str) -> Self {
        Self { kind, mime, ext }
    }
}

/// The accepted type of content starting with `head`; `Err` names what it is instead (or
/// that it is unknown).
pub fn detect(head: &[u8]) -> Result<Detected, String> {
    let found = infer::get(head).map(|t| t.mime_type());
    let mime = match found {
        // infer names M4A audio by its brand; MP4 files whose only track is audio are still
        // `video/mp4` to it.
        Some("audio/m4a" | "audio/x-m4a") => "audio/mp4",
        Some("audio/x-aac") => "audio/aac",
        Some(m) => m,
        None => {
            return Err(format!(
                "the content is of no known type; accepted: {ACCEPTED_TYPES}"
            ));
        }
    };
    ACCEPTED
        .iter()
        .find(|d| d.mime == mime)
        .copied()
        .ok_or_else(|| {
            format!("content of type {mime} is not accepted; accepted: {ACCEPTED_TYPES}")
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn reads_magic_bytes_not_names() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(detect(png).unwrap().ext, "png");
        let jpeg = b"\xff\xd8\xff\xe0\0\x10JFIF\0";
        assert_eq!(detect(jpeg).unwrap().mime, "image/jpeg");
        let mp4 = b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41";
        assert_eq!(detect(mp4).unwrap().kind, MediaKind::Video);
        assert!(detect(b"<html><script>alert(1)</script>").is_err());
        assert!(
            detect(b"%PDF-1.7\n")
                .unwrap_err()
                .contains("application/pdf")
        );
    }
}
