//! Users (issue 6): the admin API, role changes and disabling on the very next request,
//! password resets, the last active admin, and `PATCH /auth/me`.

use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;

const USERS: &str = "/api/v1/users";
const NEW_PASSWORD: &str = "a-brand-new-password";

fn user_path(id: i64) -> String {
    format!("{USERS}/{id}")
}

/// An app with one admin (the only one).
async fn setup() -> (TestApp, String) {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin).await;
    (app, admin)
}

/// Creates a user through the API (asserting 201) and returns it.
async fn create(app: &TestApp, admin: &str, email: &str, role: &str) -> Value {
    let body = json!({ "email": email, "role": role, "password": PASSWORD });
    let (status, created) = app.post_json(USERS, admin, body).await;
    assert_eq!(status, 201, "{created}");
    created
}

/// Logs in (asserting 200) and returns (access token, refresh token).
async fn session(app: &TestApp, email: &str, password: &str) -> (String, String) {
    let res = app.login(email, password).await;
    assert_eq!(res.status(), 200, "login {email}");
    let body: Value = res.json().await.unwrap();
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

async fn refresh(app: &TestApp, refresh_token: &str) -> u16 {
    let body = json!({ "refresh_token": refresh_token });
    let res = app
        .call("POST", "/api/v1/auth/refresh", None, Some(body))
        .await;
    res.status().as_u16()
}

async fn me_status(app: &TestApp, token: &str) -> u16 {
    app.get_as("/api/v1/auth/me", Some(token)).await.0
}

async fn count_users(app: &TestApp) -> i64 {
    app.sql_i64("SELECT count(*) AS n FROM users").await
}

#[tokio::test]
async fn admins_create_users_who_can_log_in() {
    let (app, admin) = setup().await;
    let res = app
        .post(USERS)
        .bearer_auth(&admin)
        .json(&json!({ "email": "  Li.Ming@Example.COM ", "role": "editor", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let location = header(&res, "location");
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(location, user_path(id));
    assert_eq!(
        created["email"], "li.ming@example.com",
        "stored lower-cased"
    );
    assert_eq!(
        created["display_name"], "Li.Ming",
        "the part before @ by default"
    );
    assert_eq!(created["role"], "editor");
    assert_eq!(created["disabled"], false);
    assert!(created["created_at"].is_string() && created["updated_at"].is_string());
    for secret in ["password", "password_hash", "token_generation"] {
        assert!(created.get(secret).is_none(), "{secret} leaked: {created}");
    }
    // argon2id with the OWASP parameters (m=19 MiB, t=2, p=1).
    let argon = app
        .sql_i64(&format!(
            "SELECT count(*) AS n FROM users WHERE id = {id} \
             AND password_hash LIKE '$argon2id$v=19$m=19456,t=2,p=1$%'"
        ))
        .await;
    assert_eq!(
        argon, 1,
        "the stored hash is argon2id with recommended parameters"
    );
    // The new user logs in (any case of the email) and is an editor.
    let (token, _) = session(&app, "LI.MING@example.com", PASSWORD).await;
    let (status, me) = app.get_as("/api/v1/auth/me", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(
        (me["id"].as_i64(), me["role"].as_str()),
        (Some(id), Some("editor"))
    );
    // GET by id, with a display name given; unknown and malformed ids.
    let (status, got) = app.get_as(&location, Some(&admin)).await;
    assert_eq!(status, 200);
    assert_eq!(got, created);
    let named = json!({ "email": "w@example.com", "role": "writer", "password": PASSWORD, "display_name": " 王小明 " });
    let (status, w) = app.post_json(USERS, &admin, named).await;
    assert_eq!(status, 201, "{w}");
    assert_eq!(w["display_name"], "王小明");
    let res = app
        .call("GET", &user_path(999_999), Some(&admin), None)
        .await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .call("GET", "/api/v1/users/abc", Some(&admin), None)
        .await;
    assert_problem(res, 400, "validation_failed").await;
}

#[tokio::test]
async fn the_list_filters_by_role_disabled_and_text_and_pages() {
    let (app, admin) = setup().await;
    let mut editors = Vec::new();
    for i in 0..3 {
        let u = create(&app, &admin, &format!("editor{i}@example.com"), "editor").await;
        editors.push(u["id"].as_i64().unwrap());
    }
    let body = json!({ "email": "zhang@newsroom.cn", "display_name": "张编辑 Zhang", "role": "writer", "password": PASSWORD });
    let (_, zhang) = app.post_json(USERS, &admin, body).await;
    let zhang = zhang["id"].as_i64().unwrap();
    let off = create(&app, &admin, "gone@example.com", "writer").await["id"]
        .as_i64()
        .unwrap();
    let (status, _) = app
        .patch_json(&user_path(off), &admin, json!({ "disabled": true }))
        .await;
    assert_eq!(status, 200);
    let list = |query: &'static str| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let (status, body) = app.get_as(&format!("{USERS}{query}"), Some(&admin)).await;
            assert_eq!(status, 200, "{query}: {body}");
            body
        }
    };
    let all = list("").await;
    assert_eq!(all["meta"]["total"], 6, "{all}");
    assert_eq!(ids(&list("?role=editor").await), editors);
    assert_eq!(ids(&list("?disabled=true").await), [off]);
    assert_eq!(ids(&list("?disabled=false&role=writer").await), [zhang]);
    assert_eq!(ids(&list("?q=ZHANG").await), [zhang], "email, any case");
    assert_eq!(
        ids(&list("?q=%E5%BC%A0%E7%BC%96").await),
        [zhang],
        "display name 张编"
    );
    assert_eq!(ids(&list("?q=nobody").await), Vec::<i64>::new());
    // LIKE wildcards are matched literally.
    assert_eq!(ids(&list("?q=%25").await), Vec::<i64>::new());
    assert_eq!(ids(&list("?q=_").await), Vec::<i64>::new());
    let res = app.get(USERS).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(header(&res, "cache-control"), "private, no-store");
    let page2 = list("?per_page=2&page=2").await;
    assert_eq!(ids(&page2).len(), 2);
    assert_eq!(page2["meta"]["page"], 2);
    assert_eq!(page2["meta"]["per_page"], 2);
    assert_eq!(page2["meta"]["total"], 6);
    assert_eq!(page2["meta"]["total_pages"], 3);
    let all_ids = ids(&all);
    assert_eq!(ids(&page2), all_ids[2..4]);
    // Keyset paging with the cursor of the first page.
    let first = list("?per_page=4").await;
    let cursor = first["meta"]["next_cursor"].as_str().unwrap().to_owned();
    let (status, rest) = app
        .get_as(&format!("{USERS}?per_page=4&cursor={cursor}"), Some(&admin))
        .await;
    assert_eq!(status, 200, "{rest}");
    assert_eq!(ids(&rest), all_ids[4..]);
    assert_eq!(rest["meta"]["next_cursor"], Value::Null);
    // Bad filters are 400.
    for query in ["?role=boss", "?disabled=maybe", "?per_page=0"] {
        let res = app
            .call("GET", &format!("{USERS}{query}"), Some(&admin), None)
            .await;
        assert_eq!(res.status(), 400, "{query}");
    }
}

#[tokio::test]
async fn invalid_users_are_refused_and_nothing_is_created() {
    let (app, admin) = setup().await;
    let before = count_users(&app).await;
    let ok = json!({ "email": "good@example.com", "role": "writer", "password": PASSWORD });
    let cases = [
        (json!({ "email": "not-an-email" }), "email"),
        (json!({ "email": "nobody@localhost" }), "email"),
        (json!({ "email": "two words@example.com" }), "email"),
        (json!({ "email": "" }), "email"),
        (
            json!({ "email": format!("{}@example.com", "a".repeat(250)) }),
            "email",
        ),
        (json!({ "password": "short" }), "password"),
        (json!({ "password": "123456789" }), "password"),
        (json!({ "password": "Good@Example.com" }), "password"),
        (json!({ "password": "x".repeat(1025) }), "password"),
        (json!({ "display_name": "长".repeat(65) }), "display_name"),
        (json!({ "display_name": "   " }), "display_name"),
        (json!({ "role": "owner" }), "role"),
        (json!({ "is_admin": true }), "is_admin"),
    ];
    for (change, field) in cases {
        let body = merge(ok.clone(), change.clone());
        let res = app.call("POST", USERS, Some(&admin), Some(body)).await;
        assert_eq!(res.status(), 422, "{change}");
        let problem = assert_problem(res, 422, "validation_failed").await;
        let fields = field_errors(&problem);
        assert!(
            fields.iter().any(|f| f.contains(field)),
            "{change}: {fields:?} should name {field}"
        );
    }
    let mut missing = ok.clone();
    missing.as_object_mut().unwrap().remove("password");
    let res = app.call("POST", USERS, Some(&admin), Some(missing)).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(field_errors(&problem), ["password"]);
    let res = app
        .post(USERS)
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "validation_failed").await;
    assert_eq!(count_users(&app).await, before, "nothing was created");
    // Updates are checked too.
    let id = create(&app, &admin, "fine@example.com", "writer").await["id"]
        .as_i64()
        .unwrap();
    for (body, field) in [
        (json!({ "display_name": "x".repeat(65) }), "display_name"),
        (json!({ "password": "short" }), "password"),
        (json!({ "password": "FINE@example.com" }), "password"),
        (json!({ "role": "owner" }), "role"),
        (json!({ "email": "other@example.com" }), "email"),
    ] {
        let res = app
            .call("PATCH", &user_path(id), Some(&admin), Some(body.clone()))
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert!(
            field_errors(&problem).iter().any(|f| f.contains(field)),
            "{body}"
        );
    }
    let (_, u) = app.get_as(&user_path(id), Some(&admin)).await;
    assert_eq!(u["display_name"], "fine");
    assert_eq!(u["role"], "writer");
    session(&app, "fine@example.com", PASSWORD).await;
}

/// Addresses that look almost right are refused too (kept apart so that the cases above run).
#[tokio::test]
async fn malformed_email_addresses_are_422() {
    let (app, admin) = setup().await;
    let before = count_users(&app).await;
    for email in [
        "two@@example.com",
        "dot@example.",
        "@example.com",
        "dots@.example.com",
    ] {
        let body = json!({ "email": email, "role": "writer", "password": PASSWORD });
        let res = app.call("POST", USERS, Some(&admin), Some(body)).await;
        assert_eq!(res.status(), 422, "{email} was accepted");
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), ["email"]);
    }
    assert_eq!(count_users(&app).await, before, "nothing was created");
}

#[tokio::test]
async fn a_taken_email_is_409_whatever_its_case() {
    let (app, admin) = setup().await;
    create(&app, &admin, "desk@example.com", "writer").await;
    let before = count_users(&app).await;
    for email in ["desk@example.com", "DESK@Example.com", " desk@example.com "] {
        let body = json!({ "email": email, "role": "editor", "password": PASSWORD });
        let res = app.call("POST", USERS, Some(&admin), Some(body)).await;
        assert_problem(res, 409, "conflict").await;
    }
    assert_eq!(count_users(&app).await, before);
}

#[tokio::test]
async fn role_changes_apply_to_the_next_request_with_the_same_token() {
    let app = spawn_app().await;
    app.seed().await;
    let admin = app.token(Role::Admin).await;
    let cat = app.category_id("shehui").await;
    let published = json!({ "title": "快讯", "category_id": cat, "status": "published" });
    let w = create(&app, &admin, "riser@example.com", "writer").await;
    let e = create(&app, &admin, "faller@example.com", "editor").await;
    let (riser, _) = session(&app, "riser@example.com", PASSWORD).await;
    let (faller, _) = session(&app, "faller@example.com", PASSWORD).await;
    let (status, _) = app
        .post_json("/api/v1/articles", &riser, published.clone())
        .await;
    assert_eq!(status, 403, "a writer cannot publish");
    // Promote the writer, demote the editor: their current tokens follow at once.
    let id = |u: &Value| u["id"].as_i64().unwrap();
    let (status, up) = app
        .patch_json(&user_path(id(&w)), &admin, json!({ "role": "editor" }))
        .await;
    assert_eq!((status, up["role"].as_str()), (200, Some("editor")));
    let (status, down) = app
        .patch_json(&user_path(id(&e)), &admin, json!({ "role": "writer" }))
        .await;
    assert_eq!((status, down["role"].as_str()), (200, Some("writer")));
    let (status, body) = app
        .post_json("/api/v1/articles", &riser, published.clone())
        .await;
    assert_eq!(
        status, 201,
        "promoted: publishes with the old token: {body}"
    );
    let before = app.sql_i64("SELECT count(*) AS n FROM articles").await;
    let (status, body) = app.post_json("/api/v1/articles", &faller, published).await;
    assert_eq!(status, 403, "demoted: refused with the old token: {body}");
    assert_eq!(
        app.sql_i64("SELECT count(*) AS n FROM articles").await,
        before
    );
    let (_, me) = app.get_as("/api/v1/auth/me", Some(&faller)).await;
    assert_eq!(me["role"], "writer");
    let draft = json!({ "title": "草稿", "category_id": cat });
    let (status, _) = app.post_json("/api/v1/articles", &faller, draft).await;
    assert_eq!(status, 201, "still a writer");
    // An admin demoted (while another admin remains) loses /users at once.
    let second = create(&app, &admin, "second-admin@example.com", "admin").await;
    let (second_token, _) = session(&app, "second-admin@example.com", PASSWORD).await;
    assert_eq!(app.get_as(USERS, Some(&second_token)).await.0, 200);
    let (status, _) = app
        .patch_json(&user_path(id(&second)), &admin, json!({ "role": "editor" }))
        .await;
    assert_eq!(status, 200);
    let res = app.call("GET", USERS, Some(&second_token), None).await;
    assert_problem(res, 403, "forbidden").await;
}

#[tokio::test]
async fn disabling_locks_a_user_out_at_once_and_enabling_lets_them_log_in_again() {
    let (app, admin) = setup().await;
    let u = create(&app, &admin, "leaver@example.com", "editor").await;
    let id = u["id"].as_i64().unwrap();
    let (access, refresh_token) = session(&app, "leaver@example.com", PASSWORD).await;
    let (access2, refresh2) = session(&app, "leaver@example.com", PASSWORD).await;
    assert_eq!(me_status(&app, &access).await, 200);
    let (status, body) = app
        .patch_json(&user_path(id), &admin, json!({ "disabled": true }))
        .await;
    assert_eq!(
        (status, body["disabled"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    for token in [&access, &access2] {
        let res = app.call("GET", "/api/v1/auth/me", Some(token), None).await;
        assert_problem(res, 401, "unauthorized").await;
        let res = app
            .call("GET", "/api/v1/categories", Some(token), None)
            .await;
        assert_problem(res, 401, "unauthorized").await;
    }
    assert_eq!(refresh(&app, &refresh_token).await, 401);
    assert_eq!(refresh(&app, &refresh2).await, 401);
    let res = app.login("leaver@example.com", PASSWORD).await;
    assert_problem(res, 401, "unauthorized").await;
    let (_, disabled) = app
        .get_as(&format!("{USERS}?disabled=true"), Some(&admin))
        .await;
    assert_eq!(ids(&disabled), [id]);
    // Enabled again: they log in; the tokens they held before stay dead.
    let (status, body) = app
        .patch_json(&user_path(id), &admin, json!({ "disabled": false }))
        .await;
    assert_eq!((status, body["disabled"].as_bool()), (200, Some(false)));
    let (fresh, fresh_refresh) = session(&app, "leaver@example.com", PASSWORD).await;
    assert_eq!(me_status(&app, &fresh).await, 200);
    assert_eq!(refresh(&app, &fresh_refresh).await, 200);
    assert_eq!(
        me_status(&app, &access).await,
        401,
        "disabling ended that session"
    );
    assert_eq!(refresh(&app, &refresh_token).await, 401);
}

#[tokio::test]
async fn a_password_reset_by_an_admin_ends_the_users_sessions() {
    let (app, admin) = setup().await;
    let u = create(&app, &admin, "forgetful@example.com", "writer").await;
    let id = u["id"].as_i64().unwrap();
    let (access, refresh_token) = session(&app, "forgetful@example.com", PASSWORD).await;
    let (status, body) = app
        .patch_json(&user_path(id), &admin, json!({ "password": NEW_PASSWORD }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("password").is_none());
    let res = app.login("forgetful@example.com", PASSWORD).await;
    assert_problem(res, 401, "unauthorized").await;
    assert_eq!(
        refresh(&app, &refresh_token).await,
        401,
        "old sessions are over"
    );
    assert_eq!(me_status(&app, &access).await, 401);
    let (fresh, _) = session(&app, "forgetful@example.com", NEW_PASSWORD).await;
    assert_eq!(me_status(&app, &fresh).await, 200);
    let argon = app
        .sql_i64(&format!(
            "SELECT count(*) AS n FROM users WHERE id = {id} AND password_hash LIKE '$argon2id$%'"
        ))
        .await;
    assert_eq!(argon, 1);
    let res = app
        .call(
            "PATCH",
            &user_path(999_999),
            Some(&admin),
            Some(json!({ "password": NEW_PASSWORD })),
        )
        .await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_disabled_or_deleted() {
    let (app, admin) = setup().await;
    let (_, me) = app.get_as("/api/v1/auth/me", Some(&admin)).await;
    let first = me["id"].as_i64().unwrap();
    let state = |id: i64| {
        let app = &app;
        async move {
            app.sql_i64(&format!(
                "SELECT (CASE WHEN role = 'admin' THEN 10 ELSE 0 END + CASE WHEN disabled THEN 1 ELSE 0 END)::bigint AS n FROM users WHERE id = {id}"
            ))
            .await
        }
    };
    let refuse_all = |target: i64, actor: String| {
        let app = &app;
        async move {
            for (method, body) in [
                ("PATCH", Some(json!({ "role": "editor" }))),
                ("PATCH", Some(json!({ "role": "writer" }))),
                ("PATCH", Some(json!({ "disabled": true }))),
                ("PATCH", Some(json!({ "disabled": true, "role": "admin" }))),
                ("DELETE", None),
            ] {
                let what = format!("{method} {body:?}");
                let res = app
                    .call(method, &user_path(target), Some(&actor), body)
                    .await;
                let problem = assert_problem(res, 409, "conflict").await;
                assert!(
                    problem["detail"].as_str().unwrap().contains("admin"),
                    "{what}: {problem}"
                );
            }
        }
    };
    refuse_all(first, admin.clone()).await;
    assert_eq!(state(first).await, 10, "still an active admin");
    assert_eq!(me_status(&app, &admin).await, 200);
    // A disabled admin does not count.
    let sleeper = create(&app, &admin, "sleeper@example.com", "admin").await["id"]
        .as_i64()
        .unwrap();
    let (status, _) = app
        .patch_json(&user_path(sleeper), &admin, json!({ "disabled": true }))
        .await;
    assert_eq!(status, 200, "another active admin remained");
    refuse_all(first, admin.clone()).await;
    // With a second active admin, the first can go; then the second is the last one.
    let second = create(&app, &admin, "deputy@example.com", "admin").await["id"]
        .as_i64()
        .unwrap();
    let (deputy, _) = session(&app, "deputy@example.com", PASSWORD).await;
    let (status, body) = app
        .patch_json(&user_path(first), &admin, json!({ "role": "editor" }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(state(first).await, 0);
    refuse_all(second, deputy.clone()).await;
    assert_eq!(state(second).await, 10);
    // Promote the first back; now the deputy may be disabled, or deleted.
    let (status, _) = app
        .patch_json(&user_path(first), &deputy, json!({ "role": "admin" }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.delete_as(&user_path(second), &admin).await, 204);
    assert_eq!(
        app.delete_as(&user_path(sleeper), &admin).await,
        204,
        "a disabled admin may go"
    );
    refuse_all(first, admin.clone()).await;
}

#[tokio::test]
async fn users_who_wrote_articles_cannot_be_deleted_others_can() {
    let app = spawn_app().await;
    app.seed().await;
    let admin = app.token(Role::Admin).await;
    let cat = app.category_id("shehui").await;
    let author = create(&app, &admin, "author@example.com", "writer").await["id"]
        .as_i64()
        .unwrap();
    let (token, _) = session(&app, "author@example.com", PASSWORD).await;
    app.create_article(&token, json!({ "title": "稿件", "category_id": cat }))
        .await;
    let res = app
        .call("DELETE", &user_path(author), Some(&admin), None)
        .await;
    let problem = assert_problem(res, 409, "conflict").await;
    assert!(
        problem["detail"].as_str().unwrap().contains('1'),
        "{problem}"
    );
    assert_eq!(app.get_as(&user_path(author), Some(&admin)).await.0, 200);
    assert_eq!(me_status(&app, &token).await, 200);
    // Named only as 责任编辑 of someone else's article: also kept.
    let desk = create(&app, &admin, "desk@example.com", "editor").await["id"]
        .as_i64()
        .unwrap();
    let edited = json!({ "title": "要闻", "category_id": cat, "editor_id": desk });
    app.create_article(&admin, edited).await;
    let res = app
        .call("DELETE", &user_path(desk), Some(&admin), None)
        .await;
    assert_problem(res, 409, "conflict").await;
    assert_eq!(app.get_as(&user_path(desk), Some(&admin)).await.0, 200);
    // Without content: 204, gone, and their token and password stop working.
    let idle = create(&app, &admin, "idle@example.com", "editor").await["id"]
        .as_i64()
        .unwrap();
    let (idle_token, idle_refresh) = session(&app, "idle@example.com", PASSWORD).await;
    assert_eq!(app.delete_as(&user_path(idle), &admin).await, 204);
    let res = app.call("GET", &user_path(idle), Some(&admin), None).await;
    assert_problem(res, 404, "not_found").await;
    assert_eq!(me_status(&app, &idle_token).await, 401);
    assert_eq!(refresh(&app, &idle_refresh).await, 401);
    let res = app.login("idle@example.com", PASSWORD).await;
    assert_problem(res, 401, "unauthorized").await;
    assert_eq!(app.delete_as(&user_path(idle), &admin).await, 404);
}

#[tokio::test]
async fn me_changes_the_display_name_and_the_password_with_the_current_one() {
    let (app, admin) = setup().await;
    create(&app, &admin, "self@example.com", "writer").await;
    let (token, refresh_token) = session(&app, "self@example.com", PASSWORD).await;
    let me = "/api/v1/auth/me";
    let (status, body) = app
        .patch_json(me, &token, json!({ "display_name": " 李记者 " }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["display_name"], "李记者");
    let (_, now) = app.get_as(me, Some(&token)).await;
    assert_eq!(now["display_name"], "李记者", "the token still works");
    // Refused changes: each is a 422 naming the field, and nothing changes.
    let hash_before = app
        .sql_i64("SELECT hashtext(password_hash)::bigint AS n FROM users WHERE email = 'self@example.com'")
        .await;
    for (body, field) in [
        (json!({ "new_password": NEW_PASSWORD }), "current_password"),
        (
            json!({ "current_password": "not-my-password", "new_password": NEW_PASSWORD }),
            "current_password",
        ),
        (
            json!({ "current_password": PASSWORD, "new_password": "short" }),
            "new_password",
        ),
        (
            json!({ "current_password": PASSWORD, "new_password": "SELF@example.com" }),
            "new_password",
        ),
        (json!({ "current_password": PASSWORD }), "new_password"),
        (json!({ "display_name": "长".repeat(65) }), "display_name"),
        (json!({ "display_name": "" }), "display_name"),
        (json!({ "role": "admin" }), "role"),
    ] {
        let res = app
            .call("PATCH", me, Some(&token), Some(body.clone()))
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert!(
            field_errors(&problem).iter().any(|f| f == field),
            "{body}: {problem}"
        );
    }
    let hash_after = app
        .sql_i64("SELECT hashtext(password_hash)::bigint AS n FROM users WHERE email = 'self@example.com'")
        .await;
    assert_eq!(hash_before, hash_after, "the password did not change");
    let (_, now) = app.get_as(me, Some(&token)).await;
    assert_eq!(
        (now["display_name"].as_str(), now["role"].as_str()),
        (Some("李记者"), Some("writer"))
    );
    // A real change: every session ends, the new password works, the old one does not.
    let change = json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD });
    let (status, body) = app.patch_json(me, &token, change).await;
    assert_eq!(status, 200, "{body}");
    let res = app.call("GET", me, Some(&token), None).await;
    assert_problem(res, 401, "unauthorized").await;
    assert_eq!(refresh(&app, &refresh_token).await, 401);
    let res = app.login("self@example.com", PASSWORD).await;
    assert_problem(res, 401, "unauthorized").await;
    let (fresh, _) = session(&app, "self@example.com", NEW_PASSWORD).await;
    assert_eq!(me_status(&app, &fresh).await, 200);
    let argon = app
        .sql_i64("SELECT count(*) AS n FROM users WHERE email = 'self@example.com' AND password_hash LIKE '$argon2id$%'")
        .await;
    assert_eq!(argon, 1);
    let res = app
        .call("PATCH", me, None, Some(json!({ "display_name": "x" })))
        .await;
    assert_problem(res, 401, "unauthorized").await;
}

#[tokio::test]
async fn only_admins_manage_users() {
    let (app, admin) = setup().await;
    let target = create(&app, &admin, "target@example.com", "writer").await["id"]
        .as_i64()
        .unwrap();
    let writer = app.token(Role::Writer).await;
    let editor = app.token(Role::Editor).await;
    let fingerprint =
        "SELECT hashtext(string_agg(u::text, '|' ORDER BY u.id))::bigint AS n FROM users u";
    let before = app.sql_i64(fingerprint).await;
    let new_user = json!({ "email": "sneaky@example.com", "role": "admin", "password": PASSWORD });
    let requests = [
        ("GET", USERS.to_owned(), None),
        ("GET", user_path(target), None),
        ("POST", USERS.to_owned(), Some(new_user)),
        ("PATCH", user_path(target), Some(json!({ "role": "admin" }))),
        ("DELETE", user_path(target), None),
    ];
    for (method, path, body) in &requests {
        for (token, status, code) in [
            (None, 401, "unauthorized"),
            (Some(writer.as_str()), 403, "forbidden"),
            (Some(editor.as_str()), 403, "forbidden"),
        ] {
            let res = app.call(method, path, token, body.clone()).await;
            assert_problem(res, status, code).await;
        }
    }
    assert_eq!(app.sql_i64(fingerprint).await, before, "nothing changed");
}

/// Two admins demoting each other at the same moment: one wins, the other is refused (409, or
/// 403 when it arrives after the winner committed), and one active admin is left: never none,
/// never a server error (e.g. a deadlock between the two transactions' row locks answered 500).
#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let (app, first) = setup().await;
    let (_, me) = app.get_as("/api/v1/auth/me", Some(&first)).await;
    let first_id = me["id"].as_i64().unwrap();
    let second_id = create(&app, &first, "rival@example.com", "admin").await["id"]
        .as_i64()
        .unwrap();
    let (second, _) = session(&app, "rival@example.com", PASSWORD).await;
    let active_admins = "SELECT count(*) AS n FROM users WHERE role = 'admin' AND NOT disabled";
    let (first_path, second_path) = (user_path(first_id), user_path(second_id));
    let mut raced = 0;
    for round in 0..40 {
        let demote = json!({ "role": "editor" });
        let (a, b) = tokio::join!(
            app.patch_json(&second_path, &first, demote.clone()),
            app.patch_json(&first_path, &second, demote),
        );
        let mut statuses = [a.0, b.0];
        statuses.sort_unstable();
        // The loser is refused by the last-admin rule (409), or, when the winner committed
        // before the loser's request was authenticated, as a demoted user (403).
        assert!(
            statuses == [200, 409] || statuses == [200, 403],
            "round {round}: {statuses:?}: {} / {}",
            a.1,
            b.1
        );
        raced += usize::from(statuses[1] == 409);
        assert_eq!(app.sql_i64(active_admins).await, 1, "round {round}");
        // Put the loser back for the next round (the winner is still an admin).
        let (winner, loser) = if a.0 == 200 {
            (&first, second_id)
        } else {
            (&second, first_id)
        };
        let (status, _) = app
            .patch_json(&user_path(loser), winner, json!({ "role": "admin" }))
            .await;
        assert_eq!(status, 200);
    }
    eprintln!("{raced} of 40 rounds reached the last-admin check concurrently");
}
