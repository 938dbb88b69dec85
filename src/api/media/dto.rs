//! Media request and response bodies.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

pub use crate::content::media::{ImageRef, MediaDto, MediaRef, Rendition};
pub use crate::media::renditions::{Fit, RenditionFormat, RenditionQuery};
pub use crate::models::media::MediaKind;
pub use crate::services::media::{MediaClear, UpdateMedia};

/// An upload: the file and its description (`multipart/form-data`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadMedia {
    /// The file: a JPEG, PNG, WebP or GIF image, an MP4 or WebM video, or MP3, AAC (ADTS or
    /// M4A) or Ogg audio. Its type is read from its content; its name gives the URL's name.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// At most 200 characters.
    #[schema(max_length = 200)]
    pub title: Option<String>,
    /// Alternative text of an image, at most 500 characters (required before a published
    /// article shows it).
    #[schema(max_length = 500)]
    pub alt: Option<String>,
    #[schema(max_length = 1000)]
    pub caption: Option<String>,
    /// 来源 or photographer, at most 200 characters.
    #[schema(max_length = 200)]
    pub credit: Option<String>,
    /// Tags: repeat the part, or separate with commas (at most 20, each 1–32 characters).
    pub tags: Option<Vec<String>>,
    /// Video and audio: an image asset shown before playing.
    pub poster_id: Option<i64>,
    /// Readable without a token even while no visible article uses it (default false).
    pub public: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListMediaQuery {
    pub kind: Option<MediaKind>,
    /// Only assets with this tag.
    #[param(max_length = 32)]
    pub tag: Option<String>,
    /// Only assets this staff user uploaded.
    pub uploaded_by: Option<i64>,
    /// Title, alt text, caption or credit contains this (case-insensitive), at most 100
    /// characters.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Uploaded at or after this time (RFC 3339).
    #[serde(default, deserialize_with = "crate::db::timestamp::option")]
    pub since: Option<DateTime<Utc>>,
    /// Uploaded before this time (RFC 3339).
    #[serde(default, deserialize_with = "crate::db::timestamp::option")]
    pub until: Option<DateTime<Utc>>,
    /// Page number (page mode), default 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// Opaque cursor from `meta.next_cursor` (keyset mode).
    pub cursor: Option<String>,
}
