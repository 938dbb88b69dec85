//! `/articles`: the news content itself, its workflow, revisions and trash.

mod changes;
mod get;
mod list;
mod related;
mod revisions;
mod workflow;
mod write;

pub use crate::content::articles::*;
pub use crate::services::articles::{CreateArticle, FlagsInput, UpdateArticle};
pub use get::ArticleInclude;
pub use related::related_ids;

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};

use crate::services::version::version_etag;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list::list_articles)
        .service(list::list_category_articles)
        .service(list::list_trash)
        // Before `{key}`: `changes` is not a slug.
        .service(changes::list_article_changes)
        .service(get::get_article)
        .service(related::list_related)
        .service(write::create_article)
        .service(write::update_article)
        .service(workflow::trash_article)
        .service(workflow::restore_article)
        .service(workflow::purge_article)
        .service(revisions::list_revisions)
        .service(revisions::get_revision)
        .service(revisions::restore_revision);
}

/// An article as staff see it: never cached, with its version as the ETag (and `Location`
/// when just created).
fn staff_article(status: StatusCode, detail: &ArticleDetail) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::ETAG, version_etag(detail.version)))
        .insert_header((header::VARY, "Authorization, Accept-Encoding"));
    if status == StatusCode::CREATED {
        res.insert_header((header::LOCATION, format!("/api/v1/articles/{}", detail.id)));
    }
    res.json(detail)
}
