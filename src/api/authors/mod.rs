//! `/authors`: bylines (作者) with their affiliation (作者单位).

mod dto;
mod handlers;

pub use dto::*;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_authors)
        .service(handlers::get_author)
        .service(handlers::create_author)
        .service(handlers::update_author)
        .service(handlers::delete_author);
}
