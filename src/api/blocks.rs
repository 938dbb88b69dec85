//! Page blocks (页面区块) resolved for a screen: the side lists the site settings configure for
//! the article screen and the front page (`include=blocks`), each with its articles.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;

use crate::api::articles::related_ids;
use crate::api::rankings::{RankedArticle, board_detail, by_id, most_read};
use crate::cache::deps::{self, Dep};
use crate::content::articles::summaries_of;
use crate::content::categories::CategoryRef;
use crate::content::rankings::MostReadKey;
pub use crate::content::site::ScreenBlock;
use crate::error::ApiError;
use crate::models::article::Article;
use crate::models::article_status::ArticleKind;
use crate::models::category::Tree;
use crate::models::ids::{ArticleId, CategoryId};
use crate::models::ranking::TimeWindow;
use crate::models::site::{BlockList, PageBlock};
use crate::models::{Key, ranking};
use crate::queries::newest::{newest_of_kinds, newest_per_group};
use crate::state::AppState;

/// What a block's articles come from, once its channel is known to be public.
enum Source<'a> {
    /// The newest of a channel scope, unfiltered (one query for all such blocks).
    Placed(Vec<CategoryId>),
    /// The newest of these kinds, in a scope or anywhere.
    Kinds(Vec<ArticleKind>, Option<Vec<CategoryId>>),
    Board(String),
    MostRead(MostReadKey),
    /// The 相关新闻 of the article shown.
    Related(&'a Article),
}

/// A screen's blocks with what the database gave; most-read lists are filled by `finish`, once
/// the caller has let its connection go (they may need one of their own).
#[derive(Debug)]
pub struct Pending(Vec<(ScreenBlock, Option<MostReadKey>)>);

impl Pending {
    /// The blocks, most-read lists included.
    pub async fn finish(self, state: &AppState) -> Result<Vec<ScreenBlock>, ApiError> {
        let mut out = Vec::with_capacity(self.0.len());
        for (mut block, key) in self.0 {
            if let Some(key) = key {
                block.entries = most_read(state, key).await?.items.clone();
            }
            out.push(block);
        }
        Ok(out)
    }
}

/// The public blocks of a screen, in their order (`article`: the article the screen shows). A
/// block whose channel is gone or hidden, or whose board is gone, is left out.
pub async fn resolve(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    tree: &Tree,
    blocks: &[PageBlock],
    article: Option<&Article>,
    now: DateTime<Utc>,
) -> Result<Pending, ApiError> {
    let mut planned: Vec<(&PageBlock, Source)> = Vec::new();
    for b in blocks {
        let channel = b.channel.filter(|&c| tree.publicly_visible(c));
        if b.channel.is_some() && channel.is_none() {
            // Shown again when the channel comes back.
            deps::record(Dep::Tree);
            continue;
        }
        let source = match (b.list, channel) {
            (BlockList::Channel, Some(c)) if b.kinds.is_empty() => {
                Source::Placed(tree.scope(c, b.descendants))
            }
            (BlockList::Channel, Some(c)) => {
                Source::Kinds(b.kinds.clone(), Some(tree.scope(c, b.descendants)))
            }
            (BlockList::Channel, None) => continue,
            (BlockList::Latest, _) => {
                let kinds = if b.kinds.is_empty() {
                    ArticleKind::ALL.to_vec()
                } else {
                    b.kinds.clone()
                };
                Source::Kinds(kinds, None)
            }
            (BlockList::Board, _) => match &b.board {
                Some(slug) => Source::Board(slug.clone()),
                None => continue,
            },
            (BlockList::Related, _) => match article {
                Some(a) => Source::Related(a),
                None => continue,
            },
            (BlockList::MostRead, category) => Source::MostRead(MostReadKey {
                window: b.window.unwrap_or(TimeWindow::Week),
                category,
                limit: b.limit,
            }),
        };
        planned.push((b, source));
    }

    // Article ids of the newest lists: the unfiltered ones in one query.
    let scopes: Vec<Vec<CategoryId>> = planned
        .iter()
        .filter_map(|(_, s)| match s {
            Source::Placed(scope) => Some(scope.clone()),
            _ => None,
        })
        .collect();
    let per_group = planned
        .iter()
        .filter(|(_, s)| matches!(s, Source::Placed(_)))
        .map(|(b, _)| b.limit)
        .max()
        .unwrap_or(0);
    scopes.iter().for_each(|s| deps::placements(s));
    let mut placed: Vec<Vec<ArticleId>> = vec![Vec::new(); scopes.len()];
    for row in newest_per_group(conn, &scopes, per_group, now).await? {
        if let Some(list) = placed.get_mut(row.grp as usize) {
            list.push(row.id);
        }
    }
    let mut placed = placed.into_iter();
    let mut newest: Vec<Option<Vec<ArticleId>>> = Vec::with_capacity(planned.len());
    for (b, source) in &planned {
        newest.push(match source {
            Source::Placed(_) => Some(
                placed
                    .next()
                    .unwrap_or_default()
                    .into_iter()
                    .take(usize::try_from(b.limit).unwrap_or(0))
                    .collect(),
            ),
            Source::Kinds(kinds, scope) => {
                match scope {
                    Some(scope) => deps::channels(scope),
                    None => deps::record(Dep::AllArticles),
                }
                Some(newest_of_kinds(conn, kinds, scope.as_deref(), b.limit, now).await?)
            }
            Source::Related(a) => {
                let limit = usize::try_from(b.limit).unwrap_or(0);
                Some(related_ids(conn, state, a, limit).await?)
            }
            _ => None,
        });
    }
    let mut wanted: Vec<ArticleId> = newest.iter().flatten().flatten().copied().collect();
    wanted.sort_unstable();
    wanted.dedup();
    let loaded = if wanted.is_empty() {
        HashMap::new()
    } else {
        by_id(summaries_of(conn, tree, &wanted).await?)
    };

    let mut out = Vec::with_capacity(planned.len());
    for ((b, source), ids) in planned.into_iter().zip(newest) {
        let mut later = None;
        let entries = match (source, ids) {
            (_, Some(ids)) => ids
                .iter()
                .filter_map(|id| loaded.get(id).cloned())
                .enumerate()
                .map(|(i, article)| RankedArticle::new(i + 1, article))
                .collect(),
            (Source::Board(slug), None) => {
                // (A board created later under that slug must show up.)
                deps::record(Dep::Boards);
                match ranking::find(conn, &Key::Slug(slug)).await? {
                    Some(board) => {
                        let mut detail = board_detail(state, conn, &board, false).await?;
                        detail
                            .entries
                            .truncate(usize::try_from(b.limit).unwrap_or(0));
                        detail.entries
                    }
                    None => continue,
                }
            }
            (Source::MostRead(key), None) => {
                later = Some(key);
                Vec::new()
            }
            (_, None) => continue,
        };
        let block = ScreenBlock {
            key: b.key.clone(),
            title: b.title.clone(),
            list: b.list,
            channel: b
                .channel
                .and_then(|c| tree.get(c))
                .map(CategoryRef::from_model),
            more_url: b.more_url.as_deref().map(|url| match article {
                Some(a) => url
                    .replace("{id}", &a.id.to_string())
                    .replace("{slug}", &a.slug),
                None => url.to_owned(),
            }),
            entries,
        };
        out.push((block, later));
    }
    Ok(Pending(out))
}
