//! An embedded inverted index (tantivy) of the lexemes PostgreSQL stores for the articles the
//! public may see (published, not in the trash), with the columns the visibility rule and the
//! search filters need. It answers what the database answers slowly at scale: the newest
//! matches of a tsquery, and how many there are, reading posting lists instead of one stored
//! vector per candidate row. PostgreSQL stays the source of truth: it re-checks and ranks what
//! this finds (`queries::search_results`), and searches fall back to it while this is built or
//! cannot be trusted (`cache::postings`).

mod newest;
pub mod text;

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, Occur, PhraseQuery, Query, TermQuery, TermSetQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

pub use text::{Tsq, parse_tsquery, vector_lexemes};

/// One article as indexed.
#[derive(Debug, Clone)]
pub struct PostingsDoc {
    pub id: i64,
    pub published: DateTime<Utc>,
    pub offline: Option<DateTime<Utc>>,
    pub category: i64,
    /// Lexemes and their positions (`text::vector_lexemes`).
    pub lexemes: Vec<(String, Vec<u32>)>,
}

/// What a search keeps of the articles that match.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Visible at this instant (published by then, not yet offline).
    pub now: DateTime<Utc>,
    /// In one of these channels.
    pub categories: Option<Vec<i64>>,
    /// Published strictly after / before.
    pub published_after: Option<DateTime<Utc>>,
    pub published_before: Option<DateTime<Utc>>,
    /// Left out (changed since the index last saw them; the caller checks them itself).
    pub except: Vec<i64>,
}

/// The newest matches (ids, newest first) and the number of all matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Newest {
    pub ids: Vec<i64>,
    pub total: usize,
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    id: Field,
    published: Field,
    offline: Field,
    category: Field,
    lexemes: Field,
}

pub struct Postings {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    f: Fields,
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

impl Postings {
    /// An empty index in a temporary folder (removed when dropped), written by `threads`
    /// indexing threads sharing `memory_budget` bytes.
    pub fn new(threads: usize, memory_budget: usize) -> tantivy::Result<Self> {
        let mut b = Schema::builder();
        let f = Fields {
            id: b.add_i64_field("id", INDEXED | FAST),
            published: b.add_i64_field("published", FAST),
            offline: b.add_i64_field("offline", FAST),
            category: b.add_i64_field("category", INDEXED),
            lexemes: b.add_text_field(
                "lexemes",
                TextOptions::default().set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer("raw")
                        .set_index_option(IndexRecordOption::WithFreqsAndPositions),
                ),
            ),
        };
        let index = Index::create_from_tempdir(b.build())?;
        let writer = index.writer_with_num_threads(threads.max(1), memory_budget)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            reader,
            writer: Mutex::new(writer),
            f,
        })
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        self.writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds (or replaces) articles; seen by searches after `commit`.
    pub fn put(&self, docs: &[PostingsDoc]) -> tantivy::Result<()> {
        let w = self.writer();
        for d in docs {
            w.delete_term(Term::from_field_i64(self.f.id, d.id));
            w.add_document(self.document(d))?;
        }
        Ok(())
    }

    /// Removes articles; seen by searches after `commit`.
    pub fn remove(&self, ids: &[i64]) {
        let w = self.writer();
        for &id in ids {
            w.delete_term(Term::from_field_i64(self.f.id, id));
        }
    }

    /// Makes every put and removal so far visible to searches.
    pub fn commit(&self) -> tantivy::Result<()> {
        self.writer().commit()?;
        self.reader.reload()
    }

    fn document(&self, d: &PostingsDoc) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_i64(self.f.id, d.id);
        doc.add_i64(self.f.published, micros(d.published));
        if let Some(o) = d.offline {
            doc.add_i64(self.f.offline, micros(o));
        }
        doc.add_i64(self.f.category, d.category);
        let mut tokens: Vec<Token> = d
            .lexemes
            .iter()
            .flat_map(|(lexeme, positions)| {
                let at: &[u32] = if positions.is_empty() {
                    &[0]
                } else {
                    positions
                };
                at.iter().map(move |&p| Token {
                    offset_from: 0,
                    offset_to: 0,
                    position: p as usize,
                    text: lexeme.clone(),
                    position_length: 1,
                })
            })
            .collect();
        tokens.sort_by_key(|t| t.position);
        doc.add_pre_tokenized_text(
            self.f.lexemes,
            PreTokenizedString {
                text: String::new(),
                tokens,
            },
        );
        doc
    }

    /// The documents searches see now.
    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// How many articles searches see now.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `q` as a query of this index, and the share of the indexed articles it is expected to
    /// match (document frequencies, terms taken as independent). `None` when `q` uses what
    /// this index does not answer exactly (a negated or nested phrase).
    pub fn compile(&self, searcher: &Searcher, q: &Tsq) -> Option<(Box<dyn Query>, f64)> {
        let n = searcher.num_docs().max(1) as f64;
        self.compile_in(searcher, q, n)
    }

    fn compile_in(&self, searcher: &Searcher, q: &Tsq, n: f64) -> Option<(Box<dyn Query>, f64)> {
        Some(match q {
            Tsq::Lexeme(l) => {
                let term = Term::from_field_text(self.f.lexemes, l);
                let share = searcher.doc_freq(&term).ok()? as f64 / n;
                let q: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::Basic));
                (q, share)
            }
            Tsq::And(items) => {
                let mut parts = Vec::with_capacity(items.len());
                let mut share = 1.0;
                for item in items {
                    let (q, s) = self.compile_in(searcher, item, n)?;
                    share *= s;
                    parts.push((Occur::Must, q));
                }
                (Box::new(BooleanQuery::new(parts)), share)
            }
            Tsq::Or(items) => {
                let mut parts = Vec::with_capacity(items.len());
                let mut share: f64 = 0.0;
                for item in items {
                    let (q, s) = self.compile_in(searcher, item, n)?;
                    share += s;
                    parts.push((Occur::Should, q));
                }
                (Box::new(BooleanQuery::new(parts)), share.min(1.0))
            }
            Tsq::Not(inner) => {
                let (q, s) = self.compile_in(searcher, inner, n)?;
                let parts: Vec<(Occur, Box<dyn Query>)> =
                    vec![(Occur::Must, Box::new(AllQuery)), (Occur::MustNot, q)];
                (Box::new(BooleanQuery::new(parts)), 1.0 - s)
            }
            Tsq::Phrase(..) => {
                let words = phrase_words(q)?;
                let mut share: f64 = 1.0;
                let mut terms = Vec::with_capacity(words.len());
                for (offset, w) in words {
                    let term = Term::from_field_text(self.f.lexemes, &w);
                    share = share.min(searcher.doc_freq(&term).ok()? as f64 / n);
                    terms.push((offset as usize, term));
                }
                (Box::new(PhraseQuery::new_with_offset(terms)), share)
            }
        })
    }

    /// The newest `limit` matches of `query` that `filter` keeps (newest first: publish time,
    /// then id, both descending, as PostgreSQL orders them), and the number of all.
    pub fn newest(
        &self,
        searcher: &Searcher,
        query: Box<dyn Query>,
        filter: &Filter,
        limit: usize,
    ) -> tantivy::Result<Newest> {
        let now = micros(filter.now);
        let until = filter
            .published_before
            .map_or(now, |b| now.min(micros(b).saturating_sub(1)));
        let collector = newest::NewestVisible {
            limit,
            after: filter.published_after.map_or(i64::MIN, micros),
            until,
            now,
        };
        let (found, total) = searcher.search(&self.filtered(query, filter), &collector)?;
        Ok(Newest {
            ids: found.into_iter().map(|(_, id)| id).collect(),
            total,
        })
    }

    /// `query` kept to the channels and outside the exceptions of `filter` (times are the
    /// collector's).
    fn filtered(&self, query: Box<dyn Query>, filter: &Filter) -> BooleanQuery {
        let mut parts: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, query)];
        if let Some(categories) = &filter.categories {
            let q: Box<dyn Query> = if categories.is_empty() {
                Box::new(EmptyQuery)
            } else {
                Box::new(TermSetQuery::new(
                    categories
                        .iter()
                        .map(|&c| Term::from_field_i64(self.f.category, c)),
                ))
            };
            parts.push((Occur::Must, q));
        }
        if !filter.except.is_empty() {
            parts.push((
                Occur::MustNot,
                Box::new(TermSetQuery::new(
                    filter
                        .except
                        .iter()
                        .map(|&id| Term::from_field_i64(self.f.id, id)),
                )),
            ));
        }
        BooleanQuery::new(parts)
    }
}

/// A chain `a <N> b <M> c` of lexemes as (offset, lexeme); `None` for other phrases.
fn phrase_words(q: &Tsq) -> Option<Vec<(u32, String)>> {
    match q {
        Tsq::Lexeme(l) => Some(vec![(0, l.clone())]),
        Tsq::Phrase(left, gap, right) => {
            let Tsq::Lexeme(r) = right.as_ref() else {
                return None;
            };
            let mut words = phrase_words(left)?;
            let end = words.last().map_or(0, |w| w.0);
            words.push((end.checked_add(*gap)?, r.clone()));
            Some(words)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
