//! `GET /home`: everything an app's front page shows, in one response.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::articles::{ArticleSummary, summaries_of};
use crate::api::blocks::{ScreenBlock, resolve};
use crate::api::query::{ApiQuery, count_param};
use crate::api::rankings::{RankedArticle, RankingDetail, board_detail, by_id, week_most_read};
use crate::api::respond::{Audience, cached_json};
use crate::api::site::{NavItem, SiteDto};
use crate::auth::MaybeAuthUser;
use crate::cache::deps;
use crate::error::ApiError;
use crate::models::category::Tree;
use crate::models::ids::{ArticleId, CategoryId};
use crate::models::{Key, ranking, site};
use crate::queries::newest::newest_per_group;
use crate::state::AppState;

/// The board shown as the headline block unless `headline` names another.
pub const DEFAULT_HEADLINE_BOARD: &str = "tou-tiao";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HomeQuery {
    /// Articles per channel block, 1–20, default 6.
    #[param(minimum = 1, maximum = 20)]
    pub per_channel: Option<i64>,
    /// Entries of the week's most-read list, 1–50, default 10.
    #[param(minimum = 1, maximum = 50)]
    pub most_read: Option<i64>,
    /// Slug of the board shown as the headline block (头条), default `tou-tiao`.
    #[param(max_length = 64)]
    pub headline: Option<String>,
    /// Extras, comma-separated: `blocks` (the front page's page blocks from the site settings).
    #[serde(default, deserialize_with = "crate::api::query::comma_list")]
    #[param(value_type = Option<Vec<HomeInclude>>, style = Form, explode = false)]
    pub include: Option<Vec<HomeInclude>>,
}

crate::text_enum! {
    /// What the front page embeds besides its fixed parts.
    HomeInclude { Blocks => "blocks" }
}

/// One channel block of the front page.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelBlock {
    pub channel: NavItem,
    /// The channel's newest visible articles (its sub-channels included), newest first.
    pub articles: Vec<ArticleSummary>,
}

/// An app's front page.
#[derive(Debug, Serialize, ToSchema)]
pub struct HomeScreen {
    /// The site's settings, as `GET /site` answers them.
    pub site: SiteDto,
    /// The headline board (头条) with its active entries; `null` when no board has that slug.
    pub headline: Option<RankingDetail>,
    /// One block per navigation channel, in navigation order (the top-level channels in
    /// display order when the site has no navigation).
    pub channels: Vec<ChannelBlock>,
    /// The week's most-read articles (点击排行).
    pub most_read: Vec<RankedArticle>,
    /// The front page's page blocks as the site settings configure them, resolved (only with
    /// `include=blocks`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Vec<ScreenBlock>>,
}

/// The channels of the front page: the navigation, or the visible roots without one.
fn home_channels(site: &SiteDto, tree: &Tree) -> Vec<NavItem> {
    if !site.navigation.is_empty() {
        return site.navigation.iter().map(NavItem::clone).collect();
    }
    tree.children(None)
        .filter(|c| tree.publicly_visible(c.id))
        .map(|c| NavItem::of(tree, c.id, true))
        .collect()
}

/// An app's front page in one request: site settings, the headline board, the newest
/// articles of each navigation channel in navigation order, the week's most-read, and with
/// `include=blocks` the front page's configured page blocks. A fixed
/// number of queries, whatever the number of channels. Everyone sees the public content;
/// anonymous responses are cacheable with an `ETag`.
#[utoipa::path(
    operation_id = "get_home",
    tag = "site",
    params(HomeQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The front page", body = HomeScreen,
         headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffQuery,
    ),
)]
#[get("/home")]
pub async fn get_home(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<HomeQuery>,
) -> Result<HttpResponse, ApiError> {
    let per_channel = count_param("per_channel", query.per_channel, 6, 20)?;
    let most_read_n = count_param("most_read", query.most_read, 10, 50)?;
    let headline_slug = query.headline.as_deref().unwrap_or(DEFAULT_HEADLINE_BOARD);
    if headline_slug.is_empty() || headline_slug.len() > 64 {
        return Err(ApiError::bad_request(
            "headline",
            "must be a board slug of 1 to 64 characters",
        ));
    }
    let now = Utc::now();
    let mut conn = state.read_conn().await?;
    let tree = state.tree(&mut conn).await?;
    let settings = site::get(&mut conn).await?;
    let home_blocks = settings.blocks.home.clone();
    let site = SiteDto::new(settings, &tree, false);
    // (A board created later under that slug must show up: boards' lifecycle.)
    deps::record(deps::Dep::Boards);
    let headline = match ranking::find(&mut conn, &Key::Slug(headline_slug.to_owned())).await? {
        Some(board) => Some(board_detail(&state, &mut conn, &board, false).await?),
        None => None,
    };
    let channels = home_channels(&site, &tree);
    let scopes: Vec<Vec<CategoryId>> = channels.iter().map(|c| tree.scope(c.id, true)).collect();
    scopes.iter().for_each(|s| deps::placements(s));
    let rows = newest_per_group(&mut conn, &scopes, per_channel, now).await?;
    let ids: Vec<ArticleId> = rows.iter().map(|r| r.id).collect();
    let summaries = by_id(summaries_of(&mut conn, &tree, &ids).await?);
    let mut blocks: Vec<ChannelBlock> = channels
        .into_iter()
        .map(|channel| ChannelBlock {
            channel,
            articles: Vec::new(),
        })
        .collect();
    for r in rows {
        if let (Some(block), Some(a)) = (blocks.get_mut(r.grp as usize), summaries.get(&r.id)) {
            block.articles.push(a.clone());
        }
    }
    let pending = if crate::api::query::wants(query.include.as_deref(), HomeInclude::Blocks) {
        Some(resolve(&state, &mut conn, &tree, &home_blocks, None, now).await?)
    } else {
        None
    };
    drop(conn);
    let most_read = week_most_read(&state, most_read_n).await?;
    let extra_blocks = match pending {
        Some(p) => Some(p.finish(&state).await?),
        None => None,
    };
    let body = HomeScreen {
        site,
        headline,
        channels: blocks,
        most_read,
        blocks: extra_blocks,
    };
    let audience = Audience::of(&user, state.config.cache_list_max_age_secs);
    Ok(cached_json(&req, audience, StatusCode::OK, &body))
}
