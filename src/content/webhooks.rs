//! The shape of a delivery's JSON body, for the OpenAPI document (deliveries store it as JSON).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::content::articles::ArticleSummary;
use crate::content::categories::CategoryDetail;
use crate::content::site::SiteDto;
use crate::models::ids::{ArticleId, RankingId, WebhookId};

/// An event name, as in `Newsdesk-Event`, a delivery's `event` and a payload's `event` (`ping` is sent only by hand).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum WebhookEvent {
    #[serde(rename = "article.published")]
    ArticlePublished,
    #[serde(rename = "article.updated")]
    ArticleUpdated,
    #[serde(rename = "article.unpublished")]
    ArticleUnpublished,
    #[serde(rename = "article.deleted")]
    ArticleDeleted,
    #[serde(rename = "category.created")]
    CategoryCreated,
    #[serde(rename = "category.updated")]
    CategoryUpdated,
    #[serde(rename = "category.deleted")]
    CategoryDeleted,
    #[serde(rename = "site.updated")]
    SiteUpdated,
    #[serde(rename = "ranking.updated")]
    RankingUpdated,
    #[serde(rename = "ping")]
    Ping,
}

/// What an endpoint subscribes to: an event name, or `group.*` for every event of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum WebhookEventFilter {
    #[serde(rename = "article.published")]
    ArticlePublished,
    #[serde(rename = "article.updated")]
    ArticleUpdated,
    #[serde(rename = "article.unpublished")]
    ArticleUnpublished,
    #[serde(rename = "article.deleted")]
    ArticleDeleted,
    #[serde(rename = "category.created")]
    CategoryCreated,
    #[serde(rename = "category.updated")]
    CategoryUpdated,
    #[serde(rename = "category.deleted")]
    CategoryDeleted,
    #[serde(rename = "site.updated")]
    SiteUpdated,
    #[serde(rename = "ranking.updated")]
    RankingUpdated,
    #[serde(rename = "article.*")]
    AllArticle,
    #[serde(rename = "category.*")]
    AllCategory,
    #[serde(rename = "site.*")]
    AllSite,
    #[serde(rename = "ranking.*")]
    AllRanking,
}

/// The JSON body POSTed for one event: by `event`, one of these shapes (a discriminated union:
/// generated clients get one type per shape).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
#[schema(discriminator(property_name = "event", mapping(("article.published" = "#/components/schemas/ArticleWebhook"), ("article.updated" = "#/components/schemas/ArticleWebhook"), ("article.unpublished" = "#/components/schemas/ArticleWebhook"), ("article.deleted" = "#/components/schemas/ArticleDeletedWebhook"), ("category.created" = "#/components/schemas/CategoryWebhook"), ("category.updated" = "#/components/schemas/CategoryWebhook"), ("category.deleted" = "#/components/schemas/CategoryWebhook"), ("site.updated" = "#/components/schemas/SiteWebhook"), ("ranking.updated" = "#/components/schemas/RankingWebhook"), ("ping" = "#/components/schemas/PingWebhook"))))]
pub enum WebhookPayload {
    Article(ArticleWebhook),
    ArticleDeleted(ArticleDeletedWebhook),
    Category(CategoryWebhook),
    Site(SiteWebhook),
    Ranking(RankingWebhook),
    Ping(PingWebhook),
}

/// The events of a `ArticleWebhook`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum ArticleEvent {
    #[serde(rename = "article.published")]
    ArticlePublished,
    #[serde(rename = "article.updated")]
    ArticleUpdated,
    #[serde(rename = "article.unpublished")]
    ArticleUnpublished,
}

/// An article was published, changed or taken down: its summary as the public sees it (as it was, for `article.unpublished`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleWebhook {
    /// The delivery id (digits), also sent as `Newsdesk-Delivery`.
    pub id: String,
    /// The event, also sent as `Newsdesk-Event`.
    pub event: ArticleEvent,
    pub occurred_at: DateTime<Utc>,
    pub data: ArticleSummary,
}

/// The events of a `ArticleDeletedWebhook`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum ArticleDeletedEvent {
    #[serde(rename = "article.deleted")]
    ArticleDeleted,
}

/// An article was moved to the trash or purged.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleDeletedWebhook {
    /// The delivery id (digits), also sent as `Newsdesk-Delivery`.
    pub id: String,
    /// The event, also sent as `Newsdesk-Event`.
    pub event: ArticleDeletedEvent,
    pub occurred_at: DateTime<Utc>,
    pub data: ArticleDeleted,
}

/// The events of a `CategoryWebhook`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum CategoryEvent {
    #[serde(rename = "category.created")]
    CategoryCreated,
    #[serde(rename = "category.updated")]
    CategoryUpdated,
    #[serde(rename = "category.deleted")]
    CategoryDeleted,
}

/// A channel was created, changed or deleted (as it was).
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryWebhook {
    /// The delivery id (digits), also sent as `Newsdesk-Delivery`.
    pub id: String,
    /// The event, also sent as `Newsdesk-Event`.
    pub event: CategoryEvent,
    pub occurred_at: DateTime<Utc>,
    pub data: CategoryDetail,
}

/// The events of a `SiteWebhook`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum SiteEvent {
    #[serde(rename = "site.updated")]
    SiteUpdated,
}

/// The site settings changed: their new state.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteWebhook {
    /// The delivery id (digits), also sent as `Newsdesk-Delivery`.
    pub id: String,
    /// The event, also sent as `Newsdesk-Event`.
    pub event: SiteEvent,
    pub occurred_at: DateTime<Utc>,
    pub data: SiteDto,
}

/// The events of a `RankingWebhook`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum RankingEvent {
    #[serde(rename = "ranking.updated")]
    RankingUpdated,
}

/// A board changed or was deleted.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingWebhook {
    /// The delivery id (digits), also sent as `Newsdesk-Delivery`.
    pub id: String,
    /// The event, also sent as `Newsdesk-Event`.
    pub event: RankingEvent,
    pub occurred_at: DateTime<Utc>,
    pub data: RankingChanged,
}

/// The events of a `PingWebhook`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum PingEvent {
    #[serde(rename = "ping")]
    Ping,
}

/// A test delivery (`POST /webhooks/{id}/ping`).
#[derive(Debug, Serialize, ToSchema)]
pub struct PingWebhook {
    /// The delivery id (digits), also sent as `Newsdesk-Delivery`.
    pub id: String,
    /// The event, also sent as `Newsdesk-Event`.
    pub event: PingEvent,
    pub occurred_at: DateTime<Utc>,
    pub data: Ping,
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
