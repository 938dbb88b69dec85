//! Full-text search: segmentation, query syntax, ranking, highlighting, visibility, filters,
//! paging, `/articles?q=`, indexing on write, the reindex command and the metrics.

use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::desk::{Desk, desk};
use crate::helpers::*;

/// Percent-encodes a query parameter value.
fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn search_path(q: &str, extra: &str) -> String {
    format!("/api/v1/search?q={}{extra}", enc(q))
}

/// `ids` sorted, for results whose order is not the point.
fn sorted(mut v: Vec<i64>) -> Vec<i64> {
    v.sort_unstable();
    v
}

/// An article body of paragraphs.
fn paragraphs(ps: &[&str]) -> String {
    ps.iter().map(|p| format!("<p>{p}</p>")).collect()
}

/// The value of a metric line `name value` in the Prometheus text format.
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} missing from /metrics:\n{text}"))
}

impl Desk {
    /// The ids the public finds for `q`, best first.
    async fn found(&self, q: &str) -> Vec<i64> {
        ids(&self.body(&search_path(q, ""), false).await)
    }

    /// The ids the editor finds for `q`, best first.
    async fn staff_found(&self, q: &str) -> Vec<i64> {
        ids(&self.body(&search_path(q, ""), true).await)
    }

    /// The only hit for `q` (asserting there is exactly one).
    async fn only_hit(&self, q: &str) -> Value {
        let body = self.body(&search_path(q, ""), false).await;
        let data = body["data"].as_array().unwrap();
        assert_eq!(data.len(), 1, "{q}: {body}");
        data[0].clone()
    }
}

#[tokio::test]
async fn dictionary_words_and_their_parts_are_found() {
    let d = desk().await;
    let xinzhi = d.publish("因地制宜推动黑河新质生产力发展", json!({})).await;
    let xunke = d.publish("逊克县举办冬季冰雪活动", json!({})).await;
    let wudalianchi = d.publish("五大连池市景区接待游客", json!({})).await;
    let aihui = d
        .publish(
            "一条普通的消息",
            json!({ "body": "<p>爱辉区今年优化营商环境。</p>" }),
        )
        .await;
    for (q, expected) in [
        ("新质生产力", vec![xinzhi]),
        ("生产力", vec![xinzhi]),
        ("新质", vec![xinzhi]),
        ("生产", vec![xinzhi]),
        ("逊克", vec![xunke]),
        ("逊克县", vec![xunke]),
        ("五大连池", vec![wudalianchi]),
        ("五大连池市", vec![wudalianchi]),
        ("爱辉", vec![aihui]),
        ("营商环境", vec![aihui]),
        ("黑河", vec![xinzhi]),
        ("孙吴县", vec![]),
    ] {
        assert_eq!(d.found(q).await, expected, "{q}");
    }
}

#[tokio::test]
async fn latin_full_width_and_numbers() {
    let d = desk().await;
    let ai = d.publish("ＡＩ赋能边境口岸通关", json!({})).await;
    let g5 = d.publish("5G基站覆盖全部乡镇", json!({})).await;
    let covid = d
        .publish(
            "年度报告",
            json!({ "body": "<p>2024年COVID-19防控总结，iPhone用户增多。</p>" }),
        )
        .await;
    for (q, expected) in [
        ("ai", vec![ai]),
        ("AI", vec![ai]),
        ("ＡＩ", vec![ai]),
        ("ai 口岸", vec![ai]),
        ("5g", vec![g5]),
        ("5G 基站", vec![g5]),
        ("５Ｇ", vec![g5]),
        ("covid-19", vec![covid]),
        ("COVID", vec![covid]),
        ("2024", vec![covid]),
        ("２０２４", vec![covid]),
        ("IPHONE", vec![covid]),
        ("2023", vec![]),
    ] {
        assert_eq!(d.found(q).await, expected, "{q}");
    }
    // Highlighting finds the full-width original for a half-width query.
    let hit = d.only_hit("ai").await;
    let title = hit["highlight"]["title"].as_str().unwrap();
    assert_eq!(title, "<mark>ＡＩ</mark>赋能边境口岸通关");
}

#[tokio::test]
async fn queries_without_searchable_words_are_422_on_q() {
    let d = desk().await;
    d.publish("黑河", json!({})).await;
    let long = "黑".repeat(201);
    let cases = [
        "/api/v1/search".to_owned(),
        "/api/v1/search?q=".to_owned(),
        search_path("   ", ""),
        search_path("，。！？……——", ""),
        search_path("!!! ??? ...", ""),
        search_path("的 了 和", ""),
        search_path("the of and", ""),
        search_path("\"\"", ""),
        search_path(&long, ""),
        search_path(&long, "&per_page=5"),
    ];
    for path in cases {
        let res = d.call("GET", &path, None, None).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), ["q"], "{path}");
    }
    // 200 characters are fine; stop words next to real words are simply dropped.
    let (status, _) = d.get_as(&search_path(&"黑".repeat(200), ""), None).await;
    assert_eq!(status, 200);
    assert_eq!(d.found("黑河的").await.len(), 1);
    // Bad dates are 400.
    for extra in ["&published_after=yesterday", "&published_before=2024-13-01"] {
        let res = d.call("GET", &search_path("黑河", extra), None, None).await;
        assert_problem(res, 400, "validation_failed").await;
    }
}

#[tokio::test]
async fn every_word_must_match() {
    let d = desk().await;
    let both = d.publish("黑河冰雪旅游人气火热", json!({})).await;
    let heihe = d.publish("黑河招商引资取得成果", json!({})).await;
    let bingxue = d
        .publish("边境小城", json!({ "body": "<p>逊克冰雪旅游人气旺。</p>" }))
        .await;
    assert_eq!(d.found("黑河 冰雪旅游").await, [both]);
    assert_eq!(d.found("冰雪旅游 黑河").await, [both]);
    assert_eq!(d.found("黑河　冰雪旅游").await, [both], "ideographic space");
    assert_eq!(sorted(d.found("黑河").await), sorted(vec![both, heihe]));
    assert_eq!(
        sorted(d.found("冰雪旅游").await),
        sorted(vec![both, bingxue])
    );
    assert!(d.found("黑河 冰雪旅游 招商引资").await.is_empty());
    let body = d.body(&search_path("黑河 布拉戈维申斯克", ""), false).await;
    assert!(ids(&body).is_empty());
    assert_eq!(body["meta"]["total"], 0);
}

#[tokio::test]
async fn quoted_text_must_match_as_a_phrase() {
    let d = desk().await;
    let adjacent = d.publish("推动黑河经济转型升级", json!({})).await;
    let apart = d.publish("黑河今年继续推动改革", json!({})).await;
    let body_phrase = d
        .publish(
            "一条普通的消息",
            json!({ "body": "<p>会议要求进一步推动黑河口岸建设。</p>" }),
        )
        .await;
    let gap = d.publish("黑河的发展之路", json!({})).await;
    let no_gap = d.publish("黑河发展成就展", json!({})).await;
    assert_eq!(
        sorted(d.found("推动 黑河").await),
        sorted(vec![adjacent, apart, body_phrase])
    );
    let phrase = sorted(vec![adjacent, body_phrase]);
    assert_eq!(sorted(d.found("\"推动黑河\"").await), phrase);
    assert_eq!(sorted(d.found("“推动黑河”").await), phrase, "中文引号");
    assert!(d.found("\"黑河推动\"").await.is_empty(), "order matters");
    assert_eq!(d.found("\"推动黑河\" 转型").await, [adjacent]);
    assert_eq!(d.found("\"推动黑河\" \"经济转型\"").await, [adjacent]);
    // A stop word inside a phrase keeps its place: 黑河的发展 is not 黑河发展.
    assert_eq!(d.found("\"黑河的发展\"").await, [gap]);
    assert_eq!(d.found("\"黑河发展\"").await, [no_gap]);
    assert_eq!(
        sorted(d.found("黑河 发展").await),
        sorted(vec![gap, no_gap])
    );
    // Highlighting marks the phrase's words.
    let hit = d.only_hit("\"推动黑河\" 转型").await;
    let title = hit["highlight"]["title"].as_str().unwrap();
    assert!(
        title.contains("<mark>推动</mark>") || title.contains("<mark>推动黑河</mark>"),
        "{title}"
    );
    assert!(
        title.contains("黑河</mark>") && title.contains("<mark>转型</mark>"),
        "{title}"
    );
}

#[tokio::test]
async fn a_title_match_outranks_a_body_only_match() {
    let d = desk().await;
    let when = at(-7200);
    let filler = "今天天气晴朗，市民纷纷走出家门。";
    // The title match is created first: ties go to the newest id, so only the weights can put
    // it first.
    let in_title = d
        .publish(
            "瑷珲古城修缮工程开工",
            json!({
                "published_at": when,
                "summary": "一条消息",
                "body": paragraphs(&[filler, "市民出门踏青。"]),
            }),
        )
        .await;
    let in_body = d
        .publish(
            "市民出门踏青",
            json!({
                "published_at": when,
                "summary": "一条消息",
                "body": paragraphs(&[filler, "瑷珲古城修缮工程开工。"]),
            }),
        )
        .await;
    let body = d.body(&search_path("瑷珲", ""), false).await;
    assert_eq!(ids(&body), [in_title, in_body], "{body}");
    let (first, second) = (&body["data"][0]["score"], &body["data"][1]["score"]);
    assert!(
        first.as_f64().unwrap() > second.as_f64().unwrap(),
        "{first} > {second}"
    );
    assert!(second.as_f64().unwrap() > 0.0);
    // Kicker and subtitle (B) rank above the summary (C), which ranks above the body (D);
    // created in that order, against the id tie-break.
    let in_kicker = d
        .publish(
            "一条新闻",
            json!({ "published_at": when, "kicker": "寒地试车", "summary": "一条消息" }),
        )
        .await;
    let in_summary = d
        .publish(
            "一条新闻",
            json!({ "published_at": when, "summary": "寒地试车" }),
        )
        .await;
    let in_body = d
        .publish(
            "一条新闻",
            json!({ "published_at": when, "summary": "一条消息", "body": "<p>寒地试车</p>" }),
        )
        .await;
    assert_eq!(d.found("寒地试车").await, [in_kicker, in_summary, in_body]);
}

#[tokio::test]
async fn older_articles_rank_below_fresh_ones_with_the_same_text() {
    let d = desk().await;
    let text =
        json!({ "body": "<p>黑河市冰雪经济持续升温，游客数量创新高。</p>", "summary": "冰雪经济" });
    let day = 86_400;
    // Created newest first, so ids run against the expected order.
    let fresh = d
        .publish(
            "冰雪经济升温",
            merge(text.clone(), json!({ "published_at": at(-60) })),
        )
        .await;
    let two_months = d
        .publish(
            "冰雪经济升温",
            merge(text.clone(), json!({ "published_at": at(-60 * day) })),
        )
        .await;
    let old = d
        .publish(
            "冰雪经济升温",
            merge(text, json!({ "published_at": at(-400 * day) })),
        )
        .await;
    let body = d.body(&search_path("冰雪经济", ""), false).await;
    assert_eq!(ids(&body), [fresh, two_months, old], "{body}");
    let score = |i: usize| body["data"][i]["score"].as_f64().unwrap();
    // score = ts_rank × 0.5^(age / 60 days): the same text loses half its score every 60 days.
    let half = score(1) / score(0);
    assert!((half - 0.5).abs() < 0.01, "60 days: ×{half}");
    let much_older = score(2) / score(0);
    let expected = 0.5f64.powf(400.0 / 60.0);
    assert!(
        (much_older - expected).abs() < expected * 0.05,
        "400 days: ×{much_older}, expected ×{expected}"
    );
}

#[tokio::test]
async fn highlights_mark_matches_and_escape_everything_else() {
    let d = desk().await;
    let body = paragraphs(&[
        "正文写着 &lt;script&gt;alert(1)&lt;/script&gt; 这样的字样。",
        "黑河边境口岸恢复客运。",
    ]);
    let id = d
        .publish(
            "黑河 <img src=x onerror=alert(1)> & 口岸",
            json!({ "body": body }),
        )
        .await;
    let hit = d.only_hit("黑河 口岸").await;
    assert_eq!(hit["id"], id);
    assert!(hit["score"].as_f64().unwrap() > 0.0);
    assert_eq!(
        hit["title"], "黑河 <img src=x onerror=alert(1)> & 口岸",
        "raw title kept"
    );
    let title = hit["highlight"]["title"].as_str().unwrap();
    let snippet = hit["highlight"]["snippet"].as_str().unwrap();
    assert_eq!(
        title,
        "<mark>黑河</mark> &lt;img src=x onerror=alert(1)&gt; &amp; <mark>口岸</mark>"
    );
    assert!(snippet.contains("<mark>黑河</mark>"), "{snippet}");
    assert!(snippet.contains("<mark>口岸</mark>"), "{snippet}");
    assert!(snippet.contains("&lt;script&gt;"), "{snippet}");
    for html in [title, snippet] {
        let rest = html.replace("<mark>", "").replace("</mark>", "");
        assert!(
            !rest.contains('<') && !rest.contains('>'),
            "only <mark> tags: {html}"
        );
    }
    // A query that looks like markup marks text, it does not add tags.
    let hit = d.only_hit("<script> 黑河").await;
    let snippet = hit["highlight"]["snippet"].as_str().unwrap();
    assert!(snippet.contains("&lt;<mark>script</mark>&gt;"), "{snippet}");
    let rest = snippet.replace("<mark>", "").replace("</mark>", "");
    assert!(!rest.contains('<'), "{snippet}");
}

#[tokio::test]
async fn snippets_come_from_the_body_around_the_matches() {
    let d = desk().await;
    let filler = "今天天气晴朗，市民纷纷走出家门。".repeat(20);
    let long = d
        .publish(
            "一条长消息",
            json!({ "body": paragraphs(&[&filler, "逊克县冬捕节今天开幕。", &filler]) }),
        )
        .await;
    let title_only = d
        .publish(
            "逊克县冬捕节的消息",
            json!({ "body": "<p>这段正文与标题无关，只讲天气。</p>" }),
        )
        .await;
    let body = d.body(&search_path("冬捕节 逊克", ""), false).await;
    assert_eq!(sorted(ids(&body)), sorted(vec![long, title_only]));
    let hit = |id: i64| {
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["id"] == id)
            .unwrap()
            .clone()
    };
    let snippet = hit(long)["highlight"]["snippet"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        snippet.starts_with('…') && snippet.ends_with('…'),
        "{snippet}"
    );
    assert!(
        snippet.contains("<mark>逊克</mark>县<mark>冬捕节</mark>"),
        "only the query's words: {snippet}"
    );
    let plain = snippet.replace("<mark>", "").replace("</mark>", "");
    let n = plain.chars().count();
    assert!(
        (100..=140).contains(&n),
        "about 120 characters, got {n}: {snippet}"
    );
    // The snippet goes where the matches are densest, not to the first one.
    let dense = d
        .publish(
            "一条消息",
            json!({
                "body": paragraphs(&[
                    &format!("嫩江{filler}"),
                    "嫩江大豆丰收，嫩江大豆外销，嫩江大豆品牌响亮。",
                    &filler,
                ]),
            }),
        )
        .await;
    let dense_hit = d.only_hit("嫩江 大豆").await;
    assert_eq!(dense_hit["id"], dense);
    let snippet = dense_hit["highlight"]["snippet"].as_str().unwrap();
    assert!(
        snippet.starts_with('…') && snippet.ends_with('…'),
        "{snippet}"
    );
    assert!(
        snippet.contains("<mark>嫩江</mark><mark>大豆</mark>")
            || snippet.contains("<mark>嫩江大豆</mark>"),
        "{snippet}"
    );
    assert_eq!(snippet.matches("大豆").count(), 3, "{snippet}");
    // No match in the body: the snippet is the start of the body, nothing marked.
    let other = hit(title_only);
    let snippet = other["highlight"]["snippet"].as_str().unwrap();
    assert!(snippet.starts_with("这段正文与标题无关"), "{snippet}");
    assert!(!snippet.contains("<mark>"), "{snippet}");
    let title = other["highlight"]["title"].as_str().unwrap();
    assert_eq!(title, "<mark>逊克</mark>县<mark>冬捕节</mark>的消息");
}

#[tokio::test]
async fn the_public_finds_only_visible_articles_and_staff_also_drafts() {
    let d = desk().await;
    let live = d.publish("瑷珲冬捕 现场", json!({})).await;
    let draft = d.draft("瑷珲冬捕 草稿", json!({})).await;
    let scheduled = d
        .publish("瑷珲冬捕 预告", json!({ "published_at": at(3600) }))
        .await;
    let offline = d
        .publish(
            "瑷珲冬捕 下线",
            json!({ "published_at": at(-7200), "offline_at": at(-60) }),
        )
        .await;
    let trashed = d.publish("瑷珲冬捕 删除", json!({})).await;
    let archived = d
        .publish("瑷珲冬捕 归档", json!({ "status": "archived" }))
        .await;
    let path = format!("/api/v1/articles/{trashed}");
    assert_eq!(d.delete_as(&path, &d.t).await, 204);

    let res = d.call("GET", &search_path("冬捕", ""), None, None).await;
    assert_eq!(res.status(), 200);
    let cache = header(&res, "cache-control");
    assert!(cache.contains("public"), "{cache}");
    let etag = header(&res, "etag");
    assert!(!etag.is_empty());
    let body: Value = res.json().await.unwrap();
    assert_eq!(ids(&body), [live]);
    assert_eq!(body["meta"]["total"], 1);
    let res = d
        .get(&search_path("冬捕", ""))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);

    let res = d
        .call("GET", &search_path("冬捕", ""), Some(&d.t), None)
        .await;
    assert!(!header(&res, "cache-control").contains("public"));
    let body: Value = res.json().await.unwrap();
    let staff = ids(&body);
    // Staff find everything outside the trash, drafts included.
    let outside_trash = sorted(vec![live, draft, scheduled, offline, archived]);
    assert_eq!(sorted(staff.clone()), outside_trash, "never the trash");
    assert_eq!(d.staff_found("删除").await, Vec::<i64>::new());
    assert_eq!(d.staff_found("草稿").await, [draft]);
    for hidden in ["草稿", "预告", "下线", "删除", "归档"] {
        assert!(d.found(hidden).await.is_empty(), "{hidden}");
    }
    // Restored from the trash, it is found again.
    let res = d
        .call("POST", &format!("{path}/restore"), Some(&d.t), None)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(d.found("删除").await, [trashed]);
    // Publishing the draft makes it public.
    d.edit(draft, json!({ "status": "published" })).await;
    assert_eq!(d.found("草稿").await, [draft]);
}

#[tokio::test]
async fn category_and_date_filters() {
    let d = desk().await;
    let pinglun = d.category_id("pinglun").await;
    let wangping = d.sub_channel("pinglun", "网评", "wangping").await;
    let shizheng = d.category_id("shizheng").await;
    let make = |cat: i64, secs: i64| {
        let extra = json!({ "category_id": cat, "published_at": at(secs) });
        d.publish("优化营商环境", extra)
    };
    let a = make(wangping, -5000).await;
    let b = make(pinglun, -4000).await;
    let c = make(shizheng, -3000).await;
    let q_at = |secs: i64| enc(&at(secs));
    let (after, before) = (q_at(-4500), q_at(-3500));
    for (extra, expected) in [
        ("".to_owned(), vec![a, b, c]),
        ("&category=pinglun".to_owned(), vec![a, b]),
        (format!("&category={pinglun}"), vec![a, b]),
        ("&category=pinglun&descendants=false".to_owned(), vec![b]),
        (format!("&category={wangping}"), vec![a]),
        ("&category=shizheng".to_owned(), vec![c]),
        ("&category=minsheng".to_owned(), vec![]),
        (format!("&published_after={after}"), vec![b, c]),
        (format!("&published_before={before}"), vec![a, b]),
        (
            format!("&published_after={after}&published_before={before}"),
            vec![b],
        ),
        (
            format!("&category=pinglun&published_after={after}"),
            vec![b],
        ),
    ] {
        let body = d.body(&search_path("营商环境", &extra), false).await;
        assert_eq!(sorted(ids(&body)), sorted(expected.clone()), "{extra}");
        assert_eq!(body["meta"]["total"], expected.len(), "{extra}");
    }
    let res = d
        .call(
            "GET",
            &search_path("营商环境", "&category=nope"),
            None,
            None,
        )
        .await;
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn pages_have_totals_and_link_headers() {
    let d = desk().await;
    let mut all = Vec::new();
    for i in 0..5 {
        // Same text, newer each time: recency orders them, newest first.
        let extra = json!({ "published_at": at(-100_000 + i * 10_000) });
        all.push(d.publish("北疆边境口岸", extra).await);
    }
    all.reverse();
    let res = d
        .call("GET", &search_path("口岸", "&per_page=2"), None, None)
        .await;
    assert_eq!(res.status(), 200);
    let link = header(&res, "link");
    let body: Value = res.json().await.unwrap();
    assert_eq!(ids(&body), all[..2]);
    let m = &body["meta"];
    let meta = [&m["page"], &m["per_page"], &m["total"], &m["total_pages"]];
    assert_eq!(meta, [1, 2, 5, 3], "{body}");
    assert_eq!(m["next_cursor"], Value::Null);
    assert!(
        link.contains("rel=\"next\"") && link.contains("page=2"),
        "{link}"
    );
    assert!(link.contains("per_page=2") && link.contains("q="), "{link}");
    assert!(!link.contains("rel=\"prev\""), "{link}");
    let page2 = d
        .body(&search_path("口岸", "&per_page=2&page=2"), false)
        .await;
    assert_eq!(ids(&page2), all[2..4]);
    let res = d
        .call(
            "GET",
            &search_path("口岸", "&per_page=2&page=3"),
            None,
            None,
        )
        .await;
    let link = header(&res, "link");
    let page3: Value = res.json().await.unwrap();
    assert_eq!(ids(&page3), all[4..]);
    assert!(
        link.contains("rel=\"prev\"") && !link.contains("rel=\"next\""),
        "{link}"
    );
    let past = d
        .body(&search_path("口岸", "&per_page=2&page=4"), false)
        .await;
    assert!(ids(&past).is_empty());
    assert_eq!(past["meta"]["total"], 5);
    for extra in ["&per_page=0", "&per_page=101", "&page=0"] {
        let res = d.call("GET", &search_path("口岸", extra), None, None).await;
        assert_eq!(res.status(), 400, "{extra}");
    }
}

#[tokio::test]
async fn the_article_list_q_uses_the_search_engine() {
    let d = desk().await;
    let in_title = d
        .publish(
            "冰雪经济观察",
            json!({ "published_at": at(-7200), "summary": "一条消息" }),
        )
        .await;
    let in_body = d
        .publish(
            "黑河观察",
            json!({
                "published_at": at(-3600),
                "summary": "一条消息",
                "body": "<p>黑河的冰雪经济持续升温。</p>",
            }),
        )
        .await;
    d.publish("无关的消息", json!({})).await;
    let list = |extra: &str| format!("/api/v1/articles?q={}{extra}", enc("冰雪经济"));
    // By relevance without a sort; the body-only match is found too.
    assert_eq!(ids(&d.body(&list(""), false).await), [in_title, in_body]);
    // With a sort, the normal order.
    let newest = d.body(&list("&sort=-published_at"), false).await;
    assert_eq!(ids(&newest), [in_body, in_title]);
    let oldest = d.body(&list("&sort=published_at"), false).await;
    assert_eq!(ids(&oldest), [in_title, in_body]);
    assert_eq!(
        ids(&d
            .body(&format!("/api/v1/articles?q={}", enc("生产力")), false)
            .await),
        Vec::<i64>::new()
    );
    // Cursor paging works with a sort...
    let first = d.body(&list("&sort=-published_at&per_page=1"), false).await;
    assert_eq!(ids(&first), [in_body]);
    let cursor = first["meta"]["next_cursor"].as_str().unwrap().to_owned();
    let next = d
        .body(
            &list(&format!("&sort=-published_at&per_page=1&cursor={cursor}")),
            false,
        )
        .await;
    assert_eq!(ids(&next), [in_title]);
    // ...but not with relevance order.
    let res = d
        .call(
            "GET",
            &list(&format!("&per_page=1&cursor={cursor}")),
            None,
            None,
        )
        .await;
    assert_eq!(res.status(), 400);
    let long = format!("/api/v1/articles?q={}", enc(&"黑".repeat(201)));
    let res = d.call("GET", &long, None, None).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(field_errors(&problem), ["q"]);
}

#[tokio::test]
async fn edits_change_what_an_article_is_found_by() {
    let d = desk().await;
    let id = d
        .publish(
            "黑河冬捕节开幕",
            json!({ "summary": "一条消息", "body": "<p>渔民们凌晨出发。</p>" }),
        )
        .await;
    assert_eq!(d.found("冬捕节").await, [id]);
    assert_eq!(d.found("渔民").await, [id]);
    d.edit(id, json!({ "title": "逊克冰雪旅游节开幕" })).await;
    assert!(d.found("冬捕节").await.is_empty(), "the old title is gone");
    assert_eq!(d.found("逊克").await, [id]);
    assert_eq!(d.found("渔民").await, [id], "the body did not change");
    d.edit(id, json!({ "body": "<p>游客们早早来到现场。</p>" }))
        .await;
    assert!(d.found("渔民").await.is_empty());
    assert_eq!(d.found("游客").await, [id]);
    let hit = d.only_hit("逊克").await;
    assert_eq!(hit["title"], "逊克冰雪旅游节开幕");
    // A summary derived from the body follows the body; a summary set by hand stays.
    let derived = d
        .publish("嫩江新闻", json!({ "body": "<p>大豆喜获丰收。</p>" }))
        .await;
    assert_eq!(d.found("大豆").await, [derived]);
    d.edit(derived, json!({ "body": "<p>冰球比赛开赛。</p>" }))
        .await;
    assert!(
        d.found("大豆").await.is_empty(),
        "the old body's summary went with it"
    );
    assert_eq!(d.only_hit("冰球").await["summary"], "冰球比赛开赛。");
    d.edit(id, json!({ "body": "<p>冰壶比赛开赛。</p>" })).await;
    assert_eq!(d.only_hit("冰壶").await["summary"], "一条消息");
}

#[tokio::test]
async fn tags_kickers_and_subtitles_are_searchable() {
    let d = desk().await;
    let tagged = d
        .publish("口岸见闻", json!({ "tags": ["边民互市", "Border Trade"] }))
        .await;
    let kicker = d
        .publish("今日要闻", json!({ "kicker": "爱辉区召开会议" }))
        .await;
    let subtitle = d
        .publish("今日要闻", json!({ "subtitle": "孙吴县推进乡村振兴" }))
        .await;
    assert_eq!(d.found("边民互市").await, [tagged]);
    assert_eq!(d.found("border").await, [tagged]);
    assert_eq!(d.found("爱辉").await, [kicker]);
    assert_eq!(d.found("乡村振兴 孙吴").await, [subtitle]);
    // Changing the tags changes what it is found by.
    d.edit(tagged, json!({ "tags": ["跨境电商"] })).await;
    assert!(d.found("边民互市").await.is_empty());
    assert_eq!(d.found("跨境电商").await, [tagged]);
}

#[tokio::test]
async fn the_reindex_command_rebuilds_the_vectors() {
    let d = desk().await;
    let a = d.publish("黑河新质生产力发展", json!({})).await;
    let b = d
        .publish(
            "一条消息",
            json!({ "body": "<p>逊克县发展新质生产力。</p>" }),
        )
        .await;
    let c = d.publish("黑河口岸", json!({ "tags": ["生产力"] })).await;
    let all = sorted(vec![a, b, c]);
    assert_eq!(sorted(d.found("生产力").await), all);
    d.sql("UPDATE articles SET search_vector = NULL").await;
    // (Direct SQL sends no change event: staff reads, never cached, see it.)
    assert!(d.staff_found("生产力").await.is_empty(), "nothing indexed");

    let out = newsdesk(&d.db.url)
        .args(["search", "reindex", "--batch", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("reindexed 3 articles in"), "{stdout}");
    assert_eq!(sorted(d.found("生产力").await), all);
    assert_eq!(d.found("逊克").await, [b]);
    let unindexed = "SELECT count(*) AS n FROM articles WHERE search_vector IS NULL";
    assert_eq!(d.sql_i64(unindexed).await, 0);

    // --missing only indexes what has no vector.
    d.sql(&format!(
        "UPDATE articles SET search_vector = NULL WHERE id = {c}"
    ))
    .await;
    assert_eq!(d.found("口岸").await, Vec::<i64>::new());
    let out = newsdesk(&d.db.url)
        .args(["search", "reindex", "--missing"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("reindexed 1 article"), "{stdout}");
    // The command tells running instances (NOTIFY) to drop what they cached.
    let mut found = Vec::new();
    for _ in 0..40 {
        found = d.found("口岸").await;
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(found, [c]);
    assert_eq!(d.sql_i64(unindexed).await, 0);
}

#[tokio::test]
async fn metrics_count_indexing_on_write() {
    let d = desk().await;
    let scrape = || async {
        d.get("/metrics")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let before = scrape().await;
    let count = "newsdesk_search_indexed_on_write_total";
    let micros = "newsdesk_search_index_microseconds_total";
    let (n0, t0) = (metric(&before, count), metric(&before, micros));
    let body = paragraphs(&["黑河市推进新质生产力发展。"; 50]);
    let id = d.publish("黑河新质生产力", json!({ "body": body })).await;
    d.draft("逊克冬捕", json!({})).await;
    d.edit(id, json!({ "title": "黑河新质生产力发展" })).await;
    // A refused write indexes nothing.
    let (status, _) = d
        .post_json(
            "/api/v1/articles",
            &d.t,
            json!({ "title": "", "category_id": d.cat }),
        )
        .await;
    assert_eq!(status, 422);
    let after = scrape().await;
    assert_eq!(metric(&after, count) - n0, 3.0, "{after}");
    assert!(metric(&after, micros) > t0, "{after}");
}

#[tokio::test]
async fn ranking_covers_the_newest_window_then_older_matches_follow_and_totals_stop_at_the_cap() {
    let app = spawn_app_with(|c| {
        c.search_rank_window = 3;
        c.search_count_cap = 4;
    })
    .await;
    app.seed().await;
    let t = app.token(Role::Editor).await;
    let cat = app.category_id("shehui").await;
    let d = Desk { app, t, cat };
    // Oldest first: a title match (ranks high) that is older than the window, then body-only
    // matches, newer each time.
    let old_title = d
        .publish("口岸新闻", json!({ "published_at": at(-500_000) }))
        .await;
    let mut newer = Vec::new();
    for i in 0..5 {
        let extra =
            json!({ "published_at": at(-400_000 + i * 10_000), "body": "<p>提到口岸。</p>" });
        newer.push(d.publish(&format!("新闻{i}"), extra).await);
    }
    let body = d.body(&search_path("口岸", "&per_page=10"), false).await;
    // The newest 3 are ranked; the 2 older body matches and the older title match follow,
    // newest first.
    let got = ids(&body);
    assert_eq!(got.len(), 6);
    let mut window: Vec<i64> = got[..3].to_vec();
    window.sort_unstable();
    let mut want_window = newer[2..].to_vec();
    want_window.sort_unstable();
    assert_eq!(window, want_window);
    assert_eq!(got[3..], [newer[1], newer[0], old_title]);
    // Counting stopped at 4: the total is a lower bound.
    assert_eq!(body["meta"]["total"], 4);
    assert_eq!(body["meta"]["total_relation"], "gte");
    let few = d.body(&search_path("\"口岸新闻\"", ""), false).await;
    assert_eq!(few["meta"]["total"], 1);
    assert!(few["meta"].get("total_relation").is_none());
    // Pages past the window stay in order.
    let p2 = d
        .body(&search_path("口岸", "&per_page=2&page=2"), false)
        .await;
    assert_eq!(ids(&p2), got[2..4]);
    let p3 = d
        .body(&search_path("口岸", "&per_page=2&page=3"), false)
        .await;
    assert_eq!(ids(&p3), got[4..6]);
}

#[tokio::test]
async fn traditional_and_simplified_script_find_each_other() {
    let d = desk().await;
    let simplified = d.publish("黑河口岸经济发展迅速", json!({})).await;
    let traditional = d
        .publish(
            "一條來自香港的報道",
            json!({ "body": "<p>黑龍江省愛輝區舉辦冰雪節，吸引遊客。</p>" }),
        )
        .await;
    // A reader typing traditional characters finds the simplified article …
    let hit = d.only_hit("口岸經濟").await;
    assert_eq!(hit["id"], simplified);
    assert_eq!(
        hit["highlight"]["title"], "黑河<mark>口岸经济</mark>发展迅速",
        "the stored words are marked"
    );
    // … and a simplified query finds the article written in traditional script, marking its
    // own characters.
    let hit = d.only_hit("爱辉区 冰雪节").await;
    assert_eq!(hit["id"], traditional);
    let snippet = hit["highlight"]["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>愛輝區</mark>"), "{snippet}");
    assert_eq!(d.found("愛輝區").await, vec![traditional]);
}
