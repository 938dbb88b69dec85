//! Sessions: an access JWT plus an opaque refresh token that is rotated on every use. A refresh
//! token used twice means it was copied: its whole family (the login it came from) is revoked.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use diesel_async::AsyncPgConnection;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::ApiError;
use crate::models::ids::UserId;
use crate::models::session::{self, NewRefreshToken};
use crate::models::user::{self, User};
use crate::state::AppState;

/// Tokens handed to a client.
#[derive(Debug, Clone)]
pub struct Issued {
    pub access_token: String,
    pub expires_in: u64,
    pub refresh_token: String,
    pub refresh_expires_in: u64,
}

/// Where a session was started or refreshed from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Origin {
    /// The client address (per `TRUSTED_PROXIES`) and User-Agent (at most 256 characters).
    pub fn of(req: &actix_web::HttpRequest, proxies: &crate::net::TrustedProxies) -> Self {
        Self {
            ip: Some(proxies.of_request(req).to_string()),
            user_agent: req
                .headers()
                .get(actix_web::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(256).collect()),
        }
    }
}

/// The SHA-256 of a refresh token: all the database keeps.
pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// 256 random bits, URL-safe.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

async fn issue(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    u: &User,
    family: Uuid,
    origin: &Origin,
) -> Result<Issued, ApiError> {
    let refresh_token = new_secret();
    let ttl = state.config.refresh_ttl_secs;
    session::insert(
        conn,
        &NewRefreshToken {
            user_id: u.id,
            family,
            token_hash: &hash(&refresh_token),
            expires_at: Utc::now() + Duration::seconds(ttl as i64),
            ip: origin.ip.as_deref(),
            user_agent: origin.user_agent.as_deref(),
        },
    )
    .await?;
    let access_token = state
        .jwt
        .issue(u.id, u.role, u.token_generation)
        .map_err(ApiError::internal)?;
    Ok(Issued {
        access_token,
        expires_in: state.jwt.ttl_secs,
        refresh_token,
        refresh_expires_in: ttl,
    })
}

/// A new session (a new token family) for a user who just proved who they are.
pub async fn start(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    u: &User,
    origin: &Origin,
) -> Result<Issued, ApiError> {
    session::delete_expired(conn, u.id).await?;
    issue(conn, state, u, Uuid::new_v4(), origin).await
}

/// What presenting a refresh token led to.
#[derive(Debug)]
pub enum Rotation {
    /// A fresh pair; the presented token is spent.
    Rotated(Issued, UserId),
    /// The token had been used before: its family is now revoked.
    Reused(UserId),
    /// Unknown, expired, revoked, or the account is disabled.
    Invalid,
}

/// Spends a refresh token for a new pair (inside the caller's transaction).
pub async fn rotate(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    token: &str,
    origin: &Origin,
) -> Result<Rotation, ApiError> {
    let Some(found) = session::find_for_update(conn, &hash(token)).await? else {
        return Ok(Rotation::Invalid);
    };
    if found.revoked_at.is_some() {
        return Ok(Rotation::Invalid);
    }
    if found.used_at.is_some() {
        session::revoke_family(conn, found.family).await?;
        return Ok(Rotation::Reused(found.user_id));
    }
    if found.expires_at <= Utc::now() {
        return Ok(Rotation::Invalid);
    }
    let u = match user::find(conn, found.user_id).await? {
        Some(u) if !u.disabled => u,
        _ => {
            session::revoke_family(conn, found.family).await?;
            return Ok(Rotation::Invalid);
        }
    };
    session::mark_used(conn, found.id).await?;
    let issued = issue(conn, state, &u, found.family, origin).await?;
    Ok(Rotation::Rotated(issued, u.id))
}

/// Ends the session a refresh token belongs to; whose it was, if it was still live.
pub async fn end(conn: &mut AsyncPgConnection, token: &str) -> Result<Option<UserId>, ApiError> {
    let Some(found) = session::find_for_update(conn, &hash(token)).await? else {
        return Ok(None);
    };
    let revoked = session::revoke_family(conn, found.family).await?;
    Ok((revoked > 0).then_some(found.user_id))
}

/// Ends every session of a user and voids the access tokens they hold.
pub async fn end_all(conn: &mut AsyncPgConnection, id: UserId) -> Result<usize, ApiError> {
    let n = session::revoke_user(conn, id).await?;
    user::bump_generation(conn, id).await?;
    Ok(n)
}
