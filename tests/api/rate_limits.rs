use std::time::Duration;

use newsdesk::models::user::Role;
use reqwest::Response;

use crate::helpers::*;

/// A server whose public bucket holds `burst` and refills `per_minute` times a minute.
async fn limited(per_minute: u32, burst: u32) -> TestApp {
    spawn_app_with(|c| {
        c.rate_limit_per_minute = per_minute;
        c.rate_limit_burst = burst;
    })
    .await
}

fn num(res: &Response, name: &str) -> i64 {
    header(res, name)
        .parse()
        .unwrap_or_else(|_| panic!("{name} is a number: {:?}", header(res, name)))
}

async fn get_from(app: &TestApp, path: &str, forwarded_for: Option<&str>) -> Response {
    let mut req = app.get(path);
    if let Some(ip) = forwarded_for {
        req = req.header("x-forwarded-for", ip);
    }
    req.send().await.unwrap()
}

async fn beacon_from(app: &TestApp, forwarded_for: Option<&str>) -> Response {
    let mut req = app.post("/api/v1/articles/no-such-article/views");
    if let Some(ip) = forwarded_for {
        req = req.header("x-forwarded-for", ip);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_burst_then_429_problem_with_retry_after() {
    let app = limited(60, 3).await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let res = app.get("/api/v1/tags").send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(num(&res, "ratelimit-limit"), 3);
        assert!((1..=3).contains(&num(&res, "ratelimit-reset")));
        remaining.push(num(&res, "ratelimit-remaining"));
    }
    assert_eq!(remaining, vec![2, 1, 0]);
    let res = app.get("/api/v1/tags").send().await.unwrap();
    assert_eq!(num(&res, "ratelimit-limit"), 3);
    assert_eq!(num(&res, "ratelimit-remaining"), 0);
    let retry_after = num(&res, "retry-after");
    assert!((1..=1).contains(&retry_after), "{retry_after}");
    assert_eq!(num(&res, "ratelimit-reset"), retry_after);
    assert_eq!(header(&res, "cache-control"), "no-store");
    let body = assert_problem(res, 429, "rate_limited").await;
    assert!(body["detail"].as_str().unwrap().contains("retry"));
    // Every path counts, unknown ones too.
    assert_problem(
        app.get("/api/v1/nothing-here").send().await.unwrap(),
        429,
        "rate_limited",
    )
    .await;
}

#[tokio::test]
async fn the_bucket_refills() {
    // 10 tokens a second.
    let app = limited(600, 2).await;
    for _ in 0..2 {
        assert_eq!(app.get("/api/v1/tags").send().await.unwrap().status(), 200);
    }
    let refused = app.get("/api/v1/tags").send().await.unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(num(&refused, "retry-after"), 1);
    tokio::time::sleep(Duration::from_millis(250)).await;
    let res = app.get("/api/v1/tags").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(num(&res, "ratelimit-limit"), 2);
}

#[tokio::test]
async fn the_beacon_has_its_own_bucket() {
    let app = spawn_app_with(|c| {
        c.trusted_proxies = "127.0.0.1".into();
        c.rate_limit_per_minute = 1;
        c.rate_limit_burst = 2;
        c.beacon_rate_limit_per_minute = 1;
        c.beacon_rate_limit_burst = 4;
    })
    .await;
    // Client A empties its public bucket; its beacon still works.
    let a = Some("203.0.113.1");
    for _ in 0..2 {
        assert_eq!(get_from(&app, "/api/v1/tags", a).await.status(), 200);
    }
    assert_eq!(get_from(&app, "/api/v1/tags", a).await.status(), 429);
    let res = beacon_from(&app, a).await;
    assert_eq!(res.status(), 404, "the beacon is limited separately");
    assert_eq!(num(&res, "ratelimit-limit"), 4);
    assert_eq!(num(&res, "ratelimit-remaining"), 3);

    // Client B empties its beacon bucket; its reads still work.
    let b = Some("203.0.113.2");
    for _ in 0..4 {
        assert_eq!(beacon_from(&app, b).await.status(), 404);
    }
    let res = beacon_from(&app, b).await;
    assert_eq!(num(&res, "ratelimit-limit"), 4);
    assert_problem(res, 429, "rate_limited").await;
    let res = get_from(&app, "/api/v1/tags", b).await;
    assert_eq!(res.status(), 200);
    assert_eq!(num(&res, "ratelimit-limit"), 2);
    assert_eq!(num(&res, "ratelimit-remaining"), 1);
}

#[tokio::test]
async fn clients_behind_a_trusted_proxy_get_their_own_buckets() {
    let app = spawn_app_with(|c| {
        c.trusted_proxies = "127.0.0.1".into();
        c.rate_limit_per_minute = 1;
        c.rate_limit_burst = 1;
    })
    .await;
    let a = Some("198.51.100.7");
    assert_eq!(get_from(&app, "/api/v1/tags", a).await.status(), 200);
    assert_eq!(get_from(&app, "/api/v1/tags", a).await.status(), 429);
    // A client cannot escape by prepending an address: the nearest untrusted hop counts.
    let spoofed = Some("192.0.2.99, 198.51.100.7");
    assert_eq!(get_from(&app, "/api/v1/tags", spoofed).await.status(), 429);
    let b = Some("198.51.100.8");
    assert_eq!(get_from(&app, "/api/v1/tags", b).await.status(), 200);
    // The proxy itself (no header) is a client too.
    assert_eq!(get_from(&app, "/api/v1/tags", None).await.status(), 200);
}

#[tokio::test]
async fn forwarded_for_is_ignored_without_trusted_proxies() {
    let app = limited(1, 1).await;
    let a = Some("198.51.100.7");
    let b = Some("198.51.100.8");
    assert_eq!(get_from(&app, "/api/v1/tags", a).await.status(), 200);
    let res = get_from(&app, "/api/v1/tags", b).await;
    assert_problem(res, 429, "rate_limited").await;
}

#[tokio::test]
async fn staff_with_a_valid_token_are_not_limited() {
    let app = limited(1, 2).await;
    // The login itself is a public request: one token of two.
    let token = app.token(Role::Writer).await;
    for _ in 0..5 {
        let res = app
            .get("/api/v1/tags")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(header(&res, "ratelimit-limit").is_empty());
    }
    // An invalid token is limited like anyone (and refused by the handler).
    let res = app
        .get("/api/v1/tags")
        .bearer_auth("not-a-jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(num(&res, "ratelimit-remaining"), 0);
    assert_problem(res, 401, "unauthorized").await;
    let res = app.get("/api/v1/tags").send().await.unwrap();
    assert_problem(res, 429, "rate_limited").await;
    let res = app
        .get("/api/v1/auth/me")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn probes_and_metrics_are_not_limited() {
    let app = limited(1, 1).await;
    assert_eq!(app.get("/api/v1/tags").send().await.unwrap().status(), 200);
    assert_eq!(app.get("/api/v1/tags").send().await.unwrap().status(), 429);
    for path in [
        "/livez", "/readyz", "/metrics", "/livez", "/readyz", "/metrics",
    ] {
        let res = app.get(path).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert!(header(&res, "ratelimit-limit").is_empty(), "{path}");
    }
}

#[tokio::test]
async fn zero_per_minute_turns_the_public_limit_off() {
    let app = spawn_app_with(|c| {
        c.rate_limit_per_minute = 0;
        c.rate_limit_burst = 1;
        c.beacon_rate_limit_per_minute = 60;
        c.beacon_rate_limit_burst = 5;
    })
    .await;
    for _ in 0..20 {
        let res = app.get("/api/v1/tags").send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(header(&res, "ratelimit-limit").is_empty());
    }
    // The beacon keeps its own setting.
    assert_eq!(num(&beacon_from(&app, None).await, "ratelimit-limit"), 5);
}

#[tokio::test]
async fn browsers_can_read_the_limit_headers_of_a_429() {
    let app = limited(1, 1).await;
    let origin = "https://app.example.com";
    let send = || app.get("/api/v1/tags").header("origin", origin).send();
    let ok = send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let exposed = header(&ok, "access-control-expose-headers").to_lowercase();
    for name in [
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
        "retry-after",
    ] {
        assert!(exposed.contains(name), "{name} in {exposed}");
    }
    let refused = send().await.unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(header(&refused, "access-control-allow-origin"), origin);
}
