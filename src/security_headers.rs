//! Security headers on every response: API answers, errors, 404s, the metrics endpoint and the
//! Swagger UI. A header a handler set deliberately is left alone.
//!
//! `Strict-Transport-Security` is not sent: the service speaks plain HTTP and TLS ends at the
//! proxy in front of it, which is where HSTS belongs.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;

/// JSON (and everything else) may load nothing and be framed by nobody.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// The vendored Swagger UI: its own scripts, styles and images, the inline styles React sets,
/// `data:` images from its stylesheet, and requests to this origin (the spec, "Try it out").
/// No inline or third-party scripts; the online validator badge is turned off in `startup`.
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// Whether a path is served by the Swagger UI.
pub fn is_docs(path: &str) -> bool {
    path == "/docs" || path.starts_with("/docs/")
}

/// The headers a response to `path` carries unless it already has them.
pub fn defaults(path: &str) -> [(HeaderName, HeaderValue); 4] {
    let csp = if is_docs(path) { DOCS_CSP } else { API_CSP };
    [
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        ),
    ]
}

fn add_missing(headers: &mut HeaderMap, path: &str) {
    for (name, value) in defaults(path) {
        if !headers.contains_key(&name) {
            headers.insert(name, value);
        }
    }
}

/// Middleware: the outermost layer, so it sees every response the application makes. An error
/// that an inner middleware returns (rather than a response) is turned into a response by the
/// server later; it gets the headers through a response mapper.
pub async fn apply(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let path = req.path().to_owned();
    match next.call(req).await {
        Ok(mut res) => {
            add_missing(res.headers_mut(), &path);
            Ok(res)
        }
        Err(mut err) => {
            err.add_response_mapper(move |mut res| {
                add_missing(res.headers_mut(), &path);
                res
            });
            Err(err)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn docs_get_their_own_policy_and_handlers_win() {
        let mut h = HeaderMap::new();
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
        add_missing(&mut h, "/docs/swagger-initializer.js");
        assert_eq!(h.get(header::REFERRER_POLICY).unwrap(), "same-origin");
        assert_eq!(h.get(header::CONTENT_SECURITY_POLICY).unwrap(), DOCS_CSP);
        let mut h = HeaderMap::new();
        add_missing(&mut h, "/docsx");
        assert_eq!(h.get(header::CONTENT_SECURITY_POLICY).unwrap(), API_CSP);
        assert_eq!(h.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
    }

    #[actix_web::test]
    async fn errors_from_inner_middleware_get_the_headers_too() {
        use actix_web::middleware::from_fn;
        use actix_web::{App, test, web};

        async fn failing(
            _: ServiceRequest,
            _: Next<impl MessageBody + 'static>,
        ) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
            Err::<ServiceResponse, _>(actix_web::error::ErrorTooManyRequests("slow down"))
        }
        let app = test::init_service(
            App::new()
                .route("/", web::get().to(|| async { "ok" }))
                .wrap(from_fn(failing))
                .wrap(from_fn(apply)),
        )
        .await;
        let err = test::try_call_service(&app, test::TestRequest::get().to_request())
            .await
            .err()
            .unwrap();
        let res = err.error_response();
        assert_eq!(res.status(), 429);
        assert_eq!(res.headers().get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
        assert_eq!(
            res.headers().get(header::CONTENT_SECURITY_POLICY).unwrap(),
            API_CSP
        );
    }
}
