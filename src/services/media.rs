//! The write path of the media library: an upload (already spooled) becomes an asset; its
//! metadata changes; an unused asset is deleted with its stored bytes and renditions.

use std::sync::Arc;

use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{commit, refuse_if_used};
use crate::auth::Actor;
use crate::content::change::Change;
use crate::error::{ApiError, OrNotFound};
use crate::fields::double_option;
use crate::media::spool::Spooled;
use crate::models::ids::MediaId;
use crate::models::media::{self, Asset, AssetChanges, MediaKind, NewAsset};
use crate::models::tag;
use crate::models::user::Role;
use crate::state::AppState;
use crate::validate::Violations;

const MAX_TAGS: usize = 20;

/// The descriptive fields of an upload, sent beside the file.
#[derive(Debug, Default)]
pub struct UploadFields {
    pub file_name: Option<String>,
    pub title: Option<String>,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub tags: Vec<String>,
    pub poster_id: Option<MediaId>,
    pub public: Option<bool>,
}

crate::named_enum! {
    /// The fields of `UpdateMedia` that `clear` may name.
    MediaClear {
        Alt => "alt",
        Caption => "caption",
        Credit => "credit",
        PosterId => "poster_id",
    }
}

/// Only the fields present change; `clear` (or `null` in a merge patch) clears a nullable one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMedia {
    /// At most 200 characters.
    #[schema(max_length = 200)]
    pub title: Option<String>,
    /// Alternative text, at most 500 characters (required of images that published articles
    /// use).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 500)]
    pub alt: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 1000)]
    pub caption: Option<Option<String>>,
    /// 来源 or photographer, at most 200 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 200)]
    pub credit: Option<Option<String>>,
    /// Replaces the tags (at most 20, each 1–32 characters).
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
    /// Video and audio: an image asset shown before playing.
    #[serde(default, deserialize_with = "double_option")]
    pub poster_id: Option<Option<MediaId>>,
    /// Readable without a token even while no visible article uses it.
    pub public: Option<bool>,
    /// Fields to clear, by name, for clients that cannot send `null`.
    #[serde(default)]
    pub clear: Option<Vec<MediaClear>>,
}

fn check_text(v: &mut Violations, field: &str, value: Option<&str>, max: usize) {
    if let Some(s) = value {
        v.length(field, s, 0, max);
        if s.chars().any(|c| c.is_control() && c != '\n') {
            v.add(field, "must not contain control characters");
        }
    }
}

fn normalize_tags(v: &mut Violations, raw: &[String]) -> Vec<String> {
    tag::normalize_list(raw, MAX_TAGS).unwrap_or_else(|why| {
        v.add("tags", why);
        Vec::new()
    })
}

fn trimmed(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The name in an asset's URL: a slug of the uploaded name (or title) and the extension of
/// the detected type; nothing of the client's name survives but letters, digits and dashes.
pub fn file_name(uploaded: Option<&str>, title: Option<&str>, ext: &str) -> String {
    let stem = uploaded
        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n))
        .map(|n| n.rsplit_once('.').map_or(n, |(s, _)| s))
        .filter(|n| !n.trim().is_empty())
        .or(title)
        .unwrap_or("media");
    let mut slug = crate::slugs::slugify(stem, "media");
    slug.truncate(72);
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        slug = "media".into();
    }
    format!("{slug}.{ext}")
}

/// A poster must be an existing image.
async fn check_poster(
    conn: &mut diesel_async::AsyncPgConnection,
    kind: MediaKind,
    poster: Option<MediaId>,
) -> Result<(), ApiError> {
    let Some(p) = poster else { return Ok(()) };
    if kind == MediaKind::Image {
        return Err(ApiError::invalid(
            "poster_id",
            "only video and audio have a poster",
        ));
    }
    match media::find(conn, p).await? {
        Some(a) if a.kind == MediaKind::Image => Ok(()),
        Some(_) => Err(ApiError::invalid("poster_id", "must name an image")),
        None => Err(ApiError::invalid(
            "poster_id",
            "does not name an existing asset",
        )),
    }
}

/// Makes an asset of a spooled upload; `(asset, false)` when the same file was uploaded before.
pub async fn create(
    state: &AppState,
    actor: Actor,
    upload: Spooled,
    fields: UploadFields,
) -> Result<(Asset, bool), ApiError> {
    actor.require(Role::Writer)?;
    let mut v = Violations::default();
    check_text(&mut v, "title", fields.title.as_deref(), 200);
    check_text(&mut v, "alt", fields.alt.as_deref(), 500);
    check_text(&mut v, "caption", fields.caption.as_deref(), 1000);
    check_text(&mut v, "credit", fields.credit.as_deref(), 200);
    let tags = normalize_tags(&mut v, &fields.tags);
    v.finish()?;
    let kind = upload.detected.kind;
    {
        let mut conn = state.conn().await?;
        if let Some(existing) = media::find_by_upload(&mut conn, &upload.sha256).await? {
            return Ok((existing, false));
        }
        check_poster(&mut conn, kind, fields.poster_id).await?;
    }
    let ext = upload.detected.ext;
    let stored = crate::media::ingest::store(&state.media, &upload).await?;
    let title = trimmed(fields.title.clone());
    let new = NewAsset {
        kind,
        mime: upload.detected.mime.to_owned(),
        file_name: file_name(fields.file_name.as_deref(), title.as_deref(), ext),
        byte_size: stored.byte_size,
        upload_sha256: upload.sha256.clone(),
        sha256: stored.sha256,
        title: title.unwrap_or_default(),
        alt: trimmed(fields.alt),
        caption: trimmed(fields.caption),
        credit: trimmed(fields.credit),
        tags,
        width: stored.width,
        height: stored.height,
        duration_ms: stored.duration_ms,
        poster_id: fields.poster_id,
        public: fields.public.unwrap_or(false),
        uploaded_by: actor.id,
    };
    let sha = upload.sha256.clone();
    commit(state, async |conn| {
        match media::insert(conn, &new).await? {
            Some(row) => {
                let change = Change::Media(row.id);
                Ok(((row, true), change))
            }
            // The same file, uploaded at the same moment by someone else.
            None => {
                let row = media::find_by_upload(conn, &sha)
                    .await?
                    .or_not_found("media with upload hash", &sha)?;
                let change = Change::Media(row.id);
                Ok(((row, false), change))
            }
        }
    })
    .await
}

/// Writers change only what they uploaded; editors and admins anything.
pub fn may_change(actor: Actor, a: &Asset) -> Result<(), ApiError> {
    if actor.role.at_least(Role::Editor) || a.uploaded_by == actor.id {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "writers may change only the media they uploaded".into(),
        ))
    }
}

/// Writers see what they uploaded and what is public; editors and admins everything.
pub fn may_see(actor: Actor, a: &Asset) -> bool {
    actor.role.at_least(Role::Editor) || a.uploaded_by == actor.id || a.public
}

pub async fn update(
    state: &AppState,
    actor: Actor,
    id: MediaId,
    body: UpdateMedia,
) -> Result<Asset, ApiError> {
    actor.require(Role::Writer)?;
    let mut v = Violations::default();
    check_text(&mut v, "title", body.title.as_deref(), 200);
    check_text(
        &mut v,
        "alt",
        body.alt.as_ref().and_then(|s| s.as_deref()),
        500,
    );
    check_text(
        &mut v,
        "caption",
        body.caption.as_ref().and_then(|s| s.as_deref()),
        1000,
    );
    check_text(
        &mut v,
        "credit",
        body.credit.as_ref().and_then(|s| s.as_deref()),
        200,
    );
    let tags = body.tags.as_ref().map(|t| normalize_tags(&mut v, t));
    v.finish()?;
    let changes = AssetChanges {
        title: body.title.map(|t| t.trim().to_owned()),
        alt: body.alt.map(trimmed),
        caption: body.caption.map(trimmed),
        credit: body.credit.map(trimmed),
        tags,
        poster_id: body.poster_id,
        public: body.public,
        updated_at: Some(Utc::now()),
    };
    commit(state, async |conn| {
        let current = media::find(conn, id).await?.or_not_found("media", id)?;
        may_change(actor, &current)?;
        if let Some(p) = changes.poster_id {
            check_poster(conn, current.kind, p).await?;
        }
        if matches!(changes.alt, Some(None))
            && current.kind == MediaKind::Image
            && media::used_by_visible(conn, id, Utc::now()).await?
        {
            return Err(ApiError::invalid(
                "alt",
                "cannot be cleared while a published article shows the image",
            ));
        }
        let row = media::update(conn, id, &changes).await?;
        Ok((row, Change::Media(id)))
    })
    .await
}

/// Deletes an asset no article uses (409 with the count otherwise), then its stored bytes and
/// renditions.
pub async fn delete(state: &AppState, actor: Actor, id: MediaId) -> Result<(), ApiError> {
    actor.require(Role::Writer)?;
    let (gone, shared) = commit(state, async |conn| {
        let current = media::find(conn, id).await?.or_not_found("media", id)?;
        may_change(actor, &current)?;
        let (articles, posters) = media::usage(conn, id).await?;
        let what = format!("media {id}");
        refuse_if_used(articles, &what, "is used by", "take it out of them first")?;
        if posters > 0 {
            return Err(ApiError::conflict(format!(
                "media {id} is the poster of {posters} video or audio asset(s); change them first"
            )));
        }
        media::delete(conn, id).await?;
        let shared = media::bytes_shared(conn, &current.sha256, id).await?;
        Ok(((current, shared), Change::Media(id)))
    })
    .await?;
    let media: Arc<crate::media::Media> = state.media.clone();
    if let Err(e) = media.forget(&gone, shared).await {
        // The row is gone; the bytes stay until deleted by hand (logged, not an error).
        tracing::warn!(media = %id, error = %e, "stored bytes of a deleted asset were kept");
    }
    Ok(())
}
