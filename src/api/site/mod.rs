//! `/site`: the site's settings (站点设置): name, logo, slogans, navigation and footer.

mod dto;

use std::collections::HashSet;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, patch, web};

pub use dto::*;

use crate::api::json::ApiJson;
use crate::api::respond::{Audience, cached_json, if_match};
use crate::auth::{Admin, MaybeAuthUser};
use crate::content::change::Change;
use crate::error::ApiError;
use crate::models::category::{self, Tree};
use crate::models::site::{self, Site};
use crate::models::user::valid_email;
use crate::services;
use crate::services::version::{check_if_match, version_etag};
use crate::state::AppState;
use crate::validate::Violations;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_site).service(update_site);
}

/// Most slogans a site may have.
const MAX_SLOGANS: usize = 20;
/// Most navigation entries a site may have.
const MAX_NAVIGATION: usize = 30;
/// Longest footer line.
const MAX_FOOTER: usize = 200;

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
    let mut conn = state.conn().await?;
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
    let ApiJson(body) = body;
    let if_match = if_match(&req);
    let dto = services::commit(&state, async |conn| {
        let current = site::get_for_update(conn).await?;
        let version = current.version;
        let tree = category::load_tree(conn).await?;
        // A body that breaks the rules is a 422 whatever the `If-Match`.
        let next = apply(current, body, &tree)?;
        check_if_match(if_match.as_deref(), version)?;
        let saved = site::save(conn, &next, Some(admin.0.id)).await?;
        let dto = SiteDto::new(saved, &tree, true);
        let change = Change::Site(Box::new(dto.clone()));
        Ok((dto, change))
    })
    .await?;
    Ok(staff_site(&dto))
}

/// The settings after `body`, or 422 naming every wrong field.
fn apply(mut site: Site, body: UpdateSite, tree: &Tree) -> Result<Site, ApiError> {
    let mut v = Violations::default();
    if let Some(name) = &body.name {
        v.name("name", name, 64);
    }
    if let Some(Some(url)) = &body.logo_url {
        v.http_url("logo_url", url);
    }
    if let Some(slogans) = &body.slogans {
        if slogans.len() > MAX_SLOGANS {
            v.add("slogans", format!("must have at most {MAX_SLOGANS} items"));
        }
        for (i, s) in slogans.iter().enumerate() {
            v.name(&format!("slogans[{i}].text"), &s.text, 100);
            if let Some(url) = &s.url {
                v.http_url(&format!("slogans[{i}].url"), url);
            }
        }
    }
    if let Some(navigation) = &body.navigation {
        if navigation.len() > MAX_NAVIGATION {
            v.add(
                "navigation",
                format!("must have at most {MAX_NAVIGATION} items"),
            );
        }
        let mut seen = HashSet::new();
        for (i, &id) in navigation.iter().enumerate() {
            let field = format!("navigation[{i}]");
            if tree.get(id).is_none() {
                v.add(&field, format!("no channel has the id {id}"));
            } else if !seen.insert(id) {
                v.add(&field, format!("channel {id} is already in the navigation"));
            }
        }
    }
    if let Some(footer) = &body.footer {
        let lines = [
            ("footer.copyright", &footer.copyright),
            ("footer.phone", &footer.phone),
            ("footer.address", &footer.address),
            ("footer.icp", &footer.icp),
        ];
        for (field, value) in lines {
            if let Some(Some(value)) = value {
                v.name(field, value, MAX_FOOTER);
            }
        }
        if let Some(Some(email)) = &footer.email {
            if email.chars().count() > MAX_FOOTER {
                v.add(
                    "footer.email",
                    format!("must be at most {MAX_FOOTER} characters long"),
                );
            } else if valid_email(email).is_none() {
                v.add("footer.email", "must be an email address");
            }
        }
    }
    v.finish()?;

    let trimmed = |s: Option<String>| s.map(|s| s.trim().to_owned());
    if let Some(name) = body.name {
        site.name = name.trim().to_owned();
    }
    if let Some(logo_url) = body.logo_url {
        site.logo_url = logo_url;
    }
    if let Some(slogans) = body.slogans {
        site.slogans = slogans.into_iter().map(Into::into).collect();
    }
    if let Some(navigation) = body.navigation {
        site.navigation = navigation;
    }
    if let Some(f) = body.footer {
        let set = |slot: &mut Option<String>, value: Option<Option<String>>| {
            if let Some(value) = value {
                *slot = trimmed(value);
            }
        };
        set(&mut site.copyright, f.copyright);
        set(&mut site.phone, f.phone);
        set(&mut site.email, f.email);
        set(&mut site.address, f.address);
        set(&mut site.icp, f.icp);
    }
    Ok(site)
}
