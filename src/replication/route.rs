//! Read-your-writes across instances and replicas.
//!
//! A write's response carries the primary's position after its commit, as the `Newsdesk-Lsn`
//! header (for API clients, to send back on later reads) and the short-lived `newsdesk_lsn`
//! cookie (for browsers). A read presenting a position is served only by a replica that has
//! replayed past it, otherwise by the primary, and bypasses this instance's response cache until
//! the instance has applied every write up to it. A malformed header is a 400.
//!
//! The middleware puts the request's requirement in a task-local, read by
//! `AppState::read_conn`; `services::commit` notes the write's position in it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

use super::{Lsn, Replicas};
use crate::error::ApiError;

/// The header a write answers with and a read may send.
pub const HEADER: HeaderName = HeaderName::from_static("newsdesk-lsn");
/// The cookie a write sets for browsers.
pub const COOKIE: &str = "newsdesk_lsn";

/// What one request needs and did.
#[derive(Debug, Default)]
pub struct Route {
    /// Serve nothing older than this (from the header or the cookie).
    pub requested: Lsn,
    /// A staff request (it carries `Authorization`): read the primary.
    pub staff: bool,
    /// The position after this request's last write.
    wrote: AtomicU64,
}

tokio::task_local! {
    static ROUTE: Arc<Route>;
}

/// The current request's requirement (`None` outside a routed request).
pub fn current() -> Option<Arc<Route>> {
    ROUTE.try_with(Arc::clone).ok()
}

/// The current request wrote; the primary was at `lsn` after the commit.
pub fn note_write(lsn: Lsn) {
    let _ = ROUTE.try_with(|r| r.wrote.fetch_max(lsn.0, Ordering::AcqRel));
}

/// The position a request presents: the larger of a valid cookie and the header (a header
/// that is not a position is a 400; a bad cookie is ignored).
fn requested(req: &ServiceRequest) -> Result<Lsn, ApiError> {
    let header = match req.headers().get(&HEADER) {
        None => Lsn::ZERO,
        Some(v) => v
            .to_str()
            .map_err(|_| "not text".to_owned())
            .and_then(str::parse::<Lsn>)
            .map_err(|e| ApiError::bad_request("Newsdesk-Lsn", format!("Newsdesk-Lsn: {e}")))?,
    };
    let cookie = req
        .cookie(COOKIE)
        .and_then(|c| c.value().parse::<Lsn>().ok())
        .unwrap_or(Lsn::ZERO);
    Ok(header.max(cookie))
}

/// Sets up the request's route; after a write, adds the header and the cookie.
pub async fn route(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Registered only when replicas are configured.
    let cookie_secs = match req.app_data::<web::Data<Replicas>>().map(|r| r.cookie_secs) {
        Some(secs) => secs,
        None => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    let route = Arc::new(Route {
        requested: requested(&req)?,
        staff: req.headers().contains_key(header::AUTHORIZATION),
        wrote: AtomicU64::new(0),
    });
    let secure = req.connection_info().scheme() == "https";
    let mut res = ROUTE
        .scope(route.clone(), next.call(req))
        .await?
        .map_into_boxed_body();
    let wrote = Lsn(route.wrote.load(Ordering::Acquire));
    if wrote > Lsn::ZERO {
        let text = wrote.to_string();
        if let Ok(v) = HeaderValue::from_str(&text) {
            res.headers_mut().insert(HEADER, v);
        }
        let cookie = format!(
            "{COOKIE}={text}; Max-Age={cookie_secs}; Path=/; HttpOnly; SameSite=Lax{}",
            if secure { "; Secure" } else { "" }
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}
