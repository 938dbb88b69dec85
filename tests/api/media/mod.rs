//! The media library: uploads, delivery (ranges, renditions), articles using assets, on the
//! local store and on an S3-compatible server.

mod articles;
mod delivery;
mod library;
mod renditions;
mod s3;
mod uploads;

use std::io::Cursor;

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::{TestApp, status_json};

/// A fixture file of `tests/fixtures/media`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/media")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A picture of `w`×`h` with a gradient (so that it compresses like a photo, not to nothing).
fn picture(w: u32, h: u32) -> image::DynamicImage {
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            (x * 255 / w.max(1)) as u8,
            (y * 255 / h.max(1)) as u8,
            ((x + y) % 256) as u8,
        ])
    }))
}

pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    picture(w, h)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

pub fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    picture(w, h)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// An EXIF block (big-endian TIFF) with an orientation and an image description.
fn exif(orientation: u16, description: &str) -> Vec<u8> {
    let mut text = description.as_bytes().to_vec();
    text.push(0);
    let mut t = b"MM\0\x2a\0\0\0\x08".to_vec();
    t.extend_from_slice(&2u16.to_be_bytes());
    // 0x010E ImageDescription, ASCII, its text after the directory.
    let text_at = 8 + 2 + 2 * 12 + 4;
    t.extend_from_slice(&0x010Eu16.to_be_bytes());
    t.extend_from_slice(&2u16.to_be_bytes());
    t.extend_from_slice(&(text.len() as u32).to_be_bytes());
    t.extend_from_slice(&(text_at as u32).to_be_bytes());
    // 0x0112 Orientation, SHORT, 1 value.
    t.extend_from_slice(&0x0112u16.to_be_bytes());
    t.extend_from_slice(&3u16.to_be_bytes());
    t.extend_from_slice(&1u32.to_be_bytes());
    t.extend_from_slice(&orientation.to_be_bytes());
    t.extend_from_slice(&[0, 0]);
    t.extend_from_slice(&0u32.to_be_bytes());
    t.extend_from_slice(&text);
    t
}

/// A JPEG carrying EXIF (orientation and a description that must not survive) and a comment.
pub fn jpeg_with_exif(w: u32, h: u32, orientation: u16, secret: &str) -> Vec<u8> {
    use img_parts::{ImageEXIF, jpeg::Jpeg, jpeg::JpegSegment, jpeg::markers};
    let mut j = Jpeg::from_bytes(jpeg(w, h).into()).unwrap();
    j.set_exif(Some(exif(orientation, secret).into()));
    let comment = JpegSegment::new_with_contents(markers::COM, secret.to_owned().into());
    j.segments_mut().insert(1, comment);
    j.encoder().bytes().to_vec()
}

/// A small PNG whose header claims `w`×`h` (a decompression bomb's shape).
pub fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    use img_parts::png::{Png, PngChunk};
    let mut p = Png::from_bytes(png(8, 8).into()).unwrap();
    let ihdr = p.chunks()[0].contents().to_vec();
    let mut claimed = w.to_be_bytes().to_vec();
    claimed.extend_from_slice(&h.to_be_bytes());
    claimed.extend_from_slice(&ihdr[8..]);
    p.chunks_mut()[0] = PngChunk::new(*b"IHDR", claimed.into());
    p.encoder().bytes().to_vec()
}

/// Width and height of an encoded image.
pub fn dimensions(bytes: &[u8]) -> (usize, usize) {
    let s = imagesize::blob_size(bytes).unwrap();
    (s.width, s.height)
}

impl TestApp {
    /// Uploads `bytes` as `file_name` with the text parts given; status and body.
    pub async fn upload(
        &self,
        token: &str,
        bytes: Vec<u8>,
        file_name: &str,
        parts: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut form = Form::new().part(
            "file",
            Part::bytes(bytes)
                .file_name(file_name.to_owned())
                .mime_str("application/octet-stream")
                .unwrap(),
        );
        for (name, value) in parts {
            form = form.text(name.to_string(), value.to_string());
        }
        let res = self
            .post("/api/v1/media")
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        status_json(res).await
    }

    /// Uploads and asserts 201; the asset.
    pub async fn upload_new(
        &self,
        token: &str,
        bytes: Vec<u8>,
        file_name: &str,
        parts: &[(&str, &str)],
    ) -> Value {
        let (status, body) = self.upload(token, bytes, file_name, parts).await;
        assert_eq!(status, 201, "{body}");
        body
    }

    /// GET of a media path (as returned in `url`), with an optional token.
    pub async fn fetch(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = self.get(path);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    /// Files under the local media folder whose path contains `part`.
    pub fn stored_files(&self, part: &str) -> Vec<String> {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            if let Ok(entries) = std::fs::read_dir(dir) {
                for e in entries.flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        walk(&p, out);
                    } else {
                        out.push(p.to_string_lossy().into_owned());
                    }
                }
            }
        }
        let mut all = Vec::new();
        walk(&self.media_dir, &mut all);
        all.retain(|p| p.contains(part));
        all
    }
}
