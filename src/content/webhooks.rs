//! The shape of a delivery's JSON body, for the OpenAPI document (deliveries store it as JSON).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::content::articles::ArticleSummary;
use crate::content::categories::CategoryDetail;
use crate::content::site::SiteDto;
use crate::models::ids::{ArticleId, RankingId, WebhookId};

/// The JSON body POSTed for one event.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookPayload {
    /// The delivery id (digits), also sent as `Newsdesk-Delivery`.
    pub id: String,
    /// The event name, also sent as `Newsdesk-Event`.
    #[schema(example = "article.published")]
    pub event: String,
    pub occurred_at: DateTime<Utc>,
    pub data: WebhookData,
}

/// What the event is about, by event: the article summary (`article.published`, `.updated`,
/// `.unpublished`), the deleted article (`article.deleted`), the channel (`category.*`), the
/// site settings (`site.updated`), the board (`ranking.updated`) or the endpoint (`ping`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum WebhookData {
    Article(ArticleSummary),
    ArticleDeleted(ArticleDeleted),
    Category(CategoryDetail),
    Site(SiteDto),
    Ranking(RankingChanged),
    Ping(Ping),
}

/// `article.deleted`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleDeleted {
    pub id: ArticleId,
    pub slug: String,
    /// Gone for good (purged) rather than moved to the trash.
    pub purged: bool,
}

/// `ranking.updated`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingChanged {
    pub id: RankingId,
    pub slug: String,
    /// The board was deleted.
    pub deleted: bool,
}

/// `ping`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ping {
    pub webhook_id: WebhookId,
}
