//! Reusable problem+json responses for the OpenAPI document.
// The wrapped problem is read by the OpenAPI derive only.
#![allow(dead_code)]

use utoipa::ToResponse;

use crate::error::Problem;

/// Malformed request: bad JSON, wrong content type, or a bad query or path parameter.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct BadRequest(Problem);

/// Missing, malformed or expired token, or a disabled account.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unauthorized(Problem);

/// The user's role does not allow this action.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Forbidden(Problem);

/// No such resource.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotFound(Problem);

/// The change conflicts with the current state (a taken unique value, a reference).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Conflict(Problem);

/// The request body is larger than the configured limit.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PayloadTooLarge(Problem);

/// The body is well-formed but breaks the rules; `errors` lists each field.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unprocessable(Problem);

/// The database is unreachable; retry later.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unavailable(Problem);

/// Too many requests (rate limit, or login throttling); `Retry-After` says when to try again.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct TooManyRequests(Problem);
