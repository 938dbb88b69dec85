//! HTTP only: DTOs, handlers and their registration. No SQL here.

pub mod auth;
pub mod categories;
pub mod docs;
pub mod errors;
pub mod health;
pub mod json;
pub mod problems;
pub mod respond;
pub mod sources;
pub mod validate;

/// Everything under `/api/v1`.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(auth::login).service(auth::me);
    categories::configure(cfg);
    sources::configure(cfg);
}
