//! PATCH for every kind of client: `application/json` leaves `null` members unchanged (Kotlin
//! clients send every unset field as `null`), `clear` clears by name (Swift clients never send
//! `null`), `application/merge-patch+json` clears with `null` (RFC 7396).

use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;

/// A PATCH with a plain `application/json` body.
async fn patch_plain(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    app.patch_as("application/json", path, token, body).await
}

async fn article(app: &TestApp, token: &str) -> (String, Value) {
    let lilun = app.category_id("lilun").await;
    let source = app.source_id("heihe-daily").await;
    let a = app
        .create_article(
            token,
            json!({
                "title": "原题", "kicker": "引题", "subtitle": "副题", "body": "<p>正文</p>",
                "category_id": lilun, "source_id": source, "status": "published",
                "published_at": "2026-01-02T03:04:05Z",
            }),
        )
        .await;
    (format!("/api/v1/articles/{}", a["id"]), a)
}

#[tokio::test]
async fn a_client_sending_every_unset_field_as_null_changes_only_what_it_set() {
    let app = spawn_app().await;
    app.seed().await;
    let (token, _) = app.staff(Role::Editor).await;
    let (path, before) = article(&app, &token).await;
    // What a Kotlin (kotlinx) client sends to change the title.
    let kotlin = json!({
        "title": "新题", "kicker": null, "subtitle": null, "summary": null, "body": null,
        "cover_image_url": null, "media_url": null, "source_id": null, "editor_id": null,
        "published_at": null, "offline_at": null, "tags": null, "flags": null,
        "author_ids": null, "related_ids": null, "clear": null,
    });
    let (status, after) = patch_plain(&app, &path, &token, kotlin).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["title"], "新题");
    for field in [
        "kicker",
        "subtitle",
        "source",
        "editor",
        "published_at",
        "body",
        "tags",
    ] {
        assert_eq!(after[field], before[field], "{field} changed");
    }
}

#[tokio::test]
async fn clear_names_fields_and_merge_patch_clears_with_null() {
    let app = spawn_app().await;
    app.seed().await;
    let (token, _) = app.staff(Role::Editor).await;
    let (path, before) = article(&app, &token).await;

    // What a Swift client sends to clear two fields: no nulls, names.
    let (status, after) = patch_plain(
        &app,
        &path,
        &token,
        json!({ "clear": ["kicker", "source_id"] }),
    )
    .await;
    assert_eq!(status, 200, "{after}");
    assert!(
        after["kicker"].is_null() && after["source"].is_null(),
        "{after}"
    );
    assert_eq!(after["subtitle"], before["subtitle"]);
    assert_eq!(after["published_at"], before["published_at"]);

    // JSON Merge Patch: null clears.
    let (status, after) = app
        .patch_json(&path, &token, json!({ "subtitle": null }))
        .await;
    assert_eq!(status, 200, "{after}");
    assert!(after["subtitle"].is_null());
    assert_eq!(after["title"], before["title"]);

    // Set and cleared at once, or a name that cannot be cleared: 422, nothing changes.
    let (_, now) = app.get_as(&path, Some(&token)).await;
    for (body, field) in [
        (json!({ "kicker": "又一个", "clear": ["kicker"] }), "kicker"),
        (json!({ "clear": ["title"] }), "clear[0]"),
        (json!({ "clear": "kicker" }), "clear"),
    ] {
        let (status, problem) = patch_plain(&app, &path, &token, body.clone()).await;
        assert_eq!(status, 422, "{body}: {problem}");
        assert!(
            field_errors(&problem).iter().any(|f| f == field),
            "{body}: want {field}, got {problem}"
        );
        let (_, same) = app.get_as(&path, Some(&token)).await;
        assert_eq!(same, now, "{body} changed the article");
    }
}

#[tokio::test]
async fn nested_settings_clear_by_dotted_name() {
    let app = spawn_app().await;
    app.seed().await;
    let admin = app.token(Role::Admin).await;
    let (_, before) = app.get_as("/api/v1/site", Some(&admin)).await;
    // Nulls in nested objects are "not sent" too.
    let (status, site) = patch_plain(
        &app,
        "/api/v1/site",
        &admin,
        json!({ "name": "黑河", "url": null, "footer": { "phone": null, "qq": null } }),
    )
    .await;
    assert_eq!(status, 200, "{site}");
    assert_eq!(site["footer"], before["footer"]);
    assert_eq!(site["url"], before["url"]);
    let (status, site) = patch_plain(
        &app,
        "/api/v1/site",
        &admin,
        json!({ "clear": ["footer.phone", "footer.report", "url"] }),
    )
    .await;
    assert_eq!(status, 200, "{site}");
    assert!(site["footer"]["phone"].is_null() && site["footer"]["report"].is_null());
    assert!(site["url"].is_null());
    assert_eq!(site["footer"]["qq"], before["footer"]["qq"]);
    // A body without clearable fields has no `clear`.
    let res = app
        .client
        .patch(app.url("/api/v1/auth/me"))
        .bearer_auth(&admin)
        .json(&json!({ "clear": ["display_name"] }))
        .send()
        .await
        .unwrap();
    assert_problem(res, 422, "validation_failed").await;
}
