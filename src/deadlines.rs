//! Every request is bounded in time: its body must arrive within `BODY_READ_TIMEOUT_SECS`
//! (408 after, and the connection is closed), and its database work must end within
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
}

impl Stream for BodyDeadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
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

pub async fn enforce(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let body_deadline = Instant::now() + state.config.body_read_timeout();
    let payload = req.take_payload();
    req.set_payload(Payload::from(Box::pin(BodyDeadline {
        inner: payload,
        deadline: Box::pin(tokio::time::sleep_until(body_deadline)),
        expired: false,
    })
        as Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>));
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
