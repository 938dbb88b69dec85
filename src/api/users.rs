//! `/users`: staff accounts, for admins. Role changes and disabling take effect on the user's
//! next request; disabling and password resets also end their sessions.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::json::ApiJson;
use crate::api::query::ApiQuery;
use crate::api::respond::{self, Audience, ListResponse, created, no_content, staff_json};
use crate::auth::{Admin, password};
use crate::db::pagination::PageRequest;
use crate::error::ApiError;
use crate::models::ids::UserId;
use crate::models::session;
use crate::models::user::{self, NewUser, Role, User, UserChanges, UserFilter};
use crate::state::AppState;
use crate::validate::Violations;

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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// Unique, case-insensitive.
    #[schema(example = "editor@example.com", max_length = 254)]
    pub email: String,
    /// 1–64 characters; the part of the email before `@` when absent.
    #[schema(max_length = 64)]
    pub display_name: Option<String>,
    pub role: Role,
    /// At least 10 characters, not the email.
    #[schema(min_length = 10, max_length = 1024)]
    pub password: String,
}

/// Only the fields sent change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[schema(min_length = 1, max_length = 64)]
    pub display_name: Option<String>,
    pub role: Option<Role>,
    /// `true` locks the account out at once and ends its sessions.
    pub disabled: Option<bool>,
    /// A new password (a reset); ends the user's sessions.
    #[schema(min_length = 10, max_length = 1024)]
    pub password: Option<String>,
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

/// 409 unless another active admin remains when `target` stops being one.
async fn keep_an_admin(conn: &mut AsyncPgConnection, target: &User) -> Result<(), ApiError> {
    if target.role == Role::Admin
        && !target.disabled
        && user::other_active_admins(conn, target.id).await? == 0
    {
        return Err(ApiError::conflict(
            "this is the last active admin; make another admin first",
        ));
    }
    Ok(())
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
    _admin: Admin,
    state: web::Data<AppState>,
    body: ApiJson<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let mut v = Violations::default();
    let email = user::valid_email(&b.email);
    if email.is_none() {
        v.add(
            "email",
            "must be an email address of at most 254 characters",
        );
    }
    let display_name = match (&b.display_name, &email) {
        (Some(name), _) => name.clone(),
        (None, Some(_)) => b.email.trim().split('@').next().unwrap_or("").to_owned(),
        (None, None) => String::new(),
    };
    if b.display_name.is_some() || email.is_some() {
        v.name("display_name", &display_name, 64);
    }
    if let Err(why) = password::check_rules(&b.email, &b.password) {
        v.add("password", why);
    }
    v.finish()?;
    let email = email.unwrap_or_default();
    let hash = password::hash_off_thread(b.password).await?;
    let created_user = user::insert(
        &mut *state.conn().await?,
        NewUser {
            email: &email,
            display_name: display_name.trim(),
            role: b.role,
            password_hash: &hash,
        },
    )
    .await?;
    Ok(created(
        format!("/api/v1/users/{}", created_user.id),
        &UserDto::from(created_user),
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
    _admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: ApiJson<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let id = UserId(id.into_inner());
    let b = body.0;
    let mut v = Violations::default();
    if let Some(name) = &b.display_name {
        v.name("display_name", name, 64);
    }
    v.finish()?;
    let mut conn = state.conn().await?;
    let password_hash = match b.password {
        Some(pw) => {
            let target = user::find(&mut conn, id)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("user {id}")))?;
            password::check_rules(&target.email, &pw)
                .map_err(|why| ApiError::invalid("password", why))?;
            Some(password::hash_off_thread(pw).await?)
        }
        None => None,
    };
    let updated = conn
        .transaction::<_, ApiError, _>(async |conn| {
            user::lock_accounts(conn).await?;
            let target = user::find_for_update(conn, id)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("user {id}")))?;
            let demoted = b.role.is_some_and(|r| r != Role::Admin);
            let disabling = b.disabled == Some(true);
            if demoted || disabling {
                keep_an_admin(conn, &target).await?;
            }
            let ends_sessions = (disabling && !target.disabled) || password_hash.is_some();
            let changes = UserChanges {
                display_name: b.display_name.map(|n| n.trim().to_owned()),
                role: b.role,
                disabled: b.disabled,
                password_hash,
            };
            if ends_sessions {
                session::revoke_user(conn, id).await?;
            }
            Ok(user::update(conn, id, &changes, ends_sessions).await?)
        })
        .await?;
    Ok(staff_json(StatusCode::OK, &UserDto::from(updated)))
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
    _admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = UserId(id.into_inner());
    let mut conn = state.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        user::lock_accounts(conn).await?;
        let target = user::find_for_update(conn, id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("user {id}")))?;
        keep_an_admin(conn, &target).await?;
        let used = user::content_references(conn, id).await?;
        if used > 0 {
            return Err(ApiError::conflict(format!(
                "{used} article(s) name this user; disable the account instead"
            )));
        }
        user::delete(conn, id).await?;
        Ok(())
    })
    .await?;
    Ok(no_content())
}
