//! `/users`: staff accounts, for admins. Role changes and disabling take effect on the user's
//! next request; disabling and password resets also end their sessions.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::json::ApiJson;
use crate::api::query::ApiQuery;
use crate::api::respond::{self, Audience, ListResponse, created, no_content, staff_json};
use crate::auth::Admin;
use crate::db::pagination::PageRequest;
use crate::error::ApiError;
use crate::models::ids::UserId;
use crate::models::user::{self, Role, User, UserFilter};
use crate::services::users;
pub use crate::services::users::{CreateUser, UpdateUser};
use crate::state::AppState;

/// A staff account (never its password).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// Disabled accounts cannot log in and their tokens stop working.
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            disabled: u.disabled,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// Email or display name contains, at most 100 characters.
    #[param(max_length = 100)]
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// Opaque cursor from `meta.next_cursor`.
    pub cursor: Option<String>,
}

/// Staff accounts by id.
#[utoipa::path(
    operation_id = "list_users",
    tag = "users",
    params(ListUsersQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of users", body = ListResponse<UserDto>),
        crate::error::responses::StaffQuery,
        (status = 403, response = crate::error::responses::Forbidden),
    ),
)]
#[get("/users")]
pub async fn list_users(
    req: HttpRequest,
    _admin: Admin,
    state: web::Data<AppState>,
    query: ApiQuery<ListUsersQuery>,
) -> Result<HttpResponse, ApiError> {
    if query.q.as_deref().is_some_and(|q| q.chars().count() > 100) {
        return Err(ApiError::bad_request("q", "must be at most 100 characters"));
    }
    let filter = UserFilter {
        role: query.role,
        disabled: query.disabled,
        q: query
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_owned),
    };
    let page = PageRequest::from_params(query.page, query.per_page, query.cursor.as_deref())?;
    let paged = user::list(&mut *state.conn().await?, &filter, &page).await?;
    Ok(respond::list(
        &req,
        Audience::Staff,
        paged.map(UserDto::from),
    ))
}

/// One account.
#[utoipa::path(
    operation_id = "get_user",
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = UserDto),
        (status = 400, response = crate::error::responses::BadRequest),
        crate::error::responses::StaffAction,
    ),
)]
#[get("/users/{id}")]
pub async fn get_user(
    _admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = UserId(id.into_inner());
    let found = user::find(&mut *state.conn().await?, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("user {id}")))?;
    Ok(staff_json(StatusCode::OK, &UserDto::from(found)))
}

/// Create a staff account.
#[utoipa::path(
    operation_id = "create_user",
    tag = "users",
    request_body = CreateUser,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = UserDto,
         headers(("Location" = String, description = "URL of the new user"))),
        crate::error::responses::StaffWrite,
    ),
)]
#[post("/users")]
pub async fn create_user(
    admin: Admin,
    state: web::Data<AppState>,
    body: ApiJson<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let row = users::create(&state, admin.0.actor(), body.0).await?;
    Ok(created(
        format!("/api/v1/users/{}", row.id),
        &UserDto::from(row),
    ))
}

/// Change an account: display name, role, disabled, or reset its password. Role changes and
/// disabling apply to the user's very next request; disabling and a password reset end the
/// user's sessions. The last active admin cannot be demoted or disabled (409).
#[utoipa::path(
    operation_id = "update_user",
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    request_body = UpdateUser,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = UserDto),
        crate::error::responses::StaffWrite,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[patch("/users/{id}")]
pub async fn update_user(
    admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: ApiJson<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let id = UserId(id.into_inner());
    let row = users::update(&state, admin.0.actor(), id, body.0).await?;
    Ok(staff_json(StatusCode::OK, &UserDto::from(row)))
}

/// Delete an account that no article names (as creator, last editor or 责任编辑); otherwise 409:
/// disable it instead. The last active admin cannot be deleted (409).
#[utoipa::path(
    operation_id = "delete_user",
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = crate::error::responses::BadRequest),
        crate::error::responses::StaffAction,
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    users::delete(&state, admin.0.actor(), UserId(id.into_inner())).await?;
    Ok(no_content())
}
