//! Collects every field error of a body before answering 422.

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
            && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            self.add(field, "must be 1 to 64 characters of a-z, 0-9 and -");
        }
    }

    pub fn http_url(&mut self, field: &str, value: &str) {
        let ok = value.len() <= 2048
            && url::Url::parse(value)
                .map(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
                .unwrap_or(false);
        if !ok {
            self.add(field, "must be an absolute http(s) URL");
        }
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() { Ok(()) } else { Err(ApiError::Validation(self.0)) }
    }
}

/// Trims a name; control characters are not allowed in names.
pub fn clean_text(value: &str) -> String {
    value.trim().to_owned()
}

pub fn has_control_chars(value: &str) -> bool {
    value.chars().any(|c| c.is_control())
}

/// A slug from a name: ASCII transliteration (Chinese becomes pinyin syllables), at most 64 bytes.
pub fn slugify(name: &str, fallback: &str) -> String {
    let mut s = slug::slugify(name);
    if s.len() > 56 {
        s.truncate(56);
        while s.ends_with('-') {
            s.pop();
        }
    }
    if s.is_empty() { fallback.to_owned() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("黑河时政", "c"), "hei-he-shi-zheng");
        assert_eq!(slugify("!!!", "category"), "category");
        assert!(slugify(&"长".repeat(100), "c").len() <= 56);
    }

    #[test]
    fn urls() {
        let mut v = Violations::default();
        v.http_url("u", "https://example.com/x");
        v.http_url("u", "javascript:alert(1)");
        v.http_url("u", "ftp://example.com");
        assert_eq!(v.0.len(), 2);
    }
}
