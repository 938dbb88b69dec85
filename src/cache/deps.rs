//! What a public response depends on, recorded while it is computed.
//!
//! The response cache (`cache::responses`) runs each cacheable request inside [`recording`];
//! whatever the request reads records what the answer depends on ([`record`]): the articles it
//! shows, the channels whose membership it lists, the channel tree, sources, bylines, boards,
//! the site settings. A change event drops exactly the entries that recorded what it changed.
//! Outside a recording (staff reads, writes, background work) recording does nothing.

use std::cell::RefCell;
use std::collections::HashSet;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::content::rankings::MostReadKey;
use crate::models::ids::{ArticleId, AuthorId, CategoryId, MediaId, RankingId, SourceId, UserId};

/// One thing a response shows or lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dep {
    /// Shows this article (its fields, its visibility).
    Article(ArticleId),
    /// Shows the 相关新闻 chosen for this article.
    Related(ArticleId),
    /// Lists the visible articles of this channel (one of a list's channel scope) by something
    /// any change of one of them may affect (a filter on their fields, another order).
    Channel(CategoryId),
    /// Lists the visible articles of this channel in publish order, unfiltered (a channel's
    /// newest, the article page's latest in its channel and its previous and next): only a
    /// change of an article's place there (`ArticleChange::placed`) affects it; the articles
    /// shown are recorded one by one.
    Placement(CategoryId),
    /// Shows this most-read list (its order; the view counts shown are counters): dropped
    /// when a periodic recount finds another order (`cache::rankings`).
    MostRead(MostReadKey),
    /// Lists over every article (the site feed, search, tags, boards, the front page).
    AllArticles,
    /// Names channels (breadcrumbs, navigation, scopes of lists).
    Tree,
    /// Shows this source.
    Source(SourceId),
    /// Lists sources.
    Sources,
    /// Shows this byline.
    Author(AuthorId),
    /// Lists bylines.
    Authors,
    /// Shows this board.
    Board(RankingId),
    /// Lists boards.
    Boards,
    /// Shows the site settings.
    Site,
    /// Names this staff member (an article's 责任编辑).
    User(UserId),
    /// Shows this media asset (an article's cover, video, gallery or poster).
    Media(MediaId),
    /// Applied the search synonym list (search results, lists filtered by `q`, the list
    /// itself).
    Synonyms,
}

/// Everything one response recorded.
#[derive(Debug, Default)]
pub struct Deps {
    pub set: HashSet<Dep>,
    /// How long the response may be reused at most, whatever happens (view counts, most-read
    /// windows): the shortest one asked for.
    pub lifetime: Option<Duration>,
    /// Shows counters that move without change events (view counts): reused for the
    /// configured counters lifetime at most.
    pub counters: bool,
}

tokio::task_local! {
    static RECORDER: Rc<RefCell<Deps>>;
}

/// Runs `work`, returning its output and what it recorded.
pub async fn recording<F: Future>(work: F) -> (F::Output, Deps) {
    let recorder = Rc::new(RefCell::new(Deps::default()));
    let out = RECORDER.scope(recorder.clone(), work).await;
    let deps = recorder.take();
    (out, deps)
}

/// The response being computed depends on `dep`.
pub fn record(dep: Dep) {
    let _ = RECORDER.try_with(|r| {
        r.borrow_mut().set.insert(dep);
    });
}

/// The response depends on each of `deps`.
pub fn record_all(deps: impl IntoIterator<Item = Dep>) {
    let _ = RECORDER.try_with(|r| r.borrow_mut().set.extend(deps));
}

/// The response may be reused for `lifetime` at most (counters it shows move on their own).
pub fn at_most(lifetime: Duration) {
    let _ = RECORDER.try_with(|r| {
        let mut r = r.borrow_mut();
        r.lifetime = Some(r.lifetime.map_or(lifetime, |l| l.min(lifetime)));
    });
}

/// The response shows view counts.
pub fn counters() {
    let _ = RECORDER.try_with(|r| r.borrow_mut().counters = true);
}

/// The response lists the visible articles of these channels (filtered or in another order
/// than publish order).
pub fn channels(ids: &[CategoryId]) {
    record(Dep::Tree);
    record_all(ids.iter().map(|&c| Dep::Channel(c)));
}

/// The response lists the newest visible articles of these channels in publish order,
/// unfiltered, and records each article it shows.
pub fn placements(ids: &[CategoryId]) {
    record(Dep::Tree);
    record_all(ids.iter().map(|&c| Dep::Placement(c)));
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn records_inside_and_ignores_outside() {
        record(Dep::Site);
        let ((), deps) = recording(async {
            record(Dep::Tree);
            tokio::task::yield_now().await;
            record_all([Dep::Article(ArticleId(3)), Dep::Tree]);
            at_most(Duration::from_secs(60));
            at_most(Duration::from_secs(30));
            at_most(Duration::from_secs(90));
        })
        .await;
        assert_eq!(deps.set.len(), 2);
        assert!(deps.set.contains(&Dep::Article(ArticleId(3))));
        assert_eq!(deps.lifetime, Some(Duration::from_secs(30)));
        let ((), none) = recording(async {}).await;
        assert!(none.set.is_empty() && none.lifetime.is_none());
    }
}
