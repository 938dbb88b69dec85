//! Search syntax: words (all must match) and "quoted phrases", segmented like the index.

use std::collections::HashSet;
use std::fmt::Write;

use super::document::push_quoted;
use super::pinyin;
use super::segmenter::{Segmenter, Word};
use super::synonyms::{Found, Group, Synonyms};

/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// A parsed query: the tsquery to run and the words to highlight.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// In PostgreSQL's tsquery input syntax.
    pub tsquery: String,
    /// Every word of the query and of what it was expanded to (longest first), for
    /// highlighting.
    pub words: Vec<String>,
    /// When a synonym group with ambiguous terms took part: what an article must also match to
    /// be in the sense the query meant (matches that are not rank lower).
    pub preferred: Option<String>,
}

/// Why a query cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    Empty,
    TooLong,
    NoWords,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Empty => "must not be empty",
            Self::TooLong => "must be at most 200 characters",
            Self::NoWords => {
                "has no searchable words (only punctuation or words too common to search)"
            }
        })
    }
}

/// Place-name suffixes the suffix rule drops (某某市 also finds 某某).
const PLACE_SUFFIXES: &[char] = &['市', '区', '县', '省', '州', '镇', '乡', '旗'];

/// Query words in tsquery syntax: one word, or a phrase keeping the gaps between them.
fn fragment(words: &[Word]) -> String {
    let mut out = String::new();
    if words.len() > 1 {
        out.push('(');
    }
    let mut prev: Option<u32> = None;
    for w in words {
        if let Some(p) = prev {
            let gap = w.position.saturating_sub(p).max(1);
            if gap == 1 {
                out.push_str(" <-> ");
            } else {
                let _ = write!(out, " <{gap}> ");
            }
        }
        push_quoted(&mut out, &w.text);
        prev = Some(w.position);
    }
    if words.len() > 1 {
        out.push(')');
    }
    out
}

fn quoted(word: &str) -> String {
    let mut out = String::new();
    push_quoted(&mut out, word);
    out
}

/// Alternatives as one tsquery operand.
fn any_of(alts: &[String]) -> String {
    match alts {
        [one] => one.clone(),
        _ => format!("({})", alts.join(" | ")),
    }
}

/// What the parser collects: the operands (all must match), the words to highlight, and the
/// sense conditions of ambiguous synonyms.
#[derive(Default)]
struct Parts {
    operands: Vec<String>,
    words: Vec<String>,
    preferred: Vec<String>,
}

impl Parts {
    fn operand(&mut self, op: String) {
        if !self.operands.contains(&op) {
            self.operands.push(op);
        }
    }
}

impl Segmenter {
    /// Parses `q`: text outside quotes gives words that must all match, each widened by the
    /// newsroom's synonyms, the place-name suffix rule and, for Latin words, pinyin; text in
    /// "double" (or “Chinese”) quotes must match as a phrase, in order, as written.
    pub fn parse_query(&self, q: &str, synonyms: &Synonyms) -> Result<SearchQuery, QueryError> {
        let q = q.trim();
        if q.is_empty() {
            return Err(QueryError::Empty);
        }
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong);
        }
        let pieces: Vec<(Vec<Word>, bool)> = split_quotes(q)
            .into_iter()
            .map(|(text, quoted)| (self.precise(&text), quoted))
            .collect();
        let all_words: HashSet<&str> = pieces
            .iter()
            .flat_map(|(w, _)| w.iter().map(|w| w.text.as_str()))
            .collect();
        let mut parts = Parts::default();
        for (found, quoted) in &pieces {
            if found.is_empty() {
                continue;
            }
            if *quoted {
                parts.operand(fragment(found));
                parts.words.extend(found.iter().map(|w| w.text.clone()));
            } else {
                self.expand(found, synonyms, &all_words, &mut parts);
            }
        }
        if parts.operands.is_empty() {
            return Err(QueryError::NoWords);
        }
        let mut words = parts.words;
        words.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        words.dedup();
        Ok(SearchQuery {
            tsquery: parts.operands.join(" & "),
            words,
            preferred: (!parts.preferred.is_empty()).then(|| parts.preferred.join(" & ")),
        })
    }

    /// The operands of unquoted words.
    fn expand(
        &self,
        found: &[Word],
        synonyms: &Synonyms,
        all_words: &HashSet<&str>,
        parts: &mut Parts,
    ) {
        let mut i = 0;
        while i < found.len() {
            if let Some(hit) = synonyms.find(found, i)
                && self.synonym(&found[i..i + hit.len], &hit, all_words, parts)
            {
                i += hit.len;
                continue;
            }
            let w = &found[i];
            if w.text.bytes().all(|b| b.is_ascii_lowercase()) {
                // A run of single syllables is one word typed with spaces (hei he).
                let mut end = i + 1;
                while end < found.len()
                    && found[end].position == found[end - 1].position + 1
                    && found[end].text.bytes().all(|b| b.is_ascii_lowercase())
                    && pinyin::syllable_count(&found[end].text) == Some(1)
                {
                    end += 1;
                }
                if end - i >= 2 && pinyin::syllable_count(&w.text) == Some(1) {
                    let joined: String = found[i..end].iter().map(|w| w.text.as_str()).collect();
                    self.latin(&joined, fragment(&found[i..end]), parts);
                    parts
                        .words
                        .extend(found[i..end].iter().map(|w| w.text.clone()));
                    i = end;
                    continue;
                }
                if pinyin::may_be_pinyin(&w.text) {
                    self.latin(&w.text, quoted(&w.text), parts);
                    parts.words.push(w.text.clone());
                    i += 1;
                    continue;
                }
            }
            parts.words.push(w.text.clone());
            let mut alts = vec![quoted(&w.text)];
            if let Some(stem) = w.text.strip_suffix(PLACE_SUFFIXES)
                && stem.chars().count() >= 2
                && self.knows(stem)
                && self.is_place(&w.text)
            {
                alts.push(quoted(stem));
            }
            parts.operand(any_of(&alts));
            i += 1;
        }
    }

    /// A Latin word that may be pinyin: itself, its pinyin in the index, and the dictionary
    /// words it spells (so 黑河 articles, where the Chinese word weighs as it should, rank
    /// above another place written with the same syllables).
    fn latin(&self, token: &str, itself: String, parts: &mut Parts) {
        let mut alts = vec![itself, quoted(&pinyin::lexeme(token))];
        for word in self.words_of_pinyin(token) {
            alts.push(quoted(word));
            parts.words.push(word.clone());
        }
        parts.operand(any_of(&alts));
    }

    /// Words that are a term of the synonym list: the terms of the groups meant. A term that is
    /// ambiguous in every group it belongs to widens only when a context word of one of them
    /// is in the query; otherwise it is left as written (`false`).
    fn synonym(
        &self,
        words: &[Word],
        hit: &Found<'_>,
        all_words: &HashSet<&str>,
        parts: &mut Parts,
    ) -> bool {
        let mut meant: Vec<&Group> = hit
            .groups
            .iter()
            .filter(|(_, ambiguous)| !ambiguous)
            .map(|(g, _)| *g)
            .collect();
        if meant.is_empty() {
            meant = hit
                .groups
                .iter()
                .map(|(g, _)| *g)
                .filter(|g| g.context.iter().any(|c| all_words.contains(c.as_str())))
                .collect();
        }
        if meant.is_empty() {
            return false;
        }
        let mut alts = vec![fragment(words)];
        parts.words.extend(words.iter().map(|w| w.text.clone()));
        for g in &meant {
            for t in &g.terms {
                let f = fragment(&t.words);
                if !alts.contains(&f) {
                    alts.push(f);
                }
                // Highlights mark the reader's words; another term only where it is not the
                // reader's word with more around it (逊克 marks 逊克 in 逊克县, not 逊克县).
                let wider = t.words.iter().any(|tw| {
                    words
                        .iter()
                        .any(|w| tw.text != w.text && tw.text.contains(&w.text))
                });
                if !wider {
                    parts.words.extend(t.words.iter().map(|w| w.text.clone()));
                }
            }
            if g.has_ambiguous() {
                let (weak, strong): (Vec<_>, Vec<_>) = g.terms.iter().partition(|t| t.ambiguous);
                let weak: Vec<String> = weak.iter().map(|t| fragment(&t.words)).collect();
                let mut sense: Vec<String> = strong.iter().map(|t| fragment(&t.words)).collect();
                if !g.context.is_empty() {
                    let context: Vec<String> = g.context.iter().map(|c| quoted(c)).collect();
                    sense.push(format!("({} & {})", any_of(&weak), any_of(&context)));
                }
                parts.preferred.push(any_of(&sense));
            }
        }
        parts.operand(any_of(&alts));
        true
    }
}

/// Pieces of the query and whether each was in quotes. An unclosed quote runs to the end.
fn split_quotes(q: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut close: Option<char> = None;
    for c in q.chars() {
        match (close, c) {
            (None, '"') | (None, '“') | (None, '「') => {
                out.push((std::mem::take(&mut current), false));
                close = Some(match c {
                    '“' => '”',
                    '「' => '」',
                    _ => '"',
                });
            }
            (Some(end), c) if c == end || (end == '”' && c == '"') => {
                out.push((std::mem::take(&mut current), true));
                close = None;
            }
            _ => current.push(c),
        }
    }
    out.push((current, close.is_some()));
    out.retain(|(t, _)| !t.trim().is_empty());
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::search::synonyms::GroupText;

    fn parse(q: &str) -> Result<SearchQuery, QueryError> {
        Segmenter::shared(None)
            .unwrap()
            .parse_query(q, &Synonyms::default())
    }

    fn owned(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    fn with_synonyms(q: &str) -> SearchQuery {
        let seg = Segmenter::shared(None).unwrap();
        let (city, province, river) = (
            owned(&["布拉戈维申斯克", "海兰泡", "Благовещенск"]),
            owned(&["黑龙江省", "龙江", "黑龙江"]),
            owned(&["阿穆尔河", "黑龙江", "Амур"]),
        );
        let (amb, none, ctx) = (owned(&["黑龙江"]), Vec::new(), owned(&["航道"]));
        let list = Synonyms::compile(
            [
                GroupText {
                    terms: &city,
                    ambiguous: &none,
                    context: &none,
                },
                GroupText {
                    terms: &province,
                    ambiguous: &amb,
                    context: &none,
                },
                GroupText {
                    terms: &river,
                    ambiguous: &amb,
                    context: &ctx,
                },
            ],
            &seg,
        );
        seg.parse_query(q, &list).unwrap()
    }

    #[test]
    fn synonyms_widen_a_word_both_ways_and_across_scripts() {
        let q = with_synonyms("в Благовещенске");
        assert!(
            q.tsquery.contains("'海兰泡'") && q.tsquery.contains("'布拉戈维申斯克'"),
            "{q:?}"
        );
        let q = with_synonyms("海兰泡 口岸");
        assert!(
            q.tsquery.starts_with("('海兰泡' | '布拉戈维申斯克' | "),
            "{q:?}"
        );
        assert!(q.tsquery.ends_with(" & '口岸'"), "{q:?}");
        assert_eq!(q.preferred, None);
    }

    #[test]
    fn ambiguous_terms_rank_by_sense_and_widen_only_with_context() {
        // The province's short name: the ambiguous 黑龙江 matches, but ranks below.
        let q = with_synonyms("龙江");
        assert!(q.tsquery.contains("'黑龙江'"), "{q:?}");
        assert_eq!(q.preferred.as_deref(), Some("('黑龙江省' | '龙江')"));
        // 黑龙江 alone means either: left as written.
        assert_eq!(with_synonyms("黑龙江").tsquery, "'黑龙江'");
        // With a word of the river's context, it is the river.
        let q = with_synonyms("黑龙江 航道");
        assert!(q.tsquery.contains("'амур'"), "{q:?}");
        assert!(q.preferred.is_some_and(|p| p.contains("'航道'")));
    }

    #[test]
    fn latin_words_may_be_pinyin_and_place_suffixes_drop() {
        let q = parse("heihe").unwrap();
        assert_eq!(q.tsquery, "('heihe' | 'py:heihe' | '黑河')");
        assert!(q.words.contains(&"黑河".to_owned()), "the place is marked");
        let q = parse("hei he").unwrap();
        assert_eq!(q.tsquery, "(('hei' <-> 'he') | 'py:heihe' | '黑河')");
        assert_eq!(parse("iphone").unwrap().tsquery, "'iphone'");
        assert_eq!(parse("逊克县").unwrap().tsquery, "('逊克县' | '逊克')");
        assert_eq!(parse("ярмарки").unwrap().tsquery, "'ярмарк'");
    }

    #[test]
    fn words_must_all_match() {
        let q = parse("黑河 新质生产力").unwrap();
        assert_eq!(q.tsquery, "'黑河' & '新质生产力'");
        assert_eq!(q.words, ["新质生产力", "黑河"]);
    }

    #[test]
    fn quoted_text_is_a_phrase() {
        let q = parse("\"黑河的发展\" 理论").unwrap();
        assert_eq!(q.tsquery, "('黑河' <2> '发展') & '理论'");
        let q = parse("“推动黑河”").unwrap();
        assert_eq!(q.tsquery, "('推动' <-> '黑河')");
        let q = parse("\"黑河").unwrap();
        assert_eq!(
            q.tsquery, "'黑河'",
            "an unclosed quote of one word is that word"
        );
    }

    #[test]
    fn mixed_latin_and_quotes_in_words() {
        let q = parse("5G 基站").unwrap();
        assert_eq!(q.tsquery, "'5g' & '基站'");
        // An apostrophe separates words; it never reaches the tsquery unquoted.
        assert_eq!(parse("o'neil").unwrap().tsquery, "'o' & 'neil'");
        assert_eq!(parse("a & b | !c").unwrap().tsquery, "'b' & 'c'");
    }

    #[test]
    fn empty_long_and_wordless_queries() {
        assert_eq!(parse("   "), Err(QueryError::Empty));
        assert_eq!(parse(&"黑".repeat(201)), Err(QueryError::TooLong));
        assert!(parse(&"黑".repeat(200)).is_ok());
        assert_eq!(parse("，。的 了"), Err(QueryError::NoWords));
        assert_eq!(parse("\"\""), Err(QueryError::NoWords));
    }
}
