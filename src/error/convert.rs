//! What the libraries' errors mean to a client: database errors (unique and foreign keys,
//! timeouts, a lost connection), pool errors and blocking-task errors.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::ApiError;

impl From<DieselError> for ApiError {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::NotFound => Self::NotFound("the resource".into()),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                let field = unique_field(info.table_name(), info.constraint_name());
                Self::Conflict {
                    detail: match &field {
                        Some(f) => format!("`{f}` is already taken"),
                        None => "a unique value is already taken".into(),
                    },
                    field,
                }
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                tracing::info!(message = info.message(), "foreign key violation");
                Self::conflict("the resource is referenced by or references another resource")
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                Self::Unavailable(info.message().to_owned())
            }
            // A transaction that lost a race (serialization failure, deadlock): nothing was
            // written, and the same request will likely succeed if retried.
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, info) => {
                Self::Unavailable(info.message().to_owned())
            }
            DieselError::DatabaseError(_, ref info)
                if info.message().contains("deadlock detected") =>
            {
                Self::Unavailable(info.message().to_owned())
            }
            DieselError::DatabaseError(_, ref info) if looks_like_outage(info.message()) => {
                Self::Unavailable(info.message().to_owned())
            }
            DieselError::BrokenTransactionManager => Self::Unavailable(err.to_string()),
            other => Self::Internal(other.to_string()),
        }
    }
}

/// tokio-postgres reports a dropped connection as an unknown database error.
fn looks_like_outage(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "connection closed",
        "connection reset",
        "broken pipe",
        "terminating connection",
        "the database system is",
        "connection refused",
        "error communicating",
    ]
    .iter()
    .any(|needle| m.contains(needle))
}

/// Unique constraints are named `<table>_<field>_key`.
fn unique_field(table: Option<&str>, constraint: Option<&str>) -> Option<String> {
    let constraint = constraint?;
    let rest = match table {
        Some(t) => constraint.strip_prefix(t)?.strip_prefix('_')?,
        None => constraint,
    };
    rest.strip_suffix("_key").map(str::to_owned)
}

impl From<crate::db::PoolError> for ApiError {
    fn from(err: crate::db::PoolError) -> Self {
        Self::Unavailable(err.to_string())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        Self::Internal(err.to_string())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn unique_field_from_constraint_name() {
        assert_eq!(
            unique_field(Some("categories"), Some("categories_slug_key")).as_deref(),
            Some("slug")
        );
        assert_eq!(
            unique_field(Some("users"), Some("users_email_key")).as_deref(),
            Some("email")
        );
        assert_eq!(unique_field(Some("users"), Some("users_pkey")), None);
    }
}
