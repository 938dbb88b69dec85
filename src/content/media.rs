//! Media response bodies: an asset as the library lists it, and as articles show it (with
//! the URLs of its renditions, ready for `srcset`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::models::ids::{MediaId, UserId};
use crate::models::media::{Asset, MediaKind};

/// One width of an image, as `GET /media/{id}/{name}?w=` serves it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rendition {
    pub width: u32,
    pub height: u32,
    /// Path of the rendition (same origin as the API).
    #[schema(example = "/media/12/heihe-bridge.jpg?w=640")]
    pub url: String,
}

/// An image as an article shows it: the original, its size and its renditions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImageRef {
    pub id: MediaId,
    /// Path of the original.
    #[schema(example = "/media/12/heihe-bridge.jpg")]
    pub url: String,
    pub width: u32,
    pub height: u32,
    /// Alternative text.
    pub alt: Option<String>,
    pub caption: Option<String>,
    /// 来源 / photographer.
    pub credit: Option<String>,
    /// The configured widths narrower than the original, narrowest first.
    pub renditions: Vec<Rendition>,
    /// `srcset` for an `<img>`: every rendition and the original, by width.
    #[schema(example = "/media/12/heihe-bridge.jpg?w=320 320w, /media/12/heihe-bridge.jpg 800w")]
    pub srcset: String,
}

/// A video or audio as an article shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MediaRef {
    pub id: MediaId,
    pub kind: MediaKind,
    /// The detected type, for `<source type>`.
    #[schema(example = "video/mp4")]
    pub mime: String,
    /// Path of the file; it answers `Range` requests (seeking).
    #[schema(example = "/media/31/heihe-flood-report.mp4")]
    pub url: String,
    pub title: String,
    pub caption: Option<String>,
    pub credit: Option<String>,
    /// Length in milliseconds, when known.
    pub duration_ms: Option<i64>,
    pub byte_size: i64,
    /// The poster image (for video; a cover for audio).
    pub poster: Option<ImageRef>,
}

/// An asset of the media library.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MediaDto {
    pub id: MediaId,
    pub kind: MediaKind,
    /// Read from the content's first bytes.
    #[schema(example = "image/jpeg")]
    pub mime: String,
    /// The name in the asset's URL.
    #[schema(example = "heihe-bridge.jpg")]
    pub file_name: String,
    /// Path of the original.
    pub url: String,
    pub byte_size: i64,
    /// SHA-256 of the stored bytes (its `ETag`).
    pub sha256: String,
    pub title: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub tags: Vec<String>,
    /// Images only.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Video and audio, when it could be read.
    pub duration_ms: Option<i64>,
    /// Video and audio: their poster image.
    pub poster_id: Option<MediaId>,
    /// Readable by anyone, even when no visible article uses it.
    pub public: bool,
    pub uploaded_by: UserId,
    /// Images only: the configured widths narrower than the original.
    pub renditions: Vec<Rendition>,
    /// Images only.
    pub srcset: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Path of an asset's original.
pub fn url_of(a: &Asset) -> String {
    format!("/media/{}/{}", a.id, a.file_name)
}

fn dims(a: &Asset) -> Option<(u32, u32)> {
    let w = u32::try_from(a.width?).ok()?;
    let h = u32::try_from(a.height?).ok()?;
    Some((w, h))
}

/// The renditions of an image `w`×`h` at the configured `widths` narrower than it.
fn renditions_of(a: &Asset, (w, h): (u32, u32), widths: &[u32]) -> Vec<Rendition> {
    let url = url_of(a);
    widths
        .iter()
        .filter(|&&rw| rw < w)
        .map(|&rw| Rendition {
            width: rw,
            height: ((u64::from(h) * u64::from(rw) + u64::from(w) / 2) / u64::from(w)).max(1)
                as u32,
            url: format!("{url}?w={rw}"),
        })
        .collect()
}

fn srcset_of(a: &Asset, w: u32, renditions: &[Rendition]) -> String {
    renditions
        .iter()
        .map(|r| format!("{} {}w", r.url, r.width))
        .chain(std::iter::once(format!("{} {w}w", url_of(a))))
        .collect::<Vec<_>>()
        .join(", ")
}

impl ImageRef {
    /// `None` unless the asset is an image.
    pub fn of(a: &Asset, widths: &[u32]) -> Option<Self> {
        let (w, h) = dims(a)?;
        let renditions = renditions_of(a, (w, h), widths);
        Some(Self {
            id: a.id,
            url: url_of(a),
            width: w,
            height: h,
            alt: a.alt.clone(),
            caption: a.caption.clone(),
            credit: a.credit.clone(),
            srcset: srcset_of(a, w, &renditions),
            renditions,
        })
    }
}

impl MediaRef {
    pub fn of(a: &Asset, poster: Option<ImageRef>) -> Self {
        Self {
            id: a.id,
            kind: a.kind,
            mime: a.mime.clone(),
            url: url_of(a),
            title: a.title.clone(),
            caption: a.caption.clone(),
            credit: a.credit.clone(),
            duration_ms: a.duration_ms,
            byte_size: a.byte_size,
            poster,
        }
    }
}

impl MediaDto {
    pub fn of(a: Asset, widths: &[u32]) -> Self {
        let d = dims(&a);
        let renditions = d.map_or_else(Vec::new, |d| renditions_of(&a, d, widths));
        let srcset = d.map(|(w, _)| srcset_of(&a, w, &renditions));
        Self {
            url: url_of(&a),
            tags: a.tag_list(),
            id: a.id,
            kind: a.kind,
            mime: a.mime,
            file_name: a.file_name,
            byte_size: a.byte_size,
            sha256: a.sha256,
            title: a.title,
            alt: a.alt,
            caption: a.caption,
            credit: a.credit,
            width: d.map(|d| d.0),
            height: d.map(|d| d.1),
            duration_ms: a.duration_ms,
            poster_id: a.poster_id,
            public: a.public,
            uploaded_by: a.uploaded_by,
            renditions,
            srcset,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}
