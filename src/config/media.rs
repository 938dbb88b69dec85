//! Settings of the media library (`MEDIA_*`): where files are stored, how large uploads may be
//! and which rendition widths exist.

use std::path::PathBuf;

use clap::Args;
use clap::builder::TypedValueParser as _;

/// Where originals and renditions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StorageKind {
    /// A folder on the local file system (`MEDIA_DIR`).
    Local,
    /// An S3-compatible bucket (`MEDIA_S3_*`).
    S3,
}

#[derive(Debug, Clone, Args)]
pub struct MediaConfig {
    /// `local` (a folder, `MEDIA_DIR`) or `s3` (a bucket, `MEDIA_S3_*`).
    #[arg(long = "media-storage", env = "MEDIA_STORAGE", value_enum, default_value_t = StorageKind::Local)]
    pub storage: StorageKind,

    /// Folder of the local store (created when missing).
    #[arg(long = "media-dir", env = "MEDIA_DIR", default_value = ".data/media")]
    pub dir: PathBuf,

    /// Bucket of the S3 store.
    #[arg(long = "media-s3-bucket", env = "MEDIA_S3_BUCKET", default_value = "")]
    pub s3_bucket: String,

    /// Region of the bucket.
    #[arg(
        long = "media-s3-region",
        env = "MEDIA_S3_REGION",
        default_value = "us-east-1"
    )]
    pub s3_region: String,

    /// Endpoint of an S3-compatible server (MinIO, Ceph, moto …); empty for AWS itself.
    #[arg(
        long = "media-s3-endpoint",
        env = "MEDIA_S3_ENDPOINT",
        default_value = ""
    )]
    pub s3_endpoint: String,

    /// Access key; empty takes the credentials of the environment (`AWS_*`, instance roles).
    #[arg(
        long = "media-s3-access-key-id",
        env = "MEDIA_S3_ACCESS_KEY_ID",
        default_value = ""
    )]
    pub s3_access_key_id: String,

    #[arg(
        long = "media-s3-secret-access-key",
        env = "MEDIA_S3_SECRET_ACCESS_KEY",
        default_value = "",
        hide_env_values = true
    )]
    pub s3_secret_access_key: String,

    /// Address the bucket as `host/bucket` (most S3-compatible servers) rather than
    /// `bucket.host`.
    #[arg(long = "media-s3-path-style", env = "MEDIA_S3_PATH_STYLE", default_value_t = true, action = clap::ArgAction::Set)]
    pub s3_path_style: bool,

    /// Folder where uploads are spooled while they arrive (the system's temporary folder when
    /// empty).
    #[arg(
        long = "media-spool-dir",
        env = "MEDIA_SPOOL_DIR",
        // Clap's path parser refuses an empty value; `.env.example` has one.
        value_parser = clap::builder::OsStringValueParser::new().map(PathBuf::from)
    )]
    pub spool_dir: Option<PathBuf>,

    /// Largest image upload, in MiB.
    #[arg(long = "media-max-image-mb", env = "MEDIA_MAX_IMAGE_MB", default_value_t = DEFAULT_MAX_IMAGE_MB)]
    pub max_image_mb: u64,

    /// Largest video upload, in MiB.
    #[arg(long = "media-max-video-mb", env = "MEDIA_MAX_VIDEO_MB", default_value_t = DEFAULT_MAX_VIDEO_MB)]
    pub max_video_mb: u64,

    /// Largest audio upload, in MiB.
    #[arg(long = "media-max-audio-mb", env = "MEDIA_MAX_AUDIO_MB", default_value_t = DEFAULT_MAX_AUDIO_MB)]
    pub max_audio_mb: u64,

    /// Largest image accepted, in pixels (width × height), checked from the header before any
    /// decoding: a small file cannot expand to gigabytes of pixels.
    #[arg(long = "media-max-pixels", env = "MEDIA_MAX_PIXELS", default_value_t = DEFAULT_MAX_PIXELS)]
    pub max_pixels: u64,

    /// The widths renditions may be asked in (`?w=`); any other width is a 400.
    #[arg(long = "media-rendition-widths", env = "MEDIA_RENDITION_WIDTHS", value_delimiter = ',', default_values_t = DEFAULT_RENDITION_WIDTHS)]
    pub rendition_widths: Vec<u32>,

    /// Uploads one staff member may start per minute (0: no limit).
    #[arg(long = "media-uploads-per-minute", env = "MEDIA_UPLOADS_PER_MINUTE", default_value_t = DEFAULT_UPLOADS_PER_MINUTE)]
    pub uploads_per_minute: u32,

    /// Seconds an upload may take in all; between two chunks of it at most
    /// `BODY_READ_TIMEOUT_SECS` may pass.
    #[arg(long = "media-upload-timeout-secs", env = "MEDIA_UPLOAD_TIMEOUT_SECS", default_value_t = DEFAULT_UPLOAD_TIMEOUT_SECS)]
    pub upload_timeout_secs: f64,
}

const DEFAULT_MAX_IMAGE_MB: u64 = 20;
const DEFAULT_MAX_VIDEO_MB: u64 = 1024;
const DEFAULT_MAX_AUDIO_MB: u64 = 200;
const DEFAULT_MAX_PIXELS: u64 = 50_000_000;
const DEFAULT_RENDITION_WIDTHS: [u32; 6] = [160, 320, 640, 960, 1280, 1920];
const DEFAULT_UPLOADS_PER_MINUTE: u32 = 60;
const DEFAULT_UPLOAD_TIMEOUT_SECS: f64 = 3600.0;

impl MediaConfig {
    /// The defaults, storing under `dir`.
    pub fn local(dir: PathBuf) -> Self {
        Self {
            storage: StorageKind::Local,
            dir,
            s3_bucket: String::new(),
            s3_region: "us-east-1".into(),
            s3_endpoint: String::new(),
            s3_access_key_id: String::new(),
            s3_secret_access_key: String::new(),
            s3_path_style: true,
            spool_dir: None,
            max_image_mb: DEFAULT_MAX_IMAGE_MB,
            max_video_mb: DEFAULT_MAX_VIDEO_MB,
            max_audio_mb: DEFAULT_MAX_AUDIO_MB,
            max_pixels: DEFAULT_MAX_PIXELS,
            rendition_widths: DEFAULT_RENDITION_WIDTHS.to_vec(),
            uploads_per_minute: DEFAULT_UPLOADS_PER_MINUTE,
            upload_timeout_secs: DEFAULT_UPLOAD_TIMEOUT_SECS,
        }
    }

    /// What cannot be expressed as a default.
    pub fn validate(&self) -> Result<(), String> {
        if self.storage == StorageKind::S3 && self.s3_bucket.trim().is_empty() {
            return Err("MEDIA_S3_BUCKET is required with MEDIA_STORAGE=s3".into());
        }
        for (name, mb) in [
            ("MEDIA_MAX_IMAGE_MB", self.max_image_mb),
            ("MEDIA_MAX_VIDEO_MB", self.max_video_mb),
            ("MEDIA_MAX_AUDIO_MB", self.max_audio_mb),
        ] {
            if !(1..=100 * 1024).contains(&mb) {
                return Err(format!("{name} must be between 1 and 102400"));
            }
        }
        if !(1_000..=1_000_000_000).contains(&self.max_pixels) {
            return Err("MEDIA_MAX_PIXELS must be between 1000 and 1000000000".into());
        }
        if self.rendition_widths.is_empty()
            || self
                .rendition_widths
                .iter()
                .any(|w| !(16..=8192).contains(w))
        {
            return Err("MEDIA_RENDITION_WIDTHS must list widths between 16 and 8192".into());
        }
        if !(self.upload_timeout_secs >= 1.0 && self.upload_timeout_secs <= 86_400.0) {
            return Err("MEDIA_UPLOAD_TIMEOUT_SECS must be between 1 and 86400".into());
        }
        Ok(())
    }

    /// The rendition widths, ascending and without repeats.
    pub fn widths(&self) -> Vec<u32> {
        let mut w = self.rendition_widths.clone();
        w.sort_unstable();
        w.dedup();
        w
    }
}
