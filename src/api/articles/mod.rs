//! `/articles`: the news content itself, its workflow, revisions and trash.

mod changes;
mod get;
mod input;
mod list;
mod related;
mod revisions;
mod save;
mod workflow;
mod write;

pub use crate::content::articles::*;
pub use input::{CreateArticle, FlagsInput, UpdateArticle};
pub use save::{check_if_match, version_etag};

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
