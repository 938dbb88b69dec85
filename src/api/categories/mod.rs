//! `/categories`: the channel tree.

mod dto;
mod read;
mod write;

pub use dto::*;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(read::list_categories)
        .service(read::get_category)
        .service(write::create_category)
        .service(write::update_category)
        .service(write::delete_category);
}
