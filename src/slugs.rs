//! Slugs made from names (used by the API, the models and the seed).

/// A slug from a name: ASCII transliteration (Chinese becomes pinyin syllables), at most 64 bytes.
pub fn slugify(name: &str, fallback: &str) -> String {
    let mut s = slug::slugify(name);
    if s.len() > 56 {
        // Cut at a word (syllable) boundary.
        let cut = s[..57].rfind('-').filter(|&i| i > 0).unwrap_or(56);
        s.truncate(cut);
        while s.ends_with('-') {
            s.pop();
        }
    }
    if s.is_empty() {
        fallback.to_owned()
    } else if s.bytes().all(|b| b.is_ascii_digit()) {
        // All digits would read as an id in URLs.
        format!("{fallback}-{s}")
    } else {
        s
    }
}
