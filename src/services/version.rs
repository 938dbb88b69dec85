//! Versions as validators: an aggregate's `version` is its ETag, and a write that sends
//! `If-Match` is refused (412) when someone else changed it meanwhile.

use crate::error::ApiError;

/// `"v<version>"`: the validator staff send back in `If-Match`.
pub fn version_etag(version: i32) -> String {
    format!("\"v{version}\"")
}

/// 412 unless `If-Match` (when sent) names the current version. The comparison is strong
/// (RFC 9110 §13.1.1): a weak tag (`W/"v3"`) never matches, nor does an unquoted one.
pub fn check_if_match(if_match: Option<&str>, version: i32) -> Result<(), ApiError> {
    let Some(value) = if_match else { return Ok(()) };
    let current = version_etag(version);
    let ok = value
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag == current);
    if ok {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn if_match() {
        assert!(check_if_match(None, 3).is_ok());
        assert!(check_if_match(Some("\"v3\""), 3).is_ok());
        assert!(check_if_match(Some("\"v9\", \"v3\""), 3).is_ok());
        assert!(check_if_match(Some("W/\"v3\""), 3).is_err());
        assert!(check_if_match(Some("W/\"v3\", \"v9\""), 3).is_err());
        assert!(check_if_match(Some("v3"), 3).is_err());
        assert!(check_if_match(Some("*"), 3).is_ok());
        assert!(check_if_match(Some("\"v2\""), 3).is_err());
    }
}
