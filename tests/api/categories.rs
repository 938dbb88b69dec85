use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;

async fn get_json(app: &TestApp, path: &str) -> Value {
    let res = app.get(path).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn the_seeded_tree_is_nested_and_ordered() {
    let app = spawn_app().await;
    app.seed().await;
    let body = get_json(&app, "/api/v1/categories").await;
    assert_eq!(body["meta"]["total"], 15);
    let roots = body["data"].as_array().unwrap();
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0]["name"], "东北网");
    let site = &roots[0]["children"][0];
    assert_eq!(site["name"], "黑河新闻网");
    let names: Vec<&str> = site["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "国内要闻",
            "黑河时政",
            "社会新闻",
            "民生新闻",
            "行业动态",
            "新闻专题",
            "边境旅贸",
            "文体新闻",
            "全市各地",
            "生态黑河",
            "时空黑河",
            "理论",
            "评论"
        ]
    );
    // 理论 and 评论 are channels of their own (the page's "理 论 评 论" is two entries).
    assert_eq!(site["children"][11]["children"], json!([]));
}

#[tokio::test]
async fn flat_list_is_in_tree_order_without_children() {
    let app = spawn_app().await;
    app.seed().await;
    let body = get_json(&app, "/api/v1/categories?flat=true").await;
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 15);
    assert_eq!(data[0]["slug"], "dbw");
    assert_eq!(data[1]["slug"], "heihe");
    assert_eq!(data[2]["slug"], "guonei");
    assert_eq!(data[13]["slug"], "lilun");
    assert_eq!(data[14]["slug"], "pinglun");
    assert_eq!(data[14]["depth"], 3);
    assert!(data.iter().all(|c| c.get("children").is_none()));
}

#[tokio::test]
async fn a_category_by_slug_or_id_has_its_breadcrumb_and_children() {
    let app = spawn_app().await;
    app.seed().await;
    let lilun = get_json(&app, "/api/v1/categories/lilun").await;
    let path: Vec<&str> = lilun["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(path, ["东北网", "黑河新闻网", "理论"]);
    let by_id = get_json(&app, &format!("/api/v1/categories/{}", lilun["id"])).await;
    assert_eq!(by_id, lilun);
    let parent = get_json(&app, "/api/v1/categories/heihe").await;
    assert_eq!(parent["children"][11]["slug"], "lilun");
    assert_eq!(parent["children"].as_array().unwrap().len(), 13);
    for missing in [
        "/api/v1/categories/nope",
        "/api/v1/categories/999999",
        "/api/v1/categories/99999999999999999999999",
    ] {
        assert_problem(app.get(missing).send().await.unwrap(), 404, "not_found").await;
    }
}

#[tokio::test]
async fn create_generates_a_slug_and_answers_201_with_location() {
    let app = spawn_app().await;
    app.seed().await;
    let token = app.token(Role::Editor).await;
    let heihe = get_json(&app, "/api/v1/categories/heihe").await;
    let res = app
        .post("/api/v1/categories")
        .bearer_auth(&token)
        .json(&json!({ "name": "  影音黑河 ", "parent_id": heihe["id"], "position": 20, "description": "视频与音频" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/categories/{}", body["id"]));
    assert_eq!(body["name"], "影音黑河");
    assert_eq!(body["slug"], "ying-yin-hei-he");
    assert_eq!(body["depth"], 3);
    assert_eq!(body["path"][1]["slug"], "heihe");
    assert_eq!(get_json(&app, &location).await["slug"], "ying-yin-hei-he");
    // The same name again gets a distinct slug.
    let (status, again) = app
        .post_json("/api/v1/categories", &token, json!({ "name": "影音黑河" }))
        .await;
    assert_eq!(status, 201);
    assert_eq!(again["slug"], "ying-yin-hei-he-2");
    assert_eq!(again["parent_id"], Value::Null);
}

#[tokio::test]
async fn create_validates_every_field() {
    let app = spawn_app().await;
    app.seed().await;
    let token = app.token(Role::Admin).await;
    let cases = [
        (json!({ "name": "" }), vec!["name"]),
        (json!({ "name": "   " }), vec!["name"]),
        (json!({ "name": "长".repeat(65) }), vec!["name"]),
        (json!({ "name": "ok", "slug": "Not A Slug" }), vec!["slug"]),
        (json!({ "name": "ok", "slug": "" }), vec!["slug"]),
        (
            json!({ "name": "ok", "slug": "a".repeat(65) }),
            vec!["slug"],
        ),
        (
            json!({ "name": "ok", "description": "字".repeat(501) }),
            vec!["description"],
        ),
        (json!({ "name": "", "slug": "BAD" }), vec!["name", "slug"]),
        (
            json!({ "name": "ok", "parent_id": 987654 }),
            vec!["parent_id"],
        ),
    ];
    for (body, fields) in cases {
        let (status, problem) = app
            .post_json("/api/v1/categories", &token, body.clone())
            .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(problem["code"], "validation_failed");
        assert_eq!(field_errors(&problem), fields, "{body}");
    }
    // Depth: a channel under 理论 (depth 3) is at depth 4, the deepest.
    let deepest = app.sub_channel("lilun", "理论文章", "lilun-wenzhang").await;
    let (status, problem) = app
        .post_json(
            "/api/v1/categories",
            &token,
            json!({ "name": "太深", "parent_id": deepest }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(field_errors(&problem), ["parent_id"]);
    assert_eq!(
        get_json(&app, "/api/v1/categories").await["meta"]["total"],
        16,
        "nothing was created"
    );
}

#[tokio::test]
async fn duplicate_slug_is_409_naming_the_field() {
    let app = spawn_app().await;
    app.seed().await;
    let token = app.token(Role::Editor).await;
    let (status, problem) = app
        .post_json(
            "/api/v1/categories",
            &token,
            json!({ "name": "又一个", "slug": "guonei" }),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(problem["code"], "conflict");
    assert_eq!(field_errors(&problem), ["slug"]);
    let (status, problem) = app
        .patch_json(
            "/api/v1/categories/lilun",
            &token,
            json!({ "slug": "guonei" }),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(field_errors(&problem), ["slug"]);
}

#[tokio::test]
async fn patch_changes_only_what_is_sent() {
    let app = spawn_app().await;
    app.seed().await;
    let token = app.token(Role::Editor).await;
    let before = get_json(&app, "/api/v1/categories/shizheng").await;
    let (status, after) = app
        .patch_json(
            "/api/v1/categories/shizheng",
            &token,
            json!({ "description": "时政要闻", "position": 0 }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(after["name"], before["name"]);
    assert_eq!(after["slug"], before["slug"]);
    assert_eq!(after["description"], "时政要闻");
    let (_, cleared) = app
        .patch_json(
            "/api/v1/categories/shizheng",
            &token,
            json!({ "description": null }),
        )
        .await;
    assert_eq!(cleared["description"], Value::Null);
    assert_problem(
        app.patch("/api/v1/categories/nope")
            .bearer_auth(&token)
            .json(&json!({ "name": "x" }))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn moving_under_itself_or_a_descendant_is_409() {
    let app = spawn_app().await;
    app.seed().await;
    let token = app.token(Role::Editor).await;
    let heihe = get_json(&app, "/api/v1/categories/heihe").await;
    let lilun = get_json(&app, "/api/v1/categories/lilun").await;
    for parent in [&heihe["id"], &lilun["id"]] {
        let (status, problem) = app
            .patch_json(
                "/api/v1/categories/heihe",
                &token,
                json!({ "parent_id": parent }),
            )
            .await;
        assert_eq!(status, 409, "{problem}");
        assert_eq!(problem["code"], "conflict");
    }
    assert_eq!(
        get_json(&app, "/api/v1/categories/heihe").await["parent_id"],
        heihe["parent_id"]
    );
}

#[tokio::test]
async fn moves_respect_the_depth_limit_and_null_makes_a_root() {
    let app = spawn_app().await;
    app.seed().await;
    let token = app.token(Role::Editor).await;
    let shizheng = get_json(&app, "/api/v1/categories/shizheng").await;
    app.sub_channel("pinglun", "网评", "wangping").await;
    // 评论 has a child now, so under 黑河时政 (depth 3) it would reach depth 5.
    let (status, problem) = app
        .patch_json(
            "/api/v1/categories/pinglun",
            &token,
            json!({ "parent_id": shizheng["id"] }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(field_errors(&problem), ["parent_id"]);
    // A leaf may move there.
    let (status, moved) = app
        .patch_json(
            "/api/v1/categories/guonei",
            &token,
            json!({ "parent_id": shizheng["id"] }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(moved["depth"], 4);
    let (status, root) = app
        .patch_json(
            "/api/v1/categories/guonei",
            &token,
            json!({ "parent_id": null }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(root["depth"], 1);
    assert_eq!(root["path"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn delete_refuses_categories_with_children() {
    let app = spawn_app().await;
    app.seed().await;
    let token = app.token(Role::Editor).await;
    app.sub_channel("pinglun", "网评", "wangping").await;
    let res = app
        .delete("/api/v1/categories/pinglun")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 409, "conflict").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("1 sub-categories")
    );
    let res = app
        .delete("/api/v1/categories/wangping")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_problem(
        app.get("/api/v1/categories/wangping").send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    let res = app
        .delete("/api/v1/categories/wangping")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, "not_found").await;
    assert_eq!(
        app.delete("/api/v1/categories/pinglun")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
}

#[tokio::test]
async fn hidden_channels_are_for_staff_only() {
    let app = spawn_app().await;
    app.seed().await;
    let token = app.token(Role::Editor).await;
    app.sub_channel("pinglun", "网评", "wangping").await;
    let (status, _) = app
        .patch_json(
            "/api/v1/categories/pinglun",
            &token,
            json!({ "visible": false }),
        )
        .await;
    assert_eq!(status, 200);
    let public = get_json(&app, "/api/v1/categories?flat=true").await;
    assert_eq!(
        public["meta"]["total"], 14,
        "the hidden channel and its child are gone"
    );
    assert_problem(
        app.get("/api/v1/categories/wangping").send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    let staff: Value = app
        .get("/api/v1/categories?flat=true")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(staff["meta"]["total"], 16);
    let res = app
        .get("/api/v1/categories/wangping")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn anonymous_reads_are_cacheable_and_revalidate_with_304() {
    let app = spawn_app().await;
    app.seed().await;
    let res = app.get("/api/v1/categories/heihe").send().await.unwrap();
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=60, stale-if-error=3600"
    );
    let vary = res.headers()["vary"].to_str().unwrap();
    assert!(vary.starts_with("Authorization, Accept-Encoding"), "{vary}");
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong ETag: {etag}"
    );
    let res = app
        .get("/api/v1/categories/heihe")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["etag"], etag.as_str());
    assert!(res.text().await.unwrap().is_empty());
    // A change gives a new ETag.
    let token = app.token(Role::Editor).await;
    app.patch_json(
        "/api/v1/categories/heihe",
        &token,
        json!({ "description": "新的描述" }),
    )
    .await;
    let res = app
        .get("/api/v1/categories/heihe")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Staff reads are never cached.
    let res = app
        .get("/api/v1/categories/heihe")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "private, no-store");
}
