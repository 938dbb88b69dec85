//! What is indexed of an article: a weighted tsvector built from its segmented fields, and its
//! keywords.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::pinyin;
use super::segmenter::Segmenter;

/// Highest position PostgreSQL keeps in a tsvector.
const MAX_POSITION: u32 = 16_383;
/// Positions kept per word (PostgreSQL's own limit).
const MAX_POSITIONS_PER_WORD: usize = 256;
/// Distinct words kept per article (keeps a huge body's vector far below the 1 MB limit).
const MAX_WORDS: usize = 30_000;
/// Gap between fields, so a phrase never spans two of them.
const FIELD_GAP: u32 = 8;
/// Keywords kept per article for 相关新闻.
pub const KEYWORDS_PER_ARTICLE: usize = 10;

/// The searchable text of an article.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    pub title: &'a str,
    pub kicker: Option<&'a str>,
    pub subtitle: Option<&'a str>,
    pub tags: &'a [String],
    pub summary: &'a str,
    /// Plain text of the body.
    pub body: &'a str,
}

/// What is stored for an article: the tsvector (in PostgreSQL's input syntax) and its keywords.
#[derive(Debug, Clone, PartialEq)]
pub struct Indexed {
    pub vector: String,
    pub keywords: Vec<String>,
}

/// Weights: title A, kicker/subtitle/tags B, summary C, body D.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Weight {
    A,
    B,
    C,
    D,
}

impl Segmenter {
    pub fn index(&self, doc: &Document<'_>) -> Indexed {
        let mut words: BTreeMap<String, Vec<(u32, Weight)>> = BTreeMap::new();
        // Words whose pinyin is indexed: every word of the title, kicker, subtitle and tags,
        // and the place names of the summary and body.
        let mut spelled: Vec<String> = Vec::new();
        let mut next = 1u32;
        let mut add = |text: &str, weight: Weight, next: &mut u32| {
            let base = *next;
            let mut last = base;
            for w in self.search_words(text) {
                let pos = (base + w.position - 1).min(MAX_POSITION);
                last = last.max(pos);
                if (weight <= Weight::B || self.is_dictionary_place(&w.text))
                    && w.text.chars().count() >= 2
                    && !spelled.contains(&w.text)
                    && pinyin::all_han(&w.text)
                {
                    spelled.push(w.text.clone());
                }
                if words.len() >= MAX_WORDS && !words.contains_key(&w.text) {
                    continue;
                }
                let entry = words.entry(w.text).or_default();
                if entry.len() < MAX_POSITIONS_PER_WORD && !entry.iter().any(|(p, _)| *p == pos) {
                    entry.push((pos, weight));
                }
            }
            *next = (last + FIELD_GAP).min(MAX_POSITION);
        };
        add(doc.title, Weight::A, &mut next);
        for text in [doc.kicker, doc.subtitle].into_iter().flatten() {
            add(text, Weight::B, &mut next);
        }
        for tag in doc.tags {
            add(tag, Weight::B, &mut next);
        }
        add(doc.summary, Weight::C, &mut next);
        add(doc.body, Weight::D, &mut next);
        // Pinyin last, weighing least (D): a Latin query matches it, never ordinary text.
        for word in &spelled {
            let pos = next.min(MAX_POSITION);
            for p in pinyin::readings(word)
                .into_iter()
                .chain(pinyin::initials(word))
            {
                let entry = words.entry(pinyin::lexeme(&p)).or_default();
                if entry.len() < MAX_POSITIONS_PER_WORD && !entry.iter().any(|(q, _)| *q == pos) {
                    entry.push((pos, Weight::D));
                }
            }
            next += 2;
        }

        let mut vector = String::new();
        for (word, positions) in &words {
            if !vector.is_empty() {
                vector.push(' ');
            }
            push_quoted(&mut vector, word);
            vector.push(':');
            for (i, (pos, weight)) in positions.iter().enumerate() {
                if i > 0 {
                    vector.push(',');
                }
                let _ = write!(vector, "{pos}");
                match weight {
                    Weight::A => vector.push('A'),
                    Weight::B => vector.push('B'),
                    Weight::C => vector.push('C'),
                    Weight::D => {}
                }
            }
        }
        let text = [
            doc.title,
            doc.kicker.unwrap_or(""),
            doc.subtitle.unwrap_or(""),
        ]
        .join("。")
            + "。"
            + &doc.tags.join("。")
            + "。"
            + doc.summary
            + "。"
            + doc.body;
        let keywords = self.keywords(&text, KEYWORDS_PER_ARTICLE);
        Indexed { vector, keywords }
    }
}

/// A lexeme in single quotes, as tsvector and tsquery input want it.
pub fn push_quoted(out: &mut String, word: &str) {
    out.push('\'');
    for c in word.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('\'');
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn weighted_positions_per_field() {
        let seg = Segmenter::shared(None).unwrap();
        let tags = vec!["理论".to_owned()];
        let doc = Document {
            title: "黑河新质生产力",
            kicker: Some("重点把握以“新”促“质”"),
            subtitle: None,
            tags: &tags,
            summary: "摘要",
            body: "正文提到黑河",
        };
        let v = seg.index(&doc).vector;
        assert!(v.contains("'黑河':1A,"), "{v}");
        assert!(v.contains("'新质生产力':2A"), "{v}");
        assert!(v.contains("'理论':"), "{v}");
        assert!(v.contains("B"), "{v}");
        assert!(v.contains("'摘要':") && v.contains("C"), "{v}");
    }

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        let mut s = String::new();
        push_quoted(&mut s, "it's\\x");
        assert_eq!(s, "'it''s\\\\x'");
    }
}
