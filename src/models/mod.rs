//! One module per table: row structs, inserts, changes, typed ids and query functions.

pub mod api_key;
pub mod article;
pub mod article_status;
pub mod audit;
pub mod author;
pub mod category;
pub mod edge_purge;
pub mod ids;
pub mod media;
pub mod ranking;
pub mod related;
pub mod related_choices;
pub mod revision;
pub mod search_index;
pub mod session;
pub mod site;
pub mod source;
pub mod sync;
pub mod synonym;
pub mod tag;
pub mod throttle;
pub mod user;
pub mod views;
pub mod visibility;
pub mod webhook;
pub mod webhook_delivery;

/// A path key: all digits is an id, anything else a slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Id(i64),
    Slug(String),
}

impl Key {
    pub fn parse(raw: &str) -> Self {
        if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
            match raw.parse() {
                Ok(id) => Self::Id(id),
                // Too many digits for an i64: no row has that id, and no slug is all digits,
                // so it matches nothing; kept as sent so a 404 names what was asked for.
                Err(_) => Self::Slug(raw.to_owned()),
            }
        } else {
            Self::Slug(raw.to_owned())
        }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Id(id) => write!(f, "{id}"),
            Self::Slug(slug) => f.write_str(slug),
        }
    }
}

/// An enum of names, each variant serialized as its name (`"article.published"`,
/// `"footer.phone"`): closed sets of the API that are not stored.
#[macro_export]
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize,
                 utoipa::ToSchema)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }
    };
}

/// A Rust enum stored as TEXT (constrained by a CHECK in the migration).
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
                 utoipa::ToSchema, diesel::AsExpression, diesel::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!("must be one of: {}", [$($text),+].join(", "))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// As the stored text (query traces show bind values this way).
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(self.as_str(), f)
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>)
                -> diesel::serialize::Result {
                use std::io::Write;
                out.write_all(self.as_str().as_bytes())?;
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let s = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg>>::from_sql(bytes)?;
                s.parse().map_err(Into::into)
            }
        }
    };
}

/// `pub async fn list(conn, name_contains, req)`: rows by name then id, both pagination modes.
/// Shared by sources and authors; `$pattern` names the `%…%` LIKE pattern in `$filter`.
macro_rules! list_by_name {
    ($table:ident, $row:ident, $id:ident, $pattern:ident => $filter:expr) => {
        pub async fn list(
            conn: &mut AsyncPgConnection,
            name_contains: Option<&str>,
            req: &PageRequest<(String, i64)>,
        ) -> QueryResult<Paged<$row, (String, i64)>> {
            let filtered = || {
                let mut q = $table::table.into_boxed();
                if let Some(needle) = name_contains {
                    let $pattern = format!("%{}%", $crate::models::like_escape(needle));
                    q = q.filter($filter);
                }
                q
            };
            // By name, ties by id.
            let (name, id) = ($table::name, $table::id);
            let q = filtered().select($row::as_select()).limit(req.limit());
            let rows = $crate::keyset!(q, req.seek(), asc(name, id), |k| (k.0.clone(), $id(k.1)))
                .load(conn)
                .await?;
            let total = match req.counts_total() {
                true => Some(filtered().count().get_result(conn).await?),
                false => None,
            };
            Ok(Paged::from_rows(rows, req, total, |r: &$row| {
                (r.name.clone(), r.id.0)
            }))
        }
    };
}
pub(crate) use list_by_name;

/// Tables whose rows have unique slugs.
#[derive(Debug, Clone, Copy)]
pub enum SlugTable {
    Sources,
    Authors,
    Articles,
    Tags,
}

#[derive(diesel::QueryableByName)]
struct SlugRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    slug: String,
}

/// A free slug: `base`, else the first free `base-N` (one query).
pub async fn free_slug(
    conn: &mut diesel_async::AsyncPgConnection,
    table: SlugTable,
    base: &str,
) -> diesel::QueryResult<String> {
    use diesel_async::RunQueryDsl;
    let name = match table {
        SlugTable::Sources => "sources",
        SlugTable::Authors => "authors",
        SlugTable::Articles => "articles",
        SlugTable::Tags => "tags",
    };
    // `base-…` sorts (bytewise) from `base-` up to, not including, `base.` ('.' follows '-').
    let taken: Vec<SlugRow> = diesel::sql_query(format!(
        "SELECT slug FROM {name} WHERE slug = $1 OR (slug COLLATE \"C\" >= $2 \
           AND slug COLLATE \"C\" < $3 AND substr(slug, length($1) + 2) ~ '^[0-9]{{1,9}}$')"
    ))
    .bind::<diesel::sql_types::Text, _>(base)
    .bind::<diesel::sql_types::Text, _>(format!("{base}-"))
    .bind::<diesel::sql_types::Text, _>(format!("{base}."))
    .load(conn)
    .await?;
    Ok(next_free(base, taken.iter().map(|r| r.slug.as_str())))
}

/// `base` if not among `taken`, else `base-N` with the smallest free N ≥ 2.
pub fn next_free<'a>(base: &str, taken: impl Iterator<Item = &'a str>) -> String {
    let mut used = std::collections::HashSet::new();
    let mut base_taken = false;
    for s in taken {
        if s == base {
            base_taken = true;
        } else if let Some(n) = s
            .strip_prefix(base)
            .and_then(|r| r.strip_prefix('-'))
            .and_then(|n| n.parse::<u64>().ok())
        {
            used.insert(n);
        }
    }
    if !base_taken {
        return base.to_owned();
    }
    let n = (2..).find(|n| !used.contains(n)).unwrap_or(2);
    format!("{base}-{n}")
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(Key::parse("12"), Key::Id(12));
        assert_eq!(
            Key::parse("99999999999999999999999").to_string(),
            "99999999999999999999999"
        );
        assert_eq!(Key::parse("a12"), Key::Slug("a12".into()));
        assert_eq!(
            Key::parse("99999999999999999999"),
            Key::Slug("99999999999999999999".into())
        );
        assert_eq!(like_escape("50%_a\\"), "50\\%\\_a\\\\");
        assert_eq!(next_free("a", ["b"].into_iter()), "a");
        assert_eq!(next_free("a", ["a", "a-2", "a-4"].into_iter()), "a-3");
    }
}
