//! `Desk`: the fixture most content tests start from — a seeded app, an editor's token and a
//! default channel (社会新闻) — with the article writes and reads those tests repeat.

use std::ops::Deref;

use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;

pub struct Desk {
    pub app: TestApp,
    /// An editor's token.
    pub t: String,
    /// The channel articles go to unless told otherwise (`shehui`).
    pub cat: i64,
}

impl Deref for Desk {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

/// A new app on its own database, seeded, with an editor.
pub async fn desk() -> Desk {
    desk_with(|_| {}).await
}

/// As `desk`, with settings changed by `tweak`.
pub async fn desk_with(tweak: impl FnOnce(&mut newsdesk::config::Config)) -> Desk {
    let app = spawn_app_with(tweak).await;
    app.seed().await;
    let t = app.token(Role::Editor).await;
    let cat = app.category_id("shehui").await;
    Desk { app, t, cat }
}

/// The URL of one article.
pub fn article_path(id: i64) -> String {
    format!("/api/v1/articles/{id}")
}

impl Desk {
    /// Creates a published article (in the default channel, an hour old, unless `extra` says
    /// otherwise) and returns its id.
    pub async fn publish(&self, title: &str, extra: Value) -> i64 {
        let base = json!({
            "title": title,
            "category_id": self.cat,
            "status": "published",
            "published_at": at(-3600),
        });
        self.created_id(merge(base, extra)).await
    }

    /// Creates a draft (in the default channel unless `extra` says otherwise); returns its id.
    pub async fn draft(&self, title: &str, extra: Value) -> i64 {
        let base = json!({ "title": title, "category_id": self.cat });
        self.created_id(merge(base, extra)).await
    }

    async fn created_id(&self, body: Value) -> i64 {
        let created = self.create_article(&self.t, body).await;
        created["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no id in {created}"))
    }

    /// Changes an article as the editor (asserting 200).
    pub async fn edit(&self, id: i64, change: Value) {
        let path = article_path(id);
        let (status, body) = self.patch_json(&path, &self.t, change).await;
        assert_eq!(status, 200, "{body}");
    }

    /// The body of `path` (asserting 200), anonymously or as the editor.
    pub async fn body(&self, path: &str, staff: bool) -> Value {
        let token = staff.then_some(self.t.as_str());
        let (status, body) = self.get_as(path, token).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    /// The ids of the list at `path`, anonymously or as the editor.
    pub async fn ids(&self, path: &str, staff: bool) -> Vec<i64> {
        ids(&self.body(path, staff).await)
    }
}
