//! Author request and response bodies.

use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::fields::double_option;

pub use crate::content::authors::*;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListAuthorsQuery {
    /// Only authors whose name or affiliation contains this text (case-insensitive).
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Page number (page mode), default 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// Opaque cursor from `meta.next_cursor` (keyset mode).
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAuthor {
    /// Name as printed in the byline, 1–64 characters.
    #[schema(
        example = "张庆梅",
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub name: String,
    /// Generated from the name when absent.
    #[schema(pattern = "^[a-z0-9-]{1,64}$")]
    pub slug: Option<String>,
    /// 作者单位, at most 200 characters.
    #[schema(example = "黑河市委讲师团", max_length = 200)]
    pub affiliation: Option<String>,
    /// At most 2000 characters.
    #[schema(max_length = 2000)]
    pub bio: Option<String>,
    /// An absolute http(s) URL.
    #[schema(
        max_length = 2048,
        pattern = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][^\s]*)?$"
    )]
    pub avatar_url: Option<String>,
}

/// Only the fields present change; `null` clears a nullable field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAuthor {
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub name: Option<String>,
    #[schema(pattern = "^[a-z0-9-]{1,64}$")]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 200)]
    pub affiliation: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 2000)]
    pub bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(
        max_length = 2048,
        pattern = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][^\s]*)?$"
    )]
    pub avatar_url: Option<Option<String>>,
}
