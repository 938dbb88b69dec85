//! The shape of a delivery's JSON body, for the OpenAPI document (deliveries store it as JSON).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::content::articles::ArticleSummary;
use crate::content::categories::CategoryDetail;
use crate::content::site::SiteDto;
use crate::models::ids::{ArticleId, RankingId, WebhookId};

/// The subscribable events, once: the names and the filters are made from this list.
macro_rules! subscribable {
    ($($variant:ident => $text:tt),+ $(,)?) => {
        crate::named_enum! {
            /// An event name, as in `Newsdesk-Event`, a delivery's `event` and a payload's
            /// `event` (`ping` is sent only by hand).
            WebhookEvent { $($variant => $text,)+ Ping => "ping" }
        }
        crate::named_enum! {
            /// What an endpoint subscribes to: an event name, or `group.*` for every event of
            /// a group.
            WebhookEventFilter {
                $($variant => $text,)+
                AllArticle => "article.*",
                AllCategory => "category.*",
                AllSite => "site.*",
                AllRanking => "ranking.*",
            }
        }
    };
}

subscribable! {
    ArticlePublished => "article.published",
    ArticleUpdated => "article.updated",
    ArticleUnpublished => "article.unpublished",
    ArticleDeleted => "article.deleted",
    CategoryCreated => "category.created",
    CategoryUpdated => "category.updated",
    CategoryDeleted => "category.deleted",
    SiteUpdated => "site.updated",
    RankingUpdated => "ranking.updated",
}

/// The JSON body POSTed for one event: by `event`, one of these shapes (a discriminated union:
/// generated clients get one type per shape).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
#[schema(discriminator(property_name = "event", mapping(("article.published" = "#/components/schemas/ArticleWebhook"), ("article.updated" = "#/components/schemas/ArticleWebhook"), ("article.unpublished" = "#/components/schemas/ArticleWebhook"), ("article.deleted" = "#/components/schemas/ArticleDeletedWebhook"), ("category.created" = "#/components/schemas/CategoryWebhook"), ("category.updated" = "#/components/schemas/CategoryWebhook"), ("category.deleted" = "#/components/schemas/CategoryWebhook"), ("site.updated" = "#/components/schemas/SiteWebhook"), ("ranking.updated" = "#/components/schemas/RankingWebhook"), ("ping" = "#/components/schemas/PingWebhook"))))]
// Describes the payload for the document only; never built, so its size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum WebhookPayload {
    Article(ArticleWebhook),
    ArticleDeleted(ArticleDeletedWebhook),
    Category(CategoryWebhook),
    Site(SiteWebhook),
    Ranking(RankingWebhook),
    Ping(PingWebhook),
}

/// One shape of the webhook payload: its events and what `data` is.
macro_rules! shape {
    ($(#[$meta:meta])* $name:ident, $event:ident { $($variant:ident => $text:tt),+ }, $data:ty) => {
        crate::named_enum! {
            /// The events of this shape of the webhook payload.
            $event { $($variant => $text),+ }
        }
        $(#[$meta])*
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            /// The delivery id (digits), also sent as `Newsdesk-Delivery`.
            pub id: String,
            /// The event, also sent as `Newsdesk-Event`.
            pub event: $event,
            pub occurred_at: DateTime<Utc>,
            pub data: $data,
        }
    };
}

shape!(
    /// An article was published, changed or taken down: its summary as the public sees it (as
    /// it was, for `article.unpublished`).
    ArticleWebhook,
    ArticleEvent {
        ArticlePublished => "article.published",
        ArticleUpdated => "article.updated",
        ArticleUnpublished => "article.unpublished"
    },
    ArticleSummary
);
shape!(
    /// An article was moved to the trash or purged.
    ArticleDeletedWebhook,
    ArticleDeletedEvent { ArticleDeleted => "article.deleted" },
    ArticleDeleted
);
shape!(
    /// A channel was created, changed or deleted (as it was).
    CategoryWebhook,
    CategoryEvent {
        CategoryCreated => "category.created",
        CategoryUpdated => "category.updated",
        CategoryDeleted => "category.deleted"
    },
    CategoryDetail
);
shape!(
    /// The site settings changed: their new state.
    SiteWebhook,
    SiteEvent { SiteUpdated => "site.updated" },
    SiteDto
);
shape!(
    /// A board changed or was deleted.
    RankingWebhook,
    RankingEvent { RankingUpdated => "ranking.updated" },
    RankingChanged
);
shape!(
    /// A test delivery (`POST /webhooks/{id}/ping`).
    PingWebhook,
    PingEvent { Ping => "ping" },
    Ping
);

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
