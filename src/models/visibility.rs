//! "Visible to the public", defined once: published, live by the clock (`published_at` has come,
//! `offline_at` has not), and not in the trash. The same rule in three forms, all taking the
//! caller's `now` (the application's clock, never the database's `now()`):
//!
//! - [`visible_at`] for Rust values,
//! - [`visible`] as a Diesel expression over `articles`,
//! - [`sql`] as a raw SQL fragment for hand-written queries.
//!
//! (The change feed's scheduler keeps a copy of the rule as the SQL function
//! `article_visible_at`, over its own copies of the columns; `tests/api/visibility.rs` pins the
//! edges of all of them.)

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable};

use super::article_status::ArticleStatus;
use crate::db::schema::articles;

/// The rule over an article's fields.
pub fn visible_at(
    status: ArticleStatus,
    deleted_at: Option<DateTime<Utc>>,
    published_at: Option<DateTime<Utc>>,
    offline_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    status == ArticleStatus::Published
        && deleted_at.is_none()
        && published_at.is_some_and(|p| p <= now)
        && offline_at.is_none_or(|o| o > now)
}

/// The rule as a filter on `articles` (for boxed queries).
/// (`published_at` is nullable, so the expression is a nullable boolean; NULL filters out.)
pub fn visible(
    now: DateTime<Utc>,
) -> Box<dyn BoxableExpression<articles::table, Pg, SqlType = Nullable<Bool>>> {
    Box::new(
        articles::status
            .eq(ArticleStatus::Published)
            .and(articles::deleted_at.is_null())
            .and(articles::published_at.le(now))
            .and(
                articles::offline_at
                    .is_null()
                    .or(articles::offline_at.gt(now)),
            ),
    )
}

/// The rule as SQL over the articles table aliased `alias`, with `now` the placeholder (or
/// expression) of the caller's time, e.g. `sql("a", "$2")`.
pub fn sql(alias: &str, now: &str) -> String {
    format!(
        "({alias}.status = 'published' AND {alias}.deleted_at IS NULL AND {alias}.published_at <= {now} \
         AND ({alias}.offline_at IS NULL OR {alias}.offline_at > {now}))"
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn edges_to_the_second() {
        let now = Utc::now();
        let s = Duration::seconds(1);
        let published = ArticleStatus::Published;
        assert!(
            visible_at(published, None, Some(now), None, now),
            "published this instant"
        );
        assert!(
            !visible_at(published, None, Some(now + s), None, now),
            "a second early"
        );
        assert!(visible_at(
            published,
            None,
            Some(now - s),
            Some(now + s),
            now
        ));
        assert!(
            !visible_at(published, None, Some(now - s), Some(now), now),
            "offline this instant"
        );
        assert!(
            !visible_at(published, None, None, None, now),
            "no publish time"
        );
        assert!(
            !visible_at(published, Some(now), Some(now - s), None, now),
            "in the trash"
        );
        assert!(!visible_at(
            ArticleStatus::Draft,
            None,
            Some(now - s),
            None,
            now
        ));
        assert!(!visible_at(
            ArticleStatus::Archived,
            None,
            Some(now - s),
            None,
            now
        ));
    }

    #[test]
    fn sql_names_the_alias_and_the_clock() {
        let s = sql("a", "$2");
        assert!(
            s.contains("a.published_at <= $2") && s.contains("a.offline_at > $2"),
            "{s}"
        );
    }
}
