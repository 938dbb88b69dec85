//! Search syntax: words (all must match) and "quoted phrases", segmented like the index.

use std::fmt::Write;

use super::document::push_quoted;
use super::segmenter::Segmenter;

/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// A parsed query: the tsquery to run and the words to highlight.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// In PostgreSQL's tsquery input syntax.
    pub tsquery: String,
    /// Every word of the query (longest first), for highlighting.
    pub words: Vec<String>,
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

impl Segmenter {
    /// Parses `q`: text outside quotes gives words that must all match; text in "double"
    /// (or “Chinese”) quotes must match as a phrase, in order.
    pub fn parse_query(&self, q: &str) -> Result<SearchQuery, QueryError> {
        let q = q.trim();
        if q.is_empty() {
            return Err(QueryError::Empty);
        }
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong);
        }
        let mut parts: Vec<String> = Vec::new();
        let mut words: Vec<String> = Vec::new();
        for (text, quoted) in split_quotes(q) {
            let found = self.precise(&text);
            if found.is_empty() {
                continue;
            }
            if quoted && found.len() > 1 {
                let mut phrase = String::from("(");
                let mut prev = None;
                for w in &found {
                    if let Some(p) = prev {
                        let gap = w.position - p;
                        if gap == 1 {
                            phrase.push_str(" <-> ");
                        } else {
                            let _ = write!(phrase, " <{gap}> ");
                        }
                    }
                    push_quoted(&mut phrase, &w.text);
                    prev = Some(w.position);
                }
                phrase.push(')');
                parts.push(phrase);
            } else {
                for w in &found {
                    let mut term = String::new();
                    push_quoted(&mut term, &w.text);
                    if !parts.contains(&term) {
                        parts.push(term);
                    }
                }
            }
            words.extend(found.into_iter().map(|w| w.text));
        }
        if parts.is_empty() {
            return Err(QueryError::NoWords);
        }
        words.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        words.dedup();
        Ok(SearchQuery {
            tsquery: parts.join(" & "),
            words,
        })
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

    fn parse(q: &str) -> Result<SearchQuery, QueryError> {
        Segmenter::shared(None).unwrap().parse_query(q)
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
