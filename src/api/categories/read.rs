//! Reading the channel tree.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{CategoryDetail, CategoryDto, CategoryList, CategoryListMeta, CategoryNode};
use crate::api::query::ApiQuery;
use crate::api::respond::{Audience, cached_json};
use crate::auth::MaybeAuthUser;
use crate::error::{ApiError, OrNotFound};
use crate::models::Key;
use crate::models::category::{Category, Tree};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListCategoriesQuery {
    /// `true`: every channel in tree order (depth first) instead of nested roots.
    pub flat: Option<bool>,
}

fn audience(user: &MaybeAuthUser, state: &AppState) -> Audience {
    Audience::of(user, state.config.cache_max_age_secs)
}

fn shown(tree: &Tree, c: &Category, staff: bool) -> bool {
    staff || tree.publicly_visible(c.id)
}

fn node(tree: &Tree, c: &Category, staff: bool) -> CategoryNode {
    let children = tree
        .children(Some(c.id))
        .filter(|k| shown(tree, k, staff))
        .map(|k| node(tree, k, staff))
        .collect();
    CategoryNode {
        category: CategoryDto::build(tree, c),
        children: Some(children),
    }
}

fn count_nodes(nodes: &[CategoryNode]) -> usize {
    nodes
        .iter()
        .map(|n| 1 + n.children.as_deref().map_or(0, count_nodes))
        .sum()
}

/// The channel tree: roots with nested children, siblings by `position` then name.
///
/// Anonymous readers see visible channels only; staff see all.
#[utoipa::path(
    operation_id = "list_categories",
    tag = "categories",
    params(ListCategoriesQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The tree", body = CategoryList),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffQuery,
    ),
)]
#[get("/categories")]
pub async fn list_categories(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ListCategoriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let tree = state.tree(&mut *state.read_conn().await?).await?;
    let staff = user.is_staff();
    let data: Vec<CategoryNode> = if query.flat.unwrap_or(false) {
        tree.preorder()
            .into_iter()
            .filter(|c| shown(&tree, c, staff))
            .map(|c| CategoryNode {
                category: CategoryDto::build(&tree, c),
                children: None,
            })
            .collect()
    } else {
        tree.children(None)
            .filter(|c| shown(&tree, c, staff))
            .map(|c| node(&tree, c, staff))
            .collect()
    };
    let total = count_nodes(&data);
    let body = CategoryList {
        data,
        meta: CategoryListMeta { total },
    };
    Ok(cached_json(
        &req,
        audience(&user, &state),
        StatusCode::OK,
        &body,
    ))
}

/// One channel by id or slug, with its breadcrumb `path` and direct `children`.
#[utoipa::path(
    operation_id = "get_category",
    tag = "categories",
    params(("key" = String, Path, description = "Category id (all digits) or slug")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The channel", body = CategoryDetail),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffRead,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/categories/{key}")]
pub async fn get_category(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let tree = state.tree(&mut *state.read_conn().await?).await?;
    let staff = user.is_staff();
    let body = detail(&tree, &Key::parse(&key), staff)?;
    Ok(cached_json(
        &req,
        audience(&user, &state),
        StatusCode::OK,
        &body,
    ))
}

pub fn detail(tree: &Tree, key: &Key, staff: bool) -> Result<CategoryDetail, ApiError> {
    let c = tree
        .find(key)
        .filter(|c| shown(tree, c, staff))
        .or_not_found("category", key)?;
    Ok(CategoryDetail::of(tree, c, staff))
}
