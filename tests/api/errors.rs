use crate::helpers::*;
use newsdesk::models::user::Role;
use serde_json::json;

#[tokio::test]
async fn unknown_route_is_404_problem_json() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/nothing-here").send().await.unwrap();
    let body = assert_problem(res, 404, "not_found").await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("/api/v1/nothing-here")
    );
    assert_problem(
        app.get("/totally/unknown").send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn wrong_method_is_405_with_allow() {
    let app = spawn_app().await;
    let res = app
        .client
        .put(app.url("/api/v1/categories/1"))
        .send()
        .await
        .unwrap();
    let allow = res.headers()["allow"].to_str().unwrap().to_owned();
    assert_problem(res, 405, "not_found").await;
    assert_eq!(allow, "GET, PATCH, DELETE");
    let res = app.delete("/api/v1/categories").send().await.unwrap();
    assert_eq!(res.headers()["allow"], "GET, POST");
    assert_problem(res, 405, "not_found").await;
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    let token = app.token(Role::Editor).await;
    let res = app
        .post("/api/v1/categories")
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    let body = assert_problem(res, 400, "validation_failed").await;
    assert_eq!(field_errors(&body), ["body"]);
}

#[tokio::test]
async fn wrong_content_type_is_400() {
    let app = spawn_app().await;
    let token = app.token(Role::Editor).await;
    let res = app
        .post("/api/v1/categories")
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("{\"name\": \"x\"}")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "validation_failed").await;
    let res = app
        .post("/api/v1/categories")
        .bearer_auth(&token)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "validation_failed").await;
}

#[tokio::test]
async fn bad_query_parameters_are_400() {
    let app = spawn_app().await;
    for q in [
        "per_page=abc",
        "per_page=0",
        "per_page=101",
        "page=0",
        "page=-3",
        "cursor=garbage",
        "flat=maybe",
    ] {
        let path = if q.starts_with("flat") {
            format!("/api/v1/categories?{q}")
        } else {
            format!("/api/v1/sources?{q}")
        };
        let res = app.get(&path).send().await.unwrap();
        assert_problem(res, 400, "validation_failed").await;
    }
    let res = app
        .get("/api/v1/sources?per_page=1000")
        .send()
        .await
        .unwrap();
    let body = assert_problem(res, 400, "validation_failed").await;
    assert_eq!(field_errors(&body), ["per_page"]);
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let app = spawn_app().await; // limit: 64 KiB in tests
    let token = app.token(Role::Editor).await;
    let big = "x".repeat(70 * 1024);
    let res = app
        .post("/api/v1/sources")
        .bearer_auth(&token)
        .json(&json!({ "name": "big", "homepage_url": format!("https://example.com/{big}") }))
        .send()
        .await
        .unwrap();
    assert_problem(res, 413, "payload_too_large").await;
    let mut conn = app.conn().await;
    let count = newsdesk::models::source::list(
        &mut conn,
        None,
        &newsdesk::db::pagination::PageRequest::Page {
            page: 1,
            per_page: 10,
        },
    )
    .await
    .unwrap()
    .total;
    assert_eq!(count, Some(0), "nothing was written");
}

#[tokio::test]
async fn missing_field_and_wrong_type_are_422_naming_the_field() {
    let app = spawn_app().await;
    let token = app.token(Role::Editor).await;
    let (status, body) = app
        .post_json("/api/v1/categories", &token, json!({ "slug": "x" }))
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["code"], "validation_failed");
    assert_eq!(field_errors(&body), ["name"]);
    let (status, body) = app
        .post_json(
            "/api/v1/categories",
            &token,
            json!({ "name": "x", "position": "first" }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(field_errors(&body), ["position"]);
    let (status, body) = app
        .post_json(
            "/api/v1/categories",
            &token,
            json!({ "name": "x", "colour": "red" }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test]
async fn problems_never_leak_internals() {
    let app = spawn_app().await;
    let token = app.token(Role::Editor).await;
    let (_, first) = app
        .post_json(
            "/api/v1/sources",
            &token,
            json!({ "name": "黑河日报", "slug": "a" }),
        )
        .await;
    assert_eq!(first["slug"], "a");
    let (status, body) = app
        .post_json(
            "/api/v1/sources",
            &token,
            json!({ "name": "黑河日报", "slug": "b" }),
        )
        .await;
    assert_eq!(status, 409);
    let text = body.to_string();
    assert!(
        !text.contains("duplicate key") && !text.contains("sources_name_key"),
        "{text}"
    );
    assert_eq!(field_errors(&body), ["name"]);
}
