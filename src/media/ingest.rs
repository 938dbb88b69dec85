//! A spooled upload into the store: images prepared (size checked, metadata stripped), video
//! and audio measured, the stored bytes written once under their hash.

use std::path::Path;

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::Media;
use super::detect::{self, HEAD_BYTES};
use super::spool::{Limits, Spooled, hex};
use crate::error::ApiError;
use crate::models::media::{MediaKind, storage_key};

/// What was stored for an upload.
#[derive(Debug)]
pub struct Stored {
    /// SHA-256 of the stored bytes (an image's differ from the upload's).
    pub sha256: String,
    pub byte_size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub duration_ms: Option<i64>,
}

/// Prepares and stores a spooled upload (nothing is written to the database).
pub async fn store(media: &Media, upload: &Spooled) -> Result<Stored, ApiError> {
    let ext = upload.detected.ext;
    let path = upload.file.to_path_buf();
    if upload.detected.kind == MediaKind::Image {
        let max_pixels = media.max_pixels;
        let prepared =
            tokio::task::spawn_blocking(move || super::images::prepare(&path, ext, max_pixels))
                .await
                .map_err(ApiError::internal)??;
        let sha256 = hex(&Sha256::digest(&prepared.bytes));
        let key = storage_key(&sha256, &format!("x.{ext}"));
        let byte_size = prepared.bytes.len() as i64;
        if !media.storage.exists(&key).await? {
            media.storage.put_bytes(&key, prepared.bytes).await?;
        }
        let to_i32 = |n: u32| i32::try_from(n).map_err(ApiError::internal);
        return Ok(Stored {
            sha256,
            byte_size,
            width: Some(to_i32(prepared.width)?),
            height: Some(to_i32(prepared.height)?),
            duration_ms: None,
        });
    }
    let duration_ms = tokio::task::spawn_blocking(move || super::duration::of_file(&path, ext))
        .await
        .map_err(ApiError::internal)??;
    let key = storage_key(&upload.sha256, &format!("x.{ext}"));
    if !media.storage.exists(&key).await? {
        media
            .storage
            .put_file(&key, &upload.file, upload.size)
            .await?;
    }
    Ok(Stored {
        sha256: upload.sha256.clone(),
        byte_size: i64::try_from(upload.size).map_err(ApiError::internal)?,
        width: None,
        height: None,
        duration_ms,
    })
}

/// Bytes already in memory (the demo content) as a spooled upload, typed and checked like one.
pub async fn spool_bytes(dir: &Path, bytes: &[u8], limits: Limits) -> Result<Spooled, ApiError> {
    let io = |e: std::io::Error| ApiError::internal(format!("spooling: {e}"));
    let detected = detect::detect(&bytes[..bytes.len().min(HEAD_BYTES)])
        .map_err(ApiError::UnsupportedMediaType)?;
    let size = bytes.len() as u64;
    let limit = limits.of_kind(detected.kind);
    if size > limit {
        return Err(ApiError::PayloadTooLarge {
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
        });
    }
    let named = tempfile::Builder::new()
        .prefix("newsdesk-upload-")
        .tempfile_in(dir)
        .map_err(io)?;
    let (file, path) = named.into_parts();
    let mut file = tokio::fs::File::from_std(file);
    file.write_all(bytes).await.map_err(io)?;
    file.flush().await.map_err(io)?;
    Ok(Spooled {
        file: path,
        size,
        sha256: hex(&Sha256::digest(bytes)),
        detected,
    })
}
