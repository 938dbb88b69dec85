//! What happened: the event names endpoints subscribe to, and the data each one carries.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::content::webhooks::{ArticleDeleted, RankingChanged};
use crate::models::ids::{ArticleId, DeliveryId, RankingId};

/// The kinds of event a webhook can subscribe to (`ping` is sent only by hand).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    ArticlePublished,
    ArticleUpdated,
    ArticleUnpublished,
    ArticleDeleted,
    CategoryCreated,
    CategoryUpdated,
    CategoryDeleted,
    SiteUpdated,
    RankingUpdated,
    Ping,
}

impl EventKind {
    /// Every event an endpoint may subscribe to.
    pub const SUBSCRIBABLE: &'static [EventKind] = &[
        Self::ArticlePublished,
        Self::ArticleUpdated,
        Self::ArticleUnpublished,
        Self::ArticleDeleted,
        Self::CategoryCreated,
        Self::CategoryUpdated,
        Self::CategoryDeleted,
        Self::SiteUpdated,
        Self::RankingUpdated,
    ];

    /// The name used in `events`, the payload and the `Newsdesk-Event` header.
    pub fn name(self) -> &'static str {
        match self {
            Self::ArticlePublished => "article.published",
            Self::ArticleUpdated => "article.updated",
            Self::ArticleUnpublished => "article.unpublished",
            Self::ArticleDeleted => "article.deleted",
            Self::CategoryCreated => "category.created",
            Self::CategoryUpdated => "category.updated",
            Self::CategoryDeleted => "category.deleted",
            Self::SiteUpdated => "site.updated",
            Self::RankingUpdated => "ranking.updated",
            Self::Ping => "ping",
        }
    }

    /// The subscribable events a name or pattern stands for: an exact name, or `prefix.*`
    /// (e.g. `category.*`, `article.*`). Empty when it names none.
    pub fn matching(pattern: &str) -> Vec<EventKind> {
        match pattern.strip_suffix(".*") {
            Some(prefix) => Self::SUBSCRIBABLE
                .iter()
                .copied()
                .filter(|k| k.name().split('.').next() == Some(prefix))
                .collect(),
            None => Self::SUBSCRIBABLE
                .iter()
                .copied()
                .filter(|k| k.name() == pattern)
                .collect(),
        }
    }
}

/// An event to announce: its kind, when it happened and its `data` (serialized now, so the
/// payload shows the state at the time of the change).
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: EventKind,
    pub occurred_at: DateTime<Utc>,
    pub data: Value,
}

impl Event {
    /// Any event with any serializable data.
    pub fn new(kind: EventKind, data: &impl Serialize) -> Self {
        Self {
            kind,
            occurred_at: Utc::now(),
            data: serde_json::to_value(data).unwrap_or(Value::Null),
        }
    }

    /// `article.published`, `article.updated` or `article.unpublished`: `data` is the article
    /// summary (`crate::content::articles::ArticleSummary`, from `summaries_of`).
    pub fn article(kind: EventKind, summary: &crate::content::articles::ArticleSummary) -> Self {
        Self::new(kind, summary)
    }

    /// `article.deleted`: `data` is `{id, slug, purged}` (`purged`: gone for good rather than
    /// moved to the trash).
    pub fn article_deleted(id: ArticleId, slug: &str, purged: bool) -> Self {
        let data = ArticleDeleted {
            id,
            slug: slug.to_owned(),
            purged,
        };
        Self::new(EventKind::ArticleDeleted, &data)
    }

    /// `ranking.updated`: `data` is `{id, slug, deleted}`.
    pub fn ranking(id: RankingId, slug: &str, deleted: bool) -> Self {
        let data = RankingChanged {
            id,
            slug: slug.to_owned(),
            deleted,
        };
        Self::new(EventKind::RankingUpdated, &data)
    }

    /// The body sent for delivery `id`.
    pub fn payload(&self, id: DeliveryId) -> Value {
        json!({
            "id": id.to_string(),
            "event": self.kind.name(),
            "occurred_at": self.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": self.data,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert_eq!(
            EventKind::matching("category.*"),
            vec![
                EventKind::CategoryCreated,
                EventKind::CategoryUpdated,
                EventKind::CategoryDeleted
            ]
        );
        assert_eq!(
            EventKind::matching("site.updated"),
            vec![EventKind::SiteUpdated]
        );
        assert!(EventKind::matching("ping").is_empty());
        assert!(EventKind::matching("nope.*").is_empty());
    }
}
