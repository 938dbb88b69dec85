//! HTTP only: DTOs, handlers and their registration. No SQL here.

pub mod api_keys;
pub mod articles;
pub mod audit;
pub mod auth;
pub mod authors;
pub mod blocks;
pub mod categories;
pub mod docs;
pub mod health;
pub mod home;
pub mod json;
pub mod media;
pub mod query;
pub mod rankings;
pub mod rejections;
pub mod respond;
pub mod search;
pub mod site;
pub mod sources;
pub mod synonyms;
pub mod tags;
pub mod users;
pub mod views;
pub mod webhooks;

/// Everything under `/api/v1`.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::logout_all)
        .service(auth::me)
        .service(auth::update_me);
    authors::configure(cfg);
    categories::configure(cfg);
    tags::configure(cfg);
    cfg.service(views::create_article_view);
    articles::configure(cfg);
    rankings::configure(cfg);
    synonyms::configure(cfg);
    cfg.service(search::search);
    sources::configure(cfg);
    cfg.service(audit::list_audit);
    cfg.service(users::list_users)
        .service(users::get_user)
        .service(users::create_user)
        .service(users::update_user)
        .service(users::delete_user);
    api_keys::configure(cfg);
    site::configure(cfg);
    cfg.service(home::get_home);
    webhooks::configure(cfg);
    media::configure(cfg);
}
