//! The write path for sources (来源): create, change, delete (editors and admins). Each emits
//! `Change::Source`: summaries name their source.

use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{commit, free_slug_for, refuse_if_used};
use crate::auth::Actor;
use crate::content::change::Change;
use crate::error::{ApiError, OrNotFound};
use crate::fields::double_option;
use crate::models::source::{self, NewSource, Source, SourceChanges, SourceKind};
use crate::models::user::Role;
use crate::models::{Key, SlugTable, article};
use crate::state::AppState;
use crate::validate::Violations;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSource {
    /// Display name, unique, 1–100 characters.
    #[schema(example = "黑河日报")]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub name: String,
    /// Generated from the name when absent.
    #[schema(pattern = "^[a-z0-9-]{1,64}$")]
    pub slug: Option<String>,
    /// Default `other`.
    pub kind: Option<SourceKind>,
    /// An absolute http(s) URL.
    #[schema(
        max_length = 2048,
        pattern = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][^\s]*)?$"
    )]
    pub homepage_url: Option<String>,
}

crate::named_enum! {
    /// The fields of `UpdateSource` that `clear` may name.
    SourceClear {
        HomepageUrl => "homepage_url",
    }
}

/// Only the fields present change; `clear` (or `null` in a merge patch) clears `homepage_url`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSource {
    /// Display name, unique, 1–100 characters.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub name: Option<String>,
    #[schema(pattern = "^[a-z0-9-]{1,64}$")]
    pub slug: Option<String>,
    pub kind: Option<SourceKind>,
    /// An absolute http(s) URL; `clear` (or `null` in a merge patch) clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(
        max_length = 2048,
        pattern = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][^\s]*)?$"
    )]
    pub homepage_url: Option<Option<String>>,
    /// Fields to clear, by name, for clients that cannot send `null` (a field named here must
    /// not also be set). With `application/json` a `null` member leaves a field unchanged;
    /// with `application/merge-patch+json` it clears it.
    #[serde(default)]
    pub clear: Option<Vec<SourceClear>>,
}

fn check(v: &mut Violations, name: Option<&str>, slug: Option<&str>, url: Option<&str>) {
    if let Some(name) = name {
        v.name("name", name, 100);
    }
    if let Some(slug) = slug {
        v.slug("slug", slug);
    }
    if let Some(url) = url {
        v.http_url("homepage_url", url);
    }
}

pub async fn create(
    state: &AppState,
    actor: Actor,
    body: CreateSource,
) -> Result<Source, ApiError> {
    actor.require(Role::Editor)?;
    let mut v = Violations::default();
    let url = body.homepage_url.as_deref();
    check(&mut v, Some(&body.name), body.slug.as_deref(), url);
    v.finish()?;
    let name = body.name.trim().to_owned();
    commit(state, async |conn| {
        let slug = free_slug_for(conn, SlugTable::Sources, body.slug, &name, "source").await?;
        let new = NewSource {
            slug,
            name,
            kind: body.kind.unwrap_or(SourceKind::Other),
            homepage_url: body.homepage_url,
        };
        let row = source::insert(conn, &new).await?;
        let change = Change::Source(row.id);
        Ok((row, change))
    })
    .await
}

/// Changes the fields `body` names.
pub async fn update(
    state: &AppState,
    actor: Actor,
    key: &Key,
    body: UpdateSource,
) -> Result<Source, ApiError> {
    actor.require(Role::Editor)?;
    let mut v = Violations::default();
    let url = body.homepage_url.as_ref().and_then(|u| u.as_deref());
    check(&mut v, body.name.as_deref(), body.slug.as_deref(), url);
    v.finish()?;
    let changes = SourceChanges {
        slug: body.slug,
        name: body.name.map(|n| n.trim().to_owned()),
        kind: body.kind,
        homepage_url: body.homepage_url,
        updated_at: Some(Utc::now()),
    };
    commit(state, async |conn| {
        let current = source::find(conn, key).await?.or_not_found("source", key)?;
        let row = source::update(conn, current.id, &changes).await?;
        let change = Change::Source(row.id);
        Ok((row, change))
    })
    .await
}

/// Deletes a source; 409 while articles use it.
pub async fn delete(state: &AppState, actor: Actor, key: &Key) -> Result<(), ApiError> {
    actor.require(Role::Editor)?;
    commit(state, async |conn| {
        let current = source::find(conn, key).await?.or_not_found("source", key)?;
        let used = article::count_from_source(conn, current.id).await?;
        let what = format!("source `{}`", current.slug);
        refuse_if_used(used, &what, "is used by", "change them first")?;
        source::delete(conn, current.id).await?;
        Ok(((), Change::Source(current.id)))
    })
    .await
}
