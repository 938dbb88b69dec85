//! A fault-injection TCP proxy for PostgreSQL on loopback (std + tokio only).
//!
//! `FaultProxy::start(upstream)` listens on 127.0.0.1:0 and forwards every connection to
//! `upstream`. `set(mode)` switches all connections at once:
//!
//! - `Open`: bytes flow both ways.
//! - `Cut`: every open connection is closed (both sockets), new ones are accepted and closed at
//!   once, until another mode is set.
//! - `Blackhole`: a silent partition. Nothing is read from either side of any connection (data
//!   waits in the kernel's buffers), nothing is closed; new connections are accepted but not
//!   connected upstream. `Open` resumes everything where it stopped; `Cut` closes it.
//!
//! `drop_reply_to(pattern)` arms a one-shot lost reply: the next client Parse ('P') or simple
//! Query ('Q') message containing `pattern` is forwarded, the server executes (and in autocommit
//! mode commits) it, but its reply never reaches the client: the connection is closed instead.
//! To know where that reply starts and ends, both directions are framed as PostgreSQL wire
//! protocol v3 messages, and replies are counted in "sync groups": the server answers every
//! StartupMessage, Sync ('S'), Query ('Q') and FunctionCall ('F') with exactly one ReadyForQuery
//! ('Z'), so the n-th such client message and the n-th 'Z' delimit the n-th group.
//!
//! - A marked 'Q' is its own group: its replies up to and including its 'Z' are swallowed.
//! - A marked 'P' followed by a Sync before any Execute (what tokio-postgres and diesel-async do:
//!   Parse/Describe/Sync, wait, then Bind/Execute/Sync) lets the first 'Z' through and swallows
//!   the next group's replies up to and including the second 'Z'. Should a client pipeline
//!   Parse/Bind/Execute/Sync in one group, that group (the one executing the statement) is
//!   swallowed instead.
//!
//! Framing stops (bytes are passed through untouched) when the connection negotiates TLS or GSS
//! encryption, or when the stream stops looking like the protocol.
#![allow(dead_code)]

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// What the proxy does with the traffic; see the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Open,
    Cut,
    Blackhole,
}

/// A running proxy; dropping it stops the listener and closes every connection.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    listener: JoinHandle<()>,
}

struct Shared {
    upstream: SocketAddr,
    mode: watch::Sender<Mode>,
    /// The armed pattern of `drop_reply_to`, taken by the first message that contains it.
    armed: Mutex<Option<Vec<u8>>>,
    /// Cheap check before collecting message bodies.
    is_armed: AtomicBool,
    dropped: AtomicUsize,
    open: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl FaultProxy {
    /// Listens on 127.0.0.1:0 and forwards to `upstream` (e.g. 127.0.0.1:5432).
    pub async fn start(upstream: SocketAddr) -> io::Result<FaultProxy> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (mode, _) = watch::channel(Mode::Open);
        let shared = Arc::new(Shared {
            upstream,
            mode,
            armed: Mutex::new(None),
            is_armed: AtomicBool::new(false),
            dropped: AtomicUsize::new(0),
            open: AtomicUsize::new(0),
        });
        let listener = tokio::spawn(accept_loop(listener, shared.clone()));
        Ok(FaultProxy {
            addr,
            shared,
            listener,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Rewrites a postgres URL (postgres://user@host:port/db?query) to go through the proxy
    /// (host:port replaced by addr()). Anything that is not such a URL is returned unchanged.
    pub fn url_for(&self, database_url: &str) -> String {
        let Some((scheme, rest)) = database_url.split_once("://") else {
            return database_url.to_owned();
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let userinfo = authority
            .rfind('@')
            .map(|at| &authority[..=at])
            .unwrap_or("");
        format!("{scheme}://{userinfo}{}{tail}", self.addr)
    }

    pub fn set(&self, mode: Mode) {
        self.shared.mode.send_replace(mode);
    }

    pub fn mode(&self) -> Mode {
        *self.shared.mode.borrow()
    }

    /// One-shot: the next client Parse or Query message (on any connection) whose bytes contain
    /// `pattern` is executed by the server, but its reply is swallowed and that connection closed.
    pub fn drop_reply_to(&self, pattern: &[u8]) {
        *lock(&self.shared.armed) = Some(pattern.to_vec());
        self.shared.is_armed.store(true, Ordering::SeqCst);
    }

    /// How many times drop_reply_to fired (0 or 1 per arming).
    pub fn dropped_replies(&self) -> usize {
        self.shared.dropped.load(Ordering::SeqCst)
    }

    /// Client connections currently open through the proxy.
    pub fn open_connections(&self) -> usize {
        self.shared.open.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        // The accept loop owns the JoinSet of connection tasks: dropping it aborts them all,
        // which drops (closes) both sockets of every connection.
        self.listener.abort();
    }
}

/// The socket address of a `postgres://…@host:port/…` URL (port 5432 when not given).
pub fn upstream_addr(database_url: &str) -> io::Result<SocketAddr> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidInput, what.to_owned());
    let (_, rest) = database_url
        .split_once("://")
        .ok_or_else(|| invalid("not a postgres:// URL"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if hostport.is_empty() {
        return Err(invalid(
            "the URL names no host (a Unix socket cannot be proxied)",
        ));
    }
    let with_port = if hostport.ends_with(']') || !hostport.contains(':') {
        format!("{hostport}:5432")
    } else {
        hostport.to_owned()
    };
    with_port
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| invalid("the host did not resolve"))
}

/// Counts a client connection as open while it lives.
struct OpenGuard(Arc<Shared>);

impl OpenGuard {
    fn new(shared: &Arc<Shared>) -> Self {
        shared.open.fetch_add(1, Ordering::SeqCst);
        OpenGuard(shared.clone())
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => {
                    let guard = OpenGuard::new(&shared);
                    conns.spawn(serve(client, shared.clone(), guard));
                }
                // Out of descriptors or a connection reset before accept: wait a little.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

/// Waits while the mode is Blackhole; true when Open, false when Cut (or the proxy is gone).
async fn wait_open(mode: &mut watch::Receiver<Mode>) -> bool {
    loop {
        let now = *mode.borrow_and_update();
        match now {
            Mode::Open => return true,
            Mode::Cut => return false,
            Mode::Blackhole => {
                if mode.changed().await.is_err() {
                    return false;
                }
            }
        }
    }
}

async fn serve(mut client: TcpStream, shared: Arc<Shared>, _open: OpenGuard) {
    let mut mode = shared.mode.subscribe();
    if !wait_open(&mut mode).await {
        return;
    }
    let Ok(mut server) = TcpStream::connect(shared.upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let conn = Mutex::new(ConnState::default());
    let (client_rd, client_wr) = client.split();
    let (server_rd, server_wr) = server.split();
    let mut to_server = ClientSide {
        shared: &shared,
        conn: &conn,
        startup_done: false,
        groups_sent: 0,
    };
    let mut to_client = ServerSide {
        shared: &shared,
        conn: &conn,
        replies_seen: 0,
        swallowing: false,
        answering: false,
    };
    let up = pump(
        client_rd,
        server_wr,
        &mut to_server,
        shared.mode.subscribe(),
    );
    let down = pump(
        server_rd,
        client_wr,
        &mut to_client,
        shared.mode.subscribe(),
    );
    // Whichever direction ends (EOF, error, Cut, a dropped reply) ends the connection: both
    // sockets are closed when this function returns.
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}

/// Copies `src` to `dst` through `side`'s framing, pausing while blackholed. Returns on EOF, an
/// error, Cut, or when the side asks to close the connection (after flushing what it let through).
async fn pump<S: Side>(
    mut src: tokio::net::tcp::ReadHalf<'_>,
    mut dst: tokio::net::tcp::WriteHalf<'_>,
    side: &mut S,
    mut mode: watch::Receiver<Mode>,
) {
    let mut framer = Framer::default();
    let mut buf = vec![0u8; 16 * 1024];
    let mut out: Vec<u8> = Vec::new();
    let mut written = 0;
    let mut close_after = false;
    loop {
        if !wait_open(&mut mode).await {
            return;
        }
        if written < out.len() {
            tokio::select! {
                // `write` is cancel-safe: when the mode changes first, nothing was written.
                n = dst.write(&out[written..]) => match n {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        written += n;
                        if written == out.len() {
                            out.clear();
                            written = 0;
                            if close_after {
                                return;
                            }
                        }
                    }
                },
                changed = mode.changed() => if changed.is_err() { return },
            }
        } else {
            tokio::select! {
                n = src.read(&mut buf) => match n {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        close_after = framer.feed(&buf[..n], side, &mut out);
                        if close_after && out.is_empty() {
                            return;
                        }
                    }
                },
                changed = mode.changed() => if changed.is_err() { return },
            }
        }
    }
}

/// State of one connection shared by its two directions.
#[derive(Default)]
struct ConnState {
    /// TLS or GSS encryption was negotiated (or the stream is not the protocol): no framing.
    passthrough: bool,
    /// SSLRequest/GSSENCRequest sent whose one-byte answer has not come yet.
    answers_owed: u32,
    /// A marked Parse in this sync group, not yet followed by Execute or Sync.
    marked_parse_group: Option<u64>,
    /// The sync group whose replies are swallowed.
    swallow_group: Option<u64>,
}

/// How the next message on a stream is framed.
enum Framing {
    /// Int32 length (including itself) + body: the client's startup-phase messages.
    Untyped,
    /// Byte1 type + Int32 length (including itself) + body.
    Typed,
    /// The server's one-byte answer to SSLRequest/GSSENCRequest.
    AnswerByte,
    /// No framing: bytes pass through.
    Raw,
}

/// One direction's view of the messages passing by.
trait Side {
    fn framing(&mut self) -> Framing;
    /// A message starts (its header is complete); returns (forward it, collect its body).
    fn start(&mut self, kind: u8, body_len: usize) -> (bool, bool);
    /// A message ended (`body` when collected); true closes the connection after the flush.
    fn end(&mut self, kind: u8, body: Option<&[u8]>) -> bool;
    /// The stream stopped looking like the protocol.
    fn lost_framing(&mut self);
}

/// Splits a byte stream into messages as it arrives; partial headers and bodies carry over.
#[derive(Default)]
struct Framer {
    head: [u8; 5],
    head_len: usize,
    in_message: bool,
    kind: u8,
    body_left: usize,
    forward: bool,
    body: Option<Vec<u8>>,
}

/// Largest startup-phase message accepted as such (PostgreSQL allows 10,000 bytes).
const MAX_UNTYPED: usize = 64 * 1024;

impl Framer {
    /// Appends to `out` what is to be forwarded; true when the connection is to be closed
    /// after `out` is written.
    fn feed(&mut self, mut data: &[u8], side: &mut impl Side, out: &mut Vec<u8>) -> bool {
        loop {
            if !self.in_message {
                if data.is_empty() {
                    return false;
                }
                let header = match side.framing() {
                    Framing::Raw => {
                        out.extend_from_slice(&self.head[..self.head_len]);
                        self.head_len = 0;
                        out.extend_from_slice(data);
                        return false;
                    }
                    Framing::AnswerByte => {
                        let kind = data[0];
                        data = &data[1..];
                        let (forward, _) = side.start(kind, 0);
                        if forward {
                            out.push(kind);
                        }
                        if side.end(kind, None) {
                            return true;
                        }
                        continue;
                    }
                    Framing::Typed => 5,
                    Framing::Untyped => 4,
                };
                let take = (header - self.head_len).min(data.len());
                self.head[self.head_len..self.head_len + take].copy_from_slice(&data[..take]);
                self.head_len += take;
                data = &data[take..];
                if self.head_len < header {
                    return false;
                }
                let at = header - 4;
                let len = i32::from_be_bytes([
                    self.head[at],
                    self.head[at + 1],
                    self.head[at + 2],
                    self.head[at + 3],
                ]);
                let kind = if header == 5 { self.head[0] } else { 0 };
                let body_len = usize::try_from(len).ok().and_then(|l| l.checked_sub(4));
                let body_len = match body_len {
                    Some(n) if header == 5 || n <= MAX_UNTYPED => n,
                    _ => {
                        side.lost_framing();
                        out.extend_from_slice(&self.head[..self.head_len]);
                        self.head_len = 0;
                        out.extend_from_slice(data);
                        return false;
                    }
                };
                let (forward, collect) = side.start(kind, body_len);
                if forward {
                    out.extend_from_slice(&self.head[..header]);
                }
                self.head_len = 0;
                self.in_message = true;
                self.kind = kind;
                self.body_left = body_len;
                self.forward = forward;
                self.body =
                    (collect || kind == 0).then(|| Vec::with_capacity(body_len.min(1 << 16)));
            }
            let n = self.body_left.min(data.len());
            if self.forward {
                out.extend_from_slice(&data[..n]);
            }
            if let Some(body) = self.body.as_mut() {
                body.extend_from_slice(&data[..n]);
            }
            data = &data[n..];
            self.body_left -= n;
            if self.body_left > 0 {
                return false;
            }
            self.in_message = false;
            let body = self.body.take();
            if side.end(self.kind, body.as_deref()) {
                return true;
            }
        }
    }
}

const SSL_REQUEST: u32 = 80_877_103;
const GSSENC_REQUEST: u32 = 80_877_104;
const CANCEL_REQUEST: u32 = 80_877_102;

/// Client → server: finds the marked statement and numbers the sync groups.
struct ClientSide<'a> {
    shared: &'a Shared,
    conn: &'a Mutex<ConnState>,
    startup_done: bool,
    /// Client messages sent that the server answers with one ReadyForQuery.
    groups_sent: u64,
}

impl ClientSide<'_> {
    fn take_if_marked(&self, body: Option<&[u8]>) -> bool {
        let Some(body) = body else { return false };
        let mut armed = lock(&self.shared.armed);
        let hit = armed
            .as_deref()
            .is_some_and(|p| p.is_empty() || body.windows(p.len()).any(|w| w == p));
        if hit {
            *armed = None;
            self.shared.is_armed.store(false, Ordering::SeqCst);
        }
        hit
    }
}

impl Side for ClientSide<'_> {
    fn framing(&mut self) -> Framing {
        if lock(self.conn).passthrough {
            Framing::Raw
        } else if self.startup_done {
            Framing::Typed
        } else {
            Framing::Untyped
        }
    }

    fn start(&mut self, kind: u8, _body_len: usize) -> (bool, bool) {
        if kind == b'E' {
            // A marked Parse executed in its own group: that group's replies are the lost ones.
            let mut conn = lock(self.conn);
            let group = self.groups_sent + 1;
            if conn.marked_parse_group == Some(group) {
                conn.marked_parse_group = None;
                conn.swallow_group = Some(group);
            }
        }
        let collect = matches!(kind, b'P' | b'Q') && self.shared.is_armed.load(Ordering::SeqCst);
        (true, collect)
    }

    fn end(&mut self, kind: u8, body: Option<&[u8]>) -> bool {
        match kind {
            0 => {
                let code = body
                    .and_then(|b| b.get(..4))
                    .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
                match code {
                    Some(SSL_REQUEST | GSSENC_REQUEST) => lock(self.conn).answers_owed += 1,
                    Some(CANCEL_REQUEST) => {}
                    _ => {
                        // StartupMessage: the authentication exchange ends with one 'Z'.
                        self.startup_done = true;
                        self.groups_sent += 1;
                    }
                }
            }
            b'P' if self.take_if_marked(body) => {
                lock(self.conn).marked_parse_group = Some(self.groups_sent + 1);
            }
            b'Q' => {
                if self.take_if_marked(body) {
                    lock(self.conn).swallow_group = Some(self.groups_sent + 1);
                }
                self.groups_sent += 1;
            }
            b'S' | b'F' => {
                let mut conn = lock(self.conn);
                let group = self.groups_sent + 1;
                if conn.marked_parse_group == Some(group) {
                    // Parse/Describe/Sync: the statement runs in the next group.
                    conn.marked_parse_group = None;
                    conn.swallow_group = Some(group + 1);
                }
                self.groups_sent += 1;
            }
            _ => {}
        }
        false
    }

    fn lost_framing(&mut self) {
        lock(self.conn).passthrough = true;
    }
}

/// Server → client: counts ReadyForQuery and swallows the marked group's replies.
struct ServerSide<'a> {
    shared: &'a Shared,
    conn: &'a Mutex<ConnState>,
    /// ReadyForQuery messages seen: the next message belongs to group `replies_seen + 1`.
    replies_seen: u64,
    swallowing: bool,
    /// The current message is the one-byte answer to SSLRequest/GSSENCRequest.
    answering: bool,
}

impl Side for ServerSide<'_> {
    fn framing(&mut self) -> Framing {
        let conn = lock(self.conn);
        self.answering = false;
        if conn.passthrough {
            Framing::Raw
        } else if conn.answers_owed > 0 {
            self.answering = true;
            Framing::AnswerByte
        } else {
            Framing::Typed
        }
    }

    fn start(&mut self, _kind: u8, _body_len: usize) -> (bool, bool) {
        if self.answering {
            return (true, false);
        }
        self.swallowing = lock(self.conn).swallow_group == Some(self.replies_seen + 1);
        (!self.swallowing, false)
    }

    fn end(&mut self, kind: u8, _body: Option<&[u8]>) -> bool {
        let mut conn = lock(self.conn);
        if self.answering {
            self.answering = false;
            // The one-byte answer to SSLRequest/GSSENCRequest; 'S'/'G': encryption follows.
            conn.answers_owed = conn.answers_owed.saturating_sub(1);
            if matches!(kind, b'S' | b'G') {
                conn.passthrough = true;
            }
            return false;
        }
        if kind != b'Z' {
            return false;
        }
        self.replies_seen += 1;
        if self.swallowing {
            conn.swallow_group = None;
            self.shared.dropped.fetch_add(1, Ordering::SeqCst);
            return true;
        }
        false
    }

    fn lost_framing(&mut self) {
        lock(self.conn).passthrough = true;
    }
}
