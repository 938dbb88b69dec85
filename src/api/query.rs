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

pub fn parse<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
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
}
