//! The OpenAPI document as served at `/api/v1/openapi.json`.

use actix_web::{HttpResponse, web};

/// The document, rendered once at start-up exactly as `newsdesk openapi` prints it.
pub struct SpecJson(pub String);

pub async fn openapi_json(spec: web::Data<SpecJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("cache-control", "public, max-age=300"))
        .body(spec.0.clone())
}

/// `/docs` → `/docs/` (the Swagger UI).
pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header(("location", "/docs/"))
        .finish()
}
