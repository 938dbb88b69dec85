//! The newsroom's synonym list (`/api/v1/search/synonyms`): applied to queries at once (no
//! reindex), both ways, across scripts; ambiguous terms rank by sense; bad groups change
//! nothing; staff only. Also pinyin, the place-name suffix rule and Russian words.

use newsdesk::models::user::Role;
use serde_json::json;

use crate::desk::desk;
use crate::helpers::*;

const LIST: &str = "/api/v1/search/synonyms";

fn search(q: &str) -> String {
    let enc: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    format!("/api/v1/search?q={enc}")
}

#[tokio::test]
async fn an_edited_group_takes_effect_at_once_both_ways() {
    let d = desk().await;
    let rink = d.publish("锦河农场冰场开放", json!({})).await;
    let farm = d.publish("金河农场举办丰收节", json!({})).await;
    // Cached before the group exists.
    assert_eq!(d.ids(&search("锦河农场"), false).await, vec![rink]);
    let (status, group) = d
        .post_json(
            LIST,
            &d.t,
            json!({ "terms": ["锦河农场", "金河农场"], "note": "Renamed in 2020" }),
        )
        .await;
    assert_eq!(status, 201, "{group}");
    assert_eq!(group["name"], "锦河农场");
    assert_eq!(group["ambiguous"], json!([]));
    let id = group["id"].as_i64().unwrap();
    // No reindex: each name now finds both articles, and the cached answer was dropped.
    let mut both = d.ids(&search("锦河农场"), false).await;
    both.sort_unstable();
    assert_eq!(both, vec![rink, farm]);
    let mut both = d.ids(&search("金河农场"), false).await;
    both.sort_unstable();
    assert_eq!(both, vec![rink, farm]);
    // `/articles?q=` applies it too.
    let mut listed = d
        .ids(
            &format!(
                "/api/v1/articles?q={}",
                "%E9%87%91%E6%B2%B3%E5%86%9C%E5%9C%BA"
            ),
            false,
        )
        .await;
    listed.sort_unstable();
    assert_eq!(listed, vec![rink, farm]);
    // The hit through the other name marks the word the article uses.
    let body = d.body(&search("金河农场"), false).await;
    let titles: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["highlight"]["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"<mark>锦河农场</mark>冰场开放"),
        "{titles:?}"
    );

    let (status, listed) = d.get_as(&format!("{LIST}?q=金河"), Some(&d.t)).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&listed), vec![id]);
    let (status, one) = d.get_as(&format!("{LIST}/{id}"), Some(&d.t)).await;
    assert_eq!(
        (status, one["note"].as_str()),
        (200, Some("Renamed in 2020"))
    );

    // Changed: 金河农场 leaves the group.
    let (status, changed) = d
        .patch_json(
            &format!("{LIST}/{id}"),
            &d.t,
            json!({ "terms": ["锦河农场", "锦河"], "note": null }),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["note"], json!(null));
    assert_eq!(d.ids(&search("金河农场"), false).await, vec![farm]);
    // Deleted: back to the words themselves.
    assert_eq!(d.delete_as(&format!("{LIST}/{id}"), &d.t).await, 204);
    assert_eq!(d.ids(&search("锦河农场"), false).await, vec![rink]);
    let (status, _) = d.get_as(&format!("{LIST}/{id}"), Some(&d.t)).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bad_groups_are_refused_and_change_nothing() {
    let d = desk().await;
    let before = d.sql_i64("SELECT count(*) AS n FROM search_synonyms").await;
    assert!(before >= 10, "the region's places are seeded: {before}");
    let cases = [
        (json!({ "terms": ["黑河"] }), "terms"),
        (
            json!({ "terms": ["甲地", "乙地"], "ambiguous": ["丙地"] }),
            "ambiguous[0]",
        ),
        (
            json!({ "terms": ["甲地", "乙地"], "ambiguous": ["甲地", "乙地"] }),
            "ambiguous",
        ),
        (json!({ "terms": ["甲地", "甲地"] }), "terms[1]"),
        (json!({ "terms": ["甲地", "，。"] }), "terms[1]"),
        (json!({ "terms": ["甲地", "x".repeat(41)] }), "terms[1]"),
        (
            json!({ "terms": ["甲地", "乙地"], "context": vec!["词"; 31] }),
            "context",
        ),
    ];
    for (body, field) in cases {
        let (status, problem) = d.post_json(LIST, &d.t, body.clone()).await;
        assert_eq!(status, 422, "{body}: {problem}");
        assert!(
            field_errors(&problem).contains(&field.to_owned()),
            "{body}: {problem}"
        );
    }
    let (status, problem) = d
        .post_json(LIST, &d.t, json!({ "terms": ["甲地", "乙地"], "x": 1 }))
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(field_errors(&problem), ["x"]);
    // The first term names the group: a second group of that name conflicts.
    let (status, problem) = d
        .post_json(LIST, &d.t, json!({ "terms": ["黑河市", "某地"] }))
        .await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(
        d.sql_i64("SELECT count(*) AS n FROM search_synonyms").await,
        before
    );

    // Staff only; editors and admins write.
    let (status, _) = d.get_as(LIST, None).await;
    assert_eq!(status, 401);
    let writer = d.token(Role::Writer).await;
    let (status, _) = d.get_as(LIST, Some(&writer)).await;
    assert_eq!(status, 200);
    let (status, _) = d
        .post_json(LIST, &writer, json!({ "terms": ["甲地", "乙地"] }))
        .await;
    assert_eq!(status, 403);
    let (status, _) = d.get_as(&format!("{LIST}/abc"), Some(&d.t)).await;
    assert_eq!(status, 404);
    assert_eq!(
        d.sql_i64("SELECT count(*) AS n FROM search_synonyms").await,
        before
    );
}

#[tokio::test]
async fn ambiguous_names_rank_the_meant_sense_first() {
    let d = desk().await;
    // The river, newer (recency alone would put it first) …
    let river = d
        .publish(
            "黑龙江开江 航道恢复通航",
            json!({ "body": "<p>黑龙江江面冰层开裂。</p>" }),
        )
        .await;
    // … and the province, in its short name and in the ambiguous one.
    let short = d.publish("龙江民营经济发展大会召开", json!({})).await;
    let province = d
        .publish("黑龙江出台措施 全省优化营商环境", json!({}))
        .await;
    d.sql(&format!(
        "UPDATE articles SET published_at = now() - interval '30 days' WHERE id IN ({short}, {province})"
    ))
    .await;
    // 龙江 (the province's short name) finds all three, the province first.
    let found = d.ids(&search("龙江"), false).await;
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found[2] == river, "the river ranks last: {found:?}");
    // Амур (the river) finds the river first, though it says 黑龙江 like the province does.
    let found = d.ids(&search("Амур"), false).await;
    assert_eq!(found.first(), Some(&river), "{found:?}");
    // 黑龙江 alone is not widened: the short name 龙江 is not found through it.
    let found = d.ids(&search("黑龙江"), false).await;
    assert!(!found.contains(&short), "{found:?}");
}

#[tokio::test]
async fn pinyin_suffixes_and_russian_words() {
    let d = desk().await;
    let heihe = d.publish("黑河口岸过货量增长", json!({})).await;
    let wdlc = d.publish("五大连池火山迎来游客", json!({})).await;
    // Another word with the same syllables ranks below the place.
    d.publish("黑禾农业公司成立", json!({})).await;
    let fair = d
        .publish(
            "中俄商品交易会开幕",
            json!({ "body": "<p>Российско-китайская ярмарка открылась.</p>" }),
        )
        .await;
    // Full pinyin, split syllables, initials, mixed with Chinese.
    let found = d.ids(&search("heihe"), false).await;
    assert_eq!(
        found.first(),
        Some(&heihe),
        "the dictionary place first: {found:?}"
    );
    assert_eq!(d.ids(&search("hei he 口岸"), false).await, vec![heihe]);
    assert_eq!(d.ids(&search("wdlc"), false).await, vec![wdlc]);
    assert_eq!(d.ids(&search("Wudalianchi"), false).await, vec![wdlc]);
    // An ordinary Latin word never matches pinyin.
    assert_eq!(d.ids(&search("iphone"), false).await, Vec::<i64>::new());
    let body = d.body(&search("heihe"), false).await;
    assert_eq!(
        body["data"][0]["highlight"]["title"],
        "<mark>黑河</mark>口岸过货量增长"
    );
    // The suffix rule: 五大连池市 finds an article that says 五大连池.
    assert_eq!(d.ids(&search("五大连池市"), false).await, vec![wdlc]);
    // Russian: another form of the word, and Cyrillic is not cut letter by letter.
    assert_eq!(d.ids(&search("ярмарку"), false).await, vec![fair]);
    assert_eq!(d.ids(&search("р"), false).await, Vec::<i64>::new());
}
