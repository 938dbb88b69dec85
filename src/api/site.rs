//! `/site`: the site's settings (站点设置): name, logo, slogans, navigation and footer.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, patch, web};

pub use crate::content::site::*;
pub use crate::services::site::{UpdateFooter, UpdateSite};

use crate::api::json::ApiJson;
use crate::api::respond::{Audience, cached_json, if_match};
use crate::auth::{Admin, MaybeAuthUser};
use crate::error::ApiError;
use crate::models::site;
use crate::services;
use crate::services::version::version_etag;
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_site).service(update_site);
}

/// Settings for staff: never cached, with the version as the ETag for `If-Match`.
fn staff_site(dto: &SiteDto) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::ETAG, version_etag(dto.version)))
        .insert_header((header::VARY, "Authorization, Accept-Encoding"))
        .json(dto)
}

/// The site's settings: name, logo, scrolling slogans, navigation and footer. Defaults (name
/// `newsdesk`, empty lists) until something is stored.
#[utoipa::path(
    operation_id = "get_site",
    tag = "site",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The settings; staff get `ETag: \"v<version>\"` for `If-Match`",
         body = SiteDto),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffRead,
    ),
)]
#[get("/site")]
pub async fn get_site(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.read_conn().await?;
    let settings = site::get(&mut conn).await?;
    let tree = state.tree(&mut conn).await?;
    let staff = user.is_staff();
    let dto = SiteDto::new(settings, &tree, staff);
    Ok(match Audience::of(&user, state.config.cache_max_age_secs) {
        Audience::Staff => staff_site(&dto),
        public => cached_json(&req, public, StatusCode::OK, &dto),
    })
}

/// Change the site's settings (admin only); only the fields sent change.
#[utoipa::path(
    operation_id = "update_site",
    tag = "site",
    request_body = UpdateSite,
    params(
        ("If-Match" = Option<String>, Header, description = "ETag (`\"v<version>\"`) of the settings this change is based on"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = SiteDto,
         headers(("ETag" = String, description = "Validator of the new version"))),
        crate::error::responses::StaffQuery,
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 412, description = "The settings changed since the given ETag", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 413, response = crate::error::responses::PayloadTooLarge),
        (status = 422, response = crate::error::responses::Unprocessable),
    ),
)]
#[patch("/site")]
pub async fn update_site(
    req: HttpRequest,
    admin: Admin,
    state: web::Data<AppState>,
    body: ApiJson<UpdateSite>,
) -> Result<HttpResponse, ApiError> {
    let if_match = if_match(&req);
    let dto = services::site::update(&state, admin.0.actor(), if_match.as_deref(), body.0).await?;
    Ok(staff_site(&dto))
}
