//! Liveness and readiness probes.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when healthy.
    pub status: String,
}

/// Process is up.
#[utoipa::path(
    operation_id = "get_livez",
    tag = "health",
    security(()),
    responses((status = 200, description = "The process is running", body = Health)),
)]
#[get("/livez")]
pub async fn livez() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(Health {
            status: "ok".into(),
        })
}

/// Database is reachable (one round trip on a connection of its own, so a saturated request
/// pool does not read as an outage; saturation shows in `/metrics`).
#[utoipa::path(
    operation_id = "get_readyz",
    tag = "health",
    security(()),
    responses(
        (status = 200, description = "The database answered", body = Health),
        (status = 503, response = crate::error::responses::Unavailable),
    ),
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    crate::db::ping(&state.probe, state.config.database_timeout())
        .await
        .map_err(ApiError::Unavailable)?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(Health {
            status: "ok".into(),
        }))
}
