//! Creating, changing and deleting channels (editor or admin).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, patch, post, web};
use chrono::Utc;
use diesel_async::AsyncPgConnection;

use super::dto::{CategoryDetail, CreateCategory, UpdateCategory};
use super::read::detail_of;
use crate::api::json::ApiJson;
use crate::api::respond::{created, no_content, staff_json};
use crate::auth::Editor;
use crate::content::change::{CategoryChange, Change, Lifecycle};
use crate::error::{ApiError, OrNotFound};
use crate::models::category::{self, CategoryChanges, MAX_DEPTH, NewCategory, Tree};
use crate::models::ids::CategoryId;
use crate::models::{Key, article};
use crate::services;
use crate::state::AppState;
use crate::validate::{Violations, slugify};

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
    Ok(detail_of(&tree, c, true))
}

/// Create a channel.
#[utoipa::path(
    operation_id = "create_category",
    tag = "categories",
    request_body = CreateCategory,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` names it", body = CategoryDetail,
         headers(("Location" = String, description = "URL of the new channel"))),
        crate::error::responses::StaffWrite,
    ),
)]
#[post("/categories")]
pub async fn create_category(
    _editor: Editor,
    state: web::Data<AppState>,
    body: ApiJson<CreateCategory>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(body) = body;
    let mut v = Violations::default();
    check_name(&mut v, &body.name);
    if let Some(slug) = &body.slug {
        v.slug("slug", slug);
    }
    check_description(&mut v, body.description.as_deref());
    v.finish()?;

    let detail = services::commit(&state, async |conn| {
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
    .await?;
    Ok(created(
        format!("/api/v1/categories/{}", detail.category.id),
        &detail,
    ))
}

/// Change a channel; only the fields sent change. Moving it under itself or a descendant is a 409.
#[utoipa::path(
    operation_id = "update_category",
    tag = "categories",
    request_body = UpdateCategory,
    params(("key" = String, Path, description = "Category id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = CategoryDetail),
        crate::error::responses::StaffWrite,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[patch("/categories/{key}")]
pub async fn update_category(
    _editor: Editor,
    state: web::Data<AppState>,
    key: web::Path<String>,
    body: ApiJson<UpdateCategory>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(body) = body;
    let key = Key::parse(&key);
    let mut v = Violations::default();
    if let Some(name) = &body.name {
        check_name(&mut v, name);
    }
    if let Some(slug) = &body.slug {
        v.slug("slug", slug);
    }
    check_description(&mut v, body.description.as_ref().and_then(|d| d.as_deref()));
    v.finish()?;

    let detail = services::commit(&state, async |conn| {
        category::lock_tree(conn).await?;
        let tree = category::load_tree(conn).await?;
        let current = tree.find(&key).or_not_found("category", &key)?;
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
    .await?;
    Ok(staff_json(StatusCode::OK, &detail))
}

/// Delete a channel; 409 while it still has sub-channels or articles.
#[utoipa::path(
    operation_id = "delete_category",
    tag = "categories",
    params(("key" = String, Path, description = "Category id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        crate::error::responses::StaffAction,
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[delete("/categories/{key}")]
pub async fn delete_category(
    _editor: Editor,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = Key::parse(&key);
    services::commit(&state, async |conn| {
        category::lock_tree(conn).await?;
        let tree = category::load_tree(conn).await?;
        let current = tree
            .find(&key)
            .or_not_found("category", &key)?;
        let children = tree.children(Some(current.id)).count();
        if children > 0 {
            return Err(ApiError::conflict(format!(
                "category `{}` still has {children} sub-categories; move or delete them first",
                current.slug
            )));
        }
        let used = article::count_in_categories(conn, &[current.id]).await?;
        if used > 0 {
            return Err(ApiError::conflict(format!(
                "category `{}` holds {used} article(s) (trashed ones included); move or purge them first",
                current.slug
            )));
        }
        let detail = reload(conn, current.id).await?;
        category::delete(conn, current.id).await?;
        Ok(((), category_change(Lifecycle::Deleted, &detail)))
    })
    .await?;
    Ok(no_content())
}
