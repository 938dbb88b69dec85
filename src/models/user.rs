//! Staff users: who may log in and with which role.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::ids::UserId;
use crate::db::schema::users;

crate::text_enum! {
    /// Staff role, from least to most privileged: writer < editor < admin.
    Role { Writer => "writer", Editor => "editor", Admin => "admin" }
}

impl Role {
    fn rank(self) -> u8 {
        match self {
            Role::Writer => 0,
            Role::Editor => 1,
            Role::Admin => 2,
        }
    }

    /// Whether this role includes everything `min` may do.
    pub fn at_least(self, min: Role) -> bool {
        self.rank() >= min.rank()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Access tokens carry the generation they were issued under; bumping it voids them all.
    pub token_generation: i32,
}

/// What an admin (or the user, for themselves) may change.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
}

/// The email, lower-cased, when it is a plausible address: one `@`, a local part of 1–64
/// characters, a domain of dot-separated labels of letters, digits and hyphens; at most 254 in all.
pub fn valid_email(email: &str) -> Option<String> {
    let email = normalize_email(email);
    let (local, domain) = email.split_once('@')?;
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let ok = email.len() <= 254
        && (1..=64).contains(&local.len())
        && !local
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '@')
        && domain.contains('.')
        && domain.split('.').all(label_ok);
    ok.then_some(email)
}

/// Serializes changes to accounts (for the rule that an active admin must remain), so that two
/// admins demoting each other at once cannot both succeed nor deadlock.
pub async fn lock_accounts(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(7231001)")
        .execute(conn)
        .await
        .map(|_| ())
}

/// Emails are compared lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn find(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_by_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(normalize_email(email)))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert(conn: &mut AsyncPgConnection, new: NewUser<'_>) -> QueryResult<User> {
    let email = normalize_email(new.email);
    diesel::insert_into(users::table)
        .values(&NewUser {
            email: &email,
            ..new
        })
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

pub async fn count(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn).await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: UserId,
    changes: &UserChanges,
    bump_generation: bool,
) -> QueryResult<User> {
    let bump = if bump_generation { 1 } else { 0 };
    diesel::update(users::table.find(id))
        .set((
            changes,
            users::updated_at.eq(diesel::dsl::now),
            users::token_generation.eq(users::token_generation + bump),
        ))
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

/// Voids every access token of the user.
pub async fn bump_generation(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::token_generation.eq(users::token_generation + 1))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Locks the user row for the rest of the transaction.
pub async fn find_for_update(
    conn: &mut AsyncPgConnection,
    id: UserId,
) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Active admins other than `except` (call `lock_accounts` first in the transaction).
pub async fn other_active_admins(conn: &mut AsyncPgConnection, except: UserId) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq(Role::Admin))
        .filter(users::disabled.eq(false))
        .filter(users::id.ne(except))
        .count()
        .get_result(conn)
        .await
}

pub async fn delete(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<usize> {
    diesel::delete(users::table.find(id)).execute(conn).await
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// Email or display name contains.
    pub q: Option<String>,
}

/// Users by id, in either pagination mode.
pub async fn list(
    conn: &mut AsyncPgConnection,
    f: &UserFilter,
    req: &crate::db::pagination::PageRequest<i64>,
) -> QueryResult<crate::db::pagination::Paged<User, i64>> {
    use crate::db::pagination::Paged;
    let filtered = || {
        let mut q = users::table.into_boxed();
        if let Some(r) = f.role {
            q = q.filter(users::role.eq(r));
        }
        if let Some(d) = f.disabled {
            q = q.filter(users::disabled.eq(d));
        }
        if let Some(text) = &f.q {
            let pattern = format!("%{}%", super::like_escape(text));
            q = q.filter(
                users::email
                    .ilike(pattern.clone())
                    .or(users::display_name.ilike(pattern)),
            );
        }
        q
    };
    // Oldest first.
    let q = filtered().select(User::as_select()).limit(req.limit());
    let rows = crate::keyset!(q, req.seek(), asc users::id, |k| UserId(*k))
        .load(conn)
        .await?;
    let total = match req.counts_total() {
        true => Some(filtered().count().get_result(conn).await?),
        false => None,
    };
    Ok(Paged::from_rows(rows, req, total, |u| u.id.0))
}

/// Articles that name the user as creator, last editor or 责任编辑 (they keep a user from being
/// deleted; disable it instead).
pub async fn content_references(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<i64> {
    use crate::db::schema::articles;
    articles::table
        .filter(
            articles::created_by
                .eq(id)
                .or(articles::updated_by.eq(id))
                .or(articles::editor_id.eq(id)),
        )
        .count()
        .get_result(conn)
        .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::valid_email;

    #[test]
    fn emails() {
        assert_eq!(
            valid_email(" Ed@Example.COM ").as_deref(),
            Some("ed@example.com")
        );
        assert!(valid_email("a.b+tag@news.heihe.gov.cn").is_some());
        for bad in [
            "two@@example.com",
            "dot@example.",
            "@example.com",
            "x@.example.com",
            "x@example..com",
            "x@example",
            "x y@example.com",
            "x@exa mple.com",
            "x@-example.com",
            "x@example.com\u{0}",
        ] {
            assert!(valid_email(bad).is_none(), "{bad}");
        }
    }
}
