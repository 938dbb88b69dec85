//! The write path for channels (categories): create, change, delete (editors and admins).
//! Writes lock the tree; each emits `Change::Category` with the channel's state, which webhooks
//! announce (`category.created`, `category.updated`, `category.deleted`) and the caches apply.

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{commit, refuse_if_used};
use crate::auth::Actor;
use crate::content::categories::CategoryDetail;
use crate::content::change::{CategoryChange, Change, Lifecycle};
use crate::error::{ApiError, OrNotFound};
use crate::fields::double_option;
use crate::models::category::{self, CategoryChanges, MAX_DEPTH, NewCategory, Tree};
use crate::models::ids::CategoryId;
use crate::models::user::Role;
use crate::models::{Key, article};
use crate::state::AppState;
use crate::validate::{Violations, slugify};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategory {
    /// Display name, 1–64 characters.
    #[schema(example = "黑河时政")]
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub name: String,
    /// Generated from the name when absent.
    #[schema(pattern = "^[a-z0-9-]{1,64}$")]
    pub slug: Option<String>,
    /// Parent channel; the tree is at most 4 levels deep.
    pub parent_id: Option<CategoryId>,
    /// At most 500 characters.
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// Order among siblings, default 0.
    pub position: Option<i32>,
    /// Default true.
    pub visible: Option<bool>,
}

crate::named_enum! {
    /// The fields of `UpdateCategory` that `clear` may name.
    CategoryClear {
        ParentId => "parent_id",
        Description => "description",
    }
}

/// Only the fields present change; `clear` (or `null` in a merge patch) clears `parent_id` (making
/// a root) or `description`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategory {
    /// Display name, 1–64 characters.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub name: Option<String>,
    #[schema(pattern = "^[a-z0-9-]{1,64}$")]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub parent_id: Option<Option<CategoryId>>,
    /// At most 500 characters; `clear` (or `null` in a merge patch) clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 500)]
    pub description: Option<Option<String>>,
    pub position: Option<i32>,
    pub visible: Option<bool>,
    /// Fields to clear, by name, for clients that cannot send `null` (a field named here must
    /// not also be set). With `application/json` a `null` member leaves a field unchanged;
    /// with `application/merge-patch+json` it clears it.
    #[serde(default)]
    pub clear: Option<Vec<CategoryClear>>,
}

fn category_change(what: Lifecycle, detail: &CategoryDetail) -> Change {
    Change::Category(Box::new(CategoryChange {
        what,
        detail: detail.clone(),
    }))
}

fn check_name(v: &mut Violations, name: &str) {
    v.name("name", name, 64);
}

fn check_description(v: &mut Violations, description: Option<&str>) {
    if let Some(d) = description {
        v.length("description", d, 0, 500);
    }
}

fn unique_slug(tree: &Tree, name: &str) -> String {
    let base = slugify(name, "category");
    let taken = |s: &str| tree.nodes.iter().any(|c| c.slug == s);
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|s| !taken(s))
        .unwrap_or(base)
}

async fn reload(conn: &mut AsyncPgConnection, id: CategoryId) -> Result<CategoryDetail, ApiError> {
    let tree = category::load_tree(conn).await?;
    let c = tree
        .get(id)
        .ok_or_else(|| ApiError::internal("category vanished inside its transaction"))?;
    Ok(CategoryDetail::of(&tree, c, true))
}

/// Creates a channel.
pub async fn create(
    state: &AppState,
    actor: Actor,
    body: CreateCategory,
) -> Result<CategoryDetail, ApiError> {
    actor.require(Role::Editor)?;
    let mut v = Violations::default();
    check_name(&mut v, &body.name);
    if let Some(slug) = &body.slug {
        v.slug("slug", slug);
    }
    check_description(&mut v, body.description.as_deref());
    v.finish()?;

    commit(state, async |conn| {
        category::lock_tree(conn).await?;
        let tree = category::load_tree(conn).await?;
        if let Some(parent) = body.parent_id {
            if tree.get(parent).is_none() {
                return Err(ApiError::invalid(
                    "parent_id",
                    "does not name an existing category",
                ));
            }
            if tree.depth(parent) + 1 > MAX_DEPTH {
                return Err(ApiError::invalid(
                    "parent_id",
                    format!("channels nest at most {MAX_DEPTH} levels deep"),
                ));
            }
        }
        let name = body.name.trim().to_owned();
        let slug = match &body.slug {
            Some(s) => s.clone(),
            None => unique_slug(&tree, &name),
        };
        let new = NewCategory {
            parent_id: body.parent_id,
            slug,
            name,
            description: body.description.clone(),
            position: body.position.unwrap_or(0),
            visible: body.visible.unwrap_or(true),
        };
        let row = category::insert(conn, &new).await?;
        let detail = reload(conn, row.id).await?;
        let change = category_change(Lifecycle::Created, &detail);
        Ok((detail, change))
    })
    .await
}

/// Changes the fields `body` names. Moving a channel under itself or a descendant is a 409.
pub async fn update(
    state: &AppState,
    actor: Actor,
    key: &Key,
    body: UpdateCategory,
) -> Result<CategoryDetail, ApiError> {
    actor.require(Role::Editor)?;
    let mut v = Violations::default();
    if let Some(name) = &body.name {
        check_name(&mut v, name);
    }
    if let Some(slug) = &body.slug {
        v.slug("slug", slug);
    }
    check_description(&mut v, body.description.as_ref().and_then(|d| d.as_deref()));
    v.finish()?;

    commit(state, async |conn| {
        category::lock_tree(conn).await?;
        let tree = category::load_tree(conn).await?;
        let current = tree.find(key).or_not_found("category", key)?;
        if let Some(Some(parent)) = body.parent_id {
            if tree.get(parent).is_none() {
                return Err(ApiError::invalid(
                    "parent_id",
                    "does not name an existing category",
                ));
            }
            if tree.is_within(parent, current.id) {
                return Err(ApiError::Conflict {
                    detail: "a category cannot move under itself or one of its descendants".into(),
                    field: Some("parent_id".into()),
                });
            }
            if tree.depth(parent) + tree.height(current.id) > MAX_DEPTH {
                return Err(ApiError::invalid(
                    "parent_id",
                    format!("channels nest at most {MAX_DEPTH} levels deep"),
                ));
            }
        }
        let changes = CategoryChanges {
            parent_id: body.parent_id,
            slug: body.slug.clone(),
            name: body.name.as_ref().map(|n| n.trim().to_owned()),
            description: body.description.clone(),
            position: body.position,
            visible: body.visible,
            updated_at: Some(Utc::now()),
        };
        let row = category::update(conn, current.id, &changes).await?;
        let detail = reload(conn, row.id).await?;
        let change = category_change(Lifecycle::Updated, &detail);
        Ok((detail, change))
    })
    .await
}

/// Deletes a channel; 409 while it still has sub-channels or articles.
pub async fn delete(state: &AppState, actor: Actor, key: &Key) -> Result<(), ApiError> {
    actor.require(Role::Editor)?;
    commit(state, async |conn| {
        category::lock_tree(conn).await?;
        let tree = category::load_tree(conn).await?;
        let current = tree.find(key).or_not_found("category", key)?;
        let children = tree.children(Some(current.id)).count();
        if children > 0 {
            return Err(ApiError::conflict(format!(
                "category `{}` still has {children} sub-categories; move or delete them first",
                current.slug
            )));
        }
        let used = article::count_in_categories(conn, &[current.id]).await?;
        let what = format!("category `{}`", current.slug);
        refuse_if_used(used, &what, "holds", "move or purge them first")?;
        let detail = reload(conn, current.id).await?;
        category::delete(conn, current.id).await?;
        Ok(((), category_change(Lifecycle::Deleted, &detail)))
    })
    .await
}
