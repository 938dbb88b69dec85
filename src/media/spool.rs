//! An upload written to a temporary file as it arrives: hashed, measured and typed on the way,
//! never held whole in memory, and cut off as soon as it passes the limit of its kind.

use std::path::Path;

use actix_multipart::Field;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::detect::{self, Detected, HEAD_BYTES};
use crate::config::MediaConfig;
use crate::error::ApiError;
use crate::models::media::MediaKind;

const MIB: u64 = 1024 * 1024;

/// The size limits of uploads, by kind.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub image: u64,
    pub video: u64,
    pub audio: u64,
}

impl Limits {
    pub fn of(config: &MediaConfig) -> Self {
        Self {
            image: config.max_image_mb * MIB,
            video: config.max_video_mb * MIB,
            audio: config.max_audio_mb * MIB,
        }
    }

    pub fn of_kind(&self, kind: MediaKind) -> u64 {
        match kind {
            MediaKind::Image => self.image,
            MediaKind::Video => self.video,
            MediaKind::Audio => self.audio,
        }
    }

    fn largest(&self) -> u64 {
        self.image.max(self.video).max(self.audio)
    }
}

/// A whole upload on disk; the file is deleted when this is dropped.
#[derive(Debug)]
pub struct Spooled {
    pub file: tempfile::TempPath,
    pub size: u64,
    /// SHA-256 of the bytes as uploaded, hex.
    pub sha256: String,
    pub detected: Detected,
}

fn too_large(limit: u64) -> ApiError {
    ApiError::PayloadTooLarge {
        limit: usize::try_from(limit).unwrap_or(usize::MAX),
    }
}

fn read_error(e: actix_multipart::MultipartError) -> ApiError {
    match e {
        actix_multipart::MultipartError::Payload(p) if is_timeout(&p) => ApiError::RequestTimeout,
        other => ApiError::bad_request("file", format!("the upload could not be read: {other}")),
    }
}

fn is_timeout(e: &actix_web::error::PayloadError) -> bool {
    matches!(e, actix_web::error::PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}

fn io_error(e: std::io::Error) -> ApiError {
    ApiError::internal(format!("spooling an upload: {e}"))
}

/// Writes the field's content to a new file in `dir`.
pub async fn spool(field: &mut Field, dir: &Path, limits: Limits) -> Result<Spooled, ApiError> {
    let named = tempfile::Builder::new()
        .prefix("newsdesk-upload-")
        .tempfile_in(dir)
        .map_err(io_error)?;
    let (std_file, path) = named.into_parts();
    let mut file = tokio::fs::File::from_std(std_file);
    let mut hasher = Sha256::new();
    let mut head: Vec<u8> = Vec::with_capacity(HEAD_BYTES);
    let mut detected: Option<Detected> = None;
    let mut size: u64 = 0;
    let mut limit = limits.largest();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(read_error)?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(too_large(limit));
        }
        hasher.update(&chunk);
        if detected.is_none() {
            let take = (HEAD_BYTES - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
            if head.len() == HEAD_BYTES {
                let d = detect::detect(&head).map_err(ApiError::UnsupportedMediaType)?;
                limit = limits.of_kind(d.kind);
                if size > limit {
                    return Err(too_large(limit));
                }
                detected = Some(d);
            }
        }
        file.write_all(&chunk).await.map_err(io_error)?;
    }
    if size == 0 {
        return Err(ApiError::invalid("file", "is empty"));
    }
    let detected = match detected {
        Some(d) => d,
        None => detect::detect(&head).map_err(ApiError::UnsupportedMediaType)?,
    };
    if size > limits.of_kind(detected.kind) {
        return Err(too_large(limits.of_kind(detected.kind)));
    }
    file.flush().await.map_err(io_error)?;
    file.sync_data().await.map_err(io_error)?;
    Ok(Spooled {
        file: path,
        size,
        sha256: hex(&hasher.finalize()),
        detected,
    })
}

/// Lowercase hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
