//! The write path for the site settings (站点设置): one admin write, checked against its
//! version (`If-Match`); it emits `Change::Site` with the new state, which webhooks announce
//! (`site.updated`).

use std::collections::HashSet;

use serde::Deserialize;
use utoipa::ToSchema;

use super::commit;
use super::version::check_if_match;
use crate::auth::Actor;
use crate::content::change::Change;
use crate::content::site::{SiteDto, SloganDto};
use crate::error::ApiError;
use crate::fields::double_option;
use crate::models::Key;
use crate::models::category::{self, Tree};
use crate::models::ids::CategoryId;
use crate::models::ranking;
use crate::models::site::{self, BlockList, PageBlock, ReportLine, Site, Slogan};
use crate::models::user::{Role, valid_email};
use crate::state::AppState;
use crate::validate::Violations;

/// Most slogans a site may have.
const MAX_SLOGANS: usize = 20;
/// Most navigation entries a site may have.
const MAX_NAVIGATION: usize = 30;
/// Longest footer line.
const MAX_FOOTER: usize = 200;
/// Most footer text lines.
const MAX_FOOTER_LINES: usize = 10;
/// Most blocks per screen.
const MAX_BLOCKS: usize = 12;
/// Most articles a block shows.
const MAX_BLOCK_LIMIT: i64 = 20;

crate::named_enum! {
    /// The fields of `UpdateSite` that `clear` may name.
    SiteClear {
        Url => "url",
        LogoUrl => "logo_url",
        FooterCopyright => "footer.copyright",
        FooterContactLabel => "footer.contact_label",
        FooterPhone => "footer.phone",
        FooterQq => "footer.qq",
        FooterEmail => "footer.email",
        FooterAddress => "footer.address",
        FooterReport => "footer.report",
        FooterIcp => "footer.icp",
        FooterNotice => "footer.notice",
    }
}

/// Only the fields present change; `clear` (or `null` in a merge patch) clears `logo_url` and the
/// footer fields. Lists are replaced as a whole.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSite {
    /// The site's name, 1–64 characters.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub name: Option<String>,
    /// The public site's own address, an absolute http(s) URL; `clear` (or `null` in a merge patch)
    /// clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(
        max_length = 2048,
        pattern = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][^\s]*)?$"
    )]
    pub url: Option<Option<String>>,
    /// An absolute http(s) URL; `clear` (or `null` in a merge patch) clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(
        max_length = 2048,
        pattern = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][^\s]*)?$"
    )]
    pub logo_url: Option<Option<String>>,
    /// The scrolling slogans in display order, at most 20; replaces the list.
    #[serde(default, deserialize_with = "crate::fields::optional_objects")]
    #[schema(max_items = 20)]
    pub slogans: Option<Vec<SloganDto>>,
    /// Ids of existing channels in display order, at most 30, no repeats; replaces the list.
    #[schema(max_items = 30)]
    pub navigation: Option<Vec<CategoryId>>,
    #[serde(default, deserialize_with = "crate::fields::optional_object")]
    pub footer: Option<UpdateFooter>,
    #[serde(default, deserialize_with = "crate::fields::optional_object")]
    pub blocks: Option<UpdateBlocks>,
    /// Fields to clear, by name, for clients that cannot send `null` (a field named here must
    /// not also be set). With `application/json` a `null` member leaves a field unchanged;
    /// with `application/merge-patch+json` it clears it.
    #[serde(default)]
    pub clear: Option<Vec<SiteClear>>,
}

/// Footer fields: only those present change; `clear` (or `null` in a merge patch) clears one. See
/// `Footer` for the order a front end shows them in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFooter {
    /// The copyright line, at most 200 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 200)]
    pub copyright: Option<Option<String>>,
    /// Further text lines in display order, at most 10 of at most 200 characters; replaces
    /// the list.
    #[schema(max_items = 10)]
    pub lines: Option<Vec<String>>,
    /// What the contact line is headed with, at most 200 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 200)]
    pub contact_label: Option<Option<String>>,
    /// Contact phone number: digits, spaces, brackets and dashes, 4–32.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 32, pattern = r"^\+?[0-9][0-9 ()-]{2,30}[0-9]$")]
    pub phone: Option<Option<String>>,
    /// QQ number: 5–12 digits.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(pattern = "^[1-9][0-9]{4,11}$")]
    pub qq: Option<Option<String>>,
    /// Contact email address, at most 200 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 200)]
    pub email: Option<Option<String>>,
    /// Postal address, at most 200 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 200)]
    pub address: Option<Option<String>>,
    /// The reporting line; replaces it as a whole.
    #[serde(default, deserialize_with = "crate::fields::nullable_object")]
    pub report: Option<Option<ReportLine>>,
    /// ICP record number, at most 200 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 200)]
    pub icp: Option<Option<String>>,
    /// The closing notice, at most 200 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 200)]
    pub notice: Option<Option<String>>,
}

/// The blocks of the screens given; each list replaces that screen's.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBlocks {
    /// The article screen's blocks in display order, at most 12.
    #[serde(default, deserialize_with = "crate::fields::optional_objects")]
    #[schema(max_items = 12)]
    pub article: Option<Vec<PageBlock>>,
    /// The front page's blocks in display order, at most 12.
    #[serde(default, deserialize_with = "crate::fields::optional_objects")]
    #[schema(max_items = 12)]
    pub home: Option<Vec<PageBlock>>,
}

impl From<SloganDto> for Slogan {
    fn from(s: SloganDto) -> Self {
        Self {
            text: s.text.trim().to_owned(),
            url: s.url,
        }
    }
}

/// Changes the settings (admins only); refused (412) unless `if_match` (when sent) names the
/// current version.
pub async fn update(
    state: &AppState,
    actor: Actor,
    if_match: Option<&str>,
    body: UpdateSite,
) -> Result<SiteDto, ApiError> {
    actor.require(Role::Admin)?;
    commit(state, async |conn| {
        let current = site::get_for_update(conn).await?;
        let version = current.version;
        let tree = category::load_tree(conn).await?;
        let boards = known_boards(conn, body.blocks.as_ref()).await?;
        // A body that breaks the rules is a 422 whatever the `If-Match`.
        let next = apply(current, body, &tree, &boards)?;
        check_if_match(if_match, version)?;
        let saved = site::save(conn, &next, Some(actor.id)).await?;
        let dto = SiteDto::new(saved, &tree, true);
        let change = Change::Site(Box::new(dto.clone()));
        Ok((dto, change))
    })
    .await
}

/// The settings after `body`, or 422 naming every wrong field.
fn apply(
    mut site: Site,
    body: UpdateSite,
    tree: &Tree,
    boards: &HashSet<String>,
) -> Result<Site, ApiError> {
    let mut v = Violations::default();
    if let Some(name) = &body.name {
        v.name("name", name, 64);
    }
    if let Some(Some(url)) = &body.logo_url {
        v.http_url("logo_url", url);
    }
    if let Some(Some(url)) = &body.url {
        v.http_url("url", url);
    }
    if let Some(slogans) = &body.slogans {
        if slogans.len() > MAX_SLOGANS {
            v.add("slogans", format!("must have at most {MAX_SLOGANS} items"));
        }
        for (i, s) in slogans.iter().enumerate() {
            v.name(&format!("slogans[{i}].text"), &s.text, 100);
            if let Some(url) = &s.url {
                v.http_url(&format!("slogans[{i}].url"), url);
            }
        }
    }
    if let Some(navigation) = &body.navigation {
        if navigation.len() > MAX_NAVIGATION {
            v.add(
                "navigation",
                format!("must have at most {MAX_NAVIGATION} items"),
            );
        }
        let mut seen = HashSet::new();
        for (i, &id) in navigation.iter().enumerate() {
            let field = format!("navigation[{i}]");
            if tree.get(id).is_none() {
                v.add(&field, format!("no channel has the id {id}"));
            } else if !seen.insert(id) {
                v.add(&field, format!("channel {id} is already in the navigation"));
            }
        }
    }
    if let Some(footer) = &body.footer {
        check_footer(&mut v, footer);
    }
    if let Some(blocks) = &body.blocks {
        for (screen, list) in [("article", &blocks.article), ("home", &blocks.home)] {
            if let Some(list) = list {
                check_blocks(&mut v, &format!("blocks.{screen}"), list, tree, boards);
            }
        }
    }
    v.finish()?;

    let trimmed = |s: Option<String>| s.map(|s| s.trim().to_owned());
    if let Some(name) = body.name {
        site.name = name.trim().to_owned();
    }
    if let Some(logo_url) = body.logo_url {
        site.logo_url = logo_url;
    }
    if let Some(url) = body.url {
        site.url = url;
    }
    if let Some(slogans) = body.slogans {
        site.slogans = slogans.into_iter().map(Into::into).collect();
    }
    if let Some(navigation) = body.navigation {
        site.navigation = navigation;
    }
    if let Some(f) = body.footer {
        let set = |slot: &mut Option<String>, value: Option<Option<String>>| {
            if let Some(value) = value {
                *slot = trimmed(value);
            }
        };
        let footer = &mut site.footer;
        set(&mut footer.copyright, f.copyright);
        if let Some(lines) = f.lines {
            footer.lines = lines.into_iter().map(|l| l.trim().to_owned()).collect();
        }
        set(&mut footer.contact_label, f.contact_label);
        set(&mut footer.phone, f.phone);
        set(&mut footer.qq, f.qq);
        set(&mut footer.email, f.email);
        set(&mut footer.address, f.address);
        if let Some(report) = f.report {
            footer.report = report.map(|r| ReportLine {
                name: r.name.trim().to_owned(),
                url: r.url,
                phone_label: trimmed(r.phone_label),
                phone: trimmed(r.phone),
            });
        }
        set(&mut footer.icp, f.icp);
        set(&mut footer.notice, f.notice);
    }
    if let Some(b) = body.blocks {
        let tidy = |list: Vec<PageBlock>| {
            list.into_iter()
                .map(|b| PageBlock {
                    title: b.title.trim().to_owned(),
                    ..b
                })
                .collect()
        };
        if let Some(article) = b.article {
            site.blocks.article = tidy(article);
        }
        if let Some(home) = b.home {
            site.blocks.home = tidy(home);
        }
    }
    Ok(site)
}

/// The slugs of the boards that `blocks` names and that exist.
async fn known_boards(
    conn: &mut diesel_async::AsyncPgConnection,
    blocks: Option<&UpdateBlocks>,
) -> Result<HashSet<String>, ApiError> {
    let mut known = HashSet::new();
    let named: Vec<String> = blocks
        .into_iter()
        .flat_map(|b| b.article.iter().chain(b.home.iter()).flatten())
        .filter_map(|b| b.board.clone())
        .collect();
    for slug in named {
        if !known.contains(&slug)
            && ranking::find(conn, &Key::Slug(slug.clone()))
                .await?
                .is_some()
        {
            known.insert(slug);
        }
    }
    Ok(known)
}

fn check_footer(v: &mut Violations, footer: &UpdateFooter) {
    let lines = [
        ("footer.copyright", &footer.copyright),
        ("footer.contact_label", &footer.contact_label),
        ("footer.address", &footer.address),
        ("footer.icp", &footer.icp),
        ("footer.notice", &footer.notice),
    ];
    for (field, value) in lines {
        if let Some(Some(value)) = value {
            v.name(field, value, MAX_FOOTER);
        }
    }
    if let Some(lines) = &footer.lines {
        if lines.len() > MAX_FOOTER_LINES {
            v.add(
                "footer.lines",
                format!("must have at most {MAX_FOOTER_LINES} items"),
            );
        }
        for (i, line) in lines.iter().enumerate() {
            v.name(&format!("footer.lines[{i}]"), line, MAX_FOOTER);
        }
    }
    if let Some(Some(phone)) = &footer.phone {
        v.phone("footer.phone", phone);
    }
    if let Some(Some(qq)) = &footer.qq {
        v.qq("footer.qq", qq);
    }
    if let Some(Some(email)) = &footer.email {
        if email.chars().count() > MAX_FOOTER {
            v.add(
                "footer.email",
                format!("must be at most {MAX_FOOTER} characters long"),
            );
        } else if valid_email(email).is_none() {
            v.add("footer.email", "must be an email address");
        }
    }
    if let Some(Some(report)) = &footer.report {
        v.name("footer.report.name", &report.name, 100);
        if let Some(url) = &report.url {
            v.http_url("footer.report.url", url);
        }
        if let Some(label) = &report.phone_label {
            v.name("footer.report.phone_label", label, 100);
        }
        if let Some(phone) = &report.phone {
            v.phone("footer.report.phone", phone);
        }
    }
}

/// Whether a kind of block uses a field.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    No,
    Optional,
    Required,
}

/// The fields a kind of block uses.
struct Uses {
    channel: Use,
    kinds: Use,
    board: Use,
    window: Use,
}

impl Uses {
    fn of(list: BlockList) -> Self {
        use Use::{No, Optional, Required};
        let (channel, kinds, board, window) = match list {
            BlockList::Channel => (Required, Optional, No, No),
            BlockList::Latest => (No, Optional, No, No),
            BlockList::Board => (No, No, Required, No),
            BlockList::MostRead => (Optional, No, No, Optional),
            BlockList::Related => (No, No, No, No),
        };
        Self {
            channel,
            kinds,
            board,
            window,
        }
    }
}

/// The rules of one screen's blocks (`field` is `blocks.article` or `blocks.home`).
fn check_blocks(
    v: &mut Violations,
    field: &str,
    blocks: &[PageBlock],
    tree: &Tree,
    boards: &HashSet<String>,
) {
    if blocks.len() > MAX_BLOCKS {
        v.add(field, format!("must have at most {MAX_BLOCKS} items"));
    }
    let article_screen = field == "blocks.article";
    let mut keys = HashSet::new();
    for (i, b) in blocks.iter().enumerate() {
        let at = |name: &str| format!("{field}[{i}].{name}");
        let key_ok = (1..=32).contains(&b.key.len())
            && b.key
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_')
            && b.key
                .bytes()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric());
        if !key_ok {
            v.add(
                &at("key"),
                "must be 1 to 32 characters of a-z, 0-9, - and _, starting with a letter or digit",
            );
        } else if !keys.insert(b.key.as_str()) {
            v.add(
                &at("key"),
                format!("`{}` is already a block of this screen", b.key),
            );
        }
        v.name(&at("title"), &b.title, 32);
        if !(1..=MAX_BLOCK_LIMIT).contains(&b.limit) {
            v.add(
                &at("limit"),
                format!("must be between 1 and {MAX_BLOCK_LIMIT}"),
            );
        }
        if let Some(url) = &b.more_url {
            v.link(&at("more_url"), url);
            if !article_screen && url.contains('{') {
                v.add(
                    &at("more_url"),
                    "`{id}` and `{slug}` stand for the article: article screen only",
                );
            }
        }
        let mut kinds = HashSet::new();
        if b.kinds.iter().any(|k| !kinds.insert(*k)) {
            v.add(&at("kinds"), "must not repeat a kind");
        }
        if b.list == BlockList::Related && !article_screen {
            v.add(
                &at("list"),
                "`related` lists the article's 相关新闻: article screen only",
            );
        }
        let list = b.list;
        let uses = Uses::of(list);
        let fields = [
            ("channel", b.channel.is_some(), uses.channel),
            ("kinds", !b.kinds.is_empty(), uses.kinds),
            ("board", b.board.is_some(), uses.board),
            ("window", b.window.is_some(), uses.window),
        ];
        for (name, given, rule) in fields {
            match (given, rule) {
                (false, Use::Required) => {
                    v.add(&at(name), format!("is required for a `{list}` block"));
                }
                (true, Use::No) => v.add(
                    &at(name),
                    format!("is not used by a `{list}` block: leave it out"),
                ),
                _ => {}
            }
        }
        if let Some(id) = b.channel
            && uses.channel != Use::No
            && tree.get(id).is_none()
        {
            v.add(&at("channel"), format!("no channel has the id {id}"));
        }
        if let Some(slug) = &b.board
            && uses.board != Use::No
            && !boards.contains(slug)
        {
            v.add(&at("board"), format!("no board has the slug `{slug}`"));
        }
    }
}
