//! Site settings (站点设置): the one row of `site_settings` (id = 1): name, logo, slogans,
//! navigation, the footer and the page blocks (the side lists of each screen).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::article_status::ArticleKind;
use super::ids::{CategoryId, UserId};
use super::ranking::TimeWindow;
use crate::db::schema::site_settings;

/// The key of the only row.
const ROW: i16 = 1;

/// One scrolling slogan as stored in the `slogans` JSONB array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slogan {
    pub text: String,
    #[serde(default)]
    pub url: Option<String>,
}

/// The footer (页脚), as a portal's shows it. A front end renders its parts in this order:
/// `copyright`; each of `lines`; the contact line (`contact_label`, `phone`, `qq`, `email`);
/// `address`; the reporting line (`report`); `icp`; `notice`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Footer {
    /// The copyright line.
    #[schema(example = "Copyright©2002-2006 HEIHECHINA.com All Rights Reserved.")]
    pub copyright: Option<String>,
    /// Further text lines in display order (e.g. 版权所有 … 主办), at most 10.
    #[schema(example = json!(["版权所有©黑龙江东北网络台 中共黑河市委宣传部 黑河日报社 主办"]))]
    pub lines: Vec<String>,
    /// What the contact line is headed with.
    #[schema(example = "黑河新闻网联系方式")]
    pub contact_label: Option<String>,
    /// Contact phone number.
    #[schema(example = "0456-8223257")]
    pub phone: Option<String>,
    /// QQ number (digits).
    #[schema(example = "2730088696")]
    pub qq: Option<String>,
    /// Contact email address.
    #[schema(example = "tym4673@126.com")]
    pub email: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// The line for reporting illegal and harmful content (违法和不良信息举报).
    pub report: Option<ReportLine>,
    /// ICP record number (ICP备案号).
    pub icp: Option<String>,
    /// The closing notice.
    #[schema(example = "未经授权禁止复制或建立镜像")]
    pub notice: Option<String>,
}

/// Where readers report illegal and harmful content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportLine {
    /// The reporting centre, 1–100 characters.
    #[schema(
        example = "中国互联网违法和不良信息举报中心",
        min_length = 1,
        max_length = 100
    )]
    pub name: String,
    /// The centre's site (an absolute http(s) URL).
    #[serde(default)]
    #[schema(max_length = 2048, example = "https://www.12377.cn/")]
    pub url: Option<String>,
    /// What the phone number is introduced with.
    #[serde(default)]
    #[schema(max_length = 100, example = "本网站违法和不良信息举报电话")]
    pub phone_label: Option<String>,
    /// The site's own reporting phone number.
    #[serde(default)]
    #[schema(max_length = 32, example = "0456-8223216")]
    pub phone: Option<String>,
}

crate::text_enum! {
    /// What a page block lists: `channel` (a channel's newest, with or without its
    /// sub-channels), `latest` (the whole site's newest), `board` (a board's entries),
    /// `most_read` (点击排行 in a window, of the site or of a channel) or `related` (the
    /// article's 相关新闻: editors' picks, then articles sharing tags and keywords; article
    /// screen only).
    BlockList {
        Channel => "channel",
        Latest => "latest",
        Board => "board",
        MostRead => "most_read",
        Related => "related",
    }
}

/// One configured side list of a screen (页面区块): a title, what it lists, how many, and
/// where its 更多>> link goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PageBlock {
    /// Identifies the block on its screen: `[a-z0-9_-]`, 1–32, starting with a letter or
    /// digit, unique per screen.
    #[schema(example = "shizheng", pattern = "^[a-z0-9][a-z0-9_-]{0,31}$")]
    pub key: String,
    /// The block's heading, 1–32 characters.
    #[schema(example = "黑河时政", min_length = 1, max_length = 32)]
    pub title: String,
    pub list: BlockList,
    /// `channel`: the channel listed (required); `most_read`: the channel counted (optional,
    /// with its sub-channels); not allowed otherwise.
    #[serde(default)]
    pub channel: Option<CategoryId>,
    /// `channel`: whether the channel's sub-channels are listed too (default true).
    #[serde(default = "listed_with_sub_channels")]
    pub descendants: bool,
    /// `channel` and `latest`: only these kinds (empty: every kind).
    #[serde(default)]
    #[schema(max_items = 4)]
    pub kinds: Vec<ArticleKind>,
    /// `board`: the board's slug (required); not allowed otherwise.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub board: Option<String>,
    /// `most_read`: the window (default `week`); not allowed otherwise.
    #[serde(default)]
    pub window: Option<TimeWindow>,
    /// How many articles the block shows, 1–20.
    #[schema(minimum = 1, maximum = 20, example = 6)]
    pub limit: i64,
    /// Where the block's 更多>> link goes: an absolute http(s) URL or a path starting with `/`.
    /// On the article screen `{id}` and `{slug}` stand for the article's
    /// (`/articles/{slug}/related`).
    #[serde(default)]
    #[schema(max_length = 2048, example = "/categories/shizheng")]
    pub more_url: Option<String>,
}

fn listed_with_sub_channels() -> bool {
    true
}

/// The configured blocks of each screen, in display order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct PageBlocks {
    /// The article screen's (`GET /articles/{key}?include=blocks`).
    pub article: Vec<PageBlock>,
    /// The front page's (`GET /home?include=blocks`).
    pub home: Vec<PageBlock>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = site_settings)]
pub struct SiteRow {
    pub id: i16,
    pub name: String,
    pub logo_url: Option<String>,
    pub slogans: serde_json::Value,
    pub navigation: Vec<Option<i64>>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<i64>,
    pub url: Option<String>,
    pub footer: serde_json::Value,
    pub blocks: serde_json::Value,
}

/// The settings as the application sees them (defaults when no row exists yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub name: String,
    /// The public site's own address (front ends print it, link to it).
    pub url: Option<String>,
    pub logo_url: Option<String>,
    pub slogans: Vec<Slogan>,
    pub navigation: Vec<CategoryId>,
    pub footer: Footer,
    pub blocks: PageBlocks,
    /// 0 while no row exists.
    pub version: i32,
    /// `None` while no row exists.
    pub updated_at: Option<DateTime<Utc>>,
}

impl Default for Site {
    fn default() -> Self {
        Self {
            name: "newsdesk".to_owned(),
            url: None,
            logo_url: None,
            slogans: Vec::new(),
            navigation: Vec::new(),
            footer: Footer::default(),
            blocks: PageBlocks::default(),
            version: 0,
            updated_at: None,
        }
    }
}

impl TryFrom<SiteRow> for Site {
    type Error = diesel::result::Error;

    fn try_from(row: SiteRow) -> Result<Self, Self::Error> {
        let stored =
            |e: serde_json::Error| diesel::result::Error::DeserializationError(Box::new(e));
        let slogans = serde_json::from_value(row.slogans).map_err(stored)?;
        let footer = serde_json::from_value(row.footer).map_err(stored)?;
        let blocks = serde_json::from_value(row.blocks).map_err(stored)?;
        Ok(Self {
            name: row.name,
            url: row.url,
            logo_url: row.logo_url,
            slogans,
            navigation: row
                .navigation
                .into_iter()
                .flatten()
                .map(CategoryId)
                .collect(),
            footer,
            blocks,
            version: row.version,
            updated_at: Some(row.updated_at),
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = site_settings)]
struct SiteValues {
    id: i16,
    name: String,
    logo_url: Option<String>,
    slogans: serde_json::Value,
    navigation: Vec<Option<i64>>,
    url: Option<String>,
    footer: serde_json::Value,
    blocks: serde_json::Value,
    version: i32,
    updated_at: DateTime<Utc>,
    updated_by: Option<i64>,
}

async fn load(conn: &mut AsyncPgConnection, for_update: bool) -> QueryResult<Site> {
    let query = site_settings::table.find(ROW).select(SiteRow::as_select());
    let row = if for_update {
        query.for_update().first(conn).await.optional()?
    } else {
        query.first(conn).await.optional()?
    };
    row.map(Site::try_from)
        .transpose()
        .map(Option::unwrap_or_default)
}

/// The settings, or the defaults when none are stored.
pub async fn get(conn: &mut AsyncPgConnection) -> QueryResult<Site> {
    load(conn, false).await
}

/// The settings, locking the row (when there is one) until the transaction ends.
pub async fn get_for_update(conn: &mut AsyncPgConnection) -> QueryResult<Site> {
    load(conn, true).await
}

/// Whether a settings row exists.
pub async fn exists(conn: &mut AsyncPgConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(site_settings::table.find(ROW)))
        .get_result(conn)
        .await
}

/// Stores `site` as the settings with the next version (creating the row when missing).
pub async fn save(
    conn: &mut AsyncPgConnection,
    site: &Site,
    by: Option<UserId>,
) -> QueryResult<Site> {
    let json = |e: serde_json::Error| diesel::result::Error::SerializationError(Box::new(e));
    let slogans = serde_json::to_value(&site.slogans).map_err(json)?;
    let footer = serde_json::to_value(&site.footer).map_err(json)?;
    let blocks = serde_json::to_value(&site.blocks).map_err(json)?;
    let values = SiteValues {
        id: ROW,
        name: site.name.clone(),
        logo_url: site.logo_url.clone(),
        slogans,
        navigation: site.navigation.iter().map(|c| Some(c.0)).collect(),
        url: site.url.clone(),
        footer,
        blocks,
        version: site.version + 1,
        updated_at: Utc::now(),
        updated_by: by.map(|u| u.0),
    };
    let row = diesel::insert_into(site_settings::table)
        .values(&values)
        .on_conflict(site_settings::id)
        .do_update()
        .set((
            site_settings::name.eq(excluded(site_settings::name)),
            site_settings::logo_url.eq(excluded(site_settings::logo_url)),
            site_settings::slogans.eq(excluded(site_settings::slogans)),
            site_settings::navigation.eq(excluded(site_settings::navigation)),
            site_settings::url.eq(excluded(site_settings::url)),
            site_settings::footer.eq(excluded(site_settings::footer)),
            site_settings::blocks.eq(excluded(site_settings::blocks)),
            site_settings::version.eq(site_settings::version + 1),
            site_settings::updated_at.eq(excluded(site_settings::updated_at)),
            site_settings::updated_by.eq(excluded(site_settings::updated_by)),
        ))
        .returning(SiteRow::as_returning())
        .get_result(conn)
        .await?;
    Site::try_from(row)
}
