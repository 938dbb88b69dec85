//! Bodies no JSON encoder would produce: bytes that are not UTF-8, lone surrogates, escaped NUL
//! characters and runaway nesting.

use super::injection::{TABLES, count, fixture};
use super::{assert_raw_problem, body_request, raw_request};
use crate::helpers::*;

/// A JSON object with one member `"field": <value>` (raw bytes), shaped for the endpoint.
fn object_with(path: &str, field: &str, value: &[u8]) -> Vec<u8> {
    let member = [format!("\"{field}\": ").as_bytes(), value].concat();
    if path.ends_with("/entries") {
        [b"[{\"article_id\": 1, ".as_slice(), &member, b"}]"].concat()
    } else {
        [b"{".as_slice(), &member, b"}"].concat()
    }
}

/// Bytes that are not valid UTF-8 (an overlong `/`), lone surrogates and runaway nesting, sent
/// as raw bodies to every write endpoint: a 400 or 422 problem each, nothing written.
#[tokio::test]
async fn undecodable_bodies_are_refused_everywhere() {
    let app = spawn_app().await;
    let fx = fixture(&app).await;
    let writes = [
        ("POST", "/api/v1/categories".to_owned(), "name"),
        (
            "PATCH",
            format!("/api/v1/categories/{}", fx.category),
            "description",
        ),
        ("POST", "/api/v1/sources".to_owned(), "name"),
        ("POST", "/api/v1/authors".to_owned(), "name"),
        ("POST", "/api/v1/articles".to_owned(), "title"),
        ("PATCH", format!("/api/v1/articles/{}", fx.article), "body"),
        ("POST", "/api/v1/rankings".to_owned(), "title"),
        ("PUT", "/api/v1/rankings/1/entries".to_owned(), "note"),
        ("POST", "/api/v1/auth/login".to_owned(), "email"),
    ];
    let nested = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    // (case, the value of the field, or a whole body; the status it must get)
    let cases: Vec<(&str, Vec<u8>, bool, u16)> = vec![
        (
            "overlong utf-8",
            [b"\"a".as_slice(), &[0xC0, 0xAF], b"b\""].concat(),
            false,
            400,
        ),
        (
            "invalid utf-8",
            [b"\"".as_slice(), &[0xFF, 0xFE], b"\""].concat(),
            false,
            400,
        ),
        (
            "utf-8 surrogate bytes",
            [b"\"".as_slice(), &[0xED, 0xA0, 0x80], b"\""].concat(),
            false,
            400,
        ),
        ("lone surrogate", b"\"\\ud800\"".to_vec(), false, 400),
        ("lone low surrogate", b"\"x\\udfff\"".to_vec(), false, 400),
        ("escaped NUL", b"\"a\\u0000b\"".to_vec(), false, 422),
        (
            "nested arrays in a field",
            nested.clone().into_bytes(),
            false,
            422,
        ),
        (
            "10,000 nested arrays",
            "[".repeat(10_000).into_bytes(),
            true,
            400,
        ),
        (
            "10,000 nested objects",
            "{\"a\":".repeat(10_000).into_bytes(),
            true,
            400,
        ),
    ];
    let mut before = Vec::new();
    for t in TABLES {
        before.push(count(&app, t).await);
    }
    for (method, path, field) in &writes {
        for (case, bytes, whole, want) in &cases {
            let body = if *whole {
                bytes.clone()
            } else {
                object_with(path, field, bytes)
            };
            let raw = raw_request(&app.address, body_request(method, path, &fx.token, &body)).await;
            let what = format!("{method} {path} {field}: {case}");
            let status = raw.status.unwrap_or(0);
            // Nesting is refused by shape (422) where the target is not a list, else by depth.
            let ok = status == *want || (case.contains("nested") && status == 422);
            assert!(
                ok,
                "{what}: {}\n{}",
                raw.head,
                String::from_utf8_lossy(&raw.body)
            );
            assert_raw_problem(&raw, status, &what);
        }
    }
    for (t, n) in TABLES.iter().zip(before) {
        assert_eq!(count(&app, t).await, n, "{t}");
    }
}
