//! The write path for bylines (authors): create, change, delete (editors and admins). Each
//! emits `Change::Author`: summaries name their bylines.

use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{commit, free_slug_for, refuse_if_used};
use crate::auth::Actor;
use crate::content::change::Change;
use crate::error::{ApiError, OrNotFound};
use crate::fields::double_option;
use crate::models::author::{self, Author, AuthorChanges, NewAuthor};
use crate::models::user::Role;
use crate::models::{Key, SlugTable};
use crate::state::AppState;
use crate::validate::Violations;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAuthor {
    /// Name as printed in the byline, 1–64 characters.
    #[schema(
        example = "张庆梅",
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub name: String,
    /// Generated from the name when absent.
    #[schema(pattern = "^[a-z0-9-]{1,64}$")]
    pub slug: Option<String>,
    /// 作者单位, at most 200 characters.
    #[schema(example = "黑河市委讲师团", max_length = 200)]
    pub affiliation: Option<String>,
    /// At most 2000 characters.
    #[schema(max_length = 2000)]
    pub bio: Option<String>,
    /// An absolute http(s) URL.
    #[schema(
        max_length = 2048,
        pattern = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][^\s]*)?$"
    )]
    pub avatar_url: Option<String>,
}

crate::named_enum! {
    /// The fields of `UpdateAuthor` that `clear` may name.
    AuthorClear {
        Affiliation => "affiliation",
        Bio => "bio",
        AvatarUrl => "avatar_url",
    }
}

/// Only the fields present change; `clear` (or `null` in a merge patch) clears a nullable field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAuthor {
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub name: Option<String>,
    #[schema(pattern = "^[a-z0-9-]{1,64}$")]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 200)]
    pub affiliation: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 2000)]
    pub bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(
        max_length = 2048,
        pattern = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][^\s]*)?$"
    )]
    pub avatar_url: Option<Option<String>>,
    /// Fields to clear, by name, for clients that cannot send `null` (a field named here must
    /// not also be set). With `application/json` a `null` member leaves a field unchanged;
    /// with `application/merge-patch+json` it clears it.
    #[serde(default)]
    pub clear: Option<Vec<AuthorClear>>,
}

fn check_optional(
    v: &mut Violations,
    affiliation: Option<&str>,
    bio: Option<&str>,
    avatar: Option<&str>,
) {
    if let Some(a) = affiliation {
        v.length("affiliation", a, 0, 200);
    }
    if let Some(b) = bio {
        v.length("bio", b, 0, 2000);
    }
    if let Some(u) = avatar {
        v.http_url("avatar_url", u);
    }
}

fn check_names(v: &mut Violations, name: Option<&str>, slug: Option<&str>) {
    if let Some(name) = name {
        v.name("name", name, 64);
    }
    if let Some(slug) = slug {
        v.slug("slug", slug);
    }
}

pub async fn create(
    state: &AppState,
    actor: Actor,
    body: CreateAuthor,
) -> Result<Author, ApiError> {
    actor.require(Role::Editor)?;
    let mut v = Violations::default();
    check_names(&mut v, Some(&body.name), body.slug.as_deref());
    check_optional(
        &mut v,
        body.affiliation.as_deref(),
        body.bio.as_deref(),
        body.avatar_url.as_deref(),
    );
    v.finish()?;
    let name = body.name.trim().to_owned();
    commit(state, async |conn| {
        let slug = free_slug_for(conn, SlugTable::Authors, body.slug, &name, "author").await?;
        let new = NewAuthor {
            slug,
            name,
            affiliation: body.affiliation,
            bio: body.bio,
            avatar_url: body.avatar_url,
        };
        let row = author::insert(conn, &new).await?;
        let change = Change::Author(row.id);
        Ok((row, change))
    })
    .await
}

/// Changes the fields `body` names.
pub async fn update(
    state: &AppState,
    actor: Actor,
    key: &Key,
    body: UpdateAuthor,
) -> Result<Author, ApiError> {
    actor.require(Role::Editor)?;
    let mut v = Violations::default();
    check_names(&mut v, body.name.as_deref(), body.slug.as_deref());
    check_optional(
        &mut v,
        inner(&body.affiliation),
        inner(&body.bio),
        inner(&body.avatar_url),
    );
    v.finish()?;
    let changes = AuthorChanges {
        slug: body.slug,
        name: body.name.map(|n| n.trim().to_owned()),
        affiliation: body.affiliation,
        bio: body.bio,
        avatar_url: body.avatar_url,
        updated_at: Some(Utc::now()),
    };
    commit(state, async |conn| {
        let current = author::find(conn, key).await?.or_not_found("author", key)?;
        let row = author::update(conn, current.id, &changes).await?;
        let change = Change::Author(row.id);
        Ok((row, change))
    })
    .await
}

/// Deletes an author; 409 while articles still credit them.
pub async fn delete(state: &AppState, actor: Actor, key: &Key) -> Result<(), ApiError> {
    actor.require(Role::Editor)?;
    commit(state, async |conn| {
        let current = author::find(conn, key).await?.or_not_found("author", key)?;
        let used = author::usage(conn, current.id).await?;
        let what = format!("author `{}`", current.slug);
        refuse_if_used(used, &what, "is credited on", "remove the credits first")?;
        author::delete(conn, current.id).await?;
        Ok(((), Change::Author(current.id)))
    })
    .await
}

/// The text of a PATCH field that sets a value (`None` when absent or `null`).
fn inner(field: &Option<Option<String>>) -> Option<&str> {
    field.as_ref().and_then(|x| x.as_deref())
}
