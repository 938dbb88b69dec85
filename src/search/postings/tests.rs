#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, TimeZone, Utc};

use super::*;

fn doc(id: i64, days_ago: i64, category: i64, vector: &str) -> PostingsDoc {
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
    PostingsDoc {
        id,
        published: now - Duration::days(days_ago),
        offline: None,
        category,
        lexemes: vector_lexemes(vector).unwrap(),
    }
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap()
}

fn run(p: &Postings, q: &str, filter: &Filter, skip: usize, limit: usize) -> Newest {
    let searcher = p.searcher();
    let (query, _) = p.compile(&searcher, &parse_tsquery(q).unwrap()).unwrap();
    let mut found = p.newest(&searcher, query, filter, skip + limit).unwrap();
    found.ids.drain(..skip.min(found.ids.len()));
    found
}

fn index() -> Postings {
    let p = Postings::new(1, 15_000_000).unwrap();
    p.put(&[
        doc(1, 5, 10, "'黑河':1A 'a':2 'b':3"),
        doc(2, 4, 10, "'黑河':1A 'b':2 'a':3"),
        doc(3, 3, 11, "'黑河':1 'a':4 'x':5 'b':6"),
        // Same instant as 3: the larger id is newer.
        doc(4, 3, 12, "'a':7 'b':8"),
        doc(5, -1, 10, "'黑河':1 'a':2 'b':3"),
    ])
    .unwrap();
    p.commit().unwrap();
    p
}

fn filter() -> Filter {
    Filter {
        now: at(),
        ..Filter::default()
    }
}

#[test]
fn newest_first_with_totals_and_the_clock() {
    let p = index();
    // 5 is scheduled (published tomorrow): not yet.
    assert_eq!(
        run(&p, "'a'", &filter(), 0, 10),
        Newest {
            ids: vec![4, 3, 2, 1],
            total: 4
        }
    );
    assert_eq!(run(&p, "'a'", &filter(), 1, 2).ids, vec![3, 2]);
    assert_eq!(run(&p, "'黑河' & 'a'", &filter(), 0, 10).ids, vec![3, 2, 1]);
    assert_eq!(run(&p, "'x' | '黑河'", &filter(), 0, 10).total, 3);
    assert_eq!(run(&p, "'a' & !'黑河'", &filter(), 0, 10).ids, vec![4]);
    assert_eq!(run(&p, "'nothing'", &filter(), 0, 10).total, 0);
}

#[test]
fn phrases_keep_their_gaps() {
    let p = index();
    assert_eq!(run(&p, "'a' <-> 'b'", &filter(), 0, 10).ids, vec![4, 1]);
    assert_eq!(run(&p, "'b' <-> 'a'", &filter(), 0, 10).ids, vec![2]);
    assert_eq!(run(&p, "'a' <2> 'b'", &filter(), 0, 10).ids, vec![3]);
    assert_eq!(
        run(&p, "'黑河' <-> 'a' <-> 'b'", &filter(), 0, 10).ids,
        vec![1]
    );
}

#[test]
fn filters_and_exceptions() {
    let p = index();
    let mut f = filter();
    f.categories = Some(vec![10, 12]);
    assert_eq!(run(&p, "'a'", &f, 0, 10).ids, vec![4, 2, 1]);
    f.categories = Some(vec![]);
    assert_eq!(run(&p, "'a'", &f, 0, 10).total, 0);
    let mut f = filter();
    f.published_after = Some(at() - Duration::days(5));
    f.published_before = Some(at() - Duration::days(3));
    assert_eq!(run(&p, "'a'", &f, 0, 10).ids, vec![2]);
    let mut f = filter();
    f.published_before = Some(at() - Duration::days(4));
    assert_eq!(run(&p, "'a'", &f, 0, 10).ids, vec![1]);
    let mut f = filter();
    f.published_after = Some(at() - Duration::days(4));
    assert_eq!(run(&p, "'a'", &f, 0, 10).ids, vec![4, 3]);
    let mut f = filter();
    f.except = vec![3, 4];
    assert_eq!(run(&p, "'a'", &f, 0, 10).ids, vec![2, 1]);
    // Tomorrow, 5 is visible.
    let mut f = filter();
    f.now = at() + Duration::days(2);
    assert_eq!(run(&p, "'黑河'", &f, 0, 1).ids, vec![5]);
}

#[test]
fn offline_articles_leave_and_changes_replace() {
    let p = index();
    let mut gone = doc(2, 4, 10, "'黑河':1A 'b':2 'a':3");
    gone.offline = Some(at() - Duration::hours(1));
    let mut changed = doc(1, 5, 10, "'other':1");
    changed.offline = Some(at() + Duration::hours(1));
    p.put(&[gone, changed]).unwrap();
    p.remove(&[4]);
    p.commit().unwrap();
    assert_eq!(run(&p, "'a'", &filter(), 0, 10).ids, vec![3]);
    assert_eq!(run(&p, "'other'", &filter(), 0, 10).ids, vec![1]);
    assert_eq!(p.len(), 4);
}

#[test]
fn share_estimates_and_what_it_does_not_answer() {
    let p = index();
    let s = p.searcher();
    let share = |q: &str| p.compile(&s, &parse_tsquery(q).unwrap()).map(|c| c.1);
    assert!((share("'黑河'").unwrap() - 0.8).abs() < 1e-9);
    assert!((share("'黑河' & 'x'").unwrap() - 0.16).abs() < 1e-9);
    assert!(share("'a' <-> ('b' | 'x')").is_none());
}
