//! The audit log: every staff write and session event, and `GET /audit` for admins.

use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;

async fn entries(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (status, body) = app
        .get_as(&format!("/api/v1/audit?per_page=100&{query}"), Some(token))
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_array().unwrap().clone()
}

fn actions(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|e| {
            format!(
                "{} {}",
                e["action"].as_str().unwrap(),
                e["resource"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn staff_writes_are_recorded_with_who_what_and_where() {
    let app = spawn_app().await;
    app.seed().await;
    let admin = app.token(Role::Admin).await;
    let writer = app.token(Role::Writer).await;
    let cat = app.category_id("shehui").await;

    let res = app
        .post("/api/v1/sources")
        .bearer_auth(&admin)
        .header("x-request-id", "audit-req-1")
        .header("user-agent", "desk-test/1.0")
        .json(&json!({ "name": "黑龙江日报", "slug": "hlj-daily", "kind": "newspaper" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let source: Value = res.json().await.unwrap();
    let (status, _) = app
        .patch_json(
            "/api/v1/sources/hlj-daily",
            &admin,
            json!({ "name": "黑龙江日报社" }),
        )
        .await;
    assert_eq!(status, 200);
    let (status, article) = app
        .post_json(
            "/api/v1/articles",
            &writer,
            json!({ "title": "草稿", "category_id": cat }),
        )
        .await;
    assert_eq!(status, 201);
    let id = article["id"].as_i64().unwrap();
    assert_eq!(
        app.delete_as(&format!("/api/v1/articles/{id}"), &writer)
            .await,
        204
    );
    assert_eq!(
        app.delete_as(&format!("/api/v1/trash/articles/{id}"), &writer)
            .await,
        403
    );
    assert_eq!(
        app.delete_as(&format!("/api/v1/trash/articles/{id}"), &admin)
            .await,
        204
    );
    // Reads and anonymous attempts are not staff writes.
    let _ = app.get_as("/api/v1/sources", Some(&admin)).await;
    let res = app
        .call(
            "POST",
            "/api/v1/sources",
            None,
            Some(json!({ "name": "x" })),
        )
        .await;
    assert_eq!(res.status(), 401);

    let log = entries(&app, &admin, "").await;
    let mut seen = actions(&log);
    seen.retain(|a| !a.ends_with("sessions"));
    assert_eq!(
        seen,
        [
            "purge articles",
            "purge articles",
            "trash articles",
            "create articles",
            "update sources",
            "create sources",
        ],
        "newest first"
    );
    let created = log
        .iter()
        .find(|e| e["action"] == "create" && e["resource"] == "sources")
        .unwrap();
    assert_eq!(created["resource_id"], source["id"].to_string());
    assert_eq!(created["method"], "POST");
    assert_eq!(created["path"], "/api/v1/sources");
    assert_eq!(created["status"], 201);
    assert_eq!(created["ip"], "127.0.0.1");
    assert_eq!(created["user_agent"], "desk-test/1.0");
    assert_eq!(created["request_id"], "audit-req-1");
    assert!(created["actor"].as_str().unwrap().starts_with("admin-"));
    let refused = log.iter().find(|e| e["status"] == 403).unwrap();
    assert_eq!(refused["action"], "purge");
    assert_eq!(refused["resource_id"], id.to_string());
    assert!(refused["actor"].as_str().unwrap().starts_with("writer-"));
    // Logins are recorded too (the tokens above came from logins).
    let logins = entries(&app, &admin, "action=login").await;
    assert_eq!(logins.len(), 2);
    assert!(
        logins
            .iter()
            .all(|e| e["resource"] == "sessions" && e["ip"] == "127.0.0.1")
    );
}

#[tokio::test]
async fn the_log_filters_pages_and_is_for_admins_only() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin).await;
    let editor = app.token(Role::Editor).await;
    for i in 0..5 {
        let (status, _) = app
            .post_json(
                "/api/v1/authors",
                &editor,
                json!({ "name": format!("作者{i}"), "slug": format!("a{i}") }),
            )
            .await;
        assert_eq!(status, 201);
    }
    let (status, _) = app
        .patch_json("/api/v1/authors/a1", &admin, json!({ "bio": "简介" }))
        .await;
    assert_eq!(status, 200);
    let editor_id = app
        .sql_i64("SELECT id AS n FROM users WHERE email LIKE 'editor-%'")
        .await;

    assert_eq!(entries(&app, &admin, "resource=authors").await.len(), 6);
    assert_eq!(
        entries(&app, &admin, "resource=authors&action=update")
            .await
            .len(),
        1
    );
    let by_editor = entries(&app, &admin, &format!("user={editor_id}&resource=authors")).await;
    assert_eq!(by_editor.len(), 5);
    assert_eq!(
        entries(&app, &admin, "resource=authors&resource_id=a1")
            .await
            .len(),
        1,
        "the PATCH names a1 by slug"
    );
    let future = "since=2999-01-01T00:00:00Z";
    assert!(entries(&app, &admin, future).await.is_empty());
    let past = "until=2000-01-01T00:00:00Z";
    assert!(entries(&app, &admin, past).await.is_empty());

    // Pages and cursors.
    let (_, page1) = app
        .get_as("/api/v1/audit?resource=authors&per_page=4", Some(&admin))
        .await;
    assert_eq!(page1["meta"]["total"], 6);
    let cursor = page1["meta"]["next_cursor"].as_str().unwrap();
    let (_, page2) = app
        .get_as(
            &format!("/api/v1/audit?resource=authors&per_page=4&cursor={cursor}"),
            Some(&admin),
        )
        .await;
    let all: Vec<i64> = ids(&page1).into_iter().chain(ids(&page2)).collect();
    let mut unique = all.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!((all.len(), unique.len()), (6, 6));

    let res = app.call("GET", "/api/v1/audit", Some(&editor), None).await;
    assert_problem(res, 403, "forbidden").await;
    let res = app.call("GET", "/api/v1/audit", None, None).await;
    assert_problem(res, 401, "unauthorized").await;
    for bad in [
        "since=yesterday",
        "until=-5000-01-01T00:00:00Z",
        "user=x",
        "action=%00",
    ] {
        let res = app
            .call("GET", &format!("/api/v1/audit?{bad}"), Some(&admin), None)
            .await;
        assert_problem(res, 400, "validation_failed").await;
    }
}
