//! Article text: HTML sanitizing, plain text, word counts and summaries.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::Builder;
use regex::Regex;

/// Tags kept in article bodies.
const TAGS: &[&str] = &[
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "small",
    "mark",
    "span",
    "blockquote",
    "q",
    "cite",
    "pre",
    "code",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "a",
    "img",
    "figure",
    "figcaption",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "video",
    "audio",
    "source",
    "track",
];

fn attrs() -> HashMap<&'static str, HashSet<&'static str>> {
    let mut m: HashMap<&'static str, HashSet<&'static str>> = HashMap::new();
    let mut put = |tag, list: &[&'static str]| {
        m.insert(tag, list.iter().copied().collect());
    };
    put("a", &["href", "title"]);
    put("img", &["src", "alt", "title", "width", "height"]);
    put(
        "video",
        &["src", "poster", "controls", "width", "height", "preload"],
    );
    put("audio", &["src", "controls", "preload"]);
    put("source", &["src", "type"]);
    put("track", &["src", "kind", "srclang", "label"]);
    put("td", &["colspan", "rowspan"]);
    put("th", &["colspan", "rowspan", "scope"]);
    put("ol", &["start"]);
    m
}

static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::default();
    b.tags(TAGS.iter().copied().collect())
        .tag_attributes(attrs())
        .generic_attributes(HashSet::new())
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        .strip_comments(true);
    b
});

static TEXT_ONLY: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::default();
    b.tags(HashSet::new())
        .clean_content_tags(["script", "style"].into_iter().collect());
    b
});

#[allow(clippy::expect_used)] // a constant pattern, exercised by the unit tests
static BLOCK_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)</(p|h[1-6]|li|dt|dd|blockquote|figcaption|tr|pre|table|div)>|<br\s*/?>|<hr\s*/?>",
    )
    .expect("valid pattern")
});

#[allow(clippy::expect_used)]
static SPACES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[ \t\u{3000}\u{a0}]+").expect("valid pattern"));

/// Keeps paragraphs, headings, lists, links (rel=noopener), images, figures, tables,
/// quotes, video and audio; drops scripts, event handlers, `javascript:` URLs and unknown tags.
pub fn sanitize_html(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// Plain text of (sanitized) HTML: one line per block, entities decoded.
pub fn plain_text(html: &str) -> String {
    let with_breaks = BLOCK_END.replace_all(html, |c: &regex::Captures| format!("{}\n", &c[0]));
    let escaped = TEXT_ONLY.clean(&with_breaks).to_string();
    let decoded = html_escape::decode_html_entities(&escaped);
    decoded
        .lines()
        .map(|l| SPACES.replace_all(l.trim(), " ").into_owned())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Elements that do not nest: void elements, and those a sibling (or the parser) closes.
const FLAT: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen", "p", "li", "dt", "dd", "option", "optgroup", "rb", "rp", "rt", "rtc",
    "tr", "td", "th", "thead", "tbody", "tfoot", "colgroup", "caption", "html", "head", "body",
];

/// How deeply `html` nests elements, estimated from its tags in one linear pass (it never counts
/// less than a parser would build). The HTML parser checks the stack of open elements on many
/// start tags, so its time grows with depth times tags: 100,000 nested `<div>`s take minutes.
pub fn nesting_depth(html: &str) -> usize {
    let b = html.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while let Some(off) = b[i..].iter().position(|&c| c == b'<') {
        i += off + 1;
        if b[i..].starts_with(b"!--") {
            match html[i..].find("-->") {
                Some(end) => i += end + 3,
                None => break,
            }
            continue;
        }
        let closing = b.get(i) == Some(&b'/');
        let start = i + usize::from(closing);
        let len = b[start..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
            .count();
        if len == 0 || !b[start].is_ascii_alphabetic() {
            continue;
        }
        let name = &b[start..start + len];
        i = start + len;
        // `<x/>` closes itself only in SVG and MathML; look no further than the next `<`.
        let rest = &b[i..];
        let stop = rest.iter().position(|&c| c == b'<' || c == b'>');
        let self_closing = stop.is_some_and(|p| rest[p] == b'>' && p > 0 && rest[p - 1] == b'/');
        if self_closing || FLAT.iter().any(|t| t.as_bytes().eq_ignore_ascii_case(name)) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | // Han
        0x3040..=0x30FF | // kana
        0xAC00..=0xD7AF) // hangul
}

/// Words in text: each CJK character counts one, and so does each run of letters or digits.
pub fn word_count(text: &str) -> i32 {
    let mut count = 0i32;
    let mut in_word = false;
    for c in text.chars() {
        if is_cjk(c) {
            count += 1;
            in_word = false;
        } else if c.is_alphanumeric() {
            if !in_word {
                count += 1;
                in_word = true;
            }
        } else if !(in_word && (c == '\'' || c == '-')) {
            in_word = false;
        }
    }
    count
}

/// The first `max` characters of the text, cut at a sentence end when one is near, with "…".
pub fn summarize(text: &str, max: usize) -> String {
    let flat: String = text
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    // Room for the ellipsis: the result never exceeds `max` characters.
    let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    let sentence_end = cut
        .char_indices()
        .rfind(|(_, c)| matches!(c, '。' | '！' | '？' | '.' | '!' | '?'));
    match sentence_end {
        Some((i, c)) if i >= cut.len() / 3 => cut[..i + c.len_utf8()].to_owned(),
        _ => format!("{}…", cut.trim_end()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn sanitizer_strips_dangerous_markup() {
        let dirty = r#"<p onclick="x()">hi<script>alert(1)</script></p><img src="x.png" onerror="alert(1)"><a href="javascript:alert(1)">a</a><a href="https://example.com">b</a><marquee>m</marquee><iframe src="https://e.com"></iframe>"#;
        let clean = sanitize_html(dirty);
        assert!(
            !clean.contains("script") && !clean.contains("onclick") && !clean.contains("onerror")
        );
        assert!(
            !clean.contains("javascript:")
                && !clean.contains("marquee")
                && !clean.contains("iframe")
        );
        assert!(
            clean.contains(r#"<a href="https://example.com" rel="noopener noreferrer">b</a>"#),
            "{clean}"
        );
        assert!(clean.contains(r#"<img src="x.png">"#), "{clean}");
    }

    #[test]
    fn keeps_structure() {
        let html = "<h2>t</h2><figure><img src=\"https://e.com/a.jpg\" alt=\"a\"><figcaption>c</figcaption></figure><table><tr><td>1</td></tr></table><blockquote>q</blockquote><video src=\"https://e.com/v.mp4\" controls></video><audio src=\"https://e.com/a.mp3\" controls></audio><ul><li>x</li></ul>";
        let clean = sanitize_html(html);
        for tag in [
            "<h2>",
            "<figure>",
            "<figcaption>",
            "<table>",
            "<blockquote>",
            "<video",
            "<audio",
            "<li>",
        ] {
            assert!(clean.contains(tag), "{tag} in {clean}");
        }
    }

    #[test]
    fn plain_text_and_counts() {
        let text =
            plain_text("<p>黑河&amp;新闻</p><p>Hello  world, it's 2024!</p><script>bad()</script>");
        assert_eq!(text, "黑河&新闻\nHello world, it's 2024!");
        assert_eq!(word_count("因地制宜推动"), 6);
        assert_eq!(word_count("Hello world, it's 2024"), 4);
        assert_eq!(word_count("黑河 GDP 增长5%"), 6);
    }

    #[test]
    fn summaries() {
        assert_eq!(summarize("短文。", 10), "短文。");
        let long = "第一句话在这里。第二句话更长一些，会被截断的部分在这里继续";
        assert_eq!(summarize(long, 20), "第一句话在这里。");
        assert!(summarize(&"字".repeat(300), 100).ends_with('…'));
    }

    #[test]
    fn nesting_depth_counts_what_nests() {
        assert_eq!(nesting_depth("<p>a<p>b<br><img src=x><li>c"), 0);
        assert_eq!(
            nesting_depth("<div><div><b>x</b></div><span>y</span></div>"),
            3
        );
        assert_eq!(nesting_depth(&"<div>".repeat(1000)), 1000);
        assert_eq!(nesting_depth("<!-- <div><div> --><i>x"), 1);
        assert_eq!(nesting_depth("<svg><path/><path/></svg>"), 1);
        assert_eq!(nesting_depth("a < b and c<3 </ > <"), 0);
        assert_eq!(nesting_depth(&"<a".repeat(10_000)), 10_000);
    }
}
