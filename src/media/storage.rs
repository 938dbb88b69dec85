//! Where media bytes live, behind one interface: a folder on the local file system or an
//! S3-compatible bucket (`object_store`). Keys are content-addressed (`originals/ab/<sha256>.ext`,
//! `renditions/<sha256>/<variant>`): bytes once written never change.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{
    BackoffConfig, ClientOptions, GetOptions, GetRange, GetResultPayload, ObjectStore, PutPayload,
    RetryConfig, WriteMultipart,
};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::config::{MediaConfig, StorageKind};
use crate::error::ApiError;

/// Parts of a multipart upload to S3 (at least 5 MiB, except the last).
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Reads of a local file streamed out.
const READ_BYTES: usize = 256 * 1024;
/// Files up to this size are written with one request.
const SINGLE_PUT_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// `local` or `s3`, for logs and `/readyz`.
    pub kind: StorageKind,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Storage({:?}: {})", self.kind, self.store)
    }
}

fn unavailable(e: object_store::Error) -> ApiError {
    ApiError::StorageUnavailable(e.to_string())
}

impl Storage {
    /// The store the settings name; a local folder is created when missing.
    pub fn from_config(config: &MediaConfig) -> Result<Self, String> {
        let store: Arc<dyn ObjectStore> = match config.storage {
            StorageKind::Local => {
                std::fs::create_dir_all(&config.dir).map_err(|e| {
                    format!("MEDIA_DIR {}: cannot be created: {e}", config.dir.display())
                })?;
                let fs = LocalFileSystem::new_with_prefix(&config.dir)
                    .map_err(|e| format!("MEDIA_DIR {}: {e}", config.dir.display()))?
                    .with_automatic_cleanup(true);
                Arc::new(fs)
            }
            StorageKind::S3 => {
                // A store that does not answer fails a request within seconds (503), instead
                // of object_store's default of retrying for three minutes.
                let retry = RetryConfig {
                    backoff: BackoffConfig::default(),
                    max_retries: 3,
                    retry_timeout: Duration::from_secs(10),
                };
                let client = ClientOptions::new()
                    .with_connect_timeout(Duration::from_secs(3))
                    .with_timeout(Duration::from_secs(60));
                let mut b = AmazonS3Builder::from_env()
                    .with_retry(retry)
                    .with_client_options(client)
                    .with_bucket_name(&config.s3_bucket)
                    .with_region(&config.s3_region)
                    .with_virtual_hosted_style_request(!config.s3_path_style);
                if !config.s3_endpoint.is_empty() {
                    b = b
                        .with_endpoint(&config.s3_endpoint)
                        .with_allow_http(config.s3_endpoint.starts_with("http://"));
                }
                if !config.s3_access_key_id.is_empty() {
                    b = b
                        .with_access_key_id(&config.s3_access_key_id)
                        .with_secret_access_key(&config.s3_secret_access_key);
                }
                Arc::new(b.build().map_err(|e| format!("MEDIA_S3_*: {e}"))?)
            }
        };
        Ok(Self {
            store,
            kind: config.storage,
        })
    }

    /// Whether an object exists.
    pub async fn exists(&self, key: &str) -> Result<bool, ApiError> {
        match self.store.head(&ObjectPath::from(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Writes small content in one request.
    pub async fn put_bytes(&self, key: &str, bytes: Bytes) -> Result<(), ApiError> {
        self.store
            .put(&ObjectPath::from(key), PutPayload::from_bytes(bytes))
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    /// Copies a file into the store, in parts for large files: never more than a few parts in
    /// memory.
    pub async fn put_file(&self, key: &str, path: &Path, size: u64) -> Result<(), ApiError> {
        let io = |e: std::io::Error| ApiError::internal(format!("reading a spooled upload: {e}"));
        if size <= SINGLE_PUT_BYTES {
            let bytes = tokio::fs::read(path).await.map_err(io)?;
            return self.put_bytes(key, Bytes::from(bytes)).await;
        }
        let upload = self
            .store
            .put_multipart(&ObjectPath::from(key))
            .await
            .map_err(unavailable)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut file = tokio::fs::File::open(path).await.map_err(io)?;
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let n = match file.read(&mut buf).await {
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(io(e));
                }
            };
            if n == 0 {
                break;
            }
            if let Err(e) = writer.wait_for_capacity(2).await {
                let _ = writer.abort().await;
                return Err(unavailable(e));
            }
            writer.write(&buf[..n]);
        }
        writer.finish().await.map(|_| ()).map_err(unavailable)
    }

    /// A whole object; `None` when it does not exist.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, ApiError> {
        match self.store.get(&ObjectPath::from(key)).await {
            Ok(r) => r.bytes().await.map(Some).map_err(unavailable),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// The bytes of `range` (all when `None`) as a stream: a 1 GB video is never read whole.
    pub async fn stream(
        &self,
        key: &str,
        range: Option<Range<u64>>,
    ) -> Result<BoxStream<'static, Result<Bytes, std::io::Error>>, ApiError> {
        let opts = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let found = self
            .store
            .get_opts(&ObjectPath::from(key), opts)
            .await
            .map_err(unavailable)?;
        let range = found.range.clone();
        Ok(match found.payload {
            // A local file is read in large chunks (object_store's own stream reads 8 KiB at a
            // time, each on a blocking thread).
            GetResultPayload::File(file, _) => file_stream(file, range),
            GetResultPayload::Stream(s) => {
                s.map_err(|e| std::io::Error::other(e.to_string())).boxed()
            }
        })
    }

    /// Deletes an object (a missing one is not an error).
    pub async fn delete(&self, key: &str) -> Result<(), ApiError> {
        match self.store.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Deletes every object under a prefix (an asset's renditions).
    pub async fn delete_prefix(&self, prefix: &str) -> Result<(), ApiError> {
        let prefix = ObjectPath::from(prefix);
        let keys: Vec<_> = self
            .store
            .list(Some(&prefix))
            .map_ok(|m| m.location)
            .try_collect()
            .await
            .map_err(unavailable)?;
        for key in keys {
            match self.store.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(unavailable(e)),
            }
        }
        Ok(())
    }
}

/// The bytes `range` of a local file, `READ_BYTES` at a time.
fn file_stream(
    file: std::fs::File,
    range: Range<u64>,
) -> BoxStream<'static, Result<Bytes, std::io::Error>> {
    let file = tokio::fs::File::from_std(file);
    futures_util::stream::try_unfold(
        (file, range.start, range.end, false),
        |(mut file, at, end, sought)| async move {
            if at >= end {
                return Ok(None);
            }
            if !sought {
                file.seek(std::io::SeekFrom::Start(at)).await?;
            }
            let want = usize::try_from(end - at)
                .unwrap_or(READ_BYTES)
                .min(READ_BYTES);
            let mut buf = vec![0u8; want];
            let n = file.read(&mut buf).await?;
            if n == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the stored file is shorter than recorded",
                ));
            }
            buf.truncate(n);
            Ok(Some((Bytes::from(buf), (file, at + n as u64, end, true))))
        },
    )
    .boxed()
}
