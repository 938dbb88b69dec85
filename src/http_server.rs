//! The HTTP listener: actix-web's own `HttpServer` setup, with one difference. actix-http
//! answers a request it cannot parse (raw bytes that are not UTF-8 in the path, a broken
//! request line or header) itself, with a bare `400` and no body, before any middleware runs.
//! Here every connection's socket is wrapped so that this one response is rewritten into a
//! problem+json document like every other error.

use std::io;
use std::net::TcpListener;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_http::body::MessageBody;
use actix_http::{HttpService, Protocol, Request, Response};
use actix_server::Server;
use actix_service::{IntoServiceFactory, ServiceFactory, ServiceFactoryExt as _, fn_service};
use actix_web::Error;
use actix_web::ResponseError as _;
use actix_web::dev::AppConfig;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::error::ApiError;

/// What actix-http writes, and only writes, for a request it could not parse.
const BARE_400: &[u8] = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n";

/// How the listener runs (from `Config`).
pub struct Settings {
    pub workers: usize,
    pub shutdown_secs: u64,
    pub keep_alive: Duration,
    pub client_request_timeout: Duration,
}

/// Serves `factory`'s app on `listener`; signals are left to the caller.
pub fn serve<F, I, S, B>(listener: TcpListener, factory: F, s: &Settings) -> io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as actix_service::Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let addr = listener.local_addr()?;
    let mut builder = Server::build()
        .disable_signals()
        .shutdown_timeout(s.shutdown_secs);
    if s.workers > 0 {
        builder = builder.workers(s.workers);
    }
    let graceful = builder.graceful_shutdown_signal();
    let (keep_alive, head_timeout) = (s.keep_alive, s.client_request_timeout);
    builder
        .listen(format!("newsdesk-{addr}"), listener, move || {
            let graceful = graceful.clone();
            let app = factory()
                .into_factory()
                .map_err(|err| err.into().error_response());
            let http = HttpService::build()
                .graceful_shutdown_signal(move || {
                    let signal = graceful.clone();
                    async move { signal.notified().await }
                })
                .keep_alive(keep_alive)
                .client_request_timeout(head_timeout)
                .client_disconnect_timeout(Duration::from_secs(1))
                .local_addr(addr)
                .finish(actix_service::map_config(app, |_| AppConfig::default()));
            fn_service(|io: TcpStream| async move {
                let _ = io.set_nodelay(true);
                let peer = io.peer_addr().ok();
                Ok((ProblemIo::new(io), Protocol::Http1, peer))
            })
            .and_then(http)
        })
        .map(|b| b.run())
}

/// A socket whose bare parse-error `400` goes out as problem+json.
pub struct ProblemIo<T> {
    inner: T,
    /// Bytes written in place of what the server wrote, still to send.
    replacement: Vec<u8>,
    sent: usize,
}

impl<T> ProblemIo<T> {
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            replacement: Vec::new(),
            sent: 0,
        }
    }
}

/// The response actix-http would send without a body, as problem+json (it closes the
/// connection after it, so nothing follows).
fn problem_response() -> Vec<u8> {
    let res = ApiError::BadRequest {
        detail: "the request could not be parsed (request line, path or headers); \
                 paths must be ASCII, with other characters percent-encoded as UTF-8"
            .into(),
        errors: vec![crate::error::FieldError::new("request", "is malformed")],
    };
    let body = serde_json::to_vec(&res.problem()).unwrap_or_default();
    let status = res.status_code();
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/problem+json\r\ncache-control: no-store\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Bad Request"),
    )
    .into_bytes();
    // The headers every other response gets from `security_headers`.
    for (name, value) in crate::security_headers::defaults("") {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(
        format!(
            "connection: close\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&body);
    out
}

/// Where actix-http's bare parse-error head starts in a write, if the write ends with it (it is
/// the last thing sent on the connection; pipelined responses before it may share the write).
fn bare_400_at(buf: &[u8]) -> Option<usize> {
    let start = buf.len().saturating_sub(512);
    let at = start
        + buf[start..]
            .windows(BARE_400.len())
            .rposition(|w| w == BARE_400)?;
    let head = &buf[at..];
    let ends = head.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    (ends == head.len()).then_some(at)
}

impl<T: AsyncWrite + Unpin> ProblemIo<T> {
    /// Sends what is left of the replacement; ready when all of it is out.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.replacement.len() {
            let n = match Pin::new(&mut self.inner).poll_write(cx, &self.replacement[self.sent..]) {
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            };
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for ProblemIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ProblemIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.poll_replacement(cx)?.is_pending() {
            return Poll::Pending;
        }
        if let Some(at) = bare_400_at(buf) {
            let mut replacement = buf[..at].to_vec();
            replacement.extend_from_slice(&problem_response());
            this.replacement = replacement;
            this.sent = 0;
            // The original bytes count as written; the replacement goes out now or on flush.
            let _ = this.poll_replacement(cx)?;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.poll_replacement(cx)?.is_pending() {
            return Poll::Pending;
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.poll_replacement(cx)?.is_pending() {
            return Poll::Pending;
        }
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn the_bare_400_is_rewritten_and_everything_else_passes() {
        let mut io = ProblemIo::new(Vec::new());
        io.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\ndate: x\r\n\r\n")
            .await
            .unwrap();
        io.flush().await.unwrap();
        let out = String::from_utf8(io.inner).unwrap();
        assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
        assert!(out.contains("application/problem+json"));
        assert!(out.ends_with("\"code\":\"validation_failed\",\"errors\":[{\"field\":\"request\",\"message\":\"is malformed\"}]}"), "{out}");

        // After a pipelined response, in the same write.
        let mut io = ProblemIo::new(Vec::new());
        io.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: x\r\n\r\n")
            .await
            .unwrap();
        io.flush().await.unwrap();
        let out = String::from_utf8(io.inner).unwrap();
        assert!(out.starts_with("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json"), "{out}");

        let mut io = ProblemIo::new(Vec::new());
        let own = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n{\"x\":\"y\"}   ";
        io.write_all(own).await.unwrap();
        assert_eq!(io.inner, own.to_vec());
    }
}
