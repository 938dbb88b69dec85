//! `/api-keys`: content API keys for third-party front ends (admins only).

mod dto;
mod handlers;

pub use dto::*;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_api_keys)
        .service(handlers::create_api_key)
        .service(handlers::get_api_key)
        .service(handlers::revoke_api_key);
}
