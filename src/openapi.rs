//! The OpenAPI document: info, tags, the bearer scheme and shared responses.

use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::api;
use crate::api::problems::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, TooManyRequests, Unauthorized,
    Unavailable, Unprocessable,
};
use crate::error::{ErrorCode, FieldError, Problem};

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A staff access token from `POST /api/v1/auth/login`."))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "newsdesk",
        description = "A headless news content API: channels, sources, bylines, articles and rankings \
                       for news portals. Public reads need no token; staff writes send \
                       `Authorization: Bearer <JWT>`. Errors are RFC 9457 `application/problem+json`.",
        license(name = "MIT", identifier = "MIT"),
    ),
    tags(
        (name = "auth", description = "Staff login"),
        (name = "articles", description = "Stories: 引题/主题/副题, bylines, 来源, 责任编辑; workflow, revisions, trash"),
        (name = "authors", description = "Bylines (作者) with affiliations (作者单位)"),
        (name = "categories", description = "Channels (频道/栏目), nested up to 4 levels"),
        (name = "rankings", description = "点击排行 (most-read by window and channel), curated boards (推荐位) and the view beacon"),
        (name = "search", description = "Chinese full-text search (jieba segmentation, phrases, highlighting) and 相关新闻"),
        (name = "sources", description = "Where stories come from (来源)"),
        (name = "tags", description = "Keywords on articles"),
        (name = "users", description = "Staff accounts (admins only)"),
        (name = "audit", description = "The audit log of staff writes and logins (admins only)"),
        (name = "health", description = "Liveness and readiness probes"),
    ),
    components(
        schemas(Problem, ErrorCode, FieldError),
        responses(BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, Unprocessable, TooManyRequests, Unavailable),
    ),
    modifiers(&BearerScheme),
)]
pub struct ApiDoc;

/// The document as the server serves it, collected from the registered handlers.
pub fn build() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(api::health::livez)
        .service(api::health::readyz)
        .service(utoipa_actix_web::scope("/api/v1").configure(api::configure))
        .split_for_parts();
    doc
}

/// Pretty JSON with a trailing newline, as committed in `openapi/openapi.json`.
pub fn to_pretty_json(doc: &utoipa::openapi::OpenApi) -> Result<String, String> {
    doc.to_pretty_json()
        .map(|s| s + "\n")
        .map_err(|e| e.to_string())
}
