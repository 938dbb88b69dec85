//! Surrogate keys: what a public response depends on (`deps::Dep`), as short, stable names an
//! edge cache (Varnish xkey, Fastly, Cloudflare) tags the response with, and the keys a change
//! purges. The same knowledge the response cache invalidates by, put on the wire.
//!
//! | key | the response … |
//! |---|---|
//! | `a<id>` | shows article `<id>` |
//! | `r<id>` | shows the 相关新闻 chosen for article `<id>` |
//! | `c<id>` | lists channel `<id>`'s articles filtered or in another order |
//! | `p<id>` | lists channel `<id>`'s newest articles |
//! | `mr` | shows a most-read list |
//! | `aa` | lists over every article (search, tags, boards, the front page) |
//! | `t` | names channels |
//! | `s<id>`, `ss` | shows source `<id>`, lists sources |
//! | `u<id>`, `us` | shows byline `<id>`, lists bylines |
//! | `b<id>`, `bs` | shows board `<id>`, lists boards |
//! | `site` | shows the site settings |
//! | `sy` | applied the search synonym list (search, lists filtered by `q`) |
//! | `e<id>` | names staff member `<id>` (责任编辑) |
//! | `m<id>` | shows media asset `<id>` |
//! | `all` | every response (purged to drop everything) |
//!
//! A response that would need more than `EDGE_MAX_KEY_BYTES` gives up per-item keys, family by
//! family, for their group key (`ax`, `rx`, `mx`, `ex`, `ux`, `sx`); every purge of an item also
//! purges its group's key, so a grouped response is still dropped by any change of what it shows.

use std::collections::BTreeSet;
use std::time::Duration;

use actix_web::http::header::HeaderName;

use super::Invalidation;
use super::deps::Dep;
use crate::config::EdgeConfig;

/// How public responses are tagged for the edge (`EDGE_KEY_HEADERS`, `EDGE_TTL_SECS`).
#[derive(Debug, Clone)]
pub struct Tagging {
    pub headers: Vec<HeaderName>,
    pub ttl: Duration,
    pub max_key_bytes: usize,
}

impl Tagging {
    /// `None` when no key header is configured.
    pub fn from_config(edge: &EdgeConfig) -> Option<Self> {
        let headers: Vec<HeaderName> = edge
            .headers()
            .ok()?
            .into_iter()
            .map(|h| HeaderName::from_static(h.name()))
            .collect();
        (!headers.is_empty()).then(|| Self {
            headers,
            ttl: Duration::from_secs(edge.ttl_secs),
            max_key_bytes: edge.max_key_bytes,
        })
    }
}

/// The header telling an edge cache how long it may keep a response (not sent to browsers:
/// the edge removes it).
pub const SURROGATE_CONTROL: HeaderName = HeaderName::from_static("surrogate-control");

/// The key every tagged response carries.
pub const ALL: &str = "all";

/// The families whose item keys can be grouped, the order they are given up in, and their
/// group keys.
const FAMILIES: &[(&str, &str)] = &[
    ("a", "ax"),
    ("r", "rx"),
    ("m", "mx"),
    ("e", "ex"),
    ("u", "ux"),
    ("s", "sx"),
];

/// The key of one dependency, and the family it belongs to (for grouping).
fn key(dep: &Dep) -> (String, Option<usize>) {
    let item = |family: usize, id: i64| (format!("{}{id}", FAMILIES[family].0), Some(family));
    match dep {
        Dep::Article(id) => item(0, id.0),
        Dep::Related(id) => item(1, id.0),
        Dep::Media(id) => item(2, id.0),
        Dep::User(id) => item(3, id.0),
        Dep::Author(id) => item(4, id.0),
        Dep::Source(id) => item(5, id.0),
        Dep::Channel(id) => (format!("c{}", id.0), None),
        Dep::Placement(id) => (format!("p{}", id.0), None),
        Dep::MostRead(_) => ("mr".into(), None),
        Dep::AllArticles => ("aa".into(), None),
        Dep::Tree => ("t".into(), None),
        Dep::Sources => ("ss".into(), None),
        Dep::Authors => ("us".into(), None),
        Dep::Board(id) => (format!("b{}", id.0), None),
        Dep::Boards => ("bs".into(), None),
        Dep::Site => ("site".into(), None),
        Dep::Synonyms => ("sy".into(), None),
    }
}

/// The header value for a response that recorded `deps`: space-separated keys, `all` first,
/// at most `max_bytes` long (families grouped as needed).
pub fn header_value<'d>(deps: impl IntoIterator<Item = &'d Dep>, max_bytes: usize) -> String {
    let mut fixed: BTreeSet<String> = BTreeSet::new();
    let mut items: Vec<BTreeSet<String>> = vec![BTreeSet::new(); FAMILIES.len()];
    for dep in deps {
        match key(dep) {
            (k, Some(family)) => {
                items[family].insert(k);
            }
            (k, None) => {
                fixed.insert(k);
            }
        }
    }
    let len = |set: &BTreeSet<String>| set.iter().map(|k| k.len() + 1).sum::<usize>();
    let mut total = ALL.len() + len(&fixed) + items.iter().map(len).sum::<usize>();
    for (family, (_, group)) in FAMILIES.iter().enumerate() {
        if total <= max_bytes {
            break;
        }
        if items[family].is_empty() {
            continue;
        }
        total -= len(&items[family]);
        items[family].clear();
        fixed.insert((*group).to_owned());
        total += group.len() + 1;
    }
    let mut out = String::with_capacity(total);
    out.push_str(ALL);
    for k in fixed.iter().chain(items.iter().flatten()) {
        out.push(' ');
        out.push_str(k);
    }
    out
}

/// What a change purges at the edge: the keys of what it invalidates, with the group key of
/// every family it touches; `None` when it drops everything.
pub fn purge_keys(inv: &Invalidation) -> Vec<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    for dep in &inv.deps {
        let (k, family) = key(dep);
        if let Some(family) = family {
            out.insert(FAMILIES[family].1.to_owned());
        }
        out.insert(k);
    }
    if inv.tree {
        out.insert("t".into());
    }
    if inv.articles {
        // Totals and most-read lists follow any article change; so do grouped responses.
        out.insert("ax".into());
        out.insert("mr".into());
    }
    if inv.most_read {
        out.insert("mr".into());
    }
    out.into_iter().collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::models::ids::{ArticleId, CategoryId, SourceId};

    #[test]
    fn short_stable_keys() {
        let deps = [
            Dep::Article(ArticleId(42)),
            Dep::Placement(CategoryId(7)),
            Dep::Tree,
            Dep::Source(SourceId(3)),
        ];
        assert_eq!(header_value(&deps, 2048), "all p7 t a42 s3");
    }

    #[test]
    fn a_long_list_groups_its_articles_within_the_bound() {
        let deps: Vec<Dep> = (1..=100)
            .map(|i| Dep::Article(ArticleId(100_000 + i)))
            .chain([Dep::Channel(CategoryId(1)), Dep::Tree])
            .collect();
        let full = header_value(&deps, 10_000);
        assert_eq!(full.split(' ').count(), 103);
        let bounded = header_value(&deps, 256);
        assert_eq!(bounded, "all ax c1 t");
        // Any article change purges the group key.
        let inv = Invalidation {
            deps: vec![Dep::Article(ArticleId(100_050))],
            articles: true,
            ..Invalidation::default()
        };
        let purged = purge_keys(&inv);
        assert!(purged.contains(&"ax".to_owned()) && purged.contains(&"a100050".to_owned()));
    }
}
