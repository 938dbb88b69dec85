//! CORS: the origins of `CORS_ALLOWED_ORIGINS`, the headers clients send and may read.

use actix_cors::Cors;

use crate::config::Config;

pub fn cors(config: &Config) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers([
            "authorization",
            "content-type",
            "if-match",
            "if-none-match",
            "x-request-id",
            "x-api-key",
            "x-visitor-id",
            "newsdesk-lsn",
        ])
        .expose_headers([
            "etag",
            "link",
            "location",
            "x-request-id",
            "retry-after",
            "ratelimit-limit",
            "ratelimit-remaining",
            "ratelimit-reset",
            "newsdesk-lsn",
        ])
        .max_age(3600);
    for origin in config.cors_origins() {
        cors = cors.allowed_origin(&origin);
    }
    cors
}
