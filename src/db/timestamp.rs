//! Timestamps as clients may send them: RFC 3339 with a year from 1 to 9999.
//!
//! chrono reads years far outside what PostgreSQL stores (4713 BC to 294276 AD); without this
//! check such a value would fail in the database (a 500) instead of being refused as input.

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Deserializer, de::Error as _};

pub const MIN_YEAR: i32 = 1;
pub const MAX_YEAR: i32 = 9999;

pub fn check(t: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if (MIN_YEAR..=MAX_YEAR).contains(&t.year()) {
        Ok(t)
    } else {
        Err(format!(
            "must be a time between the years {MIN_YEAR} and {MAX_YEAR}"
        ))
    }
}

/// For `Option<DateTime<Utc>>` fields (with `#[serde(default)]`).
pub fn option<'de, D: Deserializer<'de>>(de: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::<DateTime<Utc>>::deserialize(de)?
        .map(check)
        .transpose()
        .map_err(D::Error::custom)
}

/// For PATCH fields: absent → `None`, `null` → `Some(None)`, a time → `Some(Some(t))`.
pub fn double_option<'de, D: Deserializer<'de>>(
    de: D,
) -> Result<Option<Option<DateTime<Utc>>>, D::Error> {
    option(de).map(Some)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "option")]
        at: Option<DateTime<Utc>>,
    }

    #[test]
    fn years_outside_1_to_9999_are_refused() {
        let parse = |s: &str| serde_json::from_str::<T>(s);
        assert!(
            parse(r#"{"at": "2024-01-01T00:00:00Z"}"#)
                .unwrap()
                .at
                .is_some()
        );
        assert!(parse(r#"{}"#).unwrap().at.is_none());
        assert!(parse(r#"{"at": null}"#).unwrap().at.is_none());
        for bad in [
            "-5000-01-01T00:00:00Z",
            "+200000-01-01T00:00:00Z",
            "0000-01-01T00:00:00Z",
        ] {
            assert!(parse(&format!(r#"{{"at": "{bad}"}}"#)).is_err(), "{bad}");
        }
    }
}
