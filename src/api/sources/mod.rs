//! `/sources`: where stories come from (来源).

mod dto;
mod read;
mod write;

pub use dto::*;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(read::list_sources)
        .service(read::get_source)
        .service(write::create_source)
        .service(write::update_source)
        .service(write::delete_source);
}
