//! `/api/v1/media` (the media library, staff) and `/media/{id}/{name}` (the files).

mod deliver;
mod dto;
mod ranges;
mod read;
mod write;

pub use deliver::serve_media;
pub use dto::*;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(read::list_media)
        .service(read::get_media)
        .service(write::upload_media)
        .service(write::update_media)
        .service(write::delete_media);
}
