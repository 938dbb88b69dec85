//! The newsroom's synonym list, compiled for queries: each term segmented (and stemmed) the
//! way the index is, so a query naming one term of a group matches articles naming any of
//! them. Applied at query time: an edit takes effect at once, without reindexing.

use std::collections::{HashMap, HashSet};

use super::segmenter::{Segmenter, Word};

/// A group as the newsroom wrote it.
#[derive(Debug, Clone, Copy)]
pub struct GroupText<'a> {
    pub terms: &'a [String],
    pub ambiguous: &'a [String],
    pub context: &'a [String],
}

/// A term: its index words, and whether it also means something else.
#[derive(Debug, Clone)]
pub struct Term {
    pub words: Vec<Word>,
    pub ambiguous: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Group {
    pub terms: Vec<Term>,
    /// Index words that say this group's sense is meant.
    pub context: Vec<String>,
}

impl Group {
    pub fn has_ambiguous(&self) -> bool {
        self.terms.iter().any(|t| t.ambiguous)
    }
}

/// The compiled list.
#[derive(Debug, Default)]
pub struct Synonyms {
    groups: Vec<Group>,
    /// (group, term) by the term's first word.
    by_first: HashMap<String, Vec<(usize, usize)>>,
}

/// A term found in a query: how many query words it spans and the groups it belongs to, each
/// with whether the term is ambiguous there.
#[derive(Debug)]
pub struct Found<'a> {
    pub len: usize,
    pub groups: Vec<(&'a Group, bool)>,
}

impl Synonyms {
    pub fn compile<'a>(list: impl IntoIterator<Item = GroupText<'a>>, seg: &Segmenter) -> Self {
        let mut out = Self::default();
        for g in list {
            let ambiguous: HashSet<String> =
                g.ambiguous.iter().map(|t| super::normalize(t)).collect();
            let terms: Vec<Term> = g
                .terms
                .iter()
                .map(|t| Term {
                    words: seg.precise(t),
                    ambiguous: ambiguous.contains(&super::normalize(t)),
                })
                .filter(|t| !t.words.is_empty())
                .collect();
            if terms.len() < 2 {
                continue;
            }
            let context = g
                .context
                .iter()
                .flat_map(|c| seg.precise(c))
                .map(|w| w.text)
                .collect();
            let gi = out.groups.len();
            for (ti, t) in terms.iter().enumerate() {
                out.by_first
                    .entry(t.words[0].text.clone())
                    .or_default()
                    .push((gi, ti));
            }
            out.groups.push(Group { terms, context });
        }
        out
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The longest term starting at `words[at]`, with every group it belongs to.
    pub fn find(&self, words: &[Word], at: usize) -> Option<Found<'_>> {
        let first = words.get(at)?;
        let mut best: Option<Found<'_>> = None;
        for &(gi, ti) in self.by_first.get(&first.text)? {
            let group = &self.groups[gi];
            let term = &group.terms[ti];
            let n = term.words.len();
            let fits = words.len() >= at + n
                && words[at..at + n]
                    .iter()
                    .zip(&term.words)
                    .all(|(a, b)| a.text == b.text);
            if !fits {
                continue;
            }
            match &mut best {
                Some(b) if b.len > n => {}
                Some(b) if b.len == n => b.groups.push((group, term.ambiguous)),
                _ => {
                    best = Some(Found {
                        len: n,
                        groups: vec![(group, term.ambiguous)],
                    });
                }
            }
        }
        best
    }
}
