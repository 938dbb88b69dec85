//! Highlighting: the matched words in `<mark>`, everything else HTML-escaped.

use super::segmenter::normalize;

/// Characters of a body snippet.
pub const SNIPPET_CHARS: usize = 120;

/// Ranges (in chars) of `text` where any of `words` occurs, merged and sorted. Latin words
/// match whole words only; CJK words match anywhere.
fn matches(text: &[char], words: &[String]) -> Vec<(usize, usize)> {
    // The same folding as the index (traditional to simplified …), one character for one.
    let norm: Vec<char> = normalize(&text.iter().collect::<String>())
        .chars()
        .collect();
    let mut found: Vec<(usize, usize)> = Vec::new();
    for word in words {
        let w: Vec<char> = word.chars().collect();
        if w.is_empty() || w.len() > norm.len() {
            continue;
        }
        let latin_start = w.first().is_some_and(char::is_ascii_alphanumeric);
        let latin_end = w.last().is_some_and(char::is_ascii_alphanumeric);
        let mut i = 0;
        while i + w.len() <= norm.len() {
            if norm[i..i + w.len()] == w[..]
                && !(latin_start && i > 0 && norm[i - 1].is_ascii_alphanumeric())
                && !(latin_end
                    && norm
                        .get(i + w.len())
                        .is_some_and(char::is_ascii_alphanumeric))
            {
                found.push((i, i + w.len()));
                i += w.len();
            } else {
                i += 1;
            }
        }
    }
    found.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in found {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

fn render(text: &[char], ranges: &[(usize, usize)], from: usize, to: usize) -> String {
    let mut out = String::new();
    let mut at = from;
    let escape = |s: &[char], out: &mut String| {
        let s: String = s.iter().collect();
        out.push_str(&html_escape::encode_text(&s));
    };
    for &(s, e) in ranges {
        if e <= from || s >= to {
            continue;
        }
        let (s, e) = (s.max(from), e.min(to));
        escape(&text[at..s], &mut out);
        out.push_str("<mark>");
        escape(&text[s..e], &mut out);
        out.push_str("</mark>");
        at = e;
    }
    escape(&text[at..to], &mut out);
    out
}

/// The whole text, escaped, with the matches marked.
pub fn mark(text: &str, words: &[String]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let ranges = matches(&chars, words);
    render(&chars, &ranges, 0, chars.len())
}

/// About `SNIPPET_CHARS` characters of `text` around the passage with the most matches, escaped,
/// matches marked, with "…" where it was cut. `None` when nothing matches.
pub fn snippet(text: &str, words: &[String]) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let ranges = matches(&chars, words);
    let first = ranges.first()?;
    // The window (starting a little before a match) that holds the most matched characters.
    let lead = SNIPPET_CHARS / 6;
    let mut best = (0usize, first.0);
    for (i, &(s, _)) in ranges.iter().enumerate() {
        let end = s + SNIPPET_CHARS - lead;
        let covered: usize = ranges[i..]
            .iter()
            .take_while(|r| r.0 < end)
            .map(|r| r.1.min(end) - r.0)
            .sum();
        if covered > best.0 {
            best = (covered, s);
        }
    }
    let from = best.1.saturating_sub(lead);
    let to = (from + SNIPPET_CHARS).min(chars.len());
    let from = to.saturating_sub(SNIPPET_CHARS).min(from);
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.push_str(&render(&chars, &ranges, from, to));
    if to < chars.len() {
        out.push('…');
    }
    Some(out)
}

/// The first `SNIPPET_CHARS` characters of `text`, escaped (when nothing in it matches).
pub fn lead(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let to = chars.len().min(SNIPPET_CHARS);
    let mut out = render(&chars, &[], 0, to);
    if to < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn w(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn marks_matches_and_escapes_the_rest() {
        assert_eq!(
            mark("<b>黑河</b> & 新质生产力", &w(&["新质生产力", "黑河"])),
            "&lt;b&gt;<mark>黑河</mark>&lt;/b&gt; &amp; <mark>新质生产力</mark>"
        );
        assert_eq!(
            mark("生产力", &w(&["生产力", "生产"])),
            "<mark>生产力</mark>"
        );
    }

    #[test]
    fn latin_words_match_whole_words_case_insensitively() {
        assert_eq!(
            mark("AI said ai", &w(&["ai"])),
            "<mark>AI</mark> said <mark>ai</mark>"
        );
        assert_eq!(mark("ＡＩ", &w(&["ai"])), "<mark>ＡＩ</mark>");
    }

    #[test]
    fn a_query_cannot_inject_markup() {
        let out = mark("a <mark>x</mark> <script>", &w(&["<script>", "script"]));
        assert!(!out.contains("<script>"), "{out}");
        assert_eq!(out.matches("<mark>").count(), 1, "{out}");
    }

    #[test]
    fn snippets_centre_on_matches() {
        let text = format!("{}黑河新质生产力{}", "前".repeat(300), "后".repeat(300));
        let s = snippet(&text, &w(&["新质生产力"])).unwrap();
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>新质生产力</mark>"));
        assert_eq!(
            s.replace("<mark>", "")
                .replace("</mark>", "")
                .chars()
                .count(),
            SNIPPET_CHARS + 2
        );
        assert!(snippet("无关", &w(&["黑河"])).is_none());
        assert_eq!(
            snippet("短文黑河", &w(&["黑河"])).unwrap(),
            "短文<mark>黑河</mark>"
        );
    }
}
