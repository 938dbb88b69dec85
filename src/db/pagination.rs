//! One pagination model for every list: page mode with totals, or opaque keyset cursors.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

pub const DEFAULT_PER_PAGE: i64 = 20;
pub const MAX_PER_PAGE: i64 = 100;
/// Pages deeper than this are refused in page mode; use a cursor.
pub const MAX_PAGE: i64 = 100_000;

/// Direction a cursor walks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    #[serde(rename = "n")]
    Next,
    #[serde(rename = "p")]
    Prev,
}

/// A decoded cursor: the sort key of a boundary row and the direction to walk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cursor<K> {
    #[serde(rename = "k")]
    pub key: K,
    #[serde(rename = "d")]
    pub dir: Direction,
}

impl<K: Serialize + DeserializeOwned> Cursor<K> {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(raw: &str) -> Result<Self, ApiError> {
        let bad = || ApiError::bad_request("cursor", "is not a cursor returned by this list");
        let bytes = URL_SAFE_NO_PAD.decode(raw.as_bytes()).map_err(|_| bad())?;
        // A forged cursor may carry what no row can hold (a NUL would fail in PostgreSQL).
        if bytes.windows(6).any(|w| w == b"\\u0000") {
            return Err(bad());
        }
        serde_json::from_slice(&bytes).map_err(|_| bad())
    }
}

/// What a list request asked for, validated.
#[derive(Debug, Clone)]
pub enum PageRequest<K> {
    Page { page: i64, per_page: i64 },
    Cursor { cursor: Cursor<K>, per_page: i64 },
}

impl<K: Serialize + DeserializeOwned> PageRequest<K> {
    pub fn from_params(
        page: Option<i64>,
        per_page: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<Self, ApiError> {
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(ApiError::bad_request(
                "per_page",
                format!("must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        match cursor.filter(|c| !c.is_empty()) {
            Some(raw) => {
                if page.is_some() {
                    return Err(ApiError::bad_request(
                        "page",
                        "cannot be combined with cursor",
                    ));
                }
                Ok(Self::Cursor {
                    cursor: Cursor::decode(raw)?,
                    per_page,
                })
            }
            None => {
                let page = page.unwrap_or(1);
                if !(1..=MAX_PAGE).contains(&page) {
                    return Err(ApiError::bad_request(
                        "page",
                        format!("must be between 1 and {MAX_PAGE}"),
                    ));
                }
                Ok(Self::Page { page, per_page })
            }
        }
    }
}

impl<K> PageRequest<K> {
    pub fn per_page(&self) -> i64 {
        match self {
            Self::Page { per_page, .. } | Self::Cursor { per_page, .. } => *per_page,
        }
    }

    /// Rows a query loads: one more than the page, to know whether another follows.
    pub fn limit(&self) -> i64 {
        self.per_page() + 1
    }

    /// Whether the list counts its total (page mode only: cursors never count).
    pub fn counts_total(&self) -> bool {
        matches!(self, Self::Page { .. })
    }

    /// Where the page starts, in terms a query uses. Every keyset list reads it the same way:
    /// `Offset` in the list's own order, `After` a key in the list's order, `Before` a key in
    /// reverse order (`Paged::from_rows` turns those rows back).
    pub fn seek(&self) -> Seek<'_, K> {
        match self {
            Self::Page { page, per_page } => Seek::Offset(offset(*page, *per_page)),
            Self::Cursor { cursor, .. } => match cursor.dir {
                Direction::Next => Seek::After(&cursor.key),
                Direction::Prev => Seek::Before(&cursor.key),
            },
        }
    }
}

/// Where a page starts (see `PageRequest::seek`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seek<'a, K> {
    /// Page mode: skip this many rows in the list's order.
    Offset(i64),
    /// The rows that follow this key in the list's order.
    After(&'a K),
    /// The rows that precede this key, read in reverse order.
    Before(&'a K),
}

/// One loaded page: rows in display order plus what is needed for meta and links.
#[derive(Debug)]
pub struct Paged<T, K> {
    pub rows: Vec<T>,
    pub per_page: i64,
    /// Page mode only.
    pub page: Option<i64>,
    pub total: Option<i64>,
    /// `total` is a lower bound (counting stopped there).
    pub total_is_lower_bound: bool,
    pub next: Option<Cursor<K>>,
    pub prev: Option<Cursor<K>>,
}

impl<T, K> Paged<T, K> {
    /// Builds a page from rows fetched with `LIMIT per_page + 1` in the walking direction.
    ///
    /// `key` extracts the sort key of a row.
    pub fn from_rows(
        mut rows: Vec<T>,
        req: &PageRequest<K>,
        total: Option<i64>,
        key: impl Fn(&T) -> K,
    ) -> Self {
        let per_page = req.per_page();
        let more = rows.len() as i64 > per_page;
        rows.truncate(per_page as usize);
        let boundary = |row: Option<&T>, dir| row.map(|r| Cursor { key: key(r), dir });
        match req {
            PageRequest::Page { page, .. } => {
                let has_next = more;
                Self {
                    next: if has_next {
                        boundary(rows.last(), Direction::Next)
                    } else {
                        None
                    },
                    prev: None,
                    rows,
                    per_page,
                    page: Some(*page),
                    total,
                    total_is_lower_bound: false,
                }
            }
            PageRequest::Cursor { cursor, .. } => {
                if cursor.dir == Direction::Prev {
                    rows.reverse();
                }
                let (has_next, has_prev) = match cursor.dir {
                    Direction::Next => (more, true),
                    Direction::Prev => (true, more),
                };
                Self {
                    next: if has_next {
                        boundary(rows.last(), Direction::Next)
                    } else {
                        None
                    },
                    prev: if has_prev {
                        boundary(rows.first(), Direction::Prev)
                    } else {
                        None
                    },
                    rows,
                    per_page,
                    page: None,
                    total: None,
                    total_is_lower_bound: false,
                }
            }
        }
    }

    /// A page-mode page whose rows were ordered and cut elsewhere (no cursors).
    pub fn of_page(rows: Vec<T>, page: i64, per_page: i64, total: i64) -> Self {
        Self {
            rows,
            per_page,
            page: Some(page),
            total: Some(total),
            total_is_lower_bound: false,
            next: None,
            prev: None,
        }
    }

    pub fn total_pages(&self) -> Option<i64> {
        self.total.map(|t| (t + self.per_page - 1) / self.per_page)
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U, K> {
        self.map_rows(|rows| rows.into_iter().map(f).collect())
    }

    /// Replaces the rows as a whole (for conversions that batch their lookups).
    pub fn map_rows<U>(self, f: impl FnOnce(Vec<T>) -> Vec<U>) -> Paged<U, K> {
        Paged {
            rows: f(self.rows),
            per_page: self.per_page,
            page: self.page,
            total: self.total,
            total_is_lower_bound: self.total_is_lower_bound,
            next: self.next,
            prev: self.prev,
        }
    }
}

/// Pages a list already in memory, sorted ascending by `key` (small lists: boards, revisions).
pub fn paginate_in_memory<T, K: Ord + Clone>(
    items: Vec<T>,
    req: &PageRequest<K>,
    key: impl Fn(&T) -> K,
) -> Paged<T, K> {
    let total = items.len() as i64;
    let per = req.per_page() as usize;
    let window: Vec<T> = match req {
        PageRequest::Page { page, per_page } => items
            .into_iter()
            .skip(offset(*page, *per_page) as usize)
            .take(per + 1)
            .collect(),
        PageRequest::Cursor { cursor, .. } => match cursor.dir {
            Direction::Next => items
                .into_iter()
                .filter(|t| key(t) > cursor.key)
                .take(per + 1)
                .collect(),
            Direction::Prev => {
                let mut before: Vec<T> =
                    items.into_iter().filter(|t| key(t) < cursor.key).collect();
                before.reverse();
                before.truncate(per + 1);
                before
            }
        },
    };
    let total = matches!(req, PageRequest::Page { .. }).then_some(total);
    Paged::from_rows(window, req, total, key)
}

/// Offset of a page-mode request.
pub fn offset(page: i64, per_page: i64) -> i64 {
    (page - 1) * per_page
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip() {
        let c = Cursor {
            key: ("黑河".to_string(), 7_i64),
            dir: Direction::Prev,
        };
        let back: Cursor<(String, i64)> = Cursor::decode(&c.encode()).unwrap();
        assert_eq!(back.key, ("黑河".to_string(), 7));
        assert_eq!(back.dir, Direction::Prev);
        assert!(Cursor::<(String, i64)>::decode("nope!").is_err());
    }

    #[test]
    fn per_page_bounds() {
        assert!(PageRequest::<i64>::from_params(None, Some(0), None).is_err());
        assert!(PageRequest::<i64>::from_params(None, Some(101), None).is_err());
        assert!(PageRequest::<i64>::from_params(Some(0), None, None).is_err());
        assert_eq!(
            PageRequest::<i64>::from_params(None, None, None)
                .unwrap()
                .per_page(),
            20
        );
    }
}
