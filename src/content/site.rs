//! Site settings as the API shows them: navigation, slogans, footer, page blocks.

use crate::content::categories::CategoryRef;
use crate::content::rankings::RankedArticle;
use crate::models::category::Tree;
use crate::models::ids::CategoryId;
use crate::models::site::{BlockList, Footer, PageBlocks, Site};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The site's settings (站点设置): what a front end needs for its header, scrolling slogans,
/// navigation and footer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SiteDto {
    /// The site's name, 1–64 characters.
    #[schema(example = "黑河新闻网")]
    pub name: String,
    /// The public site's own address (an absolute http(s) URL), if set: what a page prints as
    /// `//heihe.dbw.cn` and links to.
    #[schema(example = "https://heihe.dbw.cn")]
    pub url: Option<String>,
    /// The logo (an absolute http(s) URL), if any.
    pub logo_url: Option<String>,
    /// Scrolling slogans, in display order.
    pub slogans: Vec<SloganDto>,
    /// Navigation channels, in display order. The public sees only channels that exist and
    /// are visible (with their ancestors); staff also see hidden ones.
    pub navigation: Vec<NavItem>,
    pub footer: Footer,
    /// The page blocks (side lists) each screen shows, as configured; `include=blocks` on the
    /// article screen and `/home` resolves them.
    pub blocks: PageBlocks,
    /// Bumped by every change; staff responses carry it as the ETag `"v<version>"` for
    /// `If-Match`. 0 while nothing has been stored yet.
    pub version: i32,
    /// When the settings last changed; `null` while nothing has been stored yet.
    pub updated_at: Option<DateTime<Utc>>,
}

/// One scrolling slogan (滚动标语).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SloganDto {
    /// The slogan, 1–100 characters.
    #[schema(
        example = "垃圾分类齐参与,美丽黑河共受益。",
        min_length = 1,
        max_length = 100
    )]
    pub text: String,
    /// Where the slogan links to (an absolute http(s) URL), if anywhere.
    #[serde(default)]
    #[schema(
        max_length = 2048,
        pattern = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][^\s]*)?$"
    )]
    pub url: Option<String>,
}

/// A channel of the navigation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NavItem {
    pub id: CategoryId,
    /// The channel's URL key.
    pub slug: String,
    /// The channel's display name.
    pub name: String,
    /// Breadcrumb from the root down to this channel, inclusive.
    pub path: Vec<CategoryRef>,
    /// Whether the public sees it (always `true` in public responses).
    pub visible: bool,
}

/// One page block with what it shows now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScreenBlock {
    /// The block's key on its screen.
    #[schema(example = "shizheng")]
    pub key: String,
    /// The block's heading.
    #[schema(example = "黑河时政")]
    pub title: String,
    pub list: BlockList,
    /// The channel listed (`channel`) or counted (`most_read` of a channel); `null` otherwise.
    pub channel: Option<CategoryRef>,
    /// Where the block's 更多>> link goes, if anywhere.
    pub more_url: Option<String>,
    /// The articles, in order: newest first for `channel` and `latest`, the board's order,
    /// or most-read first (with `views`).
    pub entries: Vec<RankedArticle>,
}

impl NavItem {
    /// A channel of the tree (which must hold `id`) with its breadcrumb.
    pub fn of(tree: &Tree, id: CategoryId, visible: bool) -> Self {
        let path: Vec<CategoryRef> = tree
            .path(id)
            .into_iter()
            .map(CategoryRef::from_model)
            .collect();
        let (slug, name) = path
            .last()
            .map(|c| (c.slug.clone(), c.name.clone()))
            .unwrap_or_default();
        Self {
            id,
            slug,
            name,
            path,
            visible,
        }
    }
}

impl SiteDto {
    /// The settings with their navigation resolved against the channel tree: ids of deleted
    /// channels are dropped, and hidden channels too unless `staff`.
    pub fn new(site: Site, tree: &Tree, staff: bool) -> Self {
        crate::cache::deps::record(crate::cache::deps::Dep::Site);
        let navigation = site
            .navigation
            .iter()
            .filter_map(|&id| {
                tree.get(id)?;
                let visible = tree.publicly_visible(id);
                (staff || visible).then(|| NavItem::of(tree, id, visible))
            })
            .collect();
        Self {
            name: site.name,
            url: site.url,
            logo_url: site.logo_url,
            slogans: site
                .slogans
                .into_iter()
                .map(|s| SloganDto {
                    text: s.text,
                    url: s.url,
                })
                .collect(),
            navigation,
            footer: site.footer,
            blocks: site.blocks,
            version: site.version,
            updated_at: site.updated_at,
        }
    }
}
