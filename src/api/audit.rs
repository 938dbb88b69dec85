//! `GET /audit`: the audit log, for admins.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::query::{ApiQuery, short_text};
use crate::api::respond::{self, Audience, ListResponse};
use crate::auth::Admin;
use crate::db::pagination::PageRequest;
use crate::error::ApiError;
use crate::models::audit::{self, Entry, Filter};
use crate::models::ids::UserId;
use crate::state::AppState;

crate::text_enum! {
    /// What a staff member did: a write (`create`, `update`, `delete`, `trash`, `restore`,
    /// `restore_revision`, `purge`, `replace`, `set_entries`, `revoke`) or a session event
    /// (`login`, `login_failed`, `login_throttled`, `refresh`, `refresh_reused`, `logout`,
    /// `logout_all`); `other` for any other write.
    AuditAction {
        Create => "create",
        Update => "update",
        Delete => "delete",
        Trash => "trash",
        Restore => "restore",
        RestoreRevision => "restore_revision",
        Purge => "purge",
        Replace => "replace",
        SetEntries => "set_entries",
        Revoke => "revoke",
        Login => "login",
        LoginFailed => "login_failed",
        LoginThrottled => "login_throttled",
        Refresh => "refresh",
        RefreshReused => "refresh_reused",
        Logout => "logout",
        LogoutAll => "logout_all",
        Other => "other",
    }
}

/// One recorded action.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Who acted (null for a failed login with an unknown email, or a deleted user).
    pub user_id: Option<UserId>,
    /// The email of who acted, or the email tried in a login.
    pub actor: Option<String>,
    pub action: AuditAction,
    /// `articles`, `categories`, `sources`, `authors`, `rankings`, `users`, `api-keys`,
    /// `sessions`.
    pub resource: String,
    /// The id or slug acted on.
    pub resource_id: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    /// The response status (403 for a refused attempt).
    pub status: Option<i32>,
    /// The client address.
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The request's `X-Request-Id`.
    pub request_id: Option<String>,
}

impl From<Entry> for AuditEntry {
    fn from(e: Entry) -> Self {
        Self {
            id: e.id,
            at: e.at,
            user_id: e.user_id,
            actor: e.actor,
            // (Every action written is one of these; `other` stands for any that is not.)
            action: e.action.parse().unwrap_or(AuditAction::Other),
            resource: e.resource,
            resource_id: e.resource_id,
            method: e.method,
            path: e.path,
            status: e.status,
            ip: e.ip,
            user_agent: e.user_agent,
            request_id: e.request_id,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this user's actions.
    pub user: Option<i64>,
    /// Only this resource (e.g. `articles`).
    #[param(max_length = 32)]
    pub resource: Option<String>,
    /// Only this resource id or slug (with `resource`).
    #[param(max_length = 128)]
    pub resource_id: Option<String>,
    /// Only this action (e.g. `login_failed`).
    pub action: Option<AuditAction>,
    /// At or after this time (RFC 3339).
    #[serde(default, deserialize_with = "crate::db::timestamp::option")]
    pub since: Option<DateTime<Utc>>,
    /// Before this time (RFC 3339).
    #[serde(default, deserialize_with = "crate::db::timestamp::option")]
    pub until: Option<DateTime<Utc>>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// Opaque cursor from `meta.next_cursor`.
    pub cursor: Option<String>,
}

/// The audit log, newest first: every staff write (and refused attempt) and every login,
/// refresh and logout, with who, what, which resource, when and from where.
#[utoipa::path(
    operation_id = "list_audit_entries",
    tag = "audit",
    params(AuditQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of entries", body = ListResponse<AuditEntry>),
        crate::error::responses::StaffQuery,
        (status = 403, response = crate::error::responses::Forbidden),
    ),
)]
#[get("/audit")]
pub async fn list_audit(
    req: HttpRequest,
    _admin: Admin,
    state: web::Data<AppState>,
    query: ApiQuery<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = Filter {
        user: query.user.map(UserId),
        resource: short_text("resource", &query.resource, 32)?,
        resource_id: short_text("resource_id", &query.resource_id, 128)?,
        action: query.action.map(|a| a.as_str().to_owned()),
        since: query.since,
        until: query.until,
    };
    let page = PageRequest::from_params(query.page, query.per_page, query.cursor.as_deref())?;
    let paged = audit::list(&mut *state.conn().await?, &filter, &page).await?;
    Ok(respond::list(
        &req,
        Audience::Staff,
        paged.map(AuditEntry::from),
    ))
}
