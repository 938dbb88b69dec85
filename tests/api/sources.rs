use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, created) = app.post_json("/api/v1/sources", token, body).await;
    assert_eq!(status, 201, "{created}");
    created
}

#[tokio::test]
async fn crud_round_trip() {
    let app = spawn_app().await;
    let token = app.token(Role::Editor).await;
    let res = app
        .post("/api/v1/sources")
        .bearer_auth(&token)
        .json(&json!({ "name": "黑河日报", "kind": "newspaper", "homepage_url": "https://example.com/hhrb" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["slug"], "hei-he-ri-bao");
    assert_eq!(location, format!("/api/v1/sources/{}", created["id"]));

    let by_slug: Value = app
        .get("/api/v1/sources/hei-he-ri-bao")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_slug, created);

    let (status, updated) = app
        .patch_json(
            &location,
            &token,
            json!({ "homepage_url": null, "kind": "website" }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(updated["homepage_url"], Value::Null);
    assert_eq!(updated["kind"], "website");
    assert_eq!(updated["name"], "黑河日报");

    assert_eq!(
        app.delete(&location)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_problem(app.get(&location).send().await.unwrap(), 404, "not_found").await;
    assert_problem(
        app.delete(&location)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn validation_and_conflicts() {
    let app = spawn_app().await;
    let token = app.token(Role::Admin).await;
    create(
        &app,
        &token,
        json!({ "name": "新华社", "slug": "xinhua", "kind": "agency" }),
    )
    .await;
    let cases = [
        (json!({ "name": "" }), vec!["name"]),
        (
            json!({ "name": "x", "homepage_url": "javascript:alert(1)" }),
            vec!["homepage_url"],
        ),
        (
            json!({ "name": "x", "homepage_url": "ftp://example.com" }),
            vec!["homepage_url"],
        ),
        (
            json!({ "name": "x", "homepage_url": "not a url" }),
            vec!["homepage_url"],
        ),
        (json!({ "name": "x", "slug": "UPPER" }), vec!["slug"]),
        (json!({ "name": "x", "kind": "blog" }), vec!["kind"]),
    ];
    for (body, fields) in cases {
        let (status, problem) = app.post_json("/api/v1/sources", &token, body.clone()).await;
        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(field_errors(&problem), fields, "{body}");
    }
    let (status, problem) = app
        .post_json(
            "/api/v1/sources",
            &token,
            json!({ "name": "另一个", "slug": "xinhua" }),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(field_errors(&problem), ["slug"]);
    let (status, problem) = app
        .post_json("/api/v1/sources", &token, json!({ "name": "新华社" }))
        .await;
    assert_eq!(status, 409);
    assert_eq!(field_errors(&problem), ["name"]);
    let (status, _) = app
        .patch_json(
            "/api/v1/sources/xinhua",
            &token,
            json!({ "homepage_url": "mailto:a@b.c" }),
        )
        .await;
    assert_eq!(status, 422);
    let list: Value = app
        .get("/api/v1/sources")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["meta"]["total"], 1, "nothing else was written");
}

async fn create_many(app: &TestApp, token: &str, n: usize) {
    for i in 0..n {
        create(app, token, json!({ "name": format!("来源{i:02}") })).await;
    }
}

#[tokio::test]
async fn page_mode_has_totals_links_and_a_cursor() {
    let app = spawn_app().await;
    let token = app.token(Role::Editor).await;
    create_many(&app, &token, 5).await;
    let res = app
        .get("/api/v1/sources?per_page=2&page=2")
        .send()
        .await
        .unwrap();
    let link = res.headers()["link"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["meta"]["page"], 2);
    assert_eq!(body["meta"]["per_page"], 2);
    assert_eq!(body["meta"]["total"], 5);
    assert_eq!(body["meta"]["total_pages"], 3);
    assert!(body["meta"]["next_cursor"].is_string());
    let names: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["来源02", "来源03"]);
    assert!(
        link.contains("</api/v1/sources?per_page=2&page=3>; rel=\"next\""),
        "{link}"
    );
    assert!(
        link.contains("</api/v1/sources?per_page=2&page=1>; rel=\"prev\""),
        "{link}"
    );
    assert!(link.contains("rel=\"last\""), "{link}");
    // Switch to keyset paging from the page-mode cursor.
    let cursor = body["meta"]["next_cursor"].as_str().unwrap();
    let next: Value = app
        .get(&format!("/api/v1/sources?per_page=2&cursor={cursor}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(next["data"][0]["name"], "来源04");
    assert_eq!(next["meta"]["next_cursor"], Value::Null);
    assert!(next["meta"].get("total").is_none());
    // Past the end: an empty page.
    let far: Value = app
        .get("/api/v1/sources?per_page=2&page=9")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(far["data"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn cursor_mode_is_stable_when_rows_arrive_and_walks_back() {
    let app = spawn_app().await;
    let token = app.token(Role::Editor).await;
    create_many(&app, &token, 6).await;
    let first: Value = app
        .get("/api/v1/sources?per_page=3")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cursor = first["meta"]["next_cursor"].as_str().unwrap().to_owned();
    // A new source sorting before the cursor must not shift the next page.
    create(&app, &token, json!({ "name": "来源00a" })).await;
    let res = app
        .get(&format!("/api/v1/sources?per_page=3&cursor={cursor}"))
        .send()
        .await
        .unwrap();
    let link = res.headers()["link"].to_str().unwrap().to_owned();
    let second: Value = res.json().await.unwrap();
    let names: Vec<&str> = second["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["来源03", "来源04", "来源05"]);
    assert!(link.contains("rel=\"prev\""), "{link}");
    assert!(!link.contains("rel=\"next\""), "{link}");
    assert_eq!(second["meta"]["next_cursor"], Value::Null);
    let prev = second["meta"]["prev_cursor"].as_str().unwrap();
    let back: Value = app
        .get(&format!("/api/v1/sources?per_page=3&cursor={prev}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = back["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["来源00a", "来源01", "来源02"]);
}

#[tokio::test]
async fn q_filters_by_name_case_insensitively() {
    let app = spawn_app().await;
    let token = app.token(Role::Editor).await;
    create(&app, &token, json!({ "name": "Xinhua News Agency" })).await;
    create(&app, &token, json!({ "name": "黑河日报" })).await;
    create(&app, &token, json!({ "name": "100% Real_News" })).await;
    let body: Value = app
        .get("/api/v1/sources?q=xinhua")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["meta"]["total"], 1);
    let body: Value = app
        .get("/api/v1/sources?q=日报")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"][0]["name"], "黑河日报");
    let body: Value = app
        .get("/api/v1/sources?q=%25")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["meta"]["total"], 1, "% is matched literally");
    let body: Value = app
        .get("/api/v1/sources?q=_")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["meta"]["total"], 1, "_ is matched literally");
}

#[tokio::test]
async fn list_is_cacheable_for_the_public() {
    let app = spawn_app().await;
    app.seed().await;
    let res = app.get("/api/v1/sources").send().await.unwrap();
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=60, stale-if-error=3600"
    );
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let res = app
        .get("/api/v1/sources")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
}
