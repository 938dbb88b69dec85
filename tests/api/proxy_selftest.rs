//! Self-tests of `tests/support/fault_proxy.rs` against the real PostgreSQL (and, for the
//! framing, against a scripted server that answers byte by byte).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::sql_types::{BigInt, Integer};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

use crate::fault_proxy::{FaultProxy, Mode, upstream_addr};
use crate::helpers::{TestDb, server_url};

async fn proxy() -> FaultProxy {
    let upstream = upstream_addr(&server_url()).expect("TEST_DATABASE_URL names a TCP server");
    FaultProxy::start(upstream).await.unwrap()
}

async fn answer(conn: &mut AsyncPgConnection) -> diesel::QueryResult<i32> {
    diesel::select(diesel::dsl::sql::<Integer>("40 + 2"))
        .get_result::<i32>(conn)
        .await
}

/// Polls `done` for up to 2 s.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(2);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn url_for_replaces_host_and_port_only() {
    let proxy = FaultProxy::start("127.0.0.1:9".parse().unwrap())
        .await
        .unwrap();
    let at = proxy.addr();
    assert_eq!(
        proxy.url_for("postgres://root@127.0.0.1:5432/db?sslmode=disable"),
        format!("postgres://root@{at}/db?sslmode=disable")
    );
    assert_eq!(
        proxy.url_for("postgresql://u:p%40ss@localhost/other"),
        format!("postgresql://u:p%40ss@{at}/other")
    );
    assert_eq!(
        proxy.url_for("postgres://[::1]:5433"),
        format!("postgres://{at}")
    );
    assert_eq!(
        upstream_addr("postgres://root@127.0.0.1/x").unwrap(),
        "127.0.0.1:5432".parse::<std::net::SocketAddr>().unwrap()
    );
}

#[tokio::test]
async fn open_forwards_queries() {
    let proxy = proxy().await;
    let url = proxy.url_for(&server_url());
    let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
    assert_eq!(answer(&mut conn).await.unwrap(), 42);
    assert_eq!(proxy.open_connections(), 1);
    drop(conn);
    eventually("the closed connection is gone", || {
        proxy.open_connections() == 0
    })
    .await;
}

#[tokio::test]
async fn cut_fails_fast_and_open_recovers() {
    let proxy = proxy().await;
    let url = proxy.url_for(&server_url());
    let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
    assert_eq!(answer(&mut conn).await.unwrap(), 42);

    proxy.set(Mode::Cut);
    let started = Instant::now();
    let res = timeout(Duration::from_secs(1), answer(&mut conn))
        .await
        .expect("a query on a cut connection fails at once, it does not hang");
    assert!(res.is_err(), "the connection was cut: {res:?}");
    let res = timeout(Duration::from_secs(1), AsyncPgConnection::establish(&url))
        .await
        .expect("a new connection is refused at once, it does not hang");
    assert!(res.is_err(), "new connections are closed while cut");
    assert!(started.elapsed() < Duration::from_secs(1));
    eventually("every connection is closed", || {
        proxy.open_connections() == 0
    })
    .await;

    proxy.set(Mode::Open);
    let mut again = AsyncPgConnection::establish(&url).await.unwrap();
    assert_eq!(answer(&mut again).await.unwrap(), 42);
}

#[tokio::test]
async fn blackhole_holds_queries_until_healed() {
    let proxy = proxy().await;
    let url = proxy.url_for(&server_url());
    let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
    assert_eq!(answer(&mut conn).await.unwrap(), 42);

    proxy.set(Mode::Blackhole);
    {
        let pending = answer(&mut conn);
        tokio::pin!(pending);
        assert!(
            timeout(Duration::from_secs(1), pending.as_mut())
                .await
                .is_err(),
            "no answer during a blackhole"
        );
        // A new connection is accepted but goes nowhere; nothing is closed.
        assert!(
            timeout(
                Duration::from_millis(300),
                AsyncPgConnection::establish(&url)
            )
            .await
            .is_err(),
            "a new connection hangs during a blackhole"
        );
        assert_eq!(proxy.open_connections(), 2);

        proxy.set(Mode::Open);
        let healed = timeout(Duration::from_secs(5), pending)
            .await
            .expect("the held query completes once the partition heals");
        assert_eq!(healed.unwrap(), 42);
    }
    assert_eq!(answer(&mut conn).await.unwrap(), 42);
    // The abandoned connection is connected upstream on healing, then seen closed.
    eventually("the abandoned connection is closed", || {
        proxy.open_connections() == 1
    })
    .await;
    let mut fresh = AsyncPgConnection::establish(&url).await.unwrap();
    assert_eq!(answer(&mut fresh).await.unwrap(), 42);
}

async fn count_rows(conn: &mut AsyncPgConnection, table: &str) -> i64 {
    diesel::select(diesel::dsl::sql::<BigInt>(&format!(
        "(SELECT count(*) FROM {table})"
    )))
    .get_result::<i64>(conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn drop_reply_to_loses_the_reply_of_a_committed_statement() {
    let db = TestDb::create().await;
    let mut direct = AsyncPgConnection::establish(&db.url).await.unwrap();
    diesel::sql_query("CREATE TABLE lost_reply (n int NOT NULL)")
        .execute(&mut direct)
        .await
        .unwrap();
    let proxy = proxy().await;
    let url = proxy.url_for(&db.url);
    let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
    assert_eq!(answer(&mut conn).await.unwrap(), 42);

    proxy.drop_reply_to(b"fault_proxy_marker");
    let insert = "INSERT INTO lost_reply SELECT 1 /* fault_proxy_marker */";
    let res = timeout(
        Duration::from_secs(5),
        diesel::sql_query(insert).execute(&mut conn),
    )
    .await
    .expect("the client sees the connection closed, it does not hang");
    assert!(res.is_err(), "the reply was lost: {res:?}");
    assert_eq!(proxy.dropped_replies(), 1);
    assert_eq!(
        count_rows(&mut direct, "lost_reply").await,
        1,
        "the server committed the statement whose reply was lost"
    );
    assert!(
        answer(&mut conn).await.is_err(),
        "that connection is closed"
    );

    // One-shot: the same statement on a new connection is answered.
    let mut again = AsyncPgConnection::establish(&url).await.unwrap();
    assert_eq!(
        diesel::sql_query(insert).execute(&mut again).await.unwrap(),
        1
    );
    assert_eq!(proxy.dropped_replies(), 1);
    assert_eq!(count_rows(&mut direct, "lost_reply").await, 2);
}

// ---- framing against a scripted server, one byte per write ------------------------------------

fn typed(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![kind];
    m.extend_from_slice(&(body.len() as i32 + 4).to_be_bytes());
    m.extend_from_slice(body);
    m
}

fn untyped(body: &[u8]) -> Vec<u8> {
    let mut m = (body.len() as i32 + 4).to_be_bytes().to_vec();
    m.extend_from_slice(body);
    m
}

fn startup() -> Vec<u8> {
    untyped(&[&196_608i32.to_be_bytes()[..], b"user\0root\0\0"].concat())
}

fn ssl_request() -> Vec<u8> {
    untyped(&80_877_103i32.to_be_bytes())
}

/// What the scripted server answers to each message group: CommandComplete + ReadyForQuery.
fn group_reply() -> Vec<u8> {
    [typed(b'C', b"SELECT 1\0"), typed(b'Z', b"I")].concat()
}

async fn trickle(stream: &mut TcpStream, bytes: &[u8]) {
    for b in bytes {
        stream.write_all(&[*b]).await.unwrap();
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}

/// A fake PostgreSQL: answers SSLRequest with 'N', a StartupMessage with AuthenticationOk +
/// ReadyForQuery, and each Sync or Query with `group_reply()`, every answer byte by byte.
/// `groups` counts the Sync/Query messages it answered.
async fn scripted_server(listener: TcpListener, groups: Arc<AtomicUsize>) {
    loop {
        let Ok((mut s, _)) = listener.accept().await else {
            return;
        };
        let groups = groups.clone();
        tokio::spawn(async move {
            loop {
                let len = s.read_i32().await.unwrap() as usize;
                let mut body = vec![0; len - 4];
                s.read_exact(&mut body).await.unwrap();
                if body[..4] == 80_877_103i32.to_be_bytes() {
                    trickle(&mut s, b"N").await;
                    continue;
                }
                let ok = [typed(b'R', &0i32.to_be_bytes()), typed(b'Z', b"I")].concat();
                trickle(&mut s, &ok).await;
                break;
            }
            loop {
                let Ok(kind) = s.read_u8().await else { return };
                let len = s.read_i32().await.unwrap() as usize;
                let mut body = vec![0; len - 4];
                s.read_exact(&mut body).await.unwrap();
                if matches!(kind, b'S' | b'Q') {
                    groups.fetch_add(1, Ordering::SeqCst);
                    trickle(&mut s, &group_reply()).await;
                }
            }
        });
    }
}

/// Reads until the bytes end with a ReadyForQuery (`Z`, length 5, status), or EOF.
async fn read_reply(s: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        let n = timeout(Duration::from_secs(2), s.read(&mut buf))
            .await
            .expect("an answer or EOF")
            .unwrap_or(0);
        if n == 0 {
            return got;
        }
        got.extend_from_slice(&buf[..n]);
        if got.len() >= 6 && got[got.len() - 6..got.len() - 1] == [b'Z', 0, 0, 0, 5] {
            return got;
        }
    }
}

#[tokio::test]
async fn framing_survives_messages_split_across_reads() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let groups = Arc::new(AtomicUsize::new(0));
    let upstream = listener.local_addr().unwrap();
    tokio::spawn(scripted_server(listener, groups.clone()));
    let proxy = FaultProxy::start(upstream).await.unwrap();
    let marked = b"SELECT 1 /* marker */\0\0\0";
    let (parse, describe, sync) = (
        typed(b'P', &[&b"\0"[..], marked].concat()),
        typed(b'D', b"S\0"),
        typed(b'S', b""),
    );
    let (bind, execute) = (typed(b'B', b"\0\0\0\0\0\0\0\0"), typed(b'E', b"\0\0\0\0\0"));
    let ok = [typed(b'R', &0i32.to_be_bytes()), typed(b'Z', b"I")].concat();

    // Extended protocol: Parse/Describe/Sync is answered, Bind/Execute/Sync runs but its
    // answer is lost and the connection closed.
    let mut a = TcpStream::connect(proxy.addr()).await.unwrap();
    trickle(&mut a, &startup()).await;
    assert_eq!(read_reply(&mut a).await, ok);
    proxy.drop_reply_to(b"marker");
    trickle(&mut a, &[parse.clone(), describe, sync.clone()].concat()).await;
    assert_eq!(read_reply(&mut a).await, group_reply());
    let before = AtomicUsize::load(&groups, Ordering::SeqCst);
    trickle(&mut a, &[bind, execute, sync].concat()).await;
    assert_eq!(read_reply(&mut a).await, b"", "EOF instead of the reply");
    assert_eq!(
        AtomicUsize::load(&groups, Ordering::SeqCst),
        before + 1,
        "the server ran it"
    );
    assert_eq!(proxy.dropped_replies(), 1);

    // Simple protocol after an SSLRequest answered 'N': the Query's own reply is lost.
    let mut b = TcpStream::connect(proxy.addr()).await.unwrap();
    trickle(&mut b, &ssl_request()).await;
    let mut answer = [0u8; 1];
    timeout(Duration::from_secs(2), b.read_exact(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&answer, b"N");
    trickle(&mut b, &startup()).await;
    assert_eq!(read_reply(&mut b).await, ok);
    let plain = typed(b'Q', b"SELECT 2\0");
    trickle(&mut b, &plain).await;
    assert_eq!(
        read_reply(&mut b).await,
        group_reply(),
        "not armed: answered"
    );
    proxy.drop_reply_to(b"marker");
    let before = AtomicUsize::load(&groups, Ordering::SeqCst);
    trickle(&mut b, &typed(b'Q', marked)).await;
    assert_eq!(read_reply(&mut b).await, b"", "EOF instead of the reply");
    assert_eq!(
        AtomicUsize::load(&groups, Ordering::SeqCst),
        before + 1,
        "the server ran it"
    );
    assert_eq!(proxy.dropped_replies(), 2);
    eventually("both connections are closed", || {
        proxy.open_connections() == 0
    })
    .await;
}
