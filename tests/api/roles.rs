//! The role matrix (issue 6): every role × resource × action over HTTP.
//!
//! Each row of `MATRIX` names a request (`Action`) and what each of anonymous, writer, editor
//! and admin must get: allowed (2xx), 401, 403, or 404 (drafts are hidden from the public).
//! Every cell gets fresh fixtures, and every cell checks the database: a refused request (and
//! any read) changes no content table, an allowed write changes one. The API-key endpoints are
//! built in another branch: their rows are skipped, with a note, while the route answers 404
//! `not_found` to every role.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use diesel_async::RunQueryDsl;
use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    Anonymous,
    Writer,
    Editor,
    Admin,
}

const WHO: [Who; 4] = [Who::Anonymous, Who::Writer, Who::Editor, Who::Admin];

/// What one cell must answer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Want {
    /// 2xx, and a write changes the database.
    Y,
    /// 401 `unauthorized`, nothing changed.
    U,
    /// 403 `forbidden`, nothing changed.
    F,
    /// 404 `not_found` (hidden from the public), nothing changed.
    H,
}

use Want::{F, H, U, Y};

/// One request of the matrix. "Own" is the acting user's (a writer's for anonymous);
/// "another's" belongs to a second writer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Action {
    ListByStatus,
    ReadOthersDraft,
    CreateDraft,
    CreatePublished,
    UpdateOwnDraft,
    UpdateOthersDraft,
    UpdateOwnPublished,
    ChangeStatus,
    TrashOwnDraft,
    TrashOthersDraft,
    TrashOwnPublished,
    RestoreOwn,
    RestoreOthers,
    ListRevisions,
    ReadRevision,
    RestoreRevisionOwn,
    RestoreRevisionOthers,
    ListTrash,
    Purge,
    CreateCategory,
    UpdateCategory,
    DeleteCategory,
    CreateSource,
    UpdateSource,
    DeleteSource,
    CreateAuthor,
    UpdateAuthor,
    DeleteAuthor,
    CreateBoard,
    UpdateBoard,
    DeleteBoard,
    SetEntries,
    ListTags,
    TagViaArticle,
    ListUsers,
    GetUser,
    CreateUser,
    UpdateUser,
    DeleteUser,
    ListAudit,
    ListApiKeys,
    GetApiKey,
    ListSynonyms,
    GetSynonym,
    CreateSynonym,
    UpdateSynonym,
    DeleteSynonym,
    CreateApiKey,
    RevokeApiKey,
    UpdateSite,
    ListWebhooks,
    GetWebhook,
    CreateWebhook,
    UpdateWebhook,
    DeleteWebhook,
    ListDeliveries,
    GetDelivery,
    Redeliver,
    PingWebhook,
    ListMedia,
    UploadMedia,
    GetOthersMedia,
    UpdateOwnMedia,
    UpdateOthersMedia,
    DeleteOwnMedia,
    DeleteOthersMedia,
}

use Action::*;

/// (resource, action, request, [anonymous, writer, editor, admin])
type Row = (&'static str, &'static str, Action, [Want; 4]);

#[rustfmt::skip]
const MATRIX: &[Row] = &[
    ("articles", "list with status filter (staff only)", ListByStatus,          [U, Y, Y, Y]),
    ("articles", "read another's draft",                 ReadOthersDraft,       [H, Y, Y, Y]),
    ("articles", "create a draft",                       CreateDraft,           [U, Y, Y, Y]),
    ("articles", "create published",                     CreatePublished,       [U, F, Y, Y]),
    ("articles", "update own draft",                     UpdateOwnDraft,        [U, Y, Y, Y]),
    ("articles", "update another's draft",               UpdateOthersDraft,     [U, F, Y, Y]),
    ("articles", "update own published article",         UpdateOwnPublished,    [U, F, Y, Y]),
    ("articles", "change status (publish own draft)",    ChangeStatus,          [U, F, Y, Y]),
    ("articles", "trash own draft",                      TrashOwnDraft,         [U, Y, Y, Y]),
    ("articles", "trash another's draft",                TrashOthersDraft,      [U, F, Y, Y]),
    ("articles", "trash own published article",          TrashOwnPublished,     [U, F, Y, Y]),
    ("articles", "restore own draft from the trash",     RestoreOwn,            [U, Y, Y, Y]),
    ("articles", "restore another's draft from trash",   RestoreOthers,         [U, F, Y, Y]),
    ("articles", "list revisions (another's draft)",     ListRevisions,         [U, Y, Y, Y]),
    ("articles", "read a revision (another's draft)",    ReadRevision,          [U, Y, Y, Y]),
    ("articles", "restore a revision of own draft",      RestoreRevisionOwn,    [U, Y, Y, Y]),
    ("articles", "restore a revision of another's",      RestoreRevisionOthers, [U, F, Y, Y]),
    ("articles", "list the trash",                       ListTrash,             [U, Y, Y, Y]),
    ("articles", "purge from the trash",                 Purge,                 [U, F, F, Y]),
    ("categories", "create",                             CreateCategory,        [U, F, Y, Y]),
    ("categories", "update",                             UpdateCategory,        [U, F, Y, Y]),
    ("categories", "delete",                             DeleteCategory,        [U, F, Y, Y]),
    ("sources", "create",                                CreateSource,          [U, F, Y, Y]),
    ("sources", "update",                                UpdateSource,          [U, F, Y, Y]),
    ("sources", "delete",                                DeleteSource,          [U, F, Y, Y]),
    ("authors", "create",                                CreateAuthor,          [U, F, Y, Y]),
    ("authors", "update",                                UpdateAuthor,          [U, F, Y, Y]),
    ("authors", "delete",                                DeleteAuthor,          [U, F, Y, Y]),
    ("rankings", "create a board",                       CreateBoard,           [U, F, Y, Y]),
    ("rankings", "update a board",                       UpdateBoard,           [U, F, Y, Y]),
    ("rankings", "delete a board",                       DeleteBoard,           [U, F, Y, Y]),
    ("rankings", "set a board's entries",                SetEntries,            [U, F, Y, Y]),
    ("tags", "read",                                     ListTags,              [Y, Y, Y, Y]),
    ("tags", "create (through a draft's tags)",          TagViaArticle,         [U, Y, Y, Y]),
    ("users", "list",                                    ListUsers,             [U, F, F, Y]),
    ("users", "get",                                     GetUser,               [U, F, F, Y]),
    ("users", "create",                                  CreateUser,            [U, F, F, Y]),
    ("users", "update",                                  UpdateUser,            [U, F, F, Y]),
    ("users", "delete",                                  DeleteUser,            [U, F, F, Y]),
    ("audit", "list",                                    ListAudit,             [U, F, F, Y]),
    ("synonyms", "list",                                 ListSynonyms,          [U, Y, Y, Y]),
    ("synonyms", "get",                                  GetSynonym,            [U, Y, Y, Y]),
    ("synonyms", "create",                               CreateSynonym,         [U, F, Y, Y]),
    ("synonyms", "update",                               UpdateSynonym,         [U, F, Y, Y]),
    ("synonyms", "delete",                               DeleteSynonym,         [U, F, Y, Y]),
    ("api-keys", "list",                                 ListApiKeys,           [U, F, F, Y]),
    ("api-keys", "get",                                  GetApiKey,             [U, F, F, Y]),
    ("api-keys", "create",                               CreateApiKey,          [U, F, F, Y]),
    ("api-keys", "revoke (delete)",                      RevokeApiKey,          [U, F, F, Y]),
    ("site", "update the settings",                      UpdateSite,            [U, F, F, Y]),
    ("webhooks", "list",                                 ListWebhooks,          [U, F, F, Y]),
    ("webhooks", "get",                                  GetWebhook,            [U, F, F, Y]),
    ("webhooks", "create",                               CreateWebhook,         [U, F, F, Y]),
    ("webhooks", "update",                               UpdateWebhook,         [U, F, F, Y]),
    ("webhooks", "delete",                               DeleteWebhook,         [U, F, F, Y]),
    ("webhooks", "list deliveries",                      ListDeliveries,        [U, F, F, Y]),
    ("webhooks", "get a delivery",                       GetDelivery,           [U, F, F, Y]),
    ("webhooks", "redeliver",                            Redeliver,             [U, F, F, Y]),
    ("webhooks", "ping",                                 PingWebhook,           [U, F, F, Y]),
    ("media", "list",                                    ListMedia,             [U, Y, Y, Y]),
    ("media", "upload",                                  UploadMedia,           [U, Y, Y, Y]),
    ("media", "get another's private asset",             GetOthersMedia,        [U, H, Y, Y]),
    ("media", "update own asset",                        UpdateOwnMedia,        [U, Y, Y, Y]),
    ("media", "update another's asset",                  UpdateOthersMedia,     [U, F, Y, Y]),
    ("media", "delete own asset",                        DeleteOwnMedia,        [U, Y, Y, Y]),
    ("media", "delete another's asset",                  DeleteOthersMedia,     [U, F, Y, Y]),
];

/// Tables whose contents a refused request must leave alone (not the audit log, sessions,
/// login throttling or view counters, which record attempts by design).
const CONTENT_TABLES: &[&str] = &[
    "users",
    "articles",
    "article_authors",
    "article_tags",
    "article_related",
    "article_revisions",
    "tags",
    "categories",
    "sources",
    "authors",
    "rankings",
    "ranking_entries",
    "api_keys",
    "site_settings",
    "webhooks",
    "webhook_deliveries",
    "media_assets",
    "article_media",
    "search_synonyms",
];

/// The operation (method, OpenAPI path) an action exercises.
fn operation(action: Action) -> (&'static str, &'static str) {
    const A: &str = "/api/v1/articles/{key}";
    match action {
        ListByStatus => ("GET", "/api/v1/articles"),
        ReadOthersDraft => ("GET", A),
        CreateDraft | CreatePublished | TagViaArticle => ("POST", "/api/v1/articles"),
        UpdateOwnDraft | UpdateOthersDraft | UpdateOwnPublished | ChangeStatus => ("PATCH", A),
        TrashOwnDraft | TrashOthersDraft | TrashOwnPublished => ("DELETE", A),
        RestoreOwn | RestoreOthers => ("POST", "/api/v1/articles/{key}/restore"),
        ListRevisions => ("GET", "/api/v1/articles/{key}/revisions"),
        ReadRevision => ("GET", "/api/v1/articles/{key}/revisions/{n}"),
        RestoreRevisionOwn | RestoreRevisionOthers => {
            ("POST", "/api/v1/articles/{key}/revisions/{n}/restore")
        }
        ListTrash => ("GET", "/api/v1/trash/articles"),
        Purge => ("DELETE", "/api/v1/trash/articles/{key}"),
        CreateCategory => ("POST", "/api/v1/categories"),
        UpdateCategory => ("PATCH", "/api/v1/categories/{key}"),
        DeleteCategory => ("DELETE", "/api/v1/categories/{key}"),
        CreateSource => ("POST", "/api/v1/sources"),
        UpdateSource => ("PATCH", "/api/v1/sources/{key}"),
        DeleteSource => ("DELETE", "/api/v1/sources/{key}"),
        CreateAuthor => ("POST", "/api/v1/authors"),
        UpdateAuthor => ("PATCH", "/api/v1/authors/{key}"),
        DeleteAuthor => ("DELETE", "/api/v1/authors/{key}"),
        CreateBoard => ("POST", "/api/v1/rankings"),
        UpdateBoard => ("PATCH", "/api/v1/rankings/{key}"),
        DeleteBoard => ("DELETE", "/api/v1/rankings/{key}"),
        SetEntries => ("PUT", "/api/v1/rankings/{key}/entries"),
        ListTags => ("GET", "/api/v1/tags"),
        ListUsers => ("GET", "/api/v1/users"),
        GetUser => ("GET", "/api/v1/users/{id}"),
        CreateUser => ("POST", "/api/v1/users"),
        UpdateUser => ("PATCH", "/api/v1/users/{id}"),
        DeleteUser => ("DELETE", "/api/v1/users/{id}"),
        ListAudit => ("GET", "/api/v1/audit"),
        ListSynonyms => ("GET", "/api/v1/search/synonyms"),
        GetSynonym => ("GET", "/api/v1/search/synonyms/{id}"),
        CreateSynonym => ("POST", "/api/v1/search/synonyms"),
        UpdateSynonym => ("PATCH", "/api/v1/search/synonyms/{id}"),
        DeleteSynonym => ("DELETE", "/api/v1/search/synonyms/{id}"),
        ListApiKeys => ("GET", "/api/v1/api-keys"),
        GetApiKey => ("GET", "/api/v1/api-keys/{id}"),
        CreateApiKey => ("POST", "/api/v1/api-keys"),
        RevokeApiKey => ("DELETE", "/api/v1/api-keys/{id}"),
        UpdateSite => ("PATCH", "/api/v1/site"),
        ListWebhooks => ("GET", "/api/v1/webhooks"),
        GetWebhook => ("GET", "/api/v1/webhooks/{id}"),
        CreateWebhook => ("POST", "/api/v1/webhooks"),
        UpdateWebhook => ("PATCH", "/api/v1/webhooks/{id}"),
        DeleteWebhook => ("DELETE", "/api/v1/webhooks/{id}"),
        ListDeliveries => ("GET", "/api/v1/webhooks/{id}/deliveries"),
        GetDelivery => ("GET", "/api/v1/webhooks/{id}/deliveries/{delivery_id}"),
        Redeliver => (
            "POST",
            "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
        ),
        PingWebhook => ("POST", "/api/v1/webhooks/{id}/ping"),
        ListMedia => ("GET", "/api/v1/media"),
        UploadMedia => ("POST", "/api/v1/media"),
        GetOthersMedia => ("GET", "/api/v1/media/{id}"),
        UpdateOwnMedia | UpdateOthersMedia => ("PATCH", "/api/v1/media/{id}"),
        DeleteOwnMedia | DeleteOthersMedia => ("DELETE", "/api/v1/media/{id}"),
    }
}

/// A concrete request.
struct Req {
    path: String,
    body: Option<Value>,
    /// A file to upload (`multipart/form-data`) instead of a JSON body.
    file: Option<Vec<u8>>,
}

fn req(path: impl Into<String>) -> Req {
    Req {
        path: path.into(),
        body: None,
        file: None,
    }
}

fn with(path: impl Into<String>, body: Value) -> Req {
    Req {
        path: path.into(),
        body: Some(body),
        file: None,
    }
}

/// A picture no other upload of the test has (uploads of the same bytes are one asset).
fn unique_jpeg() -> Vec<u8> {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    crate::media::jpeg(16 + n % 500, 16 + n / 500)
}

fn art(id: i64) -> String {
    format!("/api/v1/articles/{id}")
}

/// A short unique suffix for names and slugs.
fn uniq() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_owned()
}

#[derive(diesel::QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    t: String,
}

/// A seeded app with a writer, a second writer (whose content is "another's"), an editor and an
/// admin.
struct Lab {
    app: TestApp,
    writer: String,
    writer2: String,
    editor: String,
    admin: String,
    cat: i64,
}

impl Lab {
    async fn new() -> Self {
        // No webhook worker: nothing may change the tables between a request and its check.
        let app = spawn_app_with(|c| c.webhook_worker = false).await;
        app.seed().await;
        Self {
            writer: app.token(Role::Writer).await,
            writer2: app.token(Role::Writer).await,
            editor: app.token(Role::Editor).await,
            admin: app.token(Role::Admin).await,
            cat: app.category_id("shehui").await,
            app,
        }
    }

    fn token(&self, who: Who) -> Option<&str> {
        match who {
            Who::Anonymous => None,
            Who::Writer => Some(&self.writer),
            Who::Editor => Some(&self.editor),
            Who::Admin => Some(&self.admin),
        }
    }

    /// Whose content is "own" for this role (a writer's for anonymous).
    fn owner(&self, who: Who) -> &str {
        self.token(who).unwrap_or(&self.writer)
    }

    /// One md5 per content table, `table=md5 …`.
    async fn fingerprint(&self) -> String {
        let parts: Vec<String> = CONTENT_TABLES
            .iter()
            .map(|t| {
                format!(
                    "'{t}=' || (SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM {t} r)"
                )
            })
            .collect();
        let query = format!("SELECT concat_ws(' ', {}) AS t", parts.join(", "));
        let row: Text = diesel::sql_query(query)
            .get_result(&mut self.app.conn().await)
            .await
            .unwrap();
        row.t
    }

    async fn ok(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> Value {
        let res = self.app.call(method, path, Some(token), body).await;
        let (status, json) = status_json(res).await;
        assert!(
            (200..300).contains(&status),
            "fixture {method} {path}: {status} {json}"
        );
        json
    }

    async fn draft(&self, owner: &str) -> i64 {
        let body = json!({ "title": format!("draft {}", uniq()), "category_id": self.cat });
        self.ok("POST", "/api/v1/articles", owner, Some(body)).await["id"]
            .as_i64()
            .unwrap()
    }

    /// A draft of `owner`'s, then published by the editor.
    async fn published(&self, owner: &str) -> i64 {
        let id = self.draft(owner).await;
        let publish = json!({ "status": "published" });
        self.ok("PATCH", &art(id), &self.editor, Some(publish))
            .await;
        id
    }

    /// A draft of `owner`'s that `owner` moved to the trash.
    async fn trashed(&self, owner: &str) -> i64 {
        let id = self.draft(owner).await;
        self.ok("DELETE", &art(id), owner, None).await;
        id
    }

    /// A draft of `owner`'s with revision 1 (it was edited once).
    async fn revised(&self, owner: &str) -> i64 {
        let id = self.draft(owner).await;
        let change = json!({ "title": format!("edited {}", uniq()) });
        self.ok("PATCH", &art(id), owner, Some(change)).await;
        id
    }

    /// Creates a taxonomy item or board as the editor; returns its slug.
    async fn thing(&self, collection: &str, extra: Value) -> String {
        let slug = format!("m-{}", uniq());
        let body = merge(json!({ "name": format!("名 {slug}"), "slug": slug }), extra);
        self.ok("POST", collection, &self.editor, Some(body)).await;
        slug
    }

    async fn board(&self) -> String {
        let slug = format!("m-{}", uniq());
        let body = json!({ "title": format!("榜 {slug}"), "slug": slug, "kind": "curated" });
        self.ok("POST", "/api/v1/rankings", &self.editor, Some(body))
            .await;
        slug
    }

    /// A writer account inserted straight into the database; returns its id.
    async fn user(&self) -> i64 {
        let email = format!("target-{}@example.com", uniq());
        self.app.create_user(&email, Role::Writer).await;
        self.app
            .sql_i64(&format!(
                "SELECT id AS n FROM users WHERE email = '{email}'"
            ))
            .await
    }

    /// An API key made by the admin (inserted straight into the database while the endpoint
    /// does not exist yet); returns its id.
    /// A group of the search synonym list (made by the editor); its id.
    async fn synonym(&self) -> i64 {
        let body = json!({ "terms": [format!("丙{}", uniq()), format!("丁{}", uniq())] });
        let made = self
            .ok("POST", "/api/v1/search/synonyms", &self.editor, Some(body))
            .await;
        made["id"].as_i64().unwrap()
    }

    async fn api_key(&self) -> i64 {
        let body = json!({ "name": format!("key {}", uniq()) });
        let res = self
            .app
            .call("POST", "/api/v1/api-keys", Some(&self.admin), Some(body))
            .await;
        let (status, key) = status_json(res).await;
        if status == 201 {
            return key["id"].as_i64().unwrap();
        }
        assert_eq!(status, 404, "fixture POST /api/v1/api-keys: {key}");
        self.app
            .sql_i64(
                "INSERT INTO api_keys (name, prefix, secret_hash, rate_per_minute, burst) \
                 VALUES ('matrix', 'ndk_matrix', decode(md5(random()::text), 'hex'), 60, 10) \
                 RETURNING id AS n",
            )
            .await
    }

    /// A webhook endpoint made by the admin (inactive: no event reaches it); returns its id.
    async fn webhook(&self) -> i64 {
        let body = json!({ "url": "http://127.0.0.1:9/matrix", "events": ["site.updated"],
                           "active": false });
        let hook = self
            .ok("POST", "/api/v1/webhooks", &self.admin, Some(body))
            .await;
        hook["id"].as_i64().unwrap()
    }

    /// A queued delivery (a ping) of a new webhook; returns (webhook id, delivery id).
    async fn delivery(&self) -> (i64, i64) {
        let hook = self.webhook().await;
        let path = format!("/api/v1/webhooks/{hook}/ping");
        let delivery = self.ok("POST", &path, &self.admin, None).await;
        (hook, delivery["id"].as_i64().unwrap())
    }

    /// An asset `owner` uploaded (private); returns its id.
    async fn media(&self, owner: &str) -> i64 {
        let asset = self
            .app
            .upload_new(owner, unique_jpeg(), "m.jpg", &[])
            .await;
        asset["id"].as_i64().unwrap()
    }

    /// Builds fresh fixtures for one cell and returns its request.
    async fn prepare(&self, action: Action, who: Who) -> Req {
        let own = self.owner(who);
        let other = self.writer2.as_str();
        let title = format!("new {}", uniq());
        let article = json!({ "title": title, "category_id": self.cat });
        match action {
            ListByStatus => req("/api/v1/articles?status=draft"),
            ReadOthersDraft => req(art(self.draft(other).await)),
            CreateDraft => with("/api/v1/articles", article),
            CreatePublished => with(
                "/api/v1/articles",
                merge(article, json!({ "status": "published" })),
            ),
            TagViaArticle => with(
                "/api/v1/articles",
                merge(article, json!({ "tags": [format!("标签{}", uniq())] })),
            ),
            UpdateOwnDraft => with(art(self.draft(own).await), json!({ "title": title })),
            UpdateOthersDraft => with(art(self.draft(other).await), json!({ "title": title })),
            UpdateOwnPublished => with(art(self.published(own).await), json!({ "title": title })),
            ChangeStatus => with(art(self.draft(own).await), json!({ "status": "published" })),
            TrashOwnDraft => req(art(self.draft(own).await)),
            TrashOthersDraft => req(art(self.draft(other).await)),
            TrashOwnPublished => req(art(self.published(own).await)),
            RestoreOwn => req(format!("{}/restore", art(self.trashed(own).await))),
            RestoreOthers => req(format!("{}/restore", art(self.trashed(other).await))),
            ListRevisions => req(format!("{}/revisions", art(self.revised(other).await))),
            ReadRevision => req(format!("{}/revisions/1", art(self.revised(other).await))),
            RestoreRevisionOwn => req(format!(
                "{}/revisions/1/restore",
                art(self.revised(own).await)
            )),
            RestoreRevisionOthers => req(format!(
                "{}/revisions/1/restore",
                art(self.revised(other).await)
            )),
            ListTrash => {
                self.trashed(other).await;
                req("/api/v1/trash/articles")
            }
            Purge => req(format!(
                "/api/v1/trash/articles/{}",
                self.trashed(other).await
            )),
            CreateCategory => with(
                "/api/v1/categories",
                json!({ "name": title, "slug": format!("m-{}", uniq()) }),
            ),
            UpdateCategory => with(
                format!(
                    "/api/v1/categories/{}",
                    self.thing("/api/v1/categories", json!({})).await
                ),
                json!({ "description": title }),
            ),
            DeleteCategory => req(format!(
                "/api/v1/categories/{}",
                self.thing("/api/v1/categories", json!({})).await
            )),
            CreateSource => with(
                "/api/v1/sources",
                json!({ "name": title, "kind": "website" }),
            ),
            UpdateSource => with(
                format!(
                    "/api/v1/sources/{}",
                    self.thing("/api/v1/sources", json!({ "kind": "other" }))
                        .await
                ),
                json!({ "kind": "agency" }),
            ),
            DeleteSource => req(format!(
                "/api/v1/sources/{}",
                self.thing("/api/v1/sources", json!({ "kind": "other" }))
                    .await
            )),
            CreateAuthor => with("/api/v1/authors", json!({ "name": title })),
            UpdateAuthor => with(
                format!(
                    "/api/v1/authors/{}",
                    self.thing("/api/v1/authors", json!({})).await
                ),
                json!({ "affiliation": title }),
            ),
            DeleteAuthor => req(format!(
                "/api/v1/authors/{}",
                self.thing("/api/v1/authors", json!({})).await
            )),
            CreateBoard => with(
                "/api/v1/rankings",
                json!({ "title": title, "kind": "curated" }),
            ),
            UpdateBoard => with(
                format!("/api/v1/rankings/{}", self.board().await),
                json!({ "title": title }),
            ),
            DeleteBoard => req(format!("/api/v1/rankings/{}", self.board().await)),
            SetEntries => {
                let board = self.board().await;
                let article = self.published(&self.editor).await;
                with(
                    format!("/api/v1/rankings/{board}/entries"),
                    json!([{ "article_id": article, "note": "编者按" }]),
                )
            }
            ListTags => req("/api/v1/tags"),
            ListUsers => req("/api/v1/users"),
            GetUser => req(format!("/api/v1/users/{}", self.user().await)),
            CreateUser => with(
                "/api/v1/users",
                json!({
                    "email": format!("new-{}@example.com", uniq()),
                    "role": "writer",
                    "password": "a-long-enough-password",
                }),
            ),
            UpdateUser => with(
                format!("/api/v1/users/{}", self.user().await),
                json!({ "display_name": title }),
            ),
            DeleteUser => req(format!("/api/v1/users/{}", self.user().await)),
            ListAudit => req("/api/v1/audit"),
            ListSynonyms => req("/api/v1/search/synonyms"),
            GetSynonym => req(format!("/api/v1/search/synonyms/{}", self.synonym().await)),
            CreateSynonym => with(
                "/api/v1/search/synonyms",
                json!({ "terms": [format!("甲{}", uniq()), format!("乙{}", uniq())] }),
            ),
            UpdateSynonym => with(
                format!("/api/v1/search/synonyms/{}", self.synonym().await),
                json!({ "note": title }),
            ),
            DeleteSynonym => req(format!("/api/v1/search/synonyms/{}", self.synonym().await)),
            ListApiKeys => req("/api/v1/api-keys"),
            GetApiKey => req(format!("/api/v1/api-keys/{}", self.api_key().await)),
            CreateApiKey => with("/api/v1/api-keys", json!({ "name": title })),
            RevokeApiKey => req(format!("/api/v1/api-keys/{}", self.api_key().await)),
            UpdateSite => with("/api/v1/site", json!({ "name": title })),
            ListWebhooks => req("/api/v1/webhooks"),
            GetWebhook => req(format!("/api/v1/webhooks/{}", self.webhook().await)),
            CreateWebhook => with(
                "/api/v1/webhooks",
                json!({ "url": "http://127.0.0.1:9/matrix", "events": ["site.updated"] }),
            ),
            UpdateWebhook => with(
                format!("/api/v1/webhooks/{}", self.webhook().await),
                json!({ "description": title }),
            ),
            DeleteWebhook => req(format!("/api/v1/webhooks/{}", self.webhook().await)),
            ListDeliveries => req(format!(
                "/api/v1/webhooks/{}/deliveries",
                self.webhook().await
            )),
            GetDelivery => {
                let (hook, delivery) = self.delivery().await;
                req(format!("/api/v1/webhooks/{hook}/deliveries/{delivery}"))
            }
            Redeliver => {
                let (hook, delivery) = self.delivery().await;
                req(format!(
                    "/api/v1/webhooks/{hook}/deliveries/{delivery}/redeliver"
                ))
            }
            PingWebhook => req(format!("/api/v1/webhooks/{}/ping", self.webhook().await)),
            ListMedia => req("/api/v1/media?kind=image"),
            UploadMedia => Req {
                path: "/api/v1/media".into(),
                body: None,
                file: Some(unique_jpeg()),
            },
            GetOthersMedia => req(format!("/api/v1/media/{}", self.media(other).await)),
            UpdateOwnMedia => with(
                format!("/api/v1/media/{}", self.media(own).await),
                json!({ "title": title }),
            ),
            UpdateOthersMedia => with(
                format!("/api/v1/media/{}", self.media(other).await),
                json!({ "title": title }),
            ),
            DeleteOwnMedia => req(format!("/api/v1/media/{}", self.media(own).await)),
            DeleteOthersMedia => req(format!("/api/v1/media/{}", self.media(other).await)),
        }
    }

    /// Runs one cell; `Err` says what went wrong.
    async fn cell(&self, action: Action, who: Who, want: Want) -> Outcome {
        let (method, _) = operation(action);
        let r = self.prepare(action, who).await;
        let before = self.fingerprint().await;
        let res = match r.file {
            Some(file) => {
                let part = reqwest::multipart::Part::bytes(file).file_name("m.jpg");
                let mut call = self
                    .app
                    .post(&r.path)
                    .multipart(reqwest::multipart::Form::new().part("file", part));
                if let Some(t) = self.token(who) {
                    call = call.bearer_auth(t);
                }
                call.send().await.unwrap()
            }
            None => {
                self.app
                    .call(method, &r.path, self.token(who), r.body)
                    .await
            }
        };
        let content_type = header(&res, "content-type");
        let (status, body) = status_json(res).await;
        let after = self.fingerprint().await;
        let changed = changed_tables(&before, &after);
        let code = body["code"].as_str().unwrap_or_default().to_owned();
        let what = format!("{who:?} {method} {}", r.path);
        let problem = |want_status: u16, want_code: &str| -> Result<(), String> {
            if status != want_status || code != want_code {
                return Err(format!(
                    "{what}: want {want_status} {want_code}, got {status} {body}"
                ));
            }
            if content_type != "application/problem+json" {
                return Err(format!("{what}: {status} with content-type {content_type}"));
            }
            if !changed.is_empty() {
                return Err(format!(
                    "{what}: refused ({status}) yet changed {changed:?}"
                ));
            }
            Ok(())
        };
        let verdict = match want {
            Y if !(200..300).contains(&status) => {
                Err(format!("{what}: want 2xx, got {status} {body}"))
            }
            Y if method == "GET" && !changed.is_empty() => {
                Err(format!("{what}: a read changed {changed:?}"))
            }
            Y if method != "GET" && changed.is_empty() => Err(format!(
                "{what}: {status} but nothing changed in the database"
            )),
            Y => Ok(()),
            U => problem(401, "unauthorized"),
            F => problem(403, "forbidden"),
            H => problem(404, "not_found"),
        };
        Outcome { status, verdict }
    }
}

/// The tables whose fingerprint differs.
fn changed_tables(before: &str, after: &str) -> Vec<String> {
    let a: BTreeSet<&str> = before.split(' ').collect();
    after
        .split(' ')
        .filter(|p| !a.contains(p))
        .map(|p| p.split('=').next().unwrap_or(p).to_owned())
        .collect()
}

struct Outcome {
    status: u16,
    verdict: Result<(), String>,
}

fn want_label(w: Want) -> &'static str {
    match w {
        Y => "2xx",
        U => "401",
        F => "403",
        H => "404",
    }
}

/// Runs every row of these resources, prints the table and fails on any wrong cell.
async fn run(resources: &[&str]) {
    let lab = Lab::new().await;
    let mut table = String::new();
    let _ = writeln!(
        table,
        "\n| resource | action | anonymous | writer | editor | admin |\n|---|---|---|---|---|---|"
    );
    let mut failures = Vec::new();
    let mut cells = 0;
    for &(resource, label, action, wants) in MATRIX.iter().filter(|r| resources.contains(&r.0)) {
        let mut outcomes = Vec::new();
        for (who, want) in WHO.into_iter().zip(wants) {
            outcomes.push(lab.cell(action, who, want).await);
        }
        let shown: Vec<String> = outcomes
            .into_iter()
            .zip(wants)
            .map(|(o, want)| match o.verdict {
                Ok(()) => format!("✓ {}", o.status),
                Err(why) => {
                    failures.push(why);
                    format!("✗ {} (want {}, see below)", o.status, want_label(want))
                }
            })
            .collect();
        cells += shown.len();
        let _ = writeln!(table, "| {resource} | {label} | {} |", shown.join(" | "));
    }
    eprintln!("{table}");
    assert!(cells > 0, "no rows for {resources:?}");
    assert!(
        failures.is_empty(),
        "{} of {cells} cells are wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn matrix_articles() {
    run(&["articles"]).await;
}

#[tokio::test]
async fn matrix_taxonomy_boards_and_tags() {
    run(&["categories", "sources", "authors", "rankings", "tags"]).await;
}

#[tokio::test]
async fn matrix_users_audit_and_api_keys() {
    run(&["users", "audit", "api-keys", "site"]).await;
}

#[tokio::test]
async fn matrix_webhooks() {
    run(&["webhooks"]).await;
}

#[tokio::test]
async fn matrix_media() {
    run(&["media"]).await;
}

#[tokio::test]
async fn matrix_search_synonyms() {
    run(&["synonyms"]).await;
}

/// Every staff-only operation of the committed OpenAPI document (but the caller's own
/// `/auth/...`) has a row, and every row names a real resource group of the tests above.
#[tokio::test]
async fn the_matrix_covers_every_staff_operation() {
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap(),
    )
    .unwrap();
    let covered: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|r| {
            let (m, p) = operation(r.2);
            (m.to_owned(), p.to_owned())
        })
        .collect();
    let mut missing = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        if path.starts_with("/api/v1/auth/") {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let Some(security) = op.get("security").and_then(Value::as_array) else {
                continue;
            };
            // Public operations list `{}` (no token) among their options.
            let staff_only = !security
                .iter()
                .any(|s| s.as_object().is_some_and(|o| o.is_empty()));
            let key = (method.to_uppercase(), path.clone());
            if staff_only && !covered.contains(&key) {
                missing.push(format!("{} {}", key.0, key.1));
            }
        }
    }
    assert!(missing.is_empty(), "no matrix row for: {missing:?}");
    let groups = [
        "articles",
        "categories",
        "sources",
        "authors",
        "rankings",
        "tags",
        "users",
        "audit",
        "api-keys",
        "site",
        "webhooks",
        "media",
        "synonyms",
    ];
    for row in MATRIX {
        assert!(groups.contains(&row.0), "row {} is in no test", row.0);
    }
}
