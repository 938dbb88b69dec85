//! Article lists: the site feed, a channel's feed and the trash.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::query::ApiQuery;
use crate::api::respond::{self, Audience, ListResponse};
use crate::auth::{AuthUser, MaybeAuthUser};
use crate::cache::deps::{self, Dep};
use crate::content::articles::ArticleSummary;
use crate::content::articles::summaries_of_rows;
use crate::db::pagination::PageRequest;
use crate::db::pagination::Paged;
use crate::error::{ApiError, OrNotFound};
use crate::models::article::{ArticleKind, ArticleStatus};
use crate::models::category::Tree;
use crate::models::{Key, author, source, tag};
use crate::queries::article_list::{
    ArticleCursor, ArticleQuery, Filters, Scope, Sort, summary_rows,
};
use crate::state::AppState;

/// The article list queries: `GET /articles` takes a channel (`category`), `GET
/// /categories/{key}/articles` names it in its path; both take the same filters, declared once.
macro_rules! list_queries {
    ({ $($(#[$m:meta])* $f:ident: $t:ty,)* }) => {
        #[derive(Debug, Deserialize, IntoParams)]
        #[into_params(parameter_in = Query)]
        pub struct ListArticlesQuery {
            /// Channel id or slug; includes its sub-channels unless `descendants=false`.
            pub category: Option<String>,
            $($(#[$m])* pub $f: $t,)*
        }

        #[derive(Debug, Deserialize, IntoParams)]
        #[into_params(parameter_in = Query)]
        pub struct ChannelArticlesQuery {
            $($(#[$m])* pub $f: $t,)*
        }

        impl ChannelArticlesQuery {
            /// The same query over the channel `category` (id or slug).
            fn in_channel(self, category: String) -> ListArticlesQuery {
                ListArticlesQuery { category: Some(category), $($f: self.$f,)* }
            }
        }
    };
}

list_queries!({
    /// Include the channel's sub-channels (default true).
    descendants: Option<bool>,
    /// Source id or slug.
    source: Option<String>,
    /// Author id or slug.
    author: Option<String>,
    /// Tag id, slug or name.
    tag: Option<String>,
    /// One kind or several, comma-separated (`kind=video,audio`).
    #[serde(default, deserialize_with = "crate::api::query::comma_list")]
    #[param(value_type = Option<Vec<ArticleKind>>, style = Form, explode = false)]
    kind: Option<Vec<ArticleKind>>,
    /// Only headlines (true) or only non-headlines (false).
    headline: Option<bool>,
    /// Only featured (true) or only non-featured (false).
    featured: Option<bool>,
    /// Published strictly after this time (RFC 3339).
    #[serde(default, deserialize_with = "crate::db::timestamp::option")]
    published_after: Option<DateTime<Utc>>,
    /// Published strictly before this time (RFC 3339).
    #[serde(default, deserialize_with = "crate::db::timestamp::option")]
    published_before: Option<DateTime<Utc>>,
    /// Updated at or after this time (RFC 3339).
    #[serde(default, deserialize_with = "crate::db::timestamp::option")]
    updated_since: Option<DateTime<Utc>>,
    /// Staff only: one status (default: all outside the trash).
    status: Option<ArticleStatus>,
    /// Full-text search, as `GET /search` understands it (words must all match, `"quoted"`
    /// text is a phrase); at most 200 characters. Results come by relevance unless `sort` is
    /// given (relevance order has page mode only).
    #[param(max_length = 200)]
    q: Option<String>,
    /// `-published_at` (newest first; the default, with pinned articles first when a channel
    /// is given), `published_at`, `-updated_at`, `-view_count`; `relevance` (the default with `q`).
    #[param(inline)]
    sort: Option<ArticleSort>,
    /// Page number (page mode), default 1.
    #[param(minimum = 1, maximum = 100000)]
    page: Option<i64>,
    /// Items per page, 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<i64>,
    /// Opaque cursor from `meta.next_cursor` (keyset mode).
    cursor: Option<String>,
});

/// The orders a list of articles can be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub enum ArticleSort {
    #[serde(rename = "-published_at")]
    PublishedDesc,
    #[serde(rename = "published_at")]
    PublishedAsc,
    #[serde(rename = "-updated_at")]
    UpdatedDesc,
    #[serde(rename = "-view_count")]
    ViewsDesc,
    #[serde(rename = "relevance")]
    Relevance,
}

fn sort_of(asked: Option<ArticleSort>) -> Sort {
    match asked {
        None | Some(ArticleSort::Relevance) => Sort::Default,
        Some(ArticleSort::PublishedDesc) => Sort::PublishedDesc,
        Some(ArticleSort::PublishedAsc) => Sort::PublishedAsc,
        Some(ArticleSort::UpdatedDesc) => Sort::UpdatedDesc,
        Some(ArticleSort::ViewsDesc) => Sort::ViewsDesc,
    }
}

fn not_found_param<T>(found: Option<T>, field: &str, key: &Key) -> Result<T, ApiError> {
    found.ok_or_else(|| {
        ApiError::bad_request(field, format!("`{key}` does not name an existing {field}"))
    })
}

async fn build_query(
    conn: &mut diesel_async::AsyncPgConnection,
    state: &AppState,
    search_count_cap: i64,
    tree: &Tree,
    q: &ListArticlesQuery,
    scope: Scope,
) -> Result<ArticleQuery, ApiError> {
    let mut f = Filters::default();
    let mut sort = sort_of(q.sort);
    if matches!(scope, Scope::Trash) {
        sort = Sort::DeletedDesc;
    }
    if let Some(raw) = q.category.as_deref() {
        let key = Key::parse(raw);
        let c = tree
            .find(&key)
            .filter(|c| !matches!(scope, Scope::Public(_)) || tree.publicly_visible(c.id));
        let c = not_found_param(c, "category", &key)?;
        f.categories = Some(tree.scope(c.id, q.descendants.unwrap_or(true)));
    } else if sort == Sort::Default && !matches!(scope, Scope::Trash) {
        sort = Sort::PublishedDesc;
    }
    if let Some(raw) = q.source.as_deref() {
        let key = Key::parse(raw);
        f.source = Some(not_found_param(source::find(conn, &key).await?, "source", &key)?.id);
    }
    if let Some(raw) = q.author.as_deref() {
        let key = Key::parse(raw);
        f.author = Some(not_found_param(author::find(conn, &key).await?, "author", &key)?.id);
    }
    if let Some(raw) = q.tag.as_deref() {
        let key = Key::parse(raw);
        f.tag = Some(not_found_param(tag::find(conn, &key).await?, "tag", &key)?.id);
    }
    if let Some(text) = q.q.as_deref().filter(|t| !t.trim().is_empty()) {
        let synonyms = state.synonyms(conn).await?;
        let parsed = state
            .search
            .parse_query(text, &synonyms)
            .map_err(|e| ApiError::invalid("q", e.to_string()))?;
        f.search = Some(parsed.tsquery);
        f.search_preferred = parsed.preferred;
    } else if q.sort == Some(ArticleSort::Relevance) {
        return Err(ApiError::bad_request("sort", "relevance needs q"));
    }
    f.kind = q.kind.clone();
    f.headline = q.headline;
    f.featured = q.featured;
    f.published_after = q.published_after;
    f.published_before = q.published_before;
    f.updated_since = q.updated_since;
    Ok(ArticleQuery {
        scope,
        filters: f,
        sort,
        search_count_cap,
    })
}

async fn run(
    req: &HttpRequest,
    state: &AppState,
    mut conn: crate::db::DbConn,
    tree: std::sync::Arc<Tree>,
    query: &ListArticlesQuery,
    scope: Scope,
    audience: Audience,
) -> Result<HttpResponse, ApiError> {
    let totals = &state.caches.list_totals;
    let aq = build_query(
        &mut conn,
        state,
        state.config.search_count_cap,
        &tree,
        query,
        scope,
    )
    .await?;
    // Every article that is or was in a channel-scoped list is in one of its channels before
    // or after a write; other lists may change with any article.
    match &aq.filters.categories {
        Some(scope) if aq.by_placement() => deps::placements(scope),
        Some(scope) => deps::channels(scope),
        None => deps::record(Dep::AllArticles),
    }
    let page: PageRequest<ArticleCursor> =
        PageRequest::from_params(query.page, query.per_page, query.cursor.as_deref())?;
    let by_relevance =
        aq.filters.search.is_some() && matches!(query.sort, None | Some(ArticleSort::Relevance));
    let paged = match (&page, by_relevance) {
        (PageRequest::Cursor { .. }, true) => {
            return Err(ApiError::bad_request(
                "cursor",
                "relevance order has page mode only; give a sort to use cursors",
            ));
        }
        (PageRequest::Page { page: n, per_page }, true) => {
            let ranked = aq
                .ranked_page(
                    &mut conn,
                    *n,
                    *per_page,
                    state.config.search_rank_window,
                    &state.ranking,
                    Some(totals),
                    state.search_candidates(&aq).as_ref(),
                )
                .await?;
            let ids: Vec<_> = ranked.hits.iter().map(|(id, _)| *id).collect();
            let rows = summary_rows(&mut conn, &ids).await?;
            let mut paged = Paged::of_page(rows, *n, *per_page, ranked.total);
            paged.total_is_lower_bound = ranked.total_is_lower_bound;
            paged
        }
        (PageRequest::Cursor { cursor, .. }, false) if cursor.key.s != aq.sort => {
            return Err(ApiError::bad_request(
                "cursor",
                "was made for another sort order",
            ));
        }
        _ => aq.page(&mut conn, &page, Some(totals)).await?,
    };
    let mut paged = paged;
    let rows = std::mem::take(&mut paged.rows);
    let items = summaries_of_rows(&mut conn, &tree, rows).await?;
    let paged = paged.map_rows(|_| items);
    Ok(respond::list(req, audience, paged))
}

fn scope_for(
    user: &MaybeAuthUser,
    status: Option<ArticleStatus>,
    max_age: u32,
) -> Result<(Scope, Audience), ApiError> {
    match (&user.0, status) {
        (Some(_), s) => Ok((Scope::Staff(s), Audience::Staff)),
        (None, Some(_)) => Err(ApiError::Unauthorized(
            "the status filter needs a staff token".into(),
        )),
        (None, None) => Ok((Scope::Public(Utc::now()), Audience::Public { max_age })),
    }
}

/// Articles, newest first, filtered and paginated. The public sees visible articles only;
/// staff see every status (filter with `status`).
#[utoipa::path(
    operation_id = "list_articles",
    tag = "articles",
    params(ListArticlesQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of article summaries; `Link` has next/prev", body = ListResponse<ArticleSummary>),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffQuery,
        (status = 422, response = crate::error::responses::Unprocessable),
    ),
)]
#[get("/articles")]
pub async fn list_articles(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ListArticlesQuery>,
) -> Result<HttpResponse, ApiError> {
    let (scope, audience) = scope_for(&user, query.status, state.config.cache_list_max_age_secs)?;
    let mut conn = state.read_conn().await?;
    let tree = state.tree(&mut conn).await?;
    run(&req, &state, conn, tree, &query, scope, audience).await
}

/// A channel's articles (with its sub-channels unless `descendants=false`): pinned first, then
/// newest. Takes the same filters as `GET /articles`.
#[utoipa::path(
    operation_id = "list_category_articles",
    tag = "articles",
    params(("key" = String, Path, description = "Category id (all digits) or slug"), ChannelArticlesQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of article summaries", body = ListResponse<ArticleSummary>),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffQuery,
        (status = 404, response = crate::error::responses::NotFound),
        (status = 422, response = crate::error::responses::Unprocessable),
    ),
)]
#[get("/categories/{key}/articles")]
pub async fn list_category_articles(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    key: web::Path<String>,
    query: ApiQuery<ChannelArticlesQuery>,
) -> Result<HttpResponse, ApiError> {
    let (scope, audience) = scope_for(&user, query.status, state.config.cache_list_max_age_secs)?;
    let mut conn = state.read_conn().await?;
    let tree = state.tree(&mut conn).await?;
    let k = Key::parse(&key);
    let c = tree
        .find(&k)
        .filter(|c| user.is_staff() || tree.publicly_visible(c.id))
        .or_not_found("category", &k)?;
    let query = query.into_inner().in_channel(c.id.to_string());
    run(&req, &state, conn, tree, &query, scope, audience).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrashQuery {
    /// Page number (page mode), default 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// Opaque cursor from `meta.next_cursor` (keyset mode).
    pub cursor: Option<String>,
}

/// Staff: the trash, most recently trashed first.
#[utoipa::path(
    operation_id = "list_trash",
    tag = "articles",
    params(TrashQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of trashed articles", body = ListResponse<ArticleSummary>),
        crate::error::responses::StaffQuery,
    ),
)]
#[get("/trash/articles")]
pub async fn list_trash(
    req: HttpRequest,
    _user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<TrashQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = ListArticlesQuery {
        category: None,
        descendants: None,
        source: None,
        author: None,
        tag: None,
        kind: None,
        headline: None,
        featured: None,
        published_after: None,
        published_before: None,
        updated_since: None,
        status: None,
        q: None,
        sort: None,
        page: query.page,
        per_page: query.per_page,
        cursor: query.cursor.clone(),
    };
    let mut conn = state.conn().await?;
    let tree = state.tree(&mut conn).await?;
    run(&req, &state, conn, tree, &q, Scope::Trash, Audience::Staff).await
}
