//! The media library's machinery: the object store, upload spooling and typing, image
//! preparation and renditions. The HTTP side is `api::media`, the write path
//! `services::media`, the rows `models::media`.

pub mod body;
pub mod detect;
pub mod duration;
pub mod images;
pub mod ingest;
pub mod renditions;
pub mod spool;
pub mod storage;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bytes::Bytes;
use tokio::sync::Semaphore;

use crate::config::MediaConfig;
use crate::error::ApiError;
use crate::models::ids::UserId;
use crate::models::media::Asset;
use renditions::Variant;
use spool::Limits;
use storage::Storage;

/// Memory kept for renditions being served (the stored copies are the real cache).
const RENDITION_MEMORY_BYTES: u64 = 64 * 1024 * 1024;
/// Renditions rendered at once in one process (each takes a core).
const RENDERS_AT_ONCE: usize = 2;

/// Where a rendition's bytes came from, for the `X-Rendition` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenditionSource {
    /// This request rendered it.
    Rendered,
    /// Read from the store, where an earlier request put it.
    Stored,
    /// From memory (or from a render another request was doing).
    Memory,
}

impl RenditionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rendered => "rendered",
            Self::Stored => "stored",
            Self::Memory => "memory",
        }
    }
}

/// The rendition widths of this process, for the content layer (which builds image references
/// without the settings at hand). Set by the first `Media::new`; every application a process
/// builds reads the same `MEDIA_RENDITION_WIDTHS`.
static WIDTHS: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();

/// The configured rendition widths, ascending (the defaults before any `Media` was built).
pub fn widths() -> &'static [u32] {
    WIDTHS.get_or_init(|| MediaConfig::local(PathBuf::new()).widths())
}

pub struct Media {
    pub storage: Storage,
    pub limits: Limits,
    /// Allowed rendition widths, ascending.
    pub widths: Vec<u32>,
    pub max_pixels: u64,
    pub spool_dir: PathBuf,
    uploads: Option<governor::DefaultKeyedRateLimiter<i64>>,
    renders: moka::future::Cache<String, Bytes>,
    render_slots: Semaphore,
    /// Renditions rendered by this process (for `/metrics`).
    pub rendered: AtomicU64,
}

/// An error shared by the requests that waited for the same render, re-made for each of them.
fn unshare(e: Arc<ApiError>) -> ApiError {
    match e.as_ref() {
        ApiError::Validation(v) => ApiError::Validation(v.clone()),
        ApiError::StorageUnavailable(s) => ApiError::StorageUnavailable(s.clone()),
        ApiError::NotFound(s) => ApiError::NotFound(s.clone()),
        other => ApiError::Internal(other.to_string()),
    }
}

impl Media {
    pub fn new(config: &MediaConfig) -> Result<Self, String> {
        let spool_dir = config
            .spool_dir
            .clone()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(std::env::temp_dir);
        std::fs::create_dir_all(&spool_dir)
            .map_err(|e| format!("MEDIA_SPOOL_DIR {}: {e}", spool_dir.display()))?;
        let _ = WIDTHS.set(config.widths());
        Ok(Self {
            storage: Storage::from_config(config)?,
            limits: Limits::of(config),
            widths: config.widths(),
            max_pixels: config.max_pixels,
            spool_dir,
            uploads: std::num::NonZeroU32::new(config.uploads_per_minute)
                .map(|n| governor::RateLimiter::keyed(governor::Quota::per_minute(n))),
            renders: moka::future::Cache::builder()
                .max_capacity(RENDITION_MEMORY_BYTES)
                .weigher(|k: &String, v: &Bytes| {
                    u32::try_from(k.len() + v.len()).unwrap_or(u32::MAX)
                })
                .support_invalidation_closures()
                .build(),
            render_slots: Semaphore::new(RENDERS_AT_ONCE),
            rendered: AtomicU64::new(0),
        })
    }

    /// Takes one upload from the staff member's allowance (`MEDIA_UPLOADS_PER_MINUTE`).
    pub fn allow_upload(&self, user: UserId) -> Result<(), ApiError> {
        let Some(limiter) = &self.uploads else {
            return Ok(());
        };
        limiter.check_key(&user.0).map_err(|not_until| {
            use governor::clock::Clock;
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
            ApiError::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            }
        })
    }

    /// The bytes of a rendition: from memory, else from the store, else rendered (once, however
    /// many requests ask at the same time) and stored.
    pub async fn rendition(
        &self,
        asset: &Asset,
        variant: Variant,
    ) -> Result<(Bytes, RenditionSource), ApiError> {
        let key = variant.key(&asset.sha256);
        let stored = AtomicBool::new(false);
        let rendered = AtomicBool::new(false);
        let bytes = self
            .renders
            .try_get_with(key.clone(), async {
                if let Some(b) = self.storage.get(&key).await? {
                    stored.store(true, Ordering::Relaxed);
                    return Ok(b);
                }
                let original = self
                    .storage
                    .get(&asset.storage_key())
                    .await?
                    .ok_or_else(|| {
                        ApiError::StorageUnavailable(format!(
                            "the original of media {} is missing from the store",
                            asset.id
                        ))
                    })?;
                let format = renditions::source_format(&asset.mime).ok_or_else(|| {
                    ApiError::internal(format!("no image format for {}", asset.mime))
                })?;
                let _slot = self
                    .render_slots
                    .acquire()
                    .await
                    .map_err(ApiError::internal)?;
                let max_pixels = self.max_pixels;
                let out = tokio::task::spawn_blocking(move || {
                    renditions::render(&original, format, variant, max_pixels)
                })
                .await
                .map_err(ApiError::internal)??;
                self.storage.put_bytes(&key, out.clone()).await?;
                self.rendered.fetch_add(1, Ordering::Relaxed);
                rendered.store(true, Ordering::Relaxed);
                Ok::<_, ApiError>(out)
            })
            .await
            .map_err(unshare)?;
        let from = if rendered.load(Ordering::Relaxed) {
            RenditionSource::Rendered
        } else if stored.load(Ordering::Relaxed) {
            RenditionSource::Stored
        } else {
            RenditionSource::Memory
        };
        Ok((bytes, from))
    }

    /// Forgets an asset's renditions (memory and store) and its stored bytes.
    pub async fn forget(&self, asset: &Asset, keep_bytes: bool) -> Result<(), ApiError> {
        let prefix = format!("renditions/{}/", asset.sha256);
        self.renders
            .invalidate_entries_if(move |k, _| k.starts_with(&prefix))
            .map_err(ApiError::internal)?;
        if !keep_bytes {
            self.storage
                .delete_prefix(&format!("renditions/{}", asset.sha256))
                .await?;
            self.storage.delete(&asset.storage_key()).await?;
        }
        Ok(())
    }
}
