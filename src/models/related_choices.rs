//! 相关新闻 chosen ahead of time (migration 000010): each article's best-scoring candidates are
//! stored when it is written and, incrementally, when a candidate is written, so reading them
//! is one index lookup. Editors' picks (`models::related`) still come first, and visibility is
//! checked when they are read.

use std::collections::HashSet;

use chrono::Utc;
use diesel_async::AsyncPgConnection;

use crate::models::article::{Article, ArticleStatus};
use crate::models::ids::{ArticleId, CategoryId};
use crate::queries::related::{self, Candidate};
use crate::search::Ranking;

/// Choices kept per article (more than any page shows, so that hidden ones leave enough).
pub const KEPT: i64 = 30;
/// How many of a written article's own best candidates it is offered to as a choice.
const OFFERED_TO: usize = 100;

fn ranked(found: &[Candidate], ranking: &Ranking) -> Vec<(ArticleId, f64)> {
    let now = Utc::now();
    let mut scored: Vec<(ArticleId, f64)> = found
        .iter()
        .filter_map(|c| Some((ArticleId(c.id), c.lasting_score(ranking, now)?)))
        .collect();
    scored.sort_by(|x, y| y.1.total_cmp(&x.1).then(y.0.cmp(&x.0)));
    scored
}

/// Scores an article's (visible) candidates now; all of them, best first.
async fn candidates_of(
    conn: &mut AsyncPgConnection,
    ranking: &Ranking,
    subject: &related::Subject,
) -> diesel::QueryResult<Vec<(ArticleId, f64)>> {
    let found = related::candidates(conn, subject, Utc::now()).await?;
    Ok(ranked(&found, ranking))
}

/// After a write of `a` (inside its transaction): its own choices again, and its place in the
/// choices of the articles it relates to most. The articles whose choices may have changed.
pub async fn refresh(
    conn: &mut AsyncPgConnection,
    ranking: &Ranking,
    a: &Article,
) -> diesel::QueryResult<Vec<ArticleId>> {
    let subject = related::subject(conn, a.id, a.category_id).await?;
    let all = candidates_of(conn, ranking, &subject).await?;
    related::replace(conn, a.id, &all[..all.len().min(KEPT as usize)]).await?;
    let held = related::withdraw(conn, a.id).await?;
    let live = a.status == ArticleStatus::Published && a.deleted_at.is_none();
    if live {
        // Drafts and scheduled articles have choices too (staff see them).
        let near = related::neighbours(conn, &subject, Utc::now()).await?;
        let others: Vec<ArticleId> = ranked(&near, ranking)
            .into_iter()
            .take(OFFERED_TO)
            .map(|(id, _)| id)
            .collect();
        let seen_from_them = related::as_candidate_of(conn, a.id, &others).await?;
        let offers = ranked(&seen_from_them, ranking);
        related::merge(conn, a.id, &offers, KEPT).await?;
    }
    // Changed: its own, and those it entered, left or moved in (an unchanged score keeps its
    // place; one it entered lost its last choice, one it left gained the next).
    let now_held = if live {
        related::holders(conn, a.id).await?
    } else {
        Vec::new()
    };
    let before: HashSet<(ArticleId, u64)> = held.iter().map(|(id, s)| (*id, s.to_bits())).collect();
    let after: HashSet<(ArticleId, u64)> =
        now_held.iter().map(|(id, s)| (*id, s.to_bits())).collect();
    let mut changed: Vec<ArticleId> = before
        .symmetric_difference(&after)
        .map(|(id, _)| *id)
        .chain([a.id])
        .collect();
    changed.sort_unstable();
    changed.dedup();
    Ok(changed)
}

/// What an article page's 相关新闻 are taken from: the editors' picks in their order, then the
/// stored choices by score (deduplicated, never the article itself), and which of them are
/// visible now.
pub struct ForPage {
    pub ids: Vec<ArticleId>,
    pub visible: HashSet<ArticleId>,
}

/// [`ForPage`] of `a`, in one statement; its choices are computed and stored first if they
/// never were (articles from before migration 000010, until each is read or written once).
pub async fn for_page(
    conn: &mut AsyncPgConnection,
    ranking: &Ranking,
    a: &Article,
) -> diesel::QueryResult<ForPage> {
    let found = related::picks_and_choices(conn, a.id, KEPT, Utc::now()).await?;
    let mut visible: HashSet<ArticleId> = found.visible.into_iter().collect();
    let mut ids = found.ids;
    if !found.computed {
        let kept = compute(conn, ranking, a.id, a.category_id).await?;
        // Candidates are visible ones.
        ids.extend(kept.iter().map(|(id, _)| *id));
        visible.extend(kept.iter().map(|(id, _)| *id));
    }
    let mut seen = HashSet::new();
    ids.retain(|id| *id != a.id && seen.insert(*id));
    Ok(ForPage { ids, visible })
}

/// Computes and stores the choices of one article (a read that found none, `search related`);
/// the choices, best first. Not storing them (a concurrent write stored them first) is no error.
pub async fn compute(
    conn: &mut AsyncPgConnection,
    ranking: &Ranking,
    id: ArticleId,
    category_id: CategoryId,
) -> diesel::QueryResult<Vec<(ArticleId, f64)>> {
    let subject = related::subject(conn, id, category_id).await?;
    let mut all = candidates_of(conn, ranking, &subject).await?;
    all.truncate(KEPT as usize);
    if let Err(e) = related::replace(conn, id, &all).await {
        tracing::debug!(error = %e, article = id.0, "related choices not stored");
    }
    Ok(all)
}
