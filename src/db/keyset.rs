//! `keyset!`: the one keyset rule every list applies to its query (see `pagination::Seek`).

/// The one keyset rule of every list: applies a page's [`Seek`] to a boxed query ordered by a
/// unique column, or by a column with the id breaking ties, descending or ascending. `Offset`
/// skips rows in that order; `After` keeps the rows past the cursor's key in that order;
/// `Before` keeps the rows before it, read in reverse (`Paged::from_rows` turns them back).
/// The closure-like `|k| …` turns the cursor key (`&K`) into the column values.
///
/// ```ignore
/// keyset!(q, req.seek(), desc api_keys::id, |k| ApiKeyId(*k))
/// keyset!(q, req.seek(), desc (audit_log::at, audit_log::id), |k| (k.at, k.id))
/// ```
#[macro_export]
macro_rules! keyset {
    ($q:expr, $seek:expr, desc ($col:expr, $id:expr), |$k:ident| ($v:expr, $i:expr)) => {
        match $seek {
            $crate::db::pagination::Seek::Offset(n) => {
                $q.order(($col.desc(), $id.desc())).offset(n)
            }
            $crate::db::pagination::Seek::After($k) => $q
                .filter($col.lt($v).or($col.eq($v).and($id.lt($i))))
                .order(($col.desc(), $id.desc())),
            $crate::db::pagination::Seek::Before($k) => $q
                .filter($col.gt($v).or($col.eq($v).and($id.gt($i))))
                .order(($col.asc(), $id.asc())),
        }
    };
    ($q:expr, $seek:expr, asc ($col:expr, $id:expr), |$k:ident| ($v:expr, $i:expr)) => {
        match $seek {
            $crate::db::pagination::Seek::Offset(n) => $q.order(($col.asc(), $id.asc())).offset(n),
            $crate::db::pagination::Seek::After($k) => $q
                .filter($col.gt($v).or($col.eq($v).and($id.gt($i))))
                .order(($col.asc(), $id.asc())),
            $crate::db::pagination::Seek::Before($k) => $q
                .filter($col.lt($v).or($col.eq($v).and($id.lt($i))))
                .order(($col.desc(), $id.desc())),
        }
    };
    ($q:expr, $seek:expr, desc $col:expr, |$k:ident| $v:expr) => {
        match $seek {
            $crate::db::pagination::Seek::Offset(n) => $q.order($col.desc()).offset(n),
            $crate::db::pagination::Seek::After($k) => $q.filter($col.lt($v)).order($col.desc()),
            $crate::db::pagination::Seek::Before($k) => $q.filter($col.gt($v)).order($col.asc()),
        }
    };
    ($q:expr, $seek:expr, asc $col:expr, |$k:ident| $v:expr) => {
        match $seek {
            $crate::db::pagination::Seek::Offset(n) => $q.order($col.asc()).offset(n),
            $crate::db::pagination::Seek::After($k) => $q.filter($col.gt($v)).order($col.asc()),
            $crate::db::pagination::Seek::Before($k) => $q.filter($col.lt($v)).order($col.desc()),
        }
    };
}
