//! `ApiQuery<T>`: a query-string extractor whose 400s name the parameter at fault.

use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

pub struct ApiQuery<T>(pub T);

impl<T> ApiQuery<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for ApiQuery<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// Refuses what would otherwise be decoded lossily or reach the database: parameters that are
/// not UTF-8 once percent-decoded (`%C0%AF`), and NUL characters (`%00`).
fn check_encoding(query: &str) -> Result<(), ApiError> {
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            let plus = s.replace('+', " ");
            percent_encoding::percent_decode_str(&plus)
                .decode_utf8()
                .map(|d| d.contains('\0'))
        };
        let name = || {
            let lossy = percent_encoding::percent_decode_str(key).decode_utf8_lossy();
            lossy
                .chars()
                .filter(|c| !c.is_control())
                .take(64)
                .collect::<String>()
        };
        match (decode(key), decode(value)) {
            (Err(_), _) | (_, Err(_)) => {
                return Err(ApiError::bad_request(
                    &name(),
                    "is not valid UTF-8 once percent-decoded",
                ));
            }
            (Ok(true), _) | (_, Ok(true)) => {
                return Err(ApiError::bad_request(
                    &name(),
                    "must not contain NUL characters (%00)",
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// A count parameter (`limit`, `per_channel`, …): `default` when absent, else 1 to `max`.
pub fn count_param(
    field: &str,
    value: Option<i64>,
    default: i64,
    max: i64,
) -> Result<i64, ApiError> {
    let v = value.unwrap_or(default);
    if (1..=max).contains(&v) {
        Ok(v)
    } else {
        Err(ApiError::bad_request(
            field,
            format!("must be between 1 and {max}"),
        ))
    }
}

/// A comma-separated list (`kind=video,audio`: OpenAPI `style: form, explode: false`), each
/// item parsed with `FromStr`; absent is `None`, an empty item is an error.
pub fn comma_list<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    use serde::de::Error as _;
    let Some(raw) = <Option<String> as serde::Deserialize>::deserialize(d)? else {
        return Ok(None);
    };
    raw.split(',')
        .map(|item| match item.trim() {
            "" => Err(D::Error::custom(
                "has an empty item in its comma-separated list",
            )),
            item => item.parse::<T>().map_err(D::Error::custom),
        })
        .collect::<Result<Vec<T>, _>>()
        .map(Some)
}

/// Whether a list parameter (`comma_list`) names `item`.
/// A short free-text query parameter: trimmed, empty as absent, at most `max` characters (400
/// beyond).
pub fn short_text(
    field: &str,
    value: &Option<String>,
    max: usize,
) -> Result<Option<String>, ApiError> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) if v.chars().count() > max => Err(ApiError::bad_request(
            field,
            format!("must be at most {max} characters"),
        )),
        v => Ok(v.map(str::to_owned)),
    }
}

pub fn wants<T: PartialEq>(list: Option<&[T]>, item: T) -> bool {
    list.is_some_and(|l| l.contains(&item))
}

/// The comma-list parameters (`comma_list`): also accepted repeated (`include=a&include=b`, the
/// `explode: true` form some generated clients send whatever the spec says), as one list.
const LIST_PARAMS: &[&str] = &["include", "kind"];

/// The query's pairs, a repeated list parameter joined into one comma list (in its place).
fn merged_pairs(query: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        let repeat = if LIST_PARAMS.contains(&k.as_ref()) {
            pairs.iter_mut().find(|(seen, _)| *seen == k)
        } else {
            None
        };
        match repeat {
            Some((_, joined)) => {
                joined.push(',');
                joined.push_str(&v);
            }
            None => pairs.push((k.into_owned(), v.into_owned())),
        }
    }
    pairs
}

/// Whether a list parameter comes more than once (most queries: no, and are parsed as sent).
fn repeats_a_list(query: &str) -> bool {
    let mut seen = [false; LIST_PARAMS.len()];
    for (k, _) in url::form_urlencoded::parse(query.as_bytes()) {
        if let Some(i) = LIST_PARAMS.iter().position(|p| *p == k) {
            if seen[i] {
                return true;
            }
            seen[i] = true;
        }
    }
    false
}

pub fn parse<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    check_encoding(query)?;
    let merged;
    let query = if repeats_a_list(query) {
        merged = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(merged_pairs(query))
            .finish();
        merged.as_str()
    } else {
        query
    };
    let de = serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let field = if path == "." {
            "query".to_owned()
        } else {
            path
        };
        let message = err.into_inner().to_string();
        ApiError::BadRequest {
            detail: format!("invalid query parameter `{field}`: {message}"),
            errors: vec![FieldError::new(field, message)],
        }
    })
}

impl<T: DeserializeOwned> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse(req.query_string()).map(ApiQuery))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Q {
        page: Option<i64>,
        flat: Option<bool>,
    }

    #[test]
    fn names_the_parameter() {
        assert!(parse::<Q>("page=2&flat=true").is_ok());
        match parse::<Q>("page=two") {
            Err(ApiError::BadRequest { errors, .. }) => assert_eq!(errors[0].field, "page"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn undecodable_and_nul_parameters_are_refused() {
        for bad in [
            "page=%C0%AF",
            "flat=a%00b",
            "%FF=1",
            "page=1&flat=%ED%A0%80",
        ] {
            match parse::<Q>(bad) {
                Err(ApiError::BadRequest { errors, .. }) => {
                    assert!(["page", "flat", "\u{fffd}"].contains(&errors[0].field.as_str()));
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert!(parse::<Q>("page=%32&flat=true&x=%E9%BB%91+%2B").is_ok());
    }

    #[test]
    fn list_parameters_may_come_repeated() {
        assert_eq!(
            merged_pairs("include=related&page=2&include=blocks,site"),
            [
                ("include".to_owned(), "related,blocks,site".to_owned()),
                ("page".to_owned(), "2".to_owned())
            ]
        );
        // Other parameters stay as sent (a repeat is refused when deserialized).
        assert_eq!(merged_pairs("q=a&q=b").len(), 2);
        assert!(repeats_a_list("kind=video&kind=audio") && !repeats_a_list("kind=video&q=a&q=b"));
    }
}
