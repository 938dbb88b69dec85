//! The OpenAPI document: info, tags, the bearer scheme and shared responses.

use actix_web::App;
use utoipa::openapi::header::Header;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::{ArrayItems, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Content, Ref, RefOr, Response};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::api;
use crate::error::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, RangeNotSatisfiable,
    TooManyRequests, Unauthorized, Unavailable, Unprocessable, UnsupportedMediaType,
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
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "A content API key of a front end (created by an admin at `POST /api/v1/api-keys`): \
                 public requests count against the key's own rate limit instead of the client \
                 address's. A key never allows writes; an invalid, revoked or expired key is a 401.",
            ))),
        );
        components
            .responses
            .insert("TooManyRequests".into(), RefOr::T(too_many_requests()));
    }
}

fn integer_header(description: &str) -> Header {
    Header::builder()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .build(),
        ))
        .description(Some(description))
        .build()
}

/// The 429 answer, with the headers that say when to come back.
fn too_many_requests() -> Response {
    Response::builder()
        .description(
            "Rate limited: the client's (or API key's) token bucket is empty. Retry after \
             `Retry-After` seconds.",
        )
        .content(
            "application/problem+json",
            Content::new(Some(Ref::from_schema_name("Problem"))),
        )
        .header(
            "Retry-After",
            integer_header("Seconds until a request is allowed again"),
        )
        .header("RateLimit-Limit", integer_header("The bucket size (burst)"))
        .header(
            "RateLimit-Remaining",
            integer_header("Requests left in the bucket (0)"),
        )
        .header(
            "RateLimit-Reset",
            integer_header("Seconds until a request is allowed again"),
        )
        .build()
}

/// Rate limits apply to every operation under `/api/v1`: each may answer 429, and 401 for an
/// invalid `X-Api-Key`. Public reads name the API key as an optional security scheme.
fn document_rate_limits(doc: &mut utoipa::openapi::OpenApi) {
    let anonymous = SecurityRequirement::default();
    for (path, item) in doc.paths.paths.iter_mut() {
        if !path.starts_with("/api/v1/") {
            continue;
        }
        if let Some(get) = item.get.as_mut()
            && let Some(security) = get.security.as_mut()
            && security.contains(&anonymous)
        {
            security.push(SecurityRequirement::new("api_key", Vec::<String>::new()));
        }
        for op in operations(item) {
            let responses = &mut op.responses.responses;
            responses
                .entry("401".into())
                .or_insert_with(|| Ref::from_response_name("Unauthorized").into());
            responses
                .entry("429".into())
                .or_insert_with(|| Ref::from_response_name("TooManyRequests").into());
        }
    }
}

/// The operations of a path, each with whether it is the GET.
fn methods(item: &mut PathItem) -> impl Iterator<Item = (bool, &mut Operation)> {
    [
        (true, &mut item.get),
        (false, &mut item.post),
        (false, &mut item.put),
        (false, &mut item.patch),
        (false, &mut item.delete),
    ]
    .into_iter()
    .filter_map(|(get, op)| op.as_mut().map(|op| (get, op)))
}

/// The operations of a path.
fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    methods(item).map(|(_, op)| op)
}

/// Every operation may also answer a problem document the others do not name (405, 414, 431,
/// 500 …): the `default` response types it, so generated clients parse every error.
fn document_default_problem(doc: &mut utoipa::openapi::OpenApi) {
    let problem = Response::builder()
        .description("Any other error (405, 414, 431, 500 …), as a problem document")
        .content(
            "application/problem+json",
            Content::new(Some(Ref::from_schema_name("Problem"))),
        )
        .build();
    for item in doc.paths.paths.values_mut() {
        for op in operations(item) {
            op.responses
                .responses
                .entry("default".into())
                .or_insert_with(|| problem.clone().into());
        }
    }
}

fn string_header(description: &str) -> Header {
    Header::builder()
        .schema(Some(ObjectBuilder::new().schema_type(Type::String).build()))
        .description(Some(description))
        .build()
}

/// The headers responses carry, typed for generated clients: conditional requests
/// (`If-None-Match` → `ETag`, 304), caching (`Cache-Control`), paging (`Link`) and the rate limit
/// of public requests (`RateLimit-*`), the commit position of writes (`Newsdesk-Lsn`), the
/// edge cache's keys and lifetime (`Surrogate-Key`, `Surrogate-Control`).
fn document_http_headers(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    let anonymous = SecurityRequirement::default();
    let if_none_match = ParameterBuilder::new()
        .name("If-None-Match")
        .parameter_in(ParameterIn::Header)
        .required(utoipa::openapi::Required::False)
        .description(Some(
            "The `ETag` of a copy the client holds: a 304 without a body when it is still current",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build();
    for (path, item) in doc.paths.paths.iter_mut() {
        if !path.starts_with("/api/v1/") {
            continue;
        }
        for (get, op) in methods(item) {
            let public = op.security.as_ref().is_some_and(|s| s.contains(&anonymous));
            let conditional = get && op.responses.responses.contains_key("304");
            if conditional {
                let params = op.parameters.get_or_insert_with(Vec::new);
                if !params
                    .iter()
                    .any(|p| matches!(p, RefOr::T(p) if p.name == "If-None-Match"))
                {
                    params.push(RefOr::T(if_none_match.clone()));
                }
                if let Some(RefOr::T(not_modified)) = op.responses.responses.get_mut("304") {
                    not_modified
                        .headers
                        .entry("ETag".into())
                        .or_insert_with(|| {
                            RefOr::T(string_header("The validator of the current copy"))
                        });
                }
            }
            for (status, response) in op.responses.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                if !status.starts_with('2') {
                    continue;
                }
                let headers = &mut response.headers;
                if get {
                    headers.entry("Cache-Control".into()).or_insert_with(|| {
                        RefOr::T(string_header(
                            "`public, max-age=…` for public answers, `private, no-store` for staff",
                        ))
                    });
                }
                if conditional {
                    headers.entry("ETag".into()).or_insert_with(|| {
                        RefOr::T(string_header(
                            "The validator to send back as `If-None-Match` (staff: `\"v<version>\"` for `If-Match`)",
                        ))
                    });
                }
                let lists = response.content.values().any(|c| {
                    matches!(c, RefOr::T(c) if matches!(&c.schema,
                        Some(RefOr::Ref(r)) if r.ref_location.contains("/ListResponse_")))
                });
                if get && lists {
                    headers.entry("Link".into()).or_insert_with(|| {
                        RefOr::T(string_header(
                            "RFC 8288 links to the `next`, `prev`, `first` and `last` pages",
                        ))
                    });
                }
                if !get {
                    headers.entry("Newsdesk-Lsn".into()).or_insert_with(|| {
                        RefOr::T(string_header(
                            "With read replicas (`DATABASE_REPLICA_URLS`), on a write: the primary's \
                             WAL position after its commit, e.g. `0/3A1F2C8` (also set as the \
                             `newsdesk_lsn` cookie). Send it back as the `Newsdesk-Lsn` request \
                             header on later reads, to any instance, to be served data at least \
                             this new (read-your-writes); a value that is not a position is a 400",
                        ))
                    });
                }
                if public && get {
                    for (name, description) in [
                        (
                            "Surrogate-Key",
                            "For an edge cache (`EDGE_KEY_HEADERS`; also as `xkey` or `Cache-Tag`): \
                             what the answer shows, as space-separated keys (`a<id>` an article, \
                             `p<id>` a channel's newest, `t` the channel tree, `all` …), purged \
                             when it changes",
                        ),
                        (
                            "Surrogate-Control",
                            "For an edge cache: `max-age=…` it may keep the answer (purged \
                             sooner when what it shows changes), or `no-store`",
                        ),
                    ] {
                        headers
                            .entry(name.into())
                            .or_insert_with(|| RefOr::T(string_header(description)));
                    }
                }
                if public {
                    for (name, description) in [
                        (
                            "RateLimit-Limit",
                            "The bucket size (burst) of the client or API key",
                        ),
                        ("RateLimit-Remaining", "Requests left in the bucket"),
                        ("RateLimit-Reset", "Seconds until the bucket is full again"),
                    ] {
                        headers
                            .entry(name.into())
                            .or_insert_with(|| RefOr::T(integer_header(description)));
                    }
                }
            }
        }
    }
}

/// PATCH bodies are also accepted as JSON Merge Patch (RFC 7396), where `null` clears; as
/// `application/json` a `null` member is left unchanged (see `api::json`).
fn document_merge_patch(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let Some(patch) = item.patch.as_mut() else {
            continue;
        };
        let Some(RefOr::T(body)) = patch.request_body.as_mut() else {
            continue;
        };
        if let Some(json) = body.content.get("application/json").cloned() {
            body.content
                .insert(crate::api::json::MERGE_PATCH.to_owned(), json);
        }
    }
}

/// Unions: Swift's generator must not make an enum `Identifiable` (it has no `id` of its own).
fn mark_unions(doc: &mut utoipa::openapi::OpenApi) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for schema in components.schemas.values_mut() {
        if let RefOr::T(Schema::OneOf(one_of)) = schema
            && one_of.discriminator.is_some()
        {
            one_of
                .extensions
                .get_or_insert_with(Default::default)
                .insert("x-swift-identifiable".into(), serde_json::json!(false));
        }
    }
}

/// Public reads are answered from the response cache: their 200s say how (`Cache-Status`) and
/// how old the stored answer is (`Age`).
fn document_response_cache(doc: &mut utoipa::openapi::OpenApi) {
    let anonymous = SecurityRequirement::default();
    for (path, item) in doc.paths.paths.iter_mut() {
        let Some(get) = item.get.as_mut() else {
            continue;
        };
        let public = get
            .security
            .as_ref()
            .is_some_and(|s| s.contains(&anonymous));
        if !path.starts_with("/api/v1/") || !public {
            continue;
        }
        if let Some(RefOr::T(ok)) = get.responses.responses.get_mut("200") {
            ok.headers.insert(
                "Cache-Status".into(),
                RefOr::T(
                    Header::builder()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String).build()))
                    .description(Some(
                        "RFC 9211: `newsdesk; hit` (from memory), `newsdesk; fwd=uri-miss; stored` \
                         (computed and stored), `newsdesk; fwd=bypass` (staff, never cached), \
                         `…; detail=stale-if-error` (the database failed; the last cached answer)",
                    ))
                    .build(),
                ),
            );
            ok.headers.insert(
                "Age".into(),
                RefOr::T(integer_header(
                    "Seconds since the cached answer was stored (answers from the cache)",
                )),
            );
        }
    }
}

/// utoipa copies a generic's type argument into the generic schema (juhaku/utoipa#1586), so
/// `ListResponse_ArticleSummary.data` would hold a second, anonymous `ArticleSummary`: generated
/// clients then get two types for one resource. Point each list's items back at the named schema
/// (only where the copy is identical to it).
fn reference_list_items(doc: &mut utoipa::openapi::OpenApi) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let lists: Vec<(String, String)> = components
        .schemas
        .keys()
        .filter_map(|name| {
            let item = name.strip_prefix("ListResponse_")?;
            Some((name.clone(), item.to_owned()))
        })
        .collect();
    for (list, item) in lists {
        let Some(named) = components.schemas.get(&item).cloned() else {
            continue;
        };
        if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(&list)
            && let Some(RefOr::T(Schema::Array(array))) = object.properties.get_mut("data")
            && let ArrayItems::RefOrSchema(items) = &mut array.items
            && **items == named
        {
            **items = Ref::from_schema_name(item).into();
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "newsdesk",
        contact(name = "newsdesk maintainers"),
        description = "A headless news content API: channels, sources, bylines, articles and rankings \
                       for news portals. Public reads need no token; staff writes send \
                       `Authorization: Bearer <JWT>`. Errors are RFC 9457 `application/problem+json`. \
                       Public requests are rate limited per client (token buckets; `RateLimit-Limit`, \
                       `RateLimit-Remaining` and `RateLimit-Reset` on every limited response, 429 with \
                       `Retry-After` when exceeded); front ends may send `X-Api-Key` for their key's limit. \
                       Public reads are served from a response cache invalidated by every write \
                       (`Cache-Status`, `Age`, 304 on `If-None-Match`); while the database is \
                       unreachable, cached answers are still sent (`stale-if-error`).",
        license(name = "MIT", identifier = "MIT"),
    ),
    // Relative: generated clients call the host that served the document (or the base URL
    // they are given), never a made-up `http://localhost`.
    servers((url = "/", description = "The server that serves this document")),
    tags(
        (name = "auth", description = "Staff login"),
        (name = "articles", description = "Stories: 引题/主题/副题, bylines, 来源, 责任编辑; workflow, revisions, trash"),
        (name = "authors", description = "Bylines (作者) with affiliations (作者单位)"),
        (name = "categories", description = "Channels (频道/栏目), nested up to 4 levels"),
        (name = "rankings", description = "点击排行 (most-read by window and channel), curated boards (推荐位) and the view beacon"),
        (name = "search", description = "Chinese full-text search (jieba segmentation, phrases, highlighting; traditional script, pinyin, Russian; the newsroom's synonym list) and 相关新闻"),
        (name = "sources", description = "Where stories come from (来源)"),
        (name = "tags", description = "Keywords on articles"),
        (name = "site", description = "Site settings (站点设置): name, logo, scrolling slogans, navigation, footer and page blocks; the front page"),
        (name = "users", description = "Staff accounts (admins only)"),
        (name = "audit", description = "The audit log of staff writes and logins (admins only)"),
        (name = "api-keys", description = "Content API keys for third-party front ends: each has its own rate limit (admins only)"),
        (name = "webhooks", description = "Signed webhooks: endpoints notified of content changes, and their delivery logs (admins only)"),
        (name = "media", description = "The media library: uploaded images, video and audio; originals with range requests and image renditions at `/media/{id}/{name}`"),
        (name = "health", description = "Liveness and readiness probes"),
    ),
    components(
        // (Items of comma-list query parameters: referenced by `value_type`, not collected.)
        schemas(Problem, ErrorCode, FieldError, crate::api::articles::ArticleInclude, crate::api::home::HomeInclude, crate::models::media::MediaKind, crate::media::renditions::Fit, crate::media::renditions::RenditionFormat),
        responses(BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, UnsupportedMediaType, RangeNotSatisfiable, Unprocessable, TooManyRequests, Unavailable),
    ),
    modifiers(&BearerScheme),
)]
pub struct ApiDoc;

/// The document as the server serves it, collected from the registered handlers.
pub fn build() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(api::health::livez)
        .service(api::health::readyz)
        .service(api::media::serve_media)
        .service(utoipa_actix_web::scope("/api/v1").configure(api::configure))
        .split_for_parts();
    document_rate_limits(&mut doc);
    document_default_problem(&mut doc);
    document_response_cache(&mut doc);
    document_http_headers(&mut doc);
    document_merge_patch(&mut doc);
    mark_unions(&mut doc);
    reference_list_items(&mut doc);
    doc
}

/// Pretty JSON with a trailing newline, as committed in `openapi/openapi.json`.
pub fn to_pretty_json(doc: &utoipa::openapi::OpenApi) -> Result<String, String> {
    doc.to_pretty_json()
        .map(|s| s + "\n")
        .map_err(|e| e.to_string())
}
