//! Most-read limits and cache; boards: CRUD, validation, roles, curated entries, computed entries.

use chrono_tz::Asia;
use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::views::{ranked, read_today};

const BOARDS: &str = "/api/v1/rankings";
const FRONT: &str = "/api/v1/rankings/front-page";
const FRONT_ENTRIES: &str = "/api/v1/rankings/front-page/entries";

async fn setup() -> (TestApp, String) {
    let app = spawn_app().await;
    app.seed().await;
    let token = app.token(Role::Editor).await;
    (app, token)
}

/// Requests as one user (or anonymously).
#[derive(Clone, Copy)]
struct As<'a>(&'a TestApp, Option<&'a str>);

impl As<'_> {
    /// Sends a request, asserts success and returns the body.
    async fn ok(self, method: &str, path: &str, body: Value) -> Value {
        let body = (!body.is_null()).then_some(body);
        let (status, json) = status_json(self.0.call(method, path, self.1, body).await).await;
        assert!(status < 300, "{method} {path}: {status} {json}");
        json
    }

    async fn get(self, path: &str) -> Value {
        self.ok("GET", path, Value::Null).await
    }

    /// Sends a request that must fail with this problem; returns its field names.
    async fn fails(
        self,
        method: &str,
        path: &str,
        body: Value,
        status: u16,
        code: &str,
    ) -> Vec<String> {
        let body = (!body.is_null()).then_some(body);
        let res = self.0.call(method, path, self.1, body).await;
        field_errors(&assert_problem(res, status, code).await)
    }
}

async fn most_read(app: &TestApp, query: &str, token: Option<&str>) -> Value {
    As(app, token)
        .get(&format!("/api/v1/rankings/most-read?{query}"))
        .await
}

fn entry_ids(board: &Value) -> Vec<i64> {
    let entries = board["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{board}"));
    entries
        .iter()
        .map(|e| e["article"]["id"].as_i64().unwrap())
        .collect()
}

fn column(board: &Value, key: &str) -> Value {
    board["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[key].clone())
        .collect()
}

#[tokio::test]
async fn limits_are_checked_and_lists_are_cached_for_the_ttl() {
    let (app, token) = setup().await;
    let a = read_today(&app, &token, "shizheng", 2).await;
    let b = read_today(&app, &token, "guonei", 1).await;
    for limit in ["0", "101", "-1", "ten"] {
        let path = format!("/api/v1/rankings/most-read?limit={limit}");
        let code = "validation_failed";
        let fields = As(&app, None)
            .fails("GET", &path, Value::Null, 400, code)
            .await;
        assert_eq!(fields, ["limit"], "{limit}");
    }
    let body = most_read(&app, "window=day&limit=1", None).await;
    assert_eq!(ranked(&body["data"]), vec![(a, 2)]);
    most_read(&app, "window=day&limit=100", None).await;

    let day = "/api/v1/rankings/most-read?window=day";
    let res = app.get(day).send().await.unwrap();
    let cache_control = header(&res, "cache-control");
    let max_age = cache_control.strip_prefix("public, max-age=");
    let max_age = max_age
        .and_then(|v| v.split(',').next())
        .map(str::parse::<u64>);
    assert!(matches!(max_age, Some(Ok(50..=60))), "{cache_control}");
    let etag = header(&res, "etag");
    let first: Value = res.json().await.unwrap();
    assert_eq!(ranked(&first["data"]), vec![(a, 2), (b, 1)]);
    // New views reach the database, but the list is the cached one until the TTL passes.
    let ua = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0";
    for v in ["x", "y"] {
        let res = app.beacon(&b.to_string(), Some(v), ua).await;
        assert_eq!(res.status(), 204);
    }
    let q = format!("SELECT view_count AS n FROM articles WHERE id = {b}");
    assert_eq!(app.wait_for_i64(&q, 2).await, 2);
    let second = most_read(&app, "window=day", None).await;
    let generated = &first["meta"]["generated_at"];
    assert_eq!(&second["meta"]["generated_at"], generated);
    assert_eq!(second["data"], first["data"]);
    let res = app.get(day).header("if-none-match", &etag);
    assert_eq!(res.send().await.unwrap().status(), 304);
    let res = app.get(day).bearer_auth(&token).send().await.unwrap();
    assert_eq!(header(&res, "cache-control"), "private, no-store");
    // Another key is computed afresh.
    let other = most_read(&app, "window=day&limit=5", None).await;
    assert_eq!(ranked(&other["data"]), vec![(b, 3), (a, 2)]);
    assert_ne!(&other["meta"]["generated_at"], generated);
}

#[tokio::test]
async fn boards_are_created_listed_changed_and_deleted() {
    let (app, token) = setup().await;
    let (anon, ed) = (As(&app, None), As(&app, Some(&token)));
    let body = json!({ "title": "头条", "slug": "front-page", "kind": "curated", "size": 3,
                       "description": "首页头条", "position": 5 });
    let res = app.call("POST", BOARDS, ed.1, Some(body)).await;
    assert_eq!(res.status(), 201);
    assert_eq!(header(&res, "location"), FRONT);
    let board: Value = res.json().await.unwrap();
    assert_eq!(board["slug"], "front-page");
    assert_eq!(board["kind"], "curated");
    assert_eq!(board["size"], 3);
    assert_eq!(board["entries"], json!([]));
    assert!(board["window"].is_null() && board["category_id"].is_null());
    let by_id = anon.get(&format!("{BOARDS}/{}", board["id"])).await;
    assert_eq!(by_id["slug"], "front-page");
    assert_eq!(by_id["description"], "首页头条");
    for (title, slug, position) in [("乙", "second", 7), ("甲", "first", 6)] {
        let b = json!({ "title": title, "slug": slug, "kind": "curated", "position": position });
        ed.ok("POST", BOARDS, b).await;
    }
    let res = app.get(BOARDS).send().await.unwrap();
    assert!(header(&res, "cache-control").starts_with("public, max-age="));
    let list: Value = res.json().await.unwrap();
    let list = list["data"].as_array().unwrap().iter();
    let slugs = list.filter_map(|b| b["slug"].as_str());
    let mine: Vec<&str> = slugs
        .filter(|s| ["front-page", "first", "second"].contains(s))
        .collect();
    assert_eq!(mine, ["front-page", "first", "second"], "by position");

    let changed = ed
        .ok("PATCH", FRONT, json!({ "title": "要闻", "position": 2 }))
        .await;
    assert_eq!(changed["title"], "要闻");
    assert_eq!(changed["position"], 2);
    assert_eq!(changed["slug"], "front-page");
    let dup = json!({ "title": "T", "slug": "front-page", "kind": "curated" });
    ed.fails("POST", BOARDS, dup, 409, "conflict").await;
    ed.fails("PATCH", FRONT, json!({ "slug": "first" }), 409, "conflict")
        .await;

    // Generated slugs: from the title, unique, never the reserved `most-read`.
    let mut slugs = Vec::new();
    for body in [
        json!({ "title": "Top Stories", "kind": "curated" }),
        json!({ "title": "Top Stories", "kind": "curated" }),
        json!({ "title": "Most Read", "kind": "most_read", "window": "day" }),
        json!({ "title": "点击排行", "kind": "most_read", "window": "week" }),
    ] {
        let created = ed.ok("POST", BOARDS, body).await;
        let slug = created["slug"].as_str().unwrap().to_owned();
        let ok = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-';
        assert!(
            slug.bytes().all(ok) && (1..=64).contains(&slug.len()),
            "{slug}"
        );
        slugs.push(slug);
    }
    assert_eq!(slugs[0], "top-stories");
    assert_ne!(slugs[1], slugs[0]);
    assert_ne!(slugs[2], "most-read");
    let adhoc = most_read(&app, "", None).await;
    assert_eq!(
        adhoc["meta"]["window"], "week",
        "`most-read` is the ad hoc list"
    );

    assert_eq!(app.delete_as(FRONT, &token).await, 204);
    assert_eq!(app.get_as(FRONT, None).await.0, 404);
    assert_eq!(app.delete_as(FRONT, &token).await, 404);
    ed.fails("PATCH", FRONT, json!({ "size": 5 }), 404, "not_found")
        .await;
}

#[tokio::test]
async fn board_fields_are_validated() {
    let (app, token) = setup().await;
    let ed = As(&app, Some(&token));
    let heihe = app.category_id("heihe").await;
    let unknown = 987_654;
    #[rustfmt::skip]
    let cases = [
        (json!({ "title": "", "kind": "curated" }), "title"),
        (json!({ "title": "   ", "kind": "curated" }), "title"),
        (json!({ "title": "长".repeat(65), "kind": "curated" }), "title"),
        (json!({ "title": "T", "slug": "most-read", "kind": "curated" }), "slug"),
        (json!({ "title": "T", "slug": "Bad Slug", "kind": "curated" }), "slug"),
        (json!({ "title": "T", "slug": "2024", "kind": "curated" }), "slug"),
        (json!({ "title": "T", "kind": "most_read" }), "window"),
        (json!({ "title": "T", "kind": "curated", "window": "week" }), "window"),
        (json!({ "title": "T", "kind": "curated", "category_id": heihe }), "category_id"),
        (json!({ "title": "T", "kind": "curated", "size": 0 }), "size"),
        (json!({ "title": "T", "kind": "curated", "size": 101 }), "size"),
        (json!({ "title": "T", "kind": "most_read", "window": "day", "category_id": unknown }), "category_id"),
    ];
    let code = "validation_failed";
    for (body, field) in cases {
        let fields = ed.fails("POST", BOARDS, body.clone(), 422, code).await;
        assert!(fields.contains(&field.to_owned()), "{body} → {fields:?}");
    }
    let front = json!({ "title": "头条", "slug": "front-page", "kind": "curated" });
    ed.ok("POST", BOARDS, front).await;
    for (body, field) in [
        (json!({ "slug": "most-read" }), "slug"),
        (json!({ "window": "day" }), "window"),
        (json!({ "category_id": heihe }), "category_id"),
        (json!({ "size": 101 }), "size"),
        (json!({ "title": "" }), "title"),
    ] {
        let fields = ed.fails("PATCH", FRONT, body.clone(), 422, code).await;
        assert!(fields.contains(&field.to_owned()), "{body} → {fields:?}");
    }
    let board = As(&app, None).get(FRONT).await;
    assert_eq!(board["title"], "头条");
    assert_eq!(board["size"], 10);
    assert!(board["window"].is_null() && board["category_id"].is_null());
}

#[tokio::test]
async fn only_editors_and_admins_change_boards() {
    let (app, editor) = setup().await;
    let writer = app.token(Role::Writer).await;
    let admin = app.token(Role::Admin).await;
    let (anon, w) = (As(&app, None), As(&app, Some(&writer)));
    let body = json!({ "title": "推荐", "slug": "front-page", "kind": "curated" });
    anon.fails("POST", BOARDS, body.clone(), 401, "unauthorized")
        .await;
    w.fails("POST", BOARDS, body.clone(), 403, "forbidden")
        .await;
    As(&app, Some(&admin)).ok("POST", BOARDS, body).await;
    let a = app.publish_in(&editor, "shizheng", "A").await;
    let (patch, put) = (json!({ "size": 5 }), json!([{ "article_id": a }]));
    for (who, status, code) in [(w, 403, "forbidden"), (anon, 401, "unauthorized")] {
        who.fails("PATCH", FRONT, patch.clone(), status, code).await;
        who.fails("DELETE", FRONT, Value::Null, status, code).await;
        who.fails("PUT", FRONT_ENTRIES, put.clone(), status, code)
            .await;
    }
    let board = anon.get(FRONT).await;
    assert_eq!(board["size"], 10);
    assert_eq!(board["entries"], json!([]));
    assert_eq!(app.delete_as(FRONT, &editor).await, 204);
}

#[tokio::test]
async fn curated_boards_keep_the_order_and_time_windows() {
    let (app, token) = setup().await;
    let (anon, ed) = (As(&app, None), As(&app, Some(&token)));
    let mut made = Vec::new();
    for title in ["A", "B", "C", "D", "F"] {
        made.push(app.publish_in(&token, "shizheng", title).await);
    }
    let [a, b, c, d, f] = made[..] else {
        unreachable!()
    };
    let draft = json!({ "title": "E", "category_id": app.category_id("lilun").await });
    let e = app.create_article(&token, draft).await["id"]
        .as_i64()
        .unwrap();
    let trash = format!("/api/v1/articles/{f}");
    assert_eq!(app.delete_as(&trash, &token).await, 204);
    let front = json!({ "title": "头条", "slug": "front-page", "kind": "curated" });
    ed.ok("POST", BOARDS, front).await;
    let list = json!([
        { "article_id": c },
        { "article_id": a, "note": "编者按", "starts_at": at(-60), "ends_at": at(3600) },
        { "article_id": b, "starts_at": at(3600) },
        { "article_id": d, "ends_at": at(-60) },
        { "article_id": e },
        { "article_id": f },
    ]);
    let res = app.call("PUT", FRONT_ENTRIES, ed.1, Some(list)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "cache-control"), "private, no-store");
    let staff: Value = res.json().await.unwrap();
    assert_eq!(entry_ids(&staff), vec![c, a, b, d, e, f]);
    let active = json!([true, true, false, false, false, false]);
    assert_eq!(column(&staff, "active"), active);
    assert_eq!(column(&staff, "rank"), json!([1, 2, 3, 4, 5, 6]));
    assert!(staff["entries"][2]["starts_at"].is_string());
    assert!(staff["entries"][3]["ends_at"].is_string());
    assert_eq!(staff["entries"][1]["note"], "编者按");
    assert_eq!(entry_ids(&ed.get(FRONT).await), vec![c, a, b, d, e, f]);

    let public = anon.get(FRONT).await;
    assert_eq!(entry_ids(&public), vec![c, a], "{public}");
    assert_eq!(column(&public, "rank"), json!([1, 2]));
    assert_eq!(public["entries"][1]["note"], "编者按");
    for key in ["active", "starts_at", "ends_at"] {
        assert!(
            public["entries"][1].get(key).is_none(),
            "{key} is for staff"
        );
    }
    // A new order replaces the old one; the size caps what the public sees.
    let list = json!([
        { "article_id": b, "starts_at": at(3600) },
        { "article_id": a },
        { "article_id": c },
    ]);
    ed.ok("PUT", FRONT_ENTRIES, list).await;
    assert_eq!(entry_ids(&anon.get(FRONT).await), vec![a, c]);
    let patched = ed.ok("PATCH", FRONT, json!({ "size": 1 })).await;
    assert_eq!(entry_ids(&patched), vec![b, a, c], "staff see every entry");
    assert_eq!(entry_ids(&anon.get(FRONT).await), vec![a]);
}

#[tokio::test]
async fn bad_entries_change_nothing() {
    let (app, token) = setup().await;
    let ed = As(&app, Some(&token));
    let a = app.publish_in(&token, "shizheng", "A").await;
    let b = app.publish_in(&token, "shizheng", "B").await;
    let front = json!({ "title": "头条", "slug": "front-page", "kind": "curated" });
    ed.ok("POST", BOARDS, front).await;
    let two = json!([{ "article_id": a }, { "article_id": b }]);
    ed.ok("PUT", FRONT_ENTRIES, two).await;
    let too_many: Vec<Value> = (1..=101).map(|i| json!({ "article_id": i })).collect();
    let (soon, sooner) = (at(100), at(50));
    #[rustfmt::skip]
    let cases = [
        (json!([{ "article_id": b }, { "article_id": a }, { "article_id": b }]), "[2].article_id"),
        (json!([{ "article_id": b }, { "article_id": 987_654 }]), "[1].article_id"),
        (json!([{ "article_id": b, "starts_at": soon, "ends_at": sooner }]), "[0].ends_at"),
        (json!([{ "article_id": b, "note": "注".repeat(201) }]), "[0].note"),
        (Value::Array(too_many), "entries"),
    ];
    for (body, field) in cases {
        let code = "validation_failed";
        let fields = ed.fails("PUT", FRONT_ENTRIES, body, 422, code).await;
        assert!(fields.contains(&field.to_owned()), "{field}: {fields:?}");
        let board = ed.get(FRONT).await;
        assert_eq!(entry_ids(&board), vec![a, b], "unchanged after {field}");
    }
    let nowhere = "/api/v1/rankings/no-such-board/entries";
    ed.fails("PUT", nowhere, json!([]), 404, "not_found").await;
    let computed =
        json!({ "title": "点击", "slug": "mr-day", "kind": "most_read", "window": "day" });
    ed.ok("POST", BOARDS, computed).await;
    let path = "/api/v1/rankings/mr-day/entries";
    ed.fails("PUT", path, json!([{ "article_id": a }]), 409, "conflict")
        .await;
    let cleared = ed.ok("PUT", FRONT_ENTRIES, json!([])).await;
    assert_eq!(cleared["entries"], json!([]));
    assert_eq!(ed.get(FRONT).await["entries"], json!([]));
}

#[tokio::test]
async fn most_read_boards_compute_their_entries() {
    let (app, token) = setup().await;
    let ed = As(&app, Some(&token));
    let s1 = read_today(&app, &token, "shizheng", 30).await;
    let s2 = read_today(&app, &token, "shizheng", 10).await;
    app.daily_views(s2, today_in(Asia::Shanghai), 10, 100).await;
    let g = read_today(&app, &token, "guonei", 50).await;
    let shizheng = app.category_id("shizheng").await;
    let body = json!({ "title": "黑河时政排行", "slug": "shizheng-top", "kind": "most_read",
                       "window": "week", "category_id": shizheng, "size": 5 });
    let board = ed.ok("POST", BOARDS, body).await;
    assert_eq!(board["window"], "week");
    assert_eq!(board["category_id"], shizheng);
    assert_eq!(ranked(&board["entries"]), vec![(s1, 30), (s2, 10)]);
    let body = json!({ "title": "点击排行", "slug": "site-top", "kind": "most_read",
                       "window": "week", "size": 2 });
    ed.ok("POST", BOARDS, body).await;
    let site = As(&app, None).get("/api/v1/rankings/site-top").await;
    assert_eq!(
        ranked(&site["entries"]),
        vec![(g, 50), (s1, 30)],
        "size caps it"
    );
    let path = "/api/v1/rankings/shizheng-top";
    let month = ed.ok("PATCH", path, json!({ "window": "month" })).await;
    assert_eq!(ranked(&month["entries"]), vec![(s2, 110), (s1, 30)]);
}

#[tokio::test]
async fn a_board_titled_with_digits_is_reachable_at_its_location() {
    let (app, token) = setup().await;
    let body = json!({ "title": "2024", "kind": "curated" });
    let res = app.call("POST", BOARDS, Some(&token), Some(body)).await;
    assert_eq!(res.status(), 201);
    let location = header(&res, "location");
    let board: Value = res.json().await.unwrap();
    let (status, found) = app.get_as(&location, None).await;
    assert_eq!(status, 200, "{location}: {found}");
    assert_eq!(found["id"], board["id"]);
}
