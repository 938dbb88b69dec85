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
    /// With `DATABASE_REPLICA_URLS`: each replica's state. A replica that is down or lagging
    /// does not make the instance unready (its reads go to the primary).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Vec<crate::replication::ReplicaStatus>>,
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
            replicas: None,
        })
}

/// The primary database is reachable (one round trip on a connection of its own, so a saturated
/// request pool does not read as an outage; saturation shows in `/metrics`). With replicas, their
/// states are listed; they do not decide readiness, since the primary can serve every read.
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
            replicas: state.replicas.as_ref().map(|r| r.status()),
        }))
}
