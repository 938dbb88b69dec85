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
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
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
