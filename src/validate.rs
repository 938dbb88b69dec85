//! Collects every field error of a body before answering 422.

use std::sync::LazyLock;

use regex::Regex;

use crate::error::{ApiError, FieldError};

#[derive(Default)]
pub struct Violations(Vec<FieldError>);

impl Violations {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Character length (not bytes) between `min` and `max`.
    pub fn length(&mut self, field: &str, value: &str, min: usize, max: usize) {
        let n = value.chars().count();
        if n < min || n > max {
            if min > 0 && value.trim().is_empty() {
                self.add(field, "must not be empty");
            } else {
                self.add(field, format!("must be {min} to {max} characters long"));
            }
        }
    }

    pub fn slug(&mut self, field: &str, value: &str) {
        let ok = (1..=64).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            self.add(field, "must be 1 to 64 characters of a-z, 0-9 and -");
        } else if value.bytes().all(|b| b.is_ascii_digit()) {
            self.add(
                field,
                "must not be all digits (a key of digits names an id)",
            );
        }
    }

    pub fn http_url(&mut self, field: &str, value: &str) {
        let ok = value.chars().count() <= 2048
            && HTTP_URL_RE.is_match(value)
            && url::Url::parse(value)
                .map(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
                .unwrap_or(false);
        if !ok {
            self.add(field, "must be an absolute http(s) URL");
        }
    }

    /// A list of ids: at most `max` (`at most 20 authors`), none repeated (`must not repeat an
    /// author`).
    pub fn id_list<T: Eq + std::hash::Hash>(
        &mut self,
        field: &str,
        ids: &[T],
        max: usize,
        plural: &str,
        one: &str,
    ) {
        let mut seen = std::collections::HashSet::new();
        if ids.len() > max {
            self.add(field, format!("at most {max} {plural}"));
        } else if !ids.iter().all(|id| seen.insert(id)) {
            self.add(field, format!("must not repeat {one}"));
        }
    }

    /// Names the ids of `wanted` that are not in `found` (`unknown author id(s): 7, 9`).
    pub fn unknown_ids<T: PartialEq + std::fmt::Display>(
        &mut self,
        field: &str,
        wanted: &[T],
        found: &[T],
        kind: &str,
    ) {
        let missing: Vec<String> = wanted
            .iter()
            .filter(|id| !found.contains(id))
            .map(|id| id.to_string())
            .collect();
        if !missing.is_empty() {
            self.add(
                field,
                format!("unknown {kind} id(s): {}", missing.join(", ")),
            );
        }
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}

/// The OpenAPI pattern of names: no control characters, at least one visible character.
pub const NAME_PATTERN: &str = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$";
/// The OpenAPI pattern of slugs.
pub const SLUG_PATTERN: &str = "^[a-z0-9-]{1,64}$";
/// The OpenAPI pattern of http(s) URLs (the server also parses them).
pub const HTTP_URL_PATTERN: &str = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][^\s]*)?$";

/// The OpenAPI pattern of phone numbers: digits with `+`, `-`, spaces and brackets.
pub const PHONE_PATTERN: &str = r"^\+?[0-9][0-9 ()-]{2,30}[0-9]$";
/// The OpenAPI pattern of QQ numbers.
pub const QQ_PATTERN: &str = "^[1-9][0-9]{4,11}$";
/// The OpenAPI pattern of link targets: an absolute http(s) URL or a path on the site.
pub const LINK_PATTERN: &str =
    r"^(https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][^\s]*)?|/([^/\s][^\s]*)?)$";

static NAME_RE: LazyLock<Regex> = LazyLock::new(|| compile(NAME_PATTERN));
static PHONE_RE: LazyLock<Regex> = LazyLock::new(|| compile(PHONE_PATTERN));
static QQ_RE: LazyLock<Regex> = LazyLock::new(|| compile(QQ_PATTERN));
static LINK_RE: LazyLock<Regex> = LazyLock::new(|| compile(LINK_PATTERN));
static HTTP_URL_RE: LazyLock<Regex> = LazyLock::new(|| compile(HTTP_URL_PATTERN));

// The patterns are constants, compiled by a unit test too: this cannot fail at run time.
#[allow(clippy::expect_used)]
fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid constant pattern")
}

impl Violations {
    /// A display name: at most `max` characters as sent, no control characters, not blank.
    pub fn name(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.add(field, format!("must be 1 to {max} characters long"));
        } else if value.trim().is_empty() {
            self.add(field, "must not be empty");
        } else if !NAME_RE.is_match(value) {
            self.add(field, "must not contain control characters");
        }
    }
}

impl Violations {
    /// A phone number (`0456-8223257`, `+86 456 822 3257`).
    pub fn phone(&mut self, field: &str, value: &str) {
        if !PHONE_RE.is_match(value) {
            self.add(
                field,
                "must be a phone number of 4 to 32 digits, spaces, brackets and dashes",
            );
        }
    }

    /// A QQ number: 5 to 12 digits, not starting with 0.
    pub fn qq(&mut self, field: &str, value: &str) {
        if !QQ_RE.is_match(value) {
            self.add(field, "must be a QQ number (5 to 12 digits)");
        }
    }

    /// Where a link goes: an absolute http(s) URL or a path on the site starting with `/`.
    pub fn link(&mut self, field: &str, value: &str) {
        if value.starts_with('/') {
            if value.chars().count() > 2048 || !LINK_RE.is_match(value) {
                self.add(
                    field,
                    "must be an absolute http(s) URL or a path starting with a single /",
                );
            }
        } else {
            self.http_url(field, value);
        }
    }
}

pub use crate::slugs::slugify;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("黑河时政", "c"), "hei-he-shi-zheng");
        assert_eq!(slugify("!!!", "category"), "category");
        assert!(slugify(&"长".repeat(100), "c").len() <= 56);
    }

    #[test]
    fn patterns_compile_and_match() {
        assert!(Regex::new(NAME_PATTERN).is_ok() && Regex::new(HTTP_URL_PATTERN).is_ok());
        let mut v = Violations::default();
        v.name("n", "黑河 日报", 64);
        v.name("n", "   ", 64);
        v.name("n", "a\u{0}b", 64);
        v.name("n", &"x".repeat(65), 64);
        assert_eq!(v.0.len(), 3);
    }

    #[test]
    fn urls() {
        let mut v = Violations::default();
        v.http_url("u", "https://example.com/x");
        v.http_url("u", "javascript:alert(1)");
        v.http_url("u", "ftp://example.com");
        v.http_url("u", "http://under_score.example.com/");
        v.http_url("u", "http://example.com:99999/");
        v.http_url("u", "https://example.com:8080/a?b=c#d");
        assert_eq!(v.0.len(), 4);
    }

    #[test]
    fn phones_qq_and_links() {
        let mut v = Violations::default();
        v.phone("p", "0456-8223257");
        v.phone("p", "+86 (456) 822 3216");
        v.qq("q", "2730088696");
        v.link("l", "/categories/shizheng");
        v.link("l", "/");
        v.link("l", "https://heihe.dbw.cn/list?x=1");
        assert_eq!(v.0.len(), 0);
        v.phone("p", "call me");
        v.phone("p", "12");
        v.qq("q", "0123456");
        v.link("l", "//evil.example.com/");
        v.link("l", "javascript:alert(1)");
        v.link("l", "/a b");
        assert_eq!(v.0.len(), 6);
    }
}
