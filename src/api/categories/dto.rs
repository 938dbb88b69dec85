//! Category request and response bodies.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::fields::double_option;
use crate::models::ids::CategoryId;

pub use crate::content::categories::*;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategory {
    /// Display name, 1–64 characters.
    #[schema(example = "黑河时政")]
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub name: String,
    /// Generated from the name when absent.
    #[schema(pattern = "^[a-z0-9-]{1,64}$")]
    pub slug: Option<String>,
    /// Parent channel; the tree is at most 4 levels deep.
    pub parent_id: Option<CategoryId>,
    /// At most 500 characters.
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// Order among siblings, default 0.
    pub position: Option<i32>,
    /// Default true.
    pub visible: Option<bool>,
}

/// Only the fields present change; `null` clears `parent_id` (making a root) or `description`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategory {
    /// Display name, 1–64 characters.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub name: Option<String>,
    #[schema(pattern = "^[a-z0-9-]{1,64}$")]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub parent_id: Option<Option<CategoryId>>,
    /// At most 500 characters; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 500)]
    pub description: Option<Option<String>>,
    pub position: Option<i32>,
    pub visible: Option<bool>,
}
