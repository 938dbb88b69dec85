//! Registering endpoints: CRUD, validation, admins only, private addresses refused.

use newsdesk::models::user::Role;
use serde_json::json;

use super::admin_app;
use crate::helpers::*;

#[tokio::test]
async fn webhooks_crud_validation_and_admin_only() {
    let (app, admin) = admin_app(|_| {}).await;
    let body = json!({ "url": "http://127.0.0.1:9/hook", "events": ["category.*", "site.updated"],
                       "description": "  the app  " });
    let res = app
        .call("POST", "/api/v1/webhooks", Some(&admin), Some(body.clone()))
        .await;
    assert_eq!(res.status(), 201);
    let location = header(&res, "location");
    let created: serde_json::Value = res.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/v1/webhooks/{id}"));
    let secret = created["secret"].as_str().unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    assert_eq!(
        created["events"],
        json!([
            "category.created",
            "category.updated",
            "category.deleted",
            "site.updated"
        ])
    );
    assert_eq!(created["active"], true);
    assert_eq!(created["description"], "the app");

    // The secret is never shown again.
    let res = app
        .get(&format!("/api/v1/webhooks/{id}"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&res, "etag"), "\"v1\"");
    let got: serde_json::Value = res.json().await.unwrap();
    assert!(got.get("secret").is_none(), "{got}");
    let (status, list) = app.get_as("/api/v1/webhooks", Some(&admin)).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&list), vec![id]);
    assert!(list["data"][0].get("secret").is_none());

    // A chosen secret is kept; PATCH with a stale If-Match is 412.
    let (status, own) = app
        .post_json(
            "/api/v1/webhooks",
            &admin,
            json!({ "url": "https://127.0.0.1/x", "events": ["ranking.updated"], "secret": "my-own-secret-0123456789" }),
        )
        .await;
    assert_eq!(status, 201, "{own}");
    assert_eq!(own["secret"], "my-own-secret-0123456789");
    let res = app
        .patch(&format!("/api/v1/webhooks/{id}"))
        .bearer_auth(&admin)
        .header("if-match", "\"v9\"")
        .json(&json!({ "active": false }))
        .send()
        .await
        .unwrap();
    assert_problem(res, 412, "precondition_failed").await;
    let res = app
        .patch(&format!("/api/v1/webhooks/{id}"))
        .bearer_auth(&admin)
        .header("if-match", "\"v1\"")
        .header("content-type", crate::helpers::MERGE_PATCH)
        .body(json!({ "active": false, "events": ["article.*"], "description": null }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "etag"), "\"v2\"");
    let patched: serde_json::Value = res.json().await.unwrap();
    assert_eq!(patched["active"], false);
    assert_eq!(patched["description"], serde_json::Value::Null);
    assert_eq!(patched["events"].as_array().unwrap().len(), 4);
    assert!(patched.get("secret").is_none());

    // Validation names the fields.
    for (bad, fields) in [
        (
            json!({ "url": "ftp://example.com/", "events": ["site.updated"] }),
            vec!["url"],
        ),
        (
            json!({ "url": "http://user:pw@127.0.0.1/", "events": ["site.updated"] }),
            vec!["url"],
        ),
        (
            json!({ "url": "not a url", "events": [] }),
            vec!["events", "url"],
        ),
        (
            json!({ "url": "http://127.0.0.1/", "events": ["article.exploded", "x.*"] }),
            vec!["events[0]", "events[1]"],
        ),
        (
            json!({ "url": "http://127.0.0.1/", "events": ["ping"], "secret": "short" }),
            vec!["events[0]", "secret"],
        ),
    ] {
        let res = app
            .call("POST", "/api/v1/webhooks", Some(&admin), Some(bad.clone()))
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        let mut got = field_errors(&problem);
        got.sort();
        assert_eq!(got, fields, "{bad}");
    }

    // Admins only.
    let editor = app.token(Role::Editor).await;
    let res = app
        .call(
            "POST",
            "/api/v1/webhooks",
            Some(&editor),
            Some(body.clone()),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    let res = app.call("GET", "/api/v1/webhooks", None, None).await;
    assert_problem(res, 401, "unauthorized").await;
    let res = app
        .call(
            "GET",
            &format!("/api/v1/webhooks/{id}"),
            Some(&editor),
            None,
        )
        .await;
    assert_problem(res, 403, "forbidden").await;

    // Delete: gone, with its log.
    assert_eq!(
        app.delete_as(&format!("/api/v1/webhooks/{id}"), &admin)
            .await,
        204
    );
    assert_eq!(
        app.delete_as(&format!("/api/v1/webhooks/{id}"), &admin)
            .await,
        404
    );
    let (status, _) = app
        .get_as(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&admin))
        .await;
    assert_eq!(status, 404);
    let (status, _) = app.get_as("/api/v1/webhooks/abc", Some(&admin)).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn webhooks_refuse_private_addresses_unless_allowed() {
    let (app, admin) = admin_app(|c| c.webhook_allow_private = false).await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.1/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
    ] {
        let res = app
            .call(
                "POST",
                "/api/v1/webhooks",
                Some(&admin),
                Some(json!({ "url": url, "events": ["site.updated"] })),
            )
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), vec!["url"], "{url}");
    }
    // A public address literal is fine (nothing is sent until an event happens).
    let (status, body) = app
        .post_json(
            "/api/v1/webhooks",
            &admin,
            json!({ "url": "https://93.184.215.14/hook", "events": ["site.updated"] }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}
