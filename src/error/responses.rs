//! Reusable problem+json responses for the OpenAPI document.
// The wrapped problem is read by the OpenAPI derive only.
#![allow(dead_code)]

use utoipa::{IntoResponses, ToResponse};

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

/// The content is of a type this resource does not accept (an upload that is not an accepted
/// image, video or audio; a body that is not `multipart/form-data`).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct UnsupportedMediaType(Problem);

/// The `Range` asked for lies outside the content; `Content-Range: bytes */<size>` gives its
/// length.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct RangeNotSatisfiable(Problem);

/// The problems of a staff write with a body (create): malformed (400), not signed in (401),
/// not allowed (403), conflicting (409), too large (413), breaking the rules (422), and the
/// database away (503).
#[derive(IntoResponses)]
pub enum StaffWrite {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 409)]
    Conflict(#[ref_response] Conflict),
    #[response(status = 413)]
    PayloadTooLarge(#[ref_response] PayloadTooLarge),
    #[response(status = 422)]
    Unprocessable(#[ref_response] Unprocessable),
    #[response(status = 503)]
    Unavailable(#[ref_response] Unavailable),
}

/// The problems of a staff action on one named resource (delete, restore…): 401, 403, 404, 503.
#[derive(IntoResponses)]
pub enum StaffAction {
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    #[response(status = 503)]
    Unavailable(#[ref_response] Unavailable),
}

/// The problems of a signed-in query with parameters: 400, 401, 503.
#[derive(IntoResponses)]
pub enum StaffQuery {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 503)]
    Unavailable(#[ref_response] Unavailable),
}

/// The problems of a signed-in read without parameters: 401, 503.
#[derive(IntoResponses)]
pub enum StaffRead {
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 503)]
    Unavailable(#[ref_response] Unavailable),
}
