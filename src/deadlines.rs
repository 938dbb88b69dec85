//! Every request is bounded in time: its body must arrive within `BODY_READ_TIMEOUT_SECS`
//! (408 after, and the connection is closed; a media upload must only never pause that long,
//! within `MEDIA_UPLOAD_TIMEOUT_SECS` in all), and its database work must end within
//! `DATABASE_REQUEST_BUDGET_SECS` of its first checkout (503 after; see `db::budget`).

use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, Data};
use actix_web::{Error, HttpMessage};
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

use crate::db::budget::{self, Bounded};
use crate::error::ApiError;
use crate::state::AppState;

/// The request body, cut off with a timeout error at a deadline.
struct BodyDeadline {
    inner: Payload,
    deadline: Pin<Box<Sleep>>,
    expired: bool,
    /// For uploads: the deadline moves this far past each chunk (the body must keep coming),
    /// up to `until`.
    idle: Option<(std::time::Duration, Instant)>,
}

impl Stream for BodyDeadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            if let (Some((idle, until)), Some(Ok(_))) = (self.idle, &item) {
                let next = (Instant::now() + idle).min(until);
                self.deadline.as_mut().reset(next);
            }
            return Poll::Ready(item);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.expired = true;
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            )))));
        }
        Poll::Pending
    }
}

/// A media upload: its body may take minutes (`MEDIA_UPLOAD_TIMEOUT_SECS`) as long as it keeps
/// arriving.
fn is_upload(req: &ServiceRequest) -> bool {
    req.method() == actix_web::http::Method::POST && req.path() == "/api/v1/media"
}

pub async fn enforce(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let body_deadline = Instant::now() + state.config.body_read_timeout();
    let upload = is_upload(&req);
    let idle = upload.then(|| {
        let cap = std::time::Duration::from_secs_f64(state.config.media.upload_timeout_secs);
        (state.config.body_read_timeout(), Instant::now() + cap)
    });
    let payload = req.take_payload();
    req.set_payload(Payload::from(Box::pin(BodyDeadline {
        inner: payload,
        deadline: Box::pin(tokio::time::sleep_until(body_deadline)),
        expired: false,
        idle,
    })
        as Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>));
    if upload {
        // An upload may take far longer than the database budget while its body arrives; its
        // statements are bounded by the statement timeout.
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let bounded = budget::within(state.config.request_budget(), next.call(req)).await;
    if !matches!(bounded, Bounded::Done { overran: false, .. }) {
        state
            .db_stats
            .budget_exceeded
            .fetch_add(1, Ordering::Relaxed);
    }
    match bounded {
        Bounded::Done { output, .. } => Ok(output?.map_into_boxed_body()),
        // Not expected (a closed connection fails its statements at once); answered without
        // the outer middleware's headers rather than not at all.
        Bounded::Stuck => {
            Err(ApiError::Unavailable("the request's database budget ran out".into()).into())
        }
    }
}
