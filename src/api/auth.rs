//! Staff login and the current user.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::json::ApiJson;
use crate::api::respond::staff_json;
use crate::auth::{AuthUser, password};
use crate::error::ApiError;
use crate::models::ids::UserId;
use crate::models::user::{self, Role};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// The staff email (case-insensitive).
    #[schema(example = "editor@example.com")]
    pub email: String,
    /// The password.
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

/// Longest password accepted for verification: argon2 cost grows with input, so cap it.
const MAX_PASSWORD_LEN: usize = 1024;

/// Log in with email and password; returns a short-lived access token.
#[utoipa::path(
    operation_id = "create_token",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 400, response = crate::api::problems::BadRequest),
        (status = 401, response = crate::api::problems::Unauthorized),
        (status = 413, response = crate::api::problems::PayloadTooLarge),
        (status = 422, response = crate::api::problems::Unprocessable),
        (status = 503, response = crate::api::problems::Unavailable),
    ),
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(LoginRequest {
        email,
        password: pw,
    }) = body;
    if pw.len() > MAX_PASSWORD_LEN {
        return Err(ApiError::invalid(
            "password",
            format!("must be at most {MAX_PASSWORD_LEN} bytes"),
        ));
    }
    let found = {
        let mut conn = state.conn().await?;
        user::find_by_email(&mut conn, &email).await?
    };
    // Verify against a dummy hash when the email is unknown, so both cases cost the same.
    let hash = found
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.dummy_hash.to_string());
    let ok = web::block(move || password::verify(&pw, &hash)).await?;
    match found {
        Some(u) if ok && !u.disabled => {
            let token = state.jwt.issue(u.id, u.role).map_err(ApiError::internal)?;
            tracing::info!(user = %u.id, "login");
            Ok(staff_json(
                actix_web::http::StatusCode::OK,
                &TokenResponse {
                    access_token: token,
                    token_type: "Bearer".into(),
                    expires_in: state.jwt.ttl_secs,
                },
            ))
        }
        _ => Err(ApiError::Unauthorized("invalid email or password".into())),
    }
}

/// The logged-in staff user.
#[utoipa::path(
    operation_id = "get_current_user",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The current user", body = Me),
        (status = 401, response = crate::api::problems::Unauthorized),
        (status = 503, response = crate::api::problems::Unavailable),
    ),
)]
#[get("/auth/me")]
pub async fn me(user: AuthUser) -> HttpResponse {
    staff_json(
        actix_web::http::StatusCode::OK,
        &Me {
            id: user.id,
            email: user.email,
            display_name: user.display_name,
            role: user.role,
        },
    )
}
