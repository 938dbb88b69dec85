//! Articles: visibility by the clock, the role matrix, revisions and the trash.

use std::ops::Deref;

use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;

/// A seeded app with two writers, an editor and an admin, writing in 社会新闻.
struct Newsroom {
    app: TestApp,
    writer: String,
    writer2: String,
    editor: String,
    admin: String,
    cat: i64,
}

impl Deref for Newsroom {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

async fn newsroom() -> Newsroom {
    let app = spawn_app().await;
    app.seed().await;
    Newsroom {
        writer: app.token(Role::Writer).await,
        writer2: app.token(Role::Writer).await,
        editor: app.token(Role::Editor).await,
        admin: app.token(Role::Admin).await,
        cat: app.category_id("shehui").await,
        app,
    }
}

fn p(id: i64) -> String {
    format!("/api/v1/articles/{id}")
}

impl Newsroom {
    async fn make(&self, token: &str, title: &str, extra: Value) -> i64 {
        let body = merge(json!({ "title": title, "category_id": self.cat }), extra);
        self.create_article(token, body).await["id"]
            .as_i64()
            .unwrap()
    }

    async fn draft(&self, token: &str, title: &str) -> i64 {
        self.make(token, title, json!({})).await
    }

    async fn title(&self, id: i64) -> String {
        let (status, a) = self.get_as(&p(id), Some(&self.editor)).await;
        assert_eq!(status, 200);
        a["title"].as_str().unwrap().to_owned()
    }

    async fn list(&self, path: &str, token: Option<&str>) -> Vec<i64> {
        let (status, list) = self.get_as(path, token).await;
        assert_eq!(status, 200, "{list}");
        ids(&list)
    }

    async fn public_ids(&self) -> Vec<i64> {
        self.list("/api/v1/articles?per_page=100", None).await
    }

    async fn staff_ids(&self) -> Vec<i64> {
        self.list("/api/v1/articles?per_page=100", Some(&self.editor))
            .await
    }

    /// PATCH as the editor, asserting 200.
    async fn edit(&self, path: &str, change: Value) -> Value {
        let (status, body) = self.patch_json(path, &self.editor, change).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    async fn status_of(&self, path: &str, token: Option<&str>) -> u16 {
        self.get_as(path, token).await.0
    }
}

#[tokio::test]
async fn visibility_at_the_edges_of_published_at_and_offline_at() {
    let n = newsroom().await;
    // (title, published_at, offline_at as seconds from now, visible to the public)
    let cases = [
        ("live now", -1, None, true),
        ("scheduled", 60, None, false),
        ("down", -3600, Some(-1), false),
        ("still up", -3600, Some(60), true),
        ("window", 60, Some(3600), false),
    ];
    let mut expected = Vec::new();
    for (title, published, offline, visible) in cases {
        let times = json!({ "status": "published", "published_at": at(published) });
        let times = merge(times, json!({ "offline_at": offline.map(at) }));
        let id = n.make(&n.editor, title, times).await;
        let status = n.status_of(&p(id), None).await;
        assert_eq!(status == 200, visible, "{title}: public detail {status}");
        let staff = n.status_of(&p(id), Some(&n.editor)).await;
        assert_eq!(staff, 200, "staff see {title}");
        if visible {
            expected.push(id);
        }
    }
    let draft = n.draft(&n.editor, "draft").await;
    let archived = json!({ "status": "archived", "published_at": at(-60) });
    let archived = n.make(&n.editor, "archived", archived).await;
    for id in [draft, archived] {
        assert_eq!(n.status_of(&p(id), None).await, 404);
        assert_eq!(n.status_of(&p(id), Some(&n.writer)).await, 200);
    }
    let mut public = n.public_ids().await;
    public.sort();
    assert_eq!(public, expected);
    assert_eq!(n.staff_ids().await.len(), 7);
    let channel = n.list("/api/v1/categories/shehui/articles", None).await;
    assert_eq!(channel.len(), 2);
}

#[tokio::test]
async fn schedules_and_take_downs_follow_the_clock_without_a_job() {
    let n = newsroom().await;
    let soon = json!({ "status": "published", "published_at": at(3) });
    let id = n.make(&n.editor, "soon", soon).await;
    let path = p(id);
    assert_eq!(n.status_of(&path, None).await, 404, "scheduled");
    let (_, a) = n.get_as(&path, Some(&n.editor)).await;
    let live_at = chrono::DateTime::parse_from_rfc3339(a["published_at"].as_str().unwrap());
    let wait = live_at.unwrap().with_timezone(&chrono::Utc) - chrono::Utc::now();
    tokio::time::sleep(wait.to_std().unwrap_or_default() + std::time::Duration::from_millis(300))
        .await;
    assert_eq!(
        n.status_of(&path, None).await,
        200,
        "live once published_at passed"
    );
    // 下线: an offline_at that has passed takes it down.
    n.edit(&path, json!({ "offline_at": at(0) })).await;
    assert_eq!(n.status_of(&path, None).await, 404);
    assert!(n.public_ids().await.is_empty());
    n.edit(&path, json!({ "offline_at": null })).await;
    assert_eq!(n.status_of(&path, None).await, 200);
    // Archiving hides it; publishing again brings it back with its original time.
    let archived = n.edit(&path, json!({ "status": "archived" })).await;
    assert_eq!(n.status_of(&path, None).await, 404);
    let back = n.edit(&path, json!({ "status": "published" })).await;
    assert_eq!(back["published_at"], archived["published_at"]);
    assert_eq!(n.status_of(&path, None).await, 200);
}

#[tokio::test]
async fn publishing_with_a_past_offline_at_and_no_published_at_is_422() {
    let n = newsroom().await;
    let body = json!({ "title": "t", "category_id": n.cat, "status": "published", "offline_at": at(-3600) });
    let (status, problem) = n.post_json("/api/v1/articles", &n.editor, body).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(field_errors(&problem), ["offline_at"]);
}

#[tokio::test]
async fn role_matrix_for_creating() {
    let n = newsroom().await;
    for (token, status, expected) in [
        (&n.writer, "draft", 201),
        (&n.writer, "published", 403),
        (&n.writer, "archived", 403),
        (&n.editor, "draft", 201),
        (&n.editor, "published", 201),
        (&n.admin, "published", 201),
        (&n.admin, "archived", 201),
    ] {
        let body =
            json!({ "title": format!("as {status}"), "category_id": n.cat, "status": status });
        let (got, res) = n.post_json("/api/v1/articles", token, body).await;
        assert_eq!(got, expected, "{status}: {res}");
        if expected == 403 {
            assert_eq!(res["code"], "forbidden");
        }
    }
    let body = json!({ "title": "anon", "category_id": n.cat });
    let res = n.call("POST", "/api/v1/articles", None, Some(body)).await;
    assert_problem(res, 401, "unauthorized").await;
    assert_eq!(
        n.staff_ids().await.len(),
        5,
        "refused creates stored nothing"
    );
}

#[tokio::test]
async fn role_matrix_for_editing_and_status() {
    let n = newsroom().await;
    let own = n.draft(&n.writer, "own draft").await;
    let others = n.draft(&n.writer2, "other's draft").await;
    let editors = n.draft(&n.editor, "editor's draft").await;
    let own_published = n.draft(&n.writer, "own, then published").await;
    let publish = json!({ "status": "published" });
    n.edit(&p(own_published), publish.clone()).await;
    let editors_published = n.make(&n.editor, "editor's published", publish).await;
    // (who, which article, what change, expected status)
    let cases = [
        ("writer", own, "title w1", 200),
        ("writer", others, "title x", 403),
        ("writer", editors, "title x", 403),
        ("writer", own_published, "title x", 403),
        ("writer", editors_published, "title x", 403),
        ("writer", own, "status published", 403),
        ("writer", own, "status archived", 403),
        ("editor", others, "title e1", 200),
        ("editor", editors, "title e2", 200),
        ("editor", editors_published, "title e3", 200),
        ("editor", own, "status published", 200),
        ("admin", own, "status archived", 200),
        ("admin", editors, "title a1", 200),
        ("admin", own_published, "title a2", 200),
    ];
    for (who, id, change, expected) in cases {
        let token = match who {
            "writer" => &n.writer,
            "editor" => &n.editor,
            _ => &n.admin,
        };
        let (field, value) = change.split_once(' ').unwrap();
        let what = format!("{who} sets {change} on {id}");
        let before = n.get_as(&p(id), Some(&n.editor)).await.1;
        let (status, res) = n.patch_json(&p(id), token, json!({ field: value })).await;
        assert_eq!(status, expected, "{what}: {res}");
        if expected == 403 {
            assert_eq!(res["code"], "forbidden", "{what}");
            let after = n.get_as(&p(id), Some(&n.editor)).await.1;
            assert_eq!(after, before, "{what}: nothing changed");
        }
    }
    let (_, a) = n.get_as(&p(own), Some(&n.editor)).await;
    assert_eq!(
        (a["title"].as_str(), a["status"].as_str()),
        (Some("w1"), Some("archived"))
    );
    assert_eq!(n.title(others).await, "e1");
    assert_eq!(n.title(own_published).await, "a2");
    let anon = json!({ "title": "anon" });
    let res = n.call("PATCH", &p(own), None, Some(anon)).await;
    assert_problem(res, 401, "unauthorized").await;
}

#[tokio::test]
async fn trash_restore_and_purge() {
    let n = newsroom().await;
    let own = n.draft(&n.writer, "own").await;
    let others = n.draft(&n.writer2, "others").await;
    let live = json!({ "status": "published", "published_at": at(-60) });
    let published = n.make(&n.editor, "pub", live).await;
    let nr = &n;
    let restore = |id: i64, token: &str| {
        let token = token.to_owned();
        async move {
            nr.call("POST", &format!("{}/restore", p(id)), Some(&token), None)
                .await
        }
    };
    // Writers trash their own drafts only.
    assert_eq!(n.delete_as(&p(others), &n.writer).await, 403);
    assert_eq!(n.delete_as(&p(published), &n.writer).await, 403);
    assert_eq!(n.delete_as(&p(own), &n.writer).await, 204);
    assert_eq!(
        n.delete_as(&p(own), &n.writer).await,
        404,
        "already in the trash"
    );
    assert_eq!(n.delete_as(&p(published), &n.editor).await, 204);
    let res = n.call("DELETE", &p(others), None, None).await;
    assert_problem(res, 401, "unauthorized").await;
    // Gone from every list and from the public, kept for staff and in the trash.
    assert!(n.public_ids().await.is_empty());
    assert_eq!(n.staff_ids().await, [others]);
    assert_eq!(n.status_of(&p(published), None).await, 404);
    let (status, trashed) = n.get_as(&p(published), Some(&n.editor)).await;
    assert_eq!(status, 200);
    assert!(trashed["deleted_at"].is_string());
    let (status, trash) = n.get_as("/api/v1/trash/articles", Some(&n.writer)).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&trash), [published, own], "most recently trashed first");
    assert!(trash["data"][0]["deleted_at"].is_string());
    assert_eq!(n.status_of("/api/v1/trash/articles", None).await, 401);
    let (status, _) = n
        .patch_json(&p(own), &n.writer, json!({ "title": "x" }))
        .await;
    assert_eq!(status, 404, "a trashed article cannot be edited");
    // Restore.
    let res = restore(published, &n.editor).await;
    assert_eq!(res.status(), 200);
    let restored: Value = res.json().await.unwrap();
    assert_eq!(restored["deleted_at"], Value::Null);
    assert_eq!(n.public_ids().await, [published]);
    assert_problem(restore(published, &n.editor).await, 409, "conflict").await;
    // Editors and admins trash anything and bring it back; writers do not restore theirs.
    let editors = n.draft(&n.editor, "editor's").await;
    assert_eq!(n.delete_as(&p(editors), &n.editor).await, 204);
    assert_eq!(n.delete_as(&p(others), &n.admin).await, 204);
    assert_problem(restore(editors, &n.writer).await, 403, "forbidden").await;
    assert_eq!(restore(editors, &n.admin).await.status(), 200);
    assert_eq!(restore(others, &n.editor).await.status(), 200);
    assert_eq!(n.delete_as(&p(editors), &n.writer).await, 403);
    // Purge: admins only, trashed articles only.
    let purge = |id: i64| format!("/api/v1/trash/articles/{id}");
    assert_eq!(n.delete_as(&purge(own), &n.writer).await, 403);
    assert_eq!(n.delete_as(&purge(own), &n.editor).await, 403);
    let res = n.call("DELETE", &purge(own), None, None).await;
    assert_problem(res, 401, "unauthorized").await;
    let res = n
        .call("DELETE", &purge(published), Some(&n.admin), None)
        .await;
    assert_problem(res, 409, "conflict").await;
    assert_eq!(n.delete_as(&purge(own), &n.admin).await, 204);
    assert_eq!(n.status_of(&p(own), Some(&n.admin)).await, 404);
    assert_eq!(n.delete_as(&purge(own), &n.admin).await, 404);
    let (_, trash) = n.get_as("/api/v1/trash/articles", Some(&n.editor)).await;
    assert!(ids(&trash).is_empty());
}

#[tokio::test]
async fn every_update_keeps_a_revision_and_restoring_one_keeps_the_replaced_state() {
    let n = newsroom().await;
    let (editor2, editor2_id) = n.staff(Role::Editor).await;
    let first = json!({ "body": "<p>一</p>", "tags": ["甲"] });
    let path = p(n.make(&n.editor, "v1 title", first).await);
    let revisions = format!("{path}/revisions");
    let change = json!({ "title": "v2 title", "tags": ["乙"] });
    let (_, v2) = n.patch_json(&path, &editor2, change).await;
    assert_eq!(v2["version"], 2);
    let (_, v3) = n
        .patch_json(&path, &n.editor, json!({ "body": "<p>三</p>" }))
        .await;
    assert_eq!(v3["version"], 3);
    let (status, revs) = n.get_as(&revisions, Some(&n.writer)).await;
    assert_eq!(status, 200);
    let numbers: Vec<i64> = revs["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_i64().unwrap())
        .collect();
    assert_eq!(
        numbers,
        [2, 1],
        "newest first, numbered by the version they had"
    );
    assert_eq!(revs["data"][1]["title"], "v1 title");
    assert_eq!(
        revs["data"][1]["created_by"]["id"], editor2_id,
        "who replaced it"
    );
    assert!(revs["data"][1]["created_at"].is_string());
    let (status, r1) = n.get_as(&format!("{revisions}/1"), Some(&n.editor)).await;
    assert_eq!(status, 200);
    assert_eq!(r1["number"], 1);
    assert_eq!(r1["article"]["title"], "v1 title");
    assert_eq!(r1["article"]["body"], "<p>一</p>");
    assert_eq!(r1["article"]["tags"], json!(["甲"]));
    // Restore v1: a new version with v1's content; v3 is kept as revision 3.
    let restore = |n_: i32, if_match: &'static str| {
        let req = n
            .post(&format!("{revisions}/{n_}/restore"))
            .bearer_auth(&n.editor);
        req.header("If-Match", if_match).send()
    };
    let res = restore(1, "\"v2\"").await.unwrap();
    assert_problem(res, 412, "precondition_failed").await;
    let res = restore(1, "\"v3\"").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "etag"), "\"v4\"");
    let v4: Value = res.json().await.unwrap();
    assert_eq!(v4["version"], 4);
    assert_eq!(v4["title"], "v1 title");
    assert_eq!(v4["body"], "<p>一</p>");
    assert_eq!(v4["tags"][0]["name"], "甲");
    let (_, revs) = n.get_as(&revisions, Some(&n.editor)).await;
    assert_eq!(revs["meta"]["total"], 3);
    let (_, r3) = n.get_as(&format!("{revisions}/3"), Some(&n.editor)).await;
    assert_eq!(r3["article"]["title"], "v2 title");
    assert_eq!(r3["article"]["body"], "<p>三</p>");
    assert_eq!(r3["article"]["tags"], json!(["乙"]));
    // Unknown revisions and articles; anonymous readers.
    assert_eq!(restore(99, "*").await.unwrap().status(), 404);
    let (unknown, one) = (format!("{revisions}/99"), format!("{revisions}/1"));
    for (path, token, status) in [
        (unknown.as_str(), Some(n.editor.as_str()), 404),
        (
            "/api/v1/articles/999999/revisions",
            Some(n.editor.as_str()),
            404,
        ),
        (revisions.as_str(), None, 401),
        (one.as_str(), None, 401),
    ] {
        assert_eq!(n.status_of(path, token).await, status, "{path}");
    }
    // A writer cannot restore over an editor's article.
    let res = n
        .call(
            "POST",
            &format!("{revisions}/2/restore"),
            Some(&n.writer),
            None,
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    assert_eq!(n.get_as(&path, Some(&n.editor)).await.1["version"], 4);
}
