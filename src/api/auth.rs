//! Staff sessions: login (throttled), refresh-token rotation, logout, and the current user.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::Utc;
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::json::ApiJson;
use crate::api::respond::{no_content, staff_json};
use crate::audit;
use crate::auth::sessions::{self, Issued, Origin, Rotation};
use crate::auth::{AuthUser, password};
use crate::error::ApiError;
use crate::models::ids::UserId;
use crate::models::throttle;
use crate::models::user::{self, Role};
use crate::services::users;
pub use crate::services::users::UpdateMe;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The staff email (case-insensitive).
    #[schema(example = "editor@example.com", max_length = 254)]
    pub email: String,
    /// The password.
    #[schema(max_length = 1024)]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Opaque; trade it at `POST /auth/refresh` for a new pair. Each one works once.
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: u64,
}

impl From<Issued> for TokenResponse {
    fn from(i: Issued) -> Self {
        Self {
            access_token: i.access_token,
            token_type: "Bearer".into(),
            expires_in: i.expires_in,
            refresh_token: i.refresh_token,
            refresh_expires_in: i.refresh_expires_in,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh.
    #[schema(min_length = 1, max_length = 512)]
    pub refresh_token: String,
}

impl RefreshRequest {
    /// The token, when it could be one (422 otherwise).
    fn token(self) -> Result<String, ApiError> {
        if self.refresh_token.is_empty() || self.refresh_token.len() > 512 {
            return Err(ApiError::invalid(
                "refresh_token",
                "must be 1 to 512 characters",
            ));
        }
        Ok(self.refresh_token)
    }
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

fn tokens(issued: Issued) -> HttpResponse {
    staff_json(StatusCode::OK, &TokenResponse::from(issued))
}

/// Log in with email and password: a short-lived access token and a refresh token.
///
/// After `LOGIN_MAX_FAILURES` failures for an account, or four times as many from one client
/// address, logins there wait (1 s, doubling per further failure, up to 15 minutes): 429 with
/// `Retry-After`. A success clears the account's count.
#[utoipa::path(
    operation_id = "create_token",
    tag = "auth",
    security((), ("api_key" = [])),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        crate::error::responses::StaffQuery,
        (status = 413, response = crate::error::responses::PayloadTooLarge),
        (status = 422, response = crate::error::responses::Unprocessable),
        (status = 429, response = crate::error::responses::TooManyRequests),
    ),
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(LoginRequest {
        email,
        password: pw,
    }) = body;
    if pw.len() > password::MAX_BYTES {
        return Err(ApiError::invalid(
            "password",
            format!("must be at most {} bytes", password::MAX_BYTES),
        ));
    }
    if email.len() > 254 {
        return Err(ApiError::invalid("email", "must be at most 254 bytes"));
    }
    let from = Origin::of(&req, &state.proxies);
    let client = state.proxies.of_request(&req);
    let (account_key, client_key) = (throttle::account_key(&email), throttle::client_key(client));
    let now = Utc::now();
    let mut conn = state.conn().await?;
    let keys = [account_key.clone(), client_key.clone()];
    if let Some(until) = throttle::blocked_until(&mut conn, &keys, now).await? {
        audit::login(&mut conn, &req, &state, "login_throttled", None, &email).await;
        let secs = ((until - now).num_milliseconds().max(1) as u64).div_ceil(1000);
        return Err(ApiError::RateLimited {
            retry_after_secs: secs,
        });
    }
    let found = user::find_by_email(&mut conn, &email).await?;
    // Verify against a dummy hash when the email is unknown, so both cases cost the same.
    let hash = found
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.dummy_hash.to_string());
    let ok = password::verify_off_thread(pw, hash).await?;
    match found {
        Some(u) if ok && !u.disabled => {
            let issued = conn
                .transaction::<_, ApiError, _>(async |conn| {
                    throttle::reset(conn, &account_key).await?;
                    sessions::start(conn, &state, &u, &from).await
                })
                .await?;
            audit::login(&mut conn, &req, &state, "login", Some(u.id), &u.email).await;
            Ok(tokens(issued))
        }
        found => {
            let max = state.config.login_max_failures;
            let wait = state.config.login_backoff_max_secs;
            throttle::record_failure(&mut conn, &account_key, max, wait).await?;
            throttle::record_failure(&mut conn, &client_key, max.saturating_mul(4), wait).await?;
            let id = found.map(|u| u.id);
            audit::login(&mut conn, &req, &state, "login_failed", id, &email).await;
            Err(ApiError::Unauthorized("invalid email or password".into()))
        }
    }
}

/// Trade a refresh token for a new access token and refresh token. A refresh token works once:
/// presenting a spent one again revokes every token of that session (it was copied) → 401.
#[utoipa::path(
    operation_id = "refresh_token",
    tag = "auth",
    security((), ("api_key" = [])),
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair", body = TokenResponse),
        crate::error::responses::StaffQuery,
        (status = 413, response = crate::error::responses::PayloadTooLarge),
        (status = 422, response = crate::error::responses::Unprocessable),
    ),
)]
#[post("/auth/refresh")]
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let from = Origin::of(&req, &state.proxies);
    let token = body.0.token()?;
    let mut conn = state.conn().await?;
    let outcome = conn
        .transaction::<_, ApiError, _>(async |conn| {
            sessions::rotate(conn, &state, &token, &from).await
        })
        .await?;
    match outcome {
        Rotation::Rotated(issued, id) => {
            audit::session(&mut conn, &req, &state, "refresh", id).await;
            Ok(tokens(issued))
        }
        Rotation::Reused(id) => {
            audit::session(&mut conn, &req, &state, "refresh_reused", id).await;
            Err(ApiError::Unauthorized(
                "this refresh token was already used; the session is revoked, log in again".into(),
            ))
        }
        Rotation::Invalid => Err(ApiError::Unauthorized(
            "the refresh token is invalid, expired or revoked".into(),
        )),
    }
}

/// End the session a refresh token belongs to (its whole family). Answers 204 whether or not
/// the token was live.
#[utoipa::path(
    operation_id = "delete_session",
    tag = "auth",
    security((), ("api_key" = [])),
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "The session is over"),
        (status = 400, response = crate::error::responses::BadRequest),
        (status = 413, response = crate::error::responses::PayloadTooLarge),
        (status = 422, response = crate::error::responses::Unprocessable),
        (status = 503, response = crate::error::responses::Unavailable),
    ),
)]
#[post("/auth/logout")]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = body.0.token()?;
    let mut conn = state.conn().await?;
    let ended = conn
        .transaction::<_, ApiError, _>(async |conn| sessions::end(conn, &token).await)
        .await?;
    if let Some(id) = ended {
        audit::session(&mut conn, &req, &state, "logout", id).await;
    }
    Ok(no_content())
}

/// End every session of the current user: all refresh tokens are revoked and every access token
/// issued so far stops working at once.
#[utoipa::path(
    operation_id = "delete_all_sessions",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Every session is over"),
        crate::error::responses::StaffRead,
    ),
)]
#[post("/auth/logout-all")]
pub async fn logout_all(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| sessions::end_all(conn, user.id).await)
        .await?;
    audit::session(&mut conn, &req, &state, "logout_all", user.id).await;
    Ok(no_content())
}

/// The logged-in staff user.
#[utoipa::path(
    operation_id = "get_current_user",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The current user", body = Me),
        crate::error::responses::StaffRead,
    ),
)]
#[get("/auth/me")]
pub async fn me(user: AuthUser) -> HttpResponse {
    staff_json(
        StatusCode::OK,
        &Me {
            id: user.id,
            email: user.email,
            display_name: user.display_name,
            role: user.role,
        },
    )
}

/// Change one's display name and/or password (with the current password). A new password ends
/// every session, this one included: log in again with it.
#[utoipa::path(
    operation_id = "update_current_user",
    tag = "auth",
    request_body = UpdateMe,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = Me),
        crate::error::responses::StaffQuery,
        (status = 413, response = crate::error::responses::PayloadTooLarge),
        (status = 422, response = crate::error::responses::Unprocessable),
    ),
)]
#[patch("/auth/me")]
pub async fn update_me(
    user: AuthUser,
    state: web::Data<AppState>,
    body: ApiJson<UpdateMe>,
) -> Result<HttpResponse, ApiError> {
    let updated = users::update_own(&state, user.actor(), &user.email, body.0).await?;
    Ok(staff_json(
        StatusCode::OK,
        &Me {
            id: updated.id,
            email: updated.email,
            display_name: updated.display_name,
            role: updated.role,
        },
    ))
}
