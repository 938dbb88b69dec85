//! `/rankings`: 点击排行 (most-read, computed from views) and curated boards (推荐位).

mod boards;
mod dto;
mod entries;
mod most_read;

pub use boards::detail as board_detail;
pub use dto::*;
pub use most_read::{by_id, most_read, recount, week_most_read};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    // `most-read` before `{key}`: it is a reserved slug.
    cfg.service(most_read::get_most_read)
        .service(boards::list_rankings)
        .service(boards::get_ranking)
        .service(boards::create_ranking)
        .service(boards::update_ranking)
        .service(boards::delete_ranking)
        .service(entries::replace_ranking_entries);
}
