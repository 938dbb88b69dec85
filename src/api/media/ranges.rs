//! `Range: bytes=…` (RFC 9110 §14): one range is served as a 206; several, or a syntax this
//! does not read, are ignored (the whole content, 200), as the RFC allows.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::error::ApiError;

/// What part of the content to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Whole,
    /// Bytes `start..=end`.
    Range {
        start: u64,
        end: u64,
    },
}

/// Reads one `bytes=` range of content `size` bytes long; `Ok(None)` to ignore the header.
fn parse(value: &str, size: u64) -> Result<Option<(u64, u64)>, ApiError> {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    let range = match (a.parse::<u64>().ok(), b.parse::<u64>().ok()) {
        // bytes=-N: the last N bytes.
        (None, Some(n)) if a.is_empty() => {
            if n == 0 {
                return Err(ApiError::RangeNotSatisfiable { size });
            }
            (size.saturating_sub(n), size.saturating_sub(1))
        }
        (Some(start), None) if b.is_empty() => (start, size.saturating_sub(1)),
        (Some(start), Some(end)) if end >= start => (start, end.min(size.saturating_sub(1))),
        _ => return Ok(None),
    };
    if range.0 >= size {
        return Err(ApiError::RangeNotSatisfiable { size });
    }
    Ok(Some(range))
}

/// The part a request asks for, given the content's `etag` (an `If-Range` naming another
/// version asks for the whole).
pub fn requested(req: &HttpRequest, size: u64, etag: &str) -> Result<Part, ApiError> {
    let Some(value) = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(Part::Whole);
    };
    if let Some(if_range) = req.headers().get(header::IF_RANGE)
        && if_range.to_str().ok().map(str::trim) != Some(etag)
    {
        return Ok(Part::Whole);
    }
    Ok(match parse(value, size)? {
        Some((start, end)) => Part::Range { start, end },
        None => Part::Whole,
    })
}

/// Whether `If-None-Match` names `etag` (or is `*`).
pub fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_forms() {
        assert_eq!(parse("bytes=0-99", 1000).unwrap(), Some((0, 99)));
        assert_eq!(parse("bytes=900-", 1000).unwrap(), Some((900, 999)));
        assert_eq!(parse("bytes=-100", 1000).unwrap(), Some((900, 999)));
        assert_eq!(parse("bytes=990-2000", 1000).unwrap(), Some((990, 999)));
        assert_eq!(parse("bytes=-5000", 1000).unwrap(), Some((0, 999)));
    }

    #[test]
    fn ignores_what_it_does_not_serve() {
        assert_eq!(parse("bytes=0-1,5-6", 1000).unwrap(), None);
        assert_eq!(parse("items=0-1", 1000).unwrap(), None);
        assert_eq!(parse("bytes=5-1", 1000).unwrap(), None);
        assert_eq!(parse("bytes=x-1", 1000).unwrap(), None);
    }

    #[test]
    fn refuses_ranges_past_the_end() {
        assert!(matches!(
            parse("bytes=1000-", 1000),
            Err(ApiError::RangeNotSatisfiable { size: 1000 })
        ));
        assert!(parse("bytes=-0", 1000).is_err());
    }
}
