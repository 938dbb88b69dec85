//! Site settings (站点设置): the one row of `site_settings` (id = 1).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};

use super::ids::{CategoryId, UserId};
use crate::db::schema::site_settings;

/// The key of the only row.
const ROW: i16 = 1;

/// One scrolling slogan as stored in the `slogans` JSONB array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slogan {
    pub text: String,
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = site_settings)]
pub struct SiteRow {
    pub id: i16,
    pub name: String,
    pub logo_url: Option<String>,
    pub slogans: serde_json::Value,
    pub navigation: Vec<Option<i64>>,
    pub copyright: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub icp: Option<String>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<i64>,
}

/// The settings as the application sees them (defaults when no row exists yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub name: String,
    pub logo_url: Option<String>,
    pub slogans: Vec<Slogan>,
    pub navigation: Vec<CategoryId>,
    pub copyright: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub icp: Option<String>,
    /// 0 while no row exists.
    pub version: i32,
    /// `None` while no row exists.
    pub updated_at: Option<DateTime<Utc>>,
}

impl Default for Site {
    fn default() -> Self {
        Self {
            name: "newsdesk".to_owned(),
            logo_url: None,
            slogans: Vec::new(),
            navigation: Vec::new(),
            copyright: None,
            phone: None,
            email: None,
            address: None,
            icp: None,
            version: 0,
            updated_at: None,
        }
    }
}

impl TryFrom<SiteRow> for Site {
    type Error = diesel::result::Error;

    fn try_from(row: SiteRow) -> Result<Self, Self::Error> {
        let slogans = serde_json::from_value(row.slogans)
            .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
        Ok(Self {
            name: row.name,
            logo_url: row.logo_url,
            slogans,
            navigation: row
                .navigation
                .into_iter()
                .flatten()
                .map(CategoryId)
                .collect(),
            copyright: row.copyright,
            phone: row.phone,
            email: row.email,
            address: row.address,
            icp: row.icp,
            version: row.version,
            updated_at: Some(row.updated_at),
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = site_settings)]
struct SiteValues {
    id: i16,
    name: String,
    logo_url: Option<String>,
    slogans: serde_json::Value,
    navigation: Vec<Option<i64>>,
    copyright: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    address: Option<String>,
    icp: Option<String>,
    version: i32,
    updated_at: DateTime<Utc>,
    updated_by: Option<i64>,
}

async fn load(conn: &mut AsyncPgConnection, for_update: bool) -> QueryResult<Site> {
    let query = site_settings::table.find(ROW).select(SiteRow::as_select());
    let row = if for_update {
        query.for_update().first(conn).await.optional()?
    } else {
        query.first(conn).await.optional()?
    };
    row.map(Site::try_from)
        .transpose()
        .map(Option::unwrap_or_default)
}

/// The settings, or the defaults when none are stored.
pub async fn get(conn: &mut AsyncPgConnection) -> QueryResult<Site> {
    load(conn, false).await
}

/// The settings, locking the row (when there is one) until the transaction ends.
pub async fn get_for_update(conn: &mut AsyncPgConnection) -> QueryResult<Site> {
    load(conn, true).await
}

/// Whether a settings row exists.
pub async fn exists(conn: &mut AsyncPgConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(site_settings::table.find(ROW)))
        .get_result(conn)
        .await
}

/// Stores `site` as the settings with the next version (creating the row when missing).
pub async fn save(
    conn: &mut AsyncPgConnection,
    site: &Site,
    by: Option<UserId>,
) -> QueryResult<Site> {
    let slogans = serde_json::to_value(&site.slogans)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    let values = SiteValues {
        id: ROW,
        name: site.name.clone(),
        logo_url: site.logo_url.clone(),
        slogans,
        navigation: site.navigation.iter().map(|c| Some(c.0)).collect(),
        copyright: site.copyright.clone(),
        phone: site.phone.clone(),
        email: site.email.clone(),
        address: site.address.clone(),
        icp: site.icp.clone(),
        version: site.version + 1,
        updated_at: Utc::now(),
        updated_by: by.map(|u| u.0),
    };
    let row = diesel::insert_into(site_settings::table)
        .values(&values)
        .on_conflict(site_settings::id)
        .do_update()
        .set((
            site_settings::name.eq(excluded(site_settings::name)),
            site_settings::logo_url.eq(excluded(site_settings::logo_url)),
            site_settings::slogans.eq(excluded(site_settings::slogans)),
            site_settings::navigation.eq(excluded(site_settings::navigation)),
            site_settings::copyright.eq(excluded(site_settings::copyright)),
            site_settings::phone.eq(excluded(site_settings::phone)),
            site_settings::email.eq(excluded(site_settings::email)),
            site_settings::address.eq(excluded(site_settings::address)),
            site_settings::icp.eq(excluded(site_settings::icp)),
            site_settings::version.eq(site_settings::version + 1),
            site_settings::updated_at.eq(excluded(site_settings::updated_at)),
            site_settings::updated_by.eq(excluded(site_settings::updated_by)),
        ))
        .returning(SiteRow::as_returning())
        .get_result(conn)
        .await?;
    Site::try_from(row)
}
