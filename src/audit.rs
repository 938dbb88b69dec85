//! The audit log writer: a middleware that records every staff write, and helpers for the
//! session events (login success and failure, refresh, logout) that handlers record themselves.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, web};
use diesel_async::AsyncPgConnection;

use crate::auth::AuthUser;
use crate::auth::sessions::Origin;
use crate::middleware::RequestId;
use crate::models::audit::{self, NewEntry};
use crate::models::ids::UserId;
use crate::state::AppState;

/// An entry about `req`: the action and resource, the method and path, and where it came
/// from (client address, User-Agent, request id). The caller fills in who and which.
fn entry(req: &HttpRequest, state: &AppState, action: String, resource: String) -> NewEntry {
    let origin = Origin::of(req, &state.proxies);
    NewEntry {
        action,
        resource,
        method: Some(req.method().to_string()),
        path: Some(req.path().to_owned()),
        ip: origin.ip,
        user_agent: origin.user_agent,
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        ..NewEntry::default()
    }
}

async fn write(conn: &mut AsyncPgConnection, entry: NewEntry) {
    if let Err(e) = audit::record(conn, &entry).await {
        tracing::error!(error = %e, action = %entry.action, "could not write the audit log");
    }
}

/// A login attempt: `login`, `login_failed` or `login_throttled`, with the email tried.
pub async fn login(
    conn: &mut AsyncPgConnection,
    req: &HttpRequest,
    state: &AppState,
    action: &str,
    user: Option<UserId>,
    email: &str,
) {
    let actor: String = crate::models::user::normalize_email(email)
        .chars()
        .take(254)
        .collect();
    let entry = NewEntry {
        user_id: user,
        actor: Some(actor),
        resource_id: user.map(|u| u.to_string()),
        ..entry(req, state, action.into(), "sessions".into())
    };
    write(conn, entry).await;
}

/// A session event of a known user: `refresh`, `refresh_reused`, `logout`, `logout_all`.
pub async fn session(
    conn: &mut AsyncPgConnection,
    req: &HttpRequest,
    state: &AppState,
    action: &str,
    user: UserId,
) {
    let entry = NewEntry {
        user_id: Some(user),
        resource_id: Some(user.to_string()),
        ..entry(req, state, action.into(), "sessions".into())
    };
    write(conn, entry).await;
}

/// The resource and action a write route stands for, e.g. `DELETE /api/v1/trash/articles/{key}`
/// → (`articles`, `purge`).
pub fn classify(method: &Method, pattern: &str) -> (String, String) {
    let rest = pattern.trim_start_matches("/api/v1/");
    let parts: Vec<&str> = rest.split('/').collect();
    let (resource, tail): (&str, &[&str]) = match parts.as_slice() {
        ["trash", r, tail @ ..] => (r, tail),
        [r, tail @ ..] => (r, tail),
        [] => ("", &[]),
    };
    let last = tail.last().copied().unwrap_or("");
    let trash = parts.first() == Some(&"trash");
    let action = match *method {
        Method::POST if last == "restore" && tail.contains(&"revisions") => "restore_revision",
        Method::POST if last == "restore" => "restore",
        Method::POST => "create",
        Method::PATCH => "update",
        Method::PUT if last == "entries" => "set_entries",
        Method::PUT => "replace",
        Method::DELETE if trash => "purge",
        Method::DELETE if resource == "articles" => "trash",
        Method::DELETE if resource == "api-keys" => "revoke",
        Method::DELETE => "delete",
        _ => "other",
    };
    let resource = if resource == "auth" {
        "users"
    } else {
        resource
    };
    (resource.to_owned(), action.to_owned())
}

fn is_write(m: &Method) -> bool {
    matches!(
        *m,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// Session endpoints log themselves; the beacon is not a staff write.
fn self_logged(path: &str) -> bool {
    matches!(
        path,
        "/api/v1/auth/login"
            | "/api/v1/auth/refresh"
            | "/api/v1/auth/logout"
            | "/api/v1/auth/logout-all"
    ) || path.ends_with("/views")
}

/// Records every staff write that succeeded or was refused for its role (403): who, what,
/// which resource, the outcome, when and from where.
pub async fn record_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let watch =
        is_write(req.method()) && req.path().starts_with("/api/v1/") && !self_logged(req.path());
    let res = next.call(req).await?;
    if !watch {
        return Ok(res);
    }
    let status = res.status();
    if !(status.is_success() || status == StatusCode::FORBIDDEN) {
        return Ok(res);
    }
    let request = res.request();
    let Some(user) = request.extensions().get::<AuthUser>().cloned() else {
        return Ok(res);
    };
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(res);
    };
    let pattern = request
        .match_pattern()
        .unwrap_or_else(|| request.path().to_owned());
    let (resource, action) = classify(request.method(), &pattern);
    let resource_id = request
        .match_info()
        .get("key")
        .or_else(|| request.match_info().get("id"))
        .map(str::to_owned)
        .or_else(|| {
            res.headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|l| l.rsplit('/').next())
                .map(str::to_owned)
        })
        .or_else(|| (resource == "users" && pattern.ends_with("/me")).then(|| user.id.to_string()));
    let entry = NewEntry {
        user_id: Some(user.id),
        actor: Some(user.email.clone()),
        resource_id,
        status: Some(i32::from(status.as_u16())),
        ..entry(request, &state, action, resource)
    };
    match state.pool.get().await {
        Ok(mut conn) => write(&mut conn, entry).await,
        Err(e) => tracing::error!(error = %e, "could not write the audit log: no connection"),
    }
    Ok(res)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn routes_map_to_resources_and_actions() {
        let c = |m: Method, p: &str| classify(&m, p);
        let pair = |r: &str, a: &str| (r.to_owned(), a.to_owned());
        assert_eq!(
            c(Method::POST, "/api/v1/articles"),
            pair("articles", "create")
        );
        assert_eq!(
            c(Method::PATCH, "/api/v1/articles/{key}"),
            pair("articles", "update")
        );
        assert_eq!(
            c(Method::DELETE, "/api/v1/articles/{key}"),
            pair("articles", "trash")
        );
        assert_eq!(
            c(Method::POST, "/api/v1/articles/{key}/restore"),
            pair("articles", "restore")
        );
        assert_eq!(
            c(Method::POST, "/api/v1/articles/{key}/revisions/{n}/restore"),
            pair("articles", "restore_revision")
        );
        assert_eq!(
            c(Method::DELETE, "/api/v1/trash/articles/{key}"),
            pair("articles", "purge")
        );
        assert_eq!(
            c(Method::PUT, "/api/v1/rankings/{key}/entries"),
            pair("rankings", "set_entries")
        );
        assert_eq!(
            c(Method::DELETE, "/api/v1/api-keys/{id}"),
            pair("api-keys", "revoke")
        );
        assert_eq!(c(Method::PATCH, "/api/v1/auth/me"), pair("users", "update"));
        assert_eq!(
            c(Method::DELETE, "/api/v1/users/{id}"),
            pair("users", "delete")
        );
    }
}
