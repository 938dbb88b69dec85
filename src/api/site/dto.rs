//! Site settings request and response bodies.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::fields::double_option;
use crate::models::ids::CategoryId;
use crate::models::site::Slogan;

pub use crate::content::site::*;

impl From<SloganDto> for Slogan {
    fn from(s: SloganDto) -> Self {
        Self {
            text: s.text.trim().to_owned(),
            url: s.url,
        }
    }
}

/// Only the fields present change; `null` clears `logo_url` and the footer fields. Lists are
/// replaced as a whole.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSite {
    /// The site's name, 1–64 characters.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub name: Option<String>,
    /// An absolute http(s) URL; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(
        max_length = 2048,
        pattern = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][^\s]*)?$"
    )]
    pub logo_url: Option<Option<String>>,
    /// The scrolling slogans in display order, at most 20; replaces the list.
    #[serde(default, deserialize_with = "crate::fields::optional_objects")]
    #[schema(max_items = 20)]
    pub slogans: Option<Vec<SloganDto>>,
    /// Ids of existing channels in display order, at most 30, no repeats; replaces the list.
    #[schema(max_items = 30)]
    pub navigation: Option<Vec<CategoryId>>,
    #[serde(default, deserialize_with = "crate::fields::optional_object")]
    pub footer: Option<UpdateFooter>,
}

/// Footer fields: only those present change; `null` clears one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFooter {
    /// The copyright line, at most 200 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 200)]
    pub copyright: Option<Option<String>>,
    /// Contact phone number, at most 200 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 200)]
    pub phone: Option<Option<String>>,
    /// Contact email address, at most 200 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 200)]
    pub email: Option<Option<String>>,
    /// Postal address, at most 200 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 200)]
    pub address: Option<Option<String>>,
    /// ICP record number, at most 200 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 200)]
    pub icp: Option<Option<String>>,
}
