//! Extractors: an authenticated staff user, an optional one, and a minimum role.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use crate::error::ApiError;
use crate::models::ids::UserId;
use crate::models::user::{self, Role};
use crate::state::AppState;

/// A staff user with a valid token who exists and is not disabled.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

impl AuthUser {
    pub fn require(&self, min: Role) -> Result<(), ApiError> {
        self.actor().require(min)
    }

    /// The user as the write services see it.
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.id,
            role: self.role,
        }
    }
}

/// Who asks for a write: the staff user the services (`crate::services`) check their role
/// rules against, without the HTTP request it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: UserId,
    pub role: Role,
}

impl Actor {
    /// 403 unless the actor has at least the role `min`.
    pub fn require(&self, min: Role) -> Result<(), ApiError> {
        if self.role.at_least(min) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this action needs the {min} role or higher"
            )))
        }
    }
}

fn bearer(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not valid text".into()))?;
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized(
            "expected `Authorization: Bearer <token>`".into(),
        ));
    }
    Ok(Some(token.trim().to_owned()))
}

async fn authenticate(req: HttpRequest) -> Result<Option<AuthUser>, ApiError> {
    let Some(token) = bearer(&req)? else {
        return Ok(None);
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    let (id, generation) = state.jwt.verify(&token).map_err(|why| {
        tracing::debug!(%why, "rejected token");
        ApiError::Unauthorized("the token is invalid or expired".into())
    })?;
    let mut conn = state.conn().await?;
    match user::find(&mut conn, id).await? {
        Some(u) if !u.disabled && u.token_generation == generation => {
            let user = AuthUser {
                id: u.id,
                email: u.email,
                display_name: u.display_name,
                role: u.role,
            };
            // The audit log reads who acted from here.
            req.extensions_mut().insert(user.clone());
            Ok(Some(user))
        }
        Some(u) if !u.disabled => Err(ApiError::Unauthorized(
            "the token was revoked (logged out everywhere or password changed)".into(),
        )),
        _ => Err(ApiError::Unauthorized(
            "the account is disabled or no longer exists".into(),
        )),
    }
}

type Fut<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            authenticate(req)
                .await?
                .ok_or_else(|| ApiError::Unauthorized("this action needs a staff token".into()))
        })
    }
}

/// Anonymous when no Authorization header is sent; a bad token is still a 401.
#[derive(Debug, Clone)]
pub struct MaybeAuthUser(pub Option<AuthUser>);

impl MaybeAuthUser {
    pub fn is_staff(&self) -> bool {
        self.0.is_some()
    }
}

impl FromRequest for MaybeAuthUser {
    type Error = ApiError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(req).await.map(MaybeAuthUser) })
    }
}

/// A staff user with at least the editor role.
#[derive(Debug, Clone)]
pub struct Editor(pub AuthUser);

impl FromRequest for Editor {
    type Error = ApiError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            user.require(Role::Editor)?;
            Ok(Editor(user))
        })
    }
}

/// A staff user with the admin role.
#[derive(Debug, Clone)]
pub struct Admin(pub AuthUser);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            user.require(Role::Admin)?;
            Ok(Admin(user))
        })
    }
}
