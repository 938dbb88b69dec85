//! Pinyin of Chinese words, for readers who type Latin letters: tone-less and joined (黑河 →
//! `heihe`, 旅游 → `lvyou`, ü written `v` as phone keyboards do), and initials for names of
//! three or more characters (五大连池 → `wdlc`). Indexed under the `py:` prefix, so pinyin never
//! collides with a Latin word of the text.

use std::collections::HashSet;
use std::sync::OnceLock;

use pinyin::{ToPinyin, ToPinyinMulti};

/// Prefix of pinyin lexemes in the index.
pub const PREFIX: &str = "py:";
/// Readings kept for a word whose characters have several (多音字): combinations, at most.
const MAX_READINGS: usize = 4;
/// Longest Latin token tried as pinyin or initials, in letters.
const MAX_TOKEN: usize = 40;

fn plain(p: pinyin::Pinyin) -> String {
    p.plain().replace('ü', "v")
}

/// Whether every character is a Han ideograph with a reading.
pub fn all_han(word: &str) -> bool {
    !word.is_empty() && word.chars().all(|c| c.to_pinyin().is_some())
}

/// The joined tone-less readings of `word` (the usual reading first; other readings of 多音字
/// while the combinations stay few). Empty unless every character is Han.
pub fn readings(word: &str) -> Vec<String> {
    if !all_han(word) {
        return Vec::new();
    }
    let mut out = vec![String::new()];
    for c in word.chars() {
        let options: Vec<String> = match c.to_pinyin_multi() {
            Some(multi) => {
                let mut v: Vec<String> = multi.into_iter().map(plain).collect();
                v.dedup();
                v
            }
            None => return Vec::new(),
        };
        let mut next = Vec::new();
        for prefix in &out {
            for (i, o) in options.iter().enumerate() {
                if i > 0 && out.len() * options.len() > MAX_READINGS {
                    break;
                }
                next.push(format!("{prefix}{o}"));
            }
        }
        next.truncate(MAX_READINGS);
        out = next;
    }
    out.dedup();
    out
}

/// First letters of the usual reading, for words of three or more characters.
pub fn initials(word: &str) -> Option<String> {
    if word.chars().count() < 3 || !all_han(word) {
        return None;
    }
    word.chars()
        .map(|c| c.to_pinyin().map(|p| p.first_letter().to_owned()))
        .collect::<Option<String>>()
}

/// Every tone-less syllable (from the readings of the CJK unified ideographs).
fn syllables() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        (0x3400u32..=0x9FFF)
            .filter_map(char::from_u32)
            .filter_map(|c| c.to_pinyin_multi())
            .flat_map(|m| m.into_iter().map(plain))
            .collect()
    })
}

/// How many syllables `token` splits into, fewest first (`xian` is one, not `xi an`); `None`
/// when it is not pinyin.
pub fn syllable_count(token: &str) -> Option<usize> {
    let t = token.as_bytes();
    if t.is_empty() || t.len() > MAX_TOKEN || !token.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let set = syllables();
    // best[i]: fewest syllables covering token[..i].
    let mut best: Vec<Option<usize>> = vec![None; t.len() + 1];
    best[0] = Some(0);
    for end in 1..=t.len() {
        for start in end.saturating_sub(6)..end {
            if let Some(n) = best[start]
                && set.contains(&token[start..end])
                && best[end].is_none_or(|b| n + 1 < b)
            {
                best[end] = Some(n + 1);
            }
        }
    }
    best[t.len()]
}

/// Whether a Latin query token may be pinyin a reader typed: two or more syllables, or the
/// initials of a name (3–8 letters, at most one of them a vowel, unlike an ordinary word).
pub fn may_be_pinyin(token: &str) -> bool {
    if !token.bytes().all(|b| b.is_ascii_lowercase()) {
        return false;
    }
    let vowels = token.bytes().filter(|b| b"aeiouv".contains(b)).count();
    syllable_count(token).is_some_and(|n| n >= 2) || ((3..=8).contains(&token.len()) && vowels <= 1)
}

/// The index lexeme of a reading or initials.
pub fn lexeme(p: &str) -> String {
    format!("{PREFIX}{p}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn readings_and_initials() {
        assert_eq!(readings("黑河")[0], "heihe");
        assert!(readings("旅游").contains(&"lvyou".to_owned()));
        assert_eq!(initials("五大连池").as_deref(), Some("wdlc"));
        assert_eq!(initials("黑河"), None);
        assert!(readings("5G").is_empty());
        assert!(readings("银行").len() <= MAX_READINGS);
    }

    #[test]
    fn tokens_that_may_be_pinyin() {
        assert_eq!(syllable_count("heihe"), Some(2));
        assert_eq!(syllable_count("xian"), Some(1));
        assert_eq!(syllable_count("bingxuelvyou"), Some(4));
        assert_eq!(syllable_count("iphone"), None);
        assert!(may_be_pinyin("heihe"));
        assert!(may_be_pinyin("wdlc"));
        assert!(!may_be_pinyin("he"));
        assert!(!may_be_pinyin("5g"));
        assert!(!may_be_pinyin("iphone") && !may_be_pinyin("neil"));
    }
}
