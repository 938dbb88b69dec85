//! The media an article uses, checked and recorded with each save: the cover, the video or
//! audio, the gallery and the images of the body. An asset in use cannot be deleted.

use std::collections::HashMap;

use diesel_async::AsyncPgConnection;

use crate::auth::Actor;
use crate::error::ApiError;
use crate::models::article::{Article, ArticleKind, ArticleStatus};
use crate::models::ids::MediaId;
use crate::models::media::{self, Asset, MediaKind, MediaRefs, MediaRole, Use};
use crate::models::user::Role;
use crate::validate::Violations;

const ROLES: [MediaRole; 4] = [
    MediaRole::Cover,
    MediaRole::Media,
    MediaRole::Gallery,
    MediaRole::Body,
];

/// Checks the assets an article names and records its uses (inside the save's transaction).
pub async fn store_uses(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    article: &Article,
    refs: &MediaRefs,
) -> Result<(), ApiError> {
    let body = crate::media::body::asset_ids(&article.body);
    let mut wanted: Vec<(MediaRole, i32, MediaId, &'static str)> = Vec::new();
    if let Some(id) = refs.cover {
        wanted.push((MediaRole::Cover, 0, id, "cover_image_id"));
    }
    if let Some(id) = refs.media {
        wanted.push((MediaRole::Media, 0, id, "media_id"));
    }
    for (i, &id) in refs.gallery.iter().enumerate() {
        wanted.push((
            MediaRole::Gallery,
            i32::try_from(i).unwrap_or(i32::MAX),
            id,
            "gallery_ids",
        ));
    }
    for (i, &id) in body.iter().enumerate() {
        wanted.push((
            MediaRole::Body,
            i32::try_from(i).unwrap_or(i32::MAX),
            id,
            "body",
        ));
    }
    let ids: Vec<MediaId> = wanted.iter().map(|w| w.2).collect();
    let found: HashMap<MediaId, Asset> = media::find_many(conn, &ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut v = Violations::default();
    let publishing = article.status == ArticleStatus::Published;
    for &(role, _, id, field) in &wanted {
        let Some(asset) = found.get(&id) else {
            v.add(field, format!("media {id} does not exist"));
            continue;
        };
        let expected = match role {
            MediaRole::Media => match article.kind {
                ArticleKind::Audio => MediaKind::Audio,
                _ => MediaKind::Video,
            },
            _ => MediaKind::Image,
        };
        if asset.kind != expected {
            v.add(
                field,
                format!(
                    "media {id} is {} ({}), not {expected}",
                    asset.kind, asset.mime
                ),
            );
            continue;
        }
        if !actor.role.at_least(Role::Editor) && asset.uploaded_by != actor.id && !asset.public {
            v.add(
                field,
                format!("media {id}: writers may use only media they uploaded or public media"),
            );
        }
        if publishing && asset.kind == MediaKind::Image && asset.alt.is_none() {
            v.add(
                field,
                format!("media {id} has no alt text; set `alt` on it before publishing"),
            );
        }
    }
    v.finish()?;
    let uses: Vec<Use> = wanted
        .into_iter()
        .map(|(role, position, asset_id, _)| Use {
            article_id: article.id,
            role,
            position,
            asset_id,
        })
        .collect();
    media::set_uses(conn, article.id, &ROLES, &uses).await?;
    Ok(())
}
