//! Source request and response bodies.

use serde::Deserialize;
use utoipa::IntoParams;

pub use crate::content::sources::*;
pub use crate::services::sources::{CreateSource, UpdateSource};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListSourcesQuery {
    /// Only sources whose name contains this text (case-insensitive), at most 100 characters.
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
