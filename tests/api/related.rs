//! 相关新闻: editors' picks, then articles sharing tags and keywords; `include=related`;
//! validation of `related_ids`.

use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::desk::{Desk, desk};
use crate::helpers::*;

fn p(id: i64) -> String {
    format!("/api/v1/articles/{id}")
}

/// The subject of most tests: 冰雪旅游 in 黑河.
fn subject() -> Value {
    json!({
        "body": "<p>黑河冰雪旅游节今天开幕，冰雪旅游带动边境经济。冰雪旅游成为黑河冬季名片。</p>",
        "tags": ["冰雪旅游", "黑河"],
    })
}

/// Text that shares nothing with [`subject`].
fn unrelated(n: usize) -> Value {
    let bodies = [
        "<p>合作社组织农机检修，春耕备耕有序推进。</p>",
        "<p>大豆收购价格保持稳定，粮库敞开收购。</p>",
        "<p>社区卫生服务中心开展义诊，老人免费体检。</p>",
        "<p>中学生篮球联赛决赛落幕，冠军队伍捧杯。</p>",
        "<p>图书馆延长开放时间，读者借阅更方便。</p>",
    ];
    json!({ "body": bodies[n % bodies.len()] })
}

/// Text that shares keywords (冰雪旅游, 黑河) with [`subject`] but no tags.
fn similar() -> Value {
    json!({ "body": "<p>冰雪旅游持续升温，游客纷纷来到黑河，冰雪旅游项目受到欢迎。</p>" })
}

impl Desk {
    /// Related ids of an article (`query` like `?limit=3`), anonymously or as the editor.
    async fn related(&self, id: i64, query: &str, staff: bool) -> Vec<i64> {
        let token = staff.then_some(self.t.as_str());
        let path = format!("{}/related{query}", p(id));
        let (status, body) = self.get_as(&path, token).await;
        assert_eq!(status, 200, "{path}: {body}");
        ids(&body)
    }

    /// The article as staff see it.
    async fn detail(&self, id: i64) -> Value {
        let (status, body) = self.get_as(&p(id), Some(&self.t)).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// The stored picks of an article, in order.
    async fn stored_picks(&self, id: i64) -> Vec<i64> {
        let detail = self.detail(id).await;
        detail["related_ids"]
            .as_array()
            .unwrap_or_else(|| panic!("no related_ids: {detail}"))
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect()
    }

    async fn count(&self, query: &str) -> i64 {
        self.sql_i64(query).await
    }
}

#[tokio::test]
async fn picks_come_first_in_their_order_then_shared_tags_and_keywords() {
    let d = desk().await;
    let p1 = d.publish("逊克县农业合作社春耕备耕", unrelated(0)).await;
    let p2 = d.publish("嫩江市大豆收购价格稳定", unrelated(1)).await;
    // The same text; one also shares a tag. The tagged one is created first, so the
    // newest-id tie-break cannot explain its place.
    let tagged = d
        .publish(
            "冰雪旅游人气旺",
            merge(similar(), json!({ "tags": ["冰雪旅游"] })),
        )
        .await;
    let keywords_only = d.publish("冰雪旅游人气旺", similar()).await;
    let noise = d.publish("社区义诊活动", unrelated(2)).await;
    let s = d
        .publish(
            "黑河冰雪旅游节开幕",
            merge(subject(), json!({ "related_ids": [p2, p1] })),
        )
        .await;
    let expected = [p2, p1, tagged, keywords_only];
    assert_eq!(d.related(s, "?limit=20", false).await, expected);
    assert_eq!(d.related(s, "?limit=20", true).await, expected);
    assert_eq!(d.related(s, "", false).await, expected, "default limit 5");
    assert!(!d.related(s, "?limit=20", false).await.contains(&noise));
    // By slug too.
    let slug = d.detail(s).await["slug"].as_str().unwrap().to_owned();
    let (status, body) = d
        .get_as(&format!("/api/v1/articles/{slug}/related"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(ids(&body), expected);
    assert!(body["data"][0]["title"].is_string() && body["data"][0]["category"].is_object());
    // The detail has the picks, for staff and the public.
    assert_eq!(d.stored_picks(s).await, [p2, p1]);
    let (_, public) = d.get_as(&p(s), None).await;
    assert_eq!(public["related_ids"], json!([p2, p1]));
    // A pick is listed once, in its place, even when it also shares terms.
    let (status, _) = d
        .patch_json(&p(s), &d.t, json!({ "related_ids": [keywords_only, p1] }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        d.related(s, "?limit=20", false).await,
        [keywords_only, p1, tagged]
    );
    // Without picks: only articles sharing terms.
    let (status, _) = d
        .patch_json(&p(s), &d.t, json!({ "related_ids": [] }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(d.stored_picks(s).await, Vec::<i64>::new());
    assert_eq!(
        d.related(s, "?limit=20", false).await,
        [tagged, keywords_only]
    );
    // An article sharing nothing has no related articles (but may have picks).
    assert_eq!(d.related(noise, "", false).await, Vec::<i64>::new());
}

#[tokio::test]
async fn more_shared_tags_the_same_channel_and_recent_articles_come_first() {
    let d = desk().await;
    let shizheng = d.category_id("shizheng").await;
    let day = 86_400;
    // Created best first, so the newest-id tie-break works against the expected order.
    let two_tags = d
        .publish("市民周末去滑雪", json!({ "tags": ["冰雪旅游", "黑河"] }))
        .await;
    let one_tag = json!({ "tags": ["冰雪旅游"] });
    // A minute older than `other_channel`: only the channel can put it first.
    let same_channel = d
        .publish(
            "市民周末去滑雪",
            merge(one_tag.clone(), json!({ "published_at": at(-3660) })),
        )
        .await;
    let other_channel = d
        .publish(
            "市民周末去滑雪",
            merge(one_tag.clone(), json!({ "category_id": shizheng })),
        )
        .await;
    let old = d
        .publish(
            "市民周末去滑雪",
            merge(one_tag, json!({ "published_at": at(-300 * day) })),
        )
        .await;
    let s = d.publish("黑河冰雪旅游节开幕", subject()).await;
    assert_eq!(
        d.related(s, "?limit=20", false).await,
        [two_tags, same_channel, other_channel, old]
    );
}

#[tokio::test]
async fn only_visible_articles_and_never_the_article_itself() {
    let d = desk().await;
    let tags = json!({ "tags": ["冰雪旅游"] });
    let live = d
        .publish("冰雪旅游人气旺", merge(similar(), tags.clone()))
        .await;
    let draft_pick = d.draft("一篇草稿", unrelated(0)).await;
    let live_pick = d.publish("大豆收购价格稳定", unrelated(1)).await;
    let trashed_pick = d.publish("义诊活动", unrelated(2)).await;
    let scheduled_pick = d
        .publish(
            "篮球联赛",
            merge(unrelated(3), json!({ "published_at": at(3600) })),
        )
        .await;
    let offline_pick = d
        .publish(
            "图书馆开放",
            merge(
                unrelated(4),
                json!({ "published_at": at(-7200), "offline_at": at(-60) }),
            ),
        )
        .await;
    // Sharing tags and keywords, but not visible.
    let similar_tagged = merge(similar(), tags);
    let draft = d.draft("冰雪旅游草稿", similar_tagged.clone()).await;
    let scheduled = d
        .publish(
            "冰雪旅游预告",
            merge(similar_tagged.clone(), json!({ "published_at": at(3600) })),
        )
        .await;
    let offline = d
        .publish(
            "冰雪旅游下线",
            merge(
                similar_tagged.clone(),
                json!({ "published_at": at(-7200), "offline_at": at(-60) }),
            ),
        )
        .await;
    let trashed = d.publish("冰雪旅游删除", similar_tagged.clone()).await;
    let archived = d
        .publish(
            "冰雪旅游归档",
            merge(similar_tagged, json!({ "status": "archived" })),
        )
        .await;
    let picks = [
        draft_pick,
        live_pick,
        trashed_pick,
        scheduled_pick,
        offline_pick,
    ];
    let s = d
        .publish(
            "黑河冰雪旅游节开幕",
            merge(subject(), json!({ "related_ids": picks })),
        )
        .await;
    for id in [trashed_pick, trashed] {
        assert_eq!(d.delete_as(&p(id), &d.t).await, 204);
    }
    let hidden = [
        draft_pick,
        trashed_pick,
        scheduled_pick,
        offline_pick,
        draft,
        scheduled,
        offline,
        trashed,
        archived,
        s,
    ];
    for staff in [false, true] {
        let got = d.related(s, "?limit=20", staff).await;
        assert_eq!(got, [live_pick, live], "staff: {staff}");
        for h in hidden {
            assert!(!got.contains(&h), "{h} in {got:?}");
        }
    }
    // The picks stay stored; the hidden ones come back when they become visible.
    assert_eq!(d.stored_picks(s).await, picks);
    let (status, _) = d
        .patch_json(&p(draft_pick), &d.t, json!({ "status": "published" }))
        .await;
    assert_eq!(status, 200);
    let restore = format!("{}/restore", p(trashed_pick));
    let res = d.call("POST", &restore, Some(&d.t), None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        d.related(s, "?limit=20", false).await,
        [draft_pick, live_pick, trashed_pick, live]
    );
    // An article that is its candidates' only link relates back to the subject, not itself.
    let back = d.related(live, "?limit=20", false).await;
    assert!(back.contains(&s) && !back.contains(&live), "{back:?}");
}

#[tokio::test]
async fn the_limit_is_respected_and_validated() {
    let d = desk().await;
    let mut all = Vec::new();
    for i in 0..7 {
        let extra = json!({ "tags": ["冰雪旅游"], "published_at": at(-3600 - i * 60) });
        all.push(d.publish("市民周末去滑雪", extra).await);
    }
    let s = d.publish("黑河冰雪旅游节开幕", subject()).await;
    let everything = d.related(s, "?limit=20", false).await;
    assert_eq!(everything, all, "newest first");
    assert_eq!(d.related(s, "", false).await, all[..5]);
    assert_eq!(d.related(s, "?limit=3", false).await, all[..3]);
    assert_eq!(d.related(s, "?limit=1", false).await, all[..1]);
    let (_, body) = d.get_as(&format!("{}/related?limit=3", p(s)), None).await;
    assert!(body["meta"].is_object(), "{body}");
    for bad in ["0", "21", "-1", "abc", "1.5"] {
        let path = format!("{}/related?limit={bad}", p(s));
        let res = d.call("GET", &path, None, None).await;
        assert_eq!(res.status(), 400, "limit={bad}");
        let ct = header(&res, "content-type");
        assert_eq!(ct, "application/problem+json", "limit={bad}");
    }
}

#[tokio::test]
async fn include_related_embeds_the_top_five() {
    let d = desk().await;
    let mut all = Vec::new();
    for i in 0..7 {
        let extra = json!({ "tags": ["冰雪旅游"], "published_at": at(-3600 - i * 60) });
        all.push(d.publish("市民周末去滑雪", extra).await);
    }
    let pick = d.publish("大豆收购价格稳定", unrelated(1)).await;
    let s = d
        .publish(
            "黑河冰雪旅游节开幕",
            merge(subject(), json!({ "related_ids": [pick] })),
        )
        .await;
    let top5 = d.related(s, "", false).await;
    assert_eq!(top5[0], pick);
    assert_eq!(top5[1..], all[..4]);
    for token in [None, Some(d.t.as_str())] {
        let (status, plain) = d.get_as(&p(s), token).await;
        assert_eq!(status, 200);
        assert!(plain.get("related").is_none(), "absent without include");
        let (status, with) = d.get_as(&format!("{}?include=related", p(s)), token).await;
        assert_eq!(status, 200, "{with}");
        let embedded: Vec<i64> = with["related"]
            .as_array()
            .unwrap_or_else(|| panic!("no related: {with}"))
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect();
        assert_eq!(embedded, top5);
        assert!(with["related"][0]["title"].is_string());
        assert_eq!(with["title"], "黑河冰雪旅游节开幕");
    }
    let res = d
        .call("GET", &format!("{}?include=comments", p(s)), None, None)
        .await;
    assert_eq!(res.status(), 400);
    // Few related articles: fewer are embedded.
    let lonely = d.publish("社区义诊活动", unrelated(2)).await;
    let (_, with) = d
        .get_as(&format!("{}?include=related", p(lonely)), None)
        .await;
    assert_eq!(with["related"], json!([]));
}

#[tokio::test]
async fn bad_related_ids_are_422_and_change_nothing() {
    let d = desk().await;
    let a = d.publish("大豆收购价格稳定", unrelated(1)).await;
    let b = d.publish("社区义诊活动", unrelated(2)).await;
    let mut many = Vec::new();
    for i in 0..21 {
        many.push(d.draft(&format!("稿件{i}"), json!({})).await);
    }
    let articles = "SELECT count(*) AS n FROM articles";
    let picks = "SELECT count(*) AS n FROM article_related";
    let (n_articles, n_picks) = (d.count(articles).await, d.count(picks).await);
    let create =
        |related: Value| json!({ "title": "新稿件", "category_id": d.cat, "related_ids": related });
    for related in [
        json!([999_999]),
        json!([a, 999_999]),
        json!([a, b, a]),
        json!(many),
    ] {
        let res = d
            .call(
                "POST",
                "/api/v1/articles",
                Some(&d.t),
                Some(create(related.clone())),
            )
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), ["related_ids"], "{related}");
    }
    assert_eq!(d.count(articles).await, n_articles, "nothing created");
    assert_eq!(d.count(picks).await, n_picks);
    // Twenty is fine.
    let created = d.create_article(&d.t, create(json!(many[..20]))).await;
    assert_eq!(created["related_ids"], json!(many[..20]));
    let c = created["id"].as_i64().unwrap();
    assert_eq!(d.count(picks).await, n_picks + 20);
    // Updates: the article itself, unknown ids, repeats and too many are refused and change
    // nothing (no new version either).
    let (status, _) = d
        .patch_json(&p(a), &d.t, json!({ "related_ids": [b] }))
        .await;
    assert_eq!(status, 200);
    let version = d.detail(a).await["version"].clone();
    for related in [
        json!([a]),
        json!([b, a]),
        json!([999_999]),
        json!([b, b]),
        json!(many),
    ] {
        let body = json!({ "related_ids": related.clone(), "title": "改了标题" });
        let res = d.call("PATCH", &p(a), Some(&d.t), Some(body)).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), ["related_ids"], "{related}");
    }
    let after = d.detail(a).await;
    assert_eq!(after["version"], version);
    assert_eq!(after["title"], "大豆收购价格稳定");
    assert_eq!(after["related_ids"], json!([b]));
    let rows = format!("SELECT count(*) AS n FROM article_related WHERE article_id = {a}");
    assert_eq!(d.count(&rows).await, 1);
    // A purged pick disappears from the stored list; the rest keep their order.
    let admin = d.token(Role::Admin).await;
    assert_eq!(d.delete_as(&p(many[0]), &d.t).await, 204);
    let purge = format!("/api/v1/trash/articles/{}", many[0]);
    assert_eq!(d.delete_as(&purge, &admin).await, 204);
    assert_eq!(d.detail(c).await["related_ids"], json!(many[1..20]));
}

#[tokio::test]
async fn unknown_and_invisible_articles_are_404() {
    let d = desk().await;
    let draft = d.draft("冰雪旅游草稿", subject()).await;
    let live = d.publish("冰雪旅游人气旺", subject()).await;
    let trashed = d.publish("冰雪旅游删除", subject()).await;
    assert_eq!(d.delete_as(&p(trashed), &d.t).await, 204);
    for path in [
        "/api/v1/articles/999999/related".to_owned(),
        "/api/v1/articles/no-such-slug/related".to_owned(),
        format!("{}/related", p(draft)),
        format!("{}/related", p(trashed)),
        format!("{}?include=related", p(draft)),
    ] {
        let res = d.call("GET", &path, None, None).await;
        assert_problem(res, 404, "not_found").await;
    }
    let res = d
        .call("GET", "/api/v1/articles/999999/related", Some(&d.t), None)
        .await;
    assert_problem(res, 404, "not_found").await;
    // Staff see the related articles of a draft; still only visible ones.
    assert_eq!(d.related(draft, "", true).await, [live]);
}

#[tokio::test]
async fn picks_are_kept_in_revisions_and_restored() {
    let d = desk().await;
    let p1 = d.publish("逊克县农业合作社春耕备耕", unrelated(0)).await;
    let p2 = d.publish("嫩江市大豆收购价格稳定", unrelated(1)).await;
    let s = d
        .publish(
            "一篇评论",
            merge(unrelated(2), json!({ "related_ids": [p1] })),
        )
        .await;
    let (status, _) = d
        .patch_json(&p(s), &d.t, json!({ "related_ids": [p2, p1] }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(d.related(s, "", false).await, [p2, p1]);
    let (status, r1) = d.get_as(&format!("{}/revisions/1", p(s)), Some(&d.t)).await;
    assert_eq!(status, 200);
    assert_eq!(r1["article"]["related_ids"], json!([p1]));
    let res = d
        .call(
            "POST",
            &format!("{}/revisions/1/restore", p(s)),
            Some(&d.t),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let restored: Value = res.json().await.unwrap();
    assert_eq!(restored["related_ids"], json!([p1]));
    assert_eq!(d.related(s, "", false).await, [p1]);
    let (_, r2) = d.get_as(&format!("{}/revisions/2", p(s)), Some(&d.t)).await;
    assert_eq!(r2["article"]["related_ids"], json!([p2, p1]));
}

/// `tag_articles` (migration 000012, what candidates are found through) follows every write:
/// tags put on and taken off, publish, unpublish, trash and purge.
#[tokio::test]
async fn the_newest_per_tag_index_follows_writes() {
    let d = desk().await;
    let rows = |id: i64| format!("SELECT count(*) AS n FROM tag_articles WHERE article_id = {id}");
    let draft = d.draft("冰雪旅游草稿", subject()).await;
    assert_eq!(d.sql_i64(&rows(draft)).await, 0, "drafts are not indexed");
    d.edit(draft, json!({ "status": "published" })).await;
    assert_eq!(d.sql_i64(&rows(draft)).await, 2);
    d.edit(draft, json!({ "tags": ["冰雪旅游"] })).await;
    assert_eq!(d.sql_i64(&rows(draft)).await, 1);
    let when = "2030-01-01T00:00:00Z";
    d.edit(draft, json!({ "published_at": when })).await;
    let at = format!(
        "SELECT count(*) AS n FROM tag_articles WHERE article_id = {draft} AND published_at = '{when}'"
    );
    assert_eq!(d.sql_i64(&at).await, 1, "scheduled: kept with its new time");
    d.edit(draft, json!({ "status": "draft" })).await;
    assert_eq!(d.sql_i64(&rows(draft)).await, 0);
    let live = d.publish("冰雪旅游人气旺", subject()).await;
    assert_eq!(d.sql_i64(&rows(live)).await, 2);
    assert_eq!(
        d.delete_as(&format!("/api/v1/articles/{live}"), &d.t).await,
        204
    );
    assert_eq!(d.sql_i64(&rows(live)).await, 0, "trashed");
}
