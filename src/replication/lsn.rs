//! A position in the primary's write-ahead log (PostgreSQL's `pg_lsn`), as carried between a
//! write and later reads: `16/B374D848` in text, a number inside.

use std::fmt;
use std::str::FromStr;

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// A WAL position; `Lsn::ZERO` is "no requirement".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lsn(pub u64);

impl Lsn {
    pub const ZERO: Lsn = Lsn(0);
}

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

impl FromStr for Lsn {
    type Err = String;

    /// PostgreSQL's notation: two hexadecimal numbers of at most 8 digits around a slash.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{s:?} is not a WAL position like 16/B374D848");
        let (hi, lo) = s.trim().split_once('/').ok_or_else(bad)?;
        let part = |p: &str| {
            if p.is_empty() || p.len() > 8 {
                return Err(bad());
            }
            u32::from_str_radix(p, 16).map_err(|_| bad())
        };
        Ok(Lsn((u64::from(part(hi)?) << 32) | u64::from(part(lo)?)))
    }
}

#[derive(QueryableByName)]
struct Position {
    #[diesel(sql_type = Nullable<BigInt>)]
    lsn: Option<i64>,
}

fn from_row(row: Position) -> Lsn {
    Lsn(row.lsn.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

/// The primary's current write position: every transaction committed before the call ends at
/// or before it.
pub async fn current(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Lsn> {
    diesel::sql_query("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint AS lsn")
        .get_result::<Position>(conn)
        .await
        .map(from_row)
}

/// How far a standby has replayed (zero on a server that is not in recovery).
pub async fn replayed(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Lsn> {
    diesel::sql_query("SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint AS lsn")
        .get_result::<Position>(conn)
        .await
        .map(from_row)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::Lsn;

    #[test]
    fn reads_and_writes_postgres_notation() {
        let lsn: Lsn = "16/B374D848".parse().unwrap();
        assert_eq!(lsn.0, 0x16_B374_D848);
        assert_eq!(lsn.to_string(), "16/B374D848");
        assert_eq!("0/0".parse::<Lsn>().unwrap(), Lsn::ZERO);
        for bad in ["", "16", "/1", "1/", "G/1", "123456789/0", "1/2/3", "-1/0"] {
            assert!(bad.parse::<Lsn>().is_err(), "{bad}");
        }
    }
}
