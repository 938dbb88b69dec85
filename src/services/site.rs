//! The write path for the site settings (站点设置): one admin write, checked against its
//! version (`If-Match`); it emits `Change::Site` with the new state, which webhooks announce
//! (`site.updated`).

use std::collections::HashSet;

use serde::Deserialize;
use utoipa::ToSchema;

use super::commit;
use super::version::check_if_match;
use crate::auth::Actor;
use crate::content::change::Change;
use crate::content::site::{SiteDto, SloganDto};
use crate::error::ApiError;
use crate::fields::double_option;
use crate::models::category::{self, Tree};
use crate::models::ids::CategoryId;
use crate::models::site::{self, Site, Slogan};
use crate::models::user::{Role, valid_email};
use crate::state::AppState;
use crate::validate::Violations;

/// Most slogans a site may have.
const MAX_SLOGANS: usize = 20;
/// Most navigation entries a site may have.
const MAX_NAVIGATION: usize = 30;
/// Longest footer line.
const MAX_FOOTER: usize = 200;

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

impl From<SloganDto> for Slogan {
    fn from(s: SloganDto) -> Self {
        Self {
            text: s.text.trim().to_owned(),
            url: s.url,
        }
    }
}

/// Changes the settings (admins only); refused (412) unless `if_match` (when sent) names the
/// current version.
pub async fn update(
    state: &AppState,
    actor: Actor,
    if_match: Option<&str>,
    body: UpdateSite,
) -> Result<SiteDto, ApiError> {
    actor.require(Role::Admin)?;
    commit(state, async |conn| {
        let current = site::get_for_update(conn).await?;
        let version = current.version;
        let tree = category::load_tree(conn).await?;
        // A body that breaks the rules is a 422 whatever the `If-Match`.
        let next = apply(current, body, &tree)?;
        check_if_match(if_match, version)?;
        let saved = site::save(conn, &next, Some(actor.id)).await?;
        let dto = SiteDto::new(saved, &tree, true);
        let change = Change::Site(Box::new(dto.clone()));
        Ok((dto, change))
    })
    .await
}

/// The settings after `body`, or 422 naming every wrong field.
fn apply(mut site: Site, body: UpdateSite, tree: &Tree) -> Result<Site, ApiError> {
    let mut v = Violations::default();
    if let Some(name) = &body.name {
        v.name("name", name, 64);
    }
    if let Some(Some(url)) = &body.logo_url {
        v.http_url("logo_url", url);
    }
    if let Some(slogans) = &body.slogans {
        if slogans.len() > MAX_SLOGANS {
            v.add("slogans", format!("must have at most {MAX_SLOGANS} items"));
        }
        for (i, s) in slogans.iter().enumerate() {
            v.name(&format!("slogans[{i}].text"), &s.text, 100);
            if let Some(url) = &s.url {
                v.http_url(&format!("slogans[{i}].url"), url);
            }
        }
    }
    if let Some(navigation) = &body.navigation {
        if navigation.len() > MAX_NAVIGATION {
            v.add(
                "navigation",
                format!("must have at most {MAX_NAVIGATION} items"),
            );
        }
        let mut seen = HashSet::new();
        for (i, &id) in navigation.iter().enumerate() {
            let field = format!("navigation[{i}]");
            if tree.get(id).is_none() {
                v.add(&field, format!("no channel has the id {id}"));
            } else if !seen.insert(id) {
                v.add(&field, format!("channel {id} is already in the navigation"));
            }
        }
    }
    if let Some(footer) = &body.footer {
        let lines = [
            ("footer.copyright", &footer.copyright),
            ("footer.phone", &footer.phone),
            ("footer.address", &footer.address),
            ("footer.icp", &footer.icp),
        ];
        for (field, value) in lines {
            if let Some(Some(value)) = value {
                v.name(field, value, MAX_FOOTER);
            }
        }
        if let Some(Some(email)) = &footer.email {
            if email.chars().count() > MAX_FOOTER {
                v.add(
                    "footer.email",
                    format!("must be at most {MAX_FOOTER} characters long"),
                );
            } else if valid_email(email).is_none() {
                v.add("footer.email", "must be an email address");
            }
        }
    }
    v.finish()?;

    let trimmed = |s: Option<String>| s.map(|s| s.trim().to_owned());
    if let Some(name) = body.name {
        site.name = name.trim().to_owned();
    }
    if let Some(logo_url) = body.logo_url {
        site.logo_url = logo_url;
    }
    if let Some(slogans) = body.slogans {
        site.slogans = slogans.into_iter().map(Into::into).collect();
    }
    if let Some(navigation) = body.navigation {
        site.navigation = navigation;
    }
    if let Some(f) = body.footer {
        let set = |slot: &mut Option<String>, value: Option<Option<String>>| {
            if let Some(value) = value {
                *slot = trimmed(value);
            }
        };
        set(&mut site.copyright, f.copyright);
        set(&mut site.phone, f.phone);
        set(&mut site.email, f.email);
        set(&mut site.address, f.address);
        set(&mut site.icp, f.icp);
    }
    Ok(site)
}
