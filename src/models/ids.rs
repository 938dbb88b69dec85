//! Typed ids: a category id cannot be passed where a source id is expected.

use diesel_derive_newtype::DieselNewType;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! typed_id {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 Serialize, Deserialize, DieselNewType, ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = i64)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        /// The bare number (query traces show bind values this way).
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )+};
}

typed_id!(
    /// Id of a category (channel).
    CategoryId,
    /// Id of a source.
    SourceId,
    /// Id of a staff user.
    UserId,
    /// Id of an author (byline).
    AuthorId,
    /// Id of a tag.
    TagId,
    /// Id of an article.
    ArticleId,
    /// Id of a ranking board.
    RankingId,
    /// Id of a content API key.
    ApiKeyId,
    /// Id of a webhook endpoint.
    WebhookId,
    /// Id of a webhook delivery.
    DeliveryId,
    /// Id of a media asset.
    MediaId,
    /// Id of a group of search synonyms.
    SynonymId,
);
