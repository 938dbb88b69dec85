//! Security headers on every kind of response.

use newsdesk::models::user::Role;
use newsdesk::security_headers::{API_CSP, DOCS_CSP};
use reqwest::Response;
use serde_json::json;

use crate::helpers::*;

fn assert_secure(res: &Response, csp: &str, what: &str) {
    let h = res.headers();
    let get = |name: &str| {
        h.get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert_eq!(get("content-security-policy"), csp, "{what}");
    assert_eq!(
        h.get_all("content-security-policy").iter().count(),
        1,
        "{what}"
    );
    assert!(
        h.get("strict-transport-security").is_none(),
        "{what}: TLS ends at the proxy"
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    app.seed().await;
    let editor = app.token(Role::Editor).await;
    let requests = [
        ("GET", "/livez", None, None, 200),
        ("GET", "/readyz", None, None, 200),
        ("GET", "/metrics", None, None, 200),
        ("GET", "/api/v1/openapi.json", None, None, 200),
        ("GET", "/api/v1/categories", None, None, 200),
        ("GET", "/api/v1/articles?per_page=1", None, None, 200),
        (
            "GET",
            "/api/v1/articles?per_page=1",
            Some(&editor),
            None,
            200,
        ),
        ("GET", "/api/v1/categories/no-such-channel", None, None, 404),
        ("GET", "/no/such/route", None, None, 404),
        ("PUT", "/api/v1/categories", None, None, 405),
        ("GET", "/api/v1/auth/me", None, None, 401),
        ("GET", "/api/v1/sources?per_page=1000", None, None, 400),
        (
            "POST",
            "/api/v1/sources",
            Some(&editor),
            Some(json!({ "name": "" })),
            422,
        ),
        (
            "POST",
            "/api/v1/categories",
            Some(&editor),
            Some(json!({ "name": "频道", "slug": "hd" })),
            201,
        ),
        ("DELETE", "/api/v1/categories/hd", Some(&editor), None, 204),
    ];
    for (method, path, token, body, status) in requests {
        let res = app
            .call(method, path, token.map(String::as_str), body)
            .await;
        let what = format!("{method} {path}");
        assert_eq!(res.status().as_u16(), status, "{what}");
        assert_secure(&res, API_CSP, &what);
    }
    // Answers of the limits layer, before routing.
    let long = format!("/api/v1/articles?q={}", "a".repeat(5000));
    let res = app.get(&long).send().await.unwrap();
    assert_eq!(res.status(), 414);
    assert_secure(&res, API_CSP, "414");
    let res = app
        .get("/api/v1/articles")
        .header("x-pad", "p".repeat(20_000))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 431);
    assert_secure(&res, API_CSP, "431");
    // A conditional GET's 304 too.
    let res = app.get("/api/v1/categories").send().await.unwrap();
    let etag = header(&res, "etag");
    let res = app
        .get("/api/v1/categories")
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    assert_secure(&res, API_CSP, "304");
    // The CORS preflight, answered by the CORS layer itself.
    let res = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/articles"))
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    assert_secure(&res, API_CSP, "preflight");
}

#[tokio::test]
async fn the_swagger_ui_gets_a_policy_that_lets_it_run() {
    let app = spawn_app().await;
    let res = app.get("/docs").send().await.unwrap();
    assert_eq!(res.status(), 308);
    assert_secure(&res, DOCS_CSP, "/docs");
    let res = app.get("/docs/").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_secure(&res, DOCS_CSP, "/docs/");
    let page = res.text().await.unwrap();
    // Everything the page loads is its own file: no inline script needs 'unsafe-inline'.
    assert!(!page.contains("<script>") && page.contains("swagger-initializer.js"));
    for asset in [
        "swagger-initializer.js",
        "swagger-ui-bundle.js",
        "swagger-ui.css",
    ] {
        let res = app.get(&format!("/docs/{asset}")).send().await.unwrap();
        assert_eq!(res.status(), 200, "{asset}");
        assert_secure(&res, DOCS_CSP, asset);
        if asset == "swagger-initializer.js" {
            let js = res.text().await.unwrap();
            assert!(js.contains("/api/v1/openapi.json"));
            assert!(js.contains("\"validatorUrl\": \"none\""), "{js}");
        }
    }
    // The spec the UI fetches is same-origin JSON with the strict policy.
    let res = app.get("/api/v1/openapi.json").send().await.unwrap();
    assert_secure(&res, API_CSP, "spec");
    let res = app.get("/docs/no-such-file.js").send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_secure(&res, DOCS_CSP, "missing docs file");
}
