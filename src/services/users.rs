//! The write path for staff accounts (admins only): create, change (role, disabled, password
//! reset), delete. Role changes and disabling take effect on the user's next request; disabling
//! and password resets also end their sessions. The last active admin stays.

use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::ToSchema;

use super::commit;
use crate::auth::{Actor, password};
use crate::content::change::Change;
use crate::error::ApiError;
use crate::models::ids::UserId;
use crate::models::session;
use crate::models::user::{self, NewUser, Role, User, UserChanges};
use crate::state::AppState;
use crate::validate::Violations;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// Unique, case-insensitive.
    #[schema(example = "editor@example.com", max_length = 254)]
    pub email: String,
    /// 1–64 characters; the part of the email before `@` when absent.
    #[schema(max_length = 64)]
    pub display_name: Option<String>,
    pub role: Role,
    /// At least 10 characters, not the email.
    #[schema(min_length = 10, max_length = 1024)]
    pub password: String,
}

/// Only the fields sent change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[schema(min_length = 1, max_length = 64)]
    pub display_name: Option<String>,
    pub role: Option<Role>,
    /// `true` locks the account out at once and ends its sessions.
    pub disabled: Option<bool>,
    /// A new password (a reset); ends the user's sessions.
    #[schema(min_length = 10, max_length = 1024)]
    pub password: Option<String>,
}

/// 409 unless another active admin remains when `target` stops being one.
async fn keep_an_admin(conn: &mut AsyncPgConnection, target: &User) -> Result<(), ApiError> {
    if target.role == Role::Admin
        && !target.disabled
        && user::other_active_admins(conn, target.id).await? == 0
    {
        return Err(ApiError::conflict(
            "this is the last active admin; make another admin first",
        ));
    }
    Ok(())
}

/// Creates an account (its password hashed off the request's thread).
pub async fn create(state: &AppState, actor: Actor, b: CreateUser) -> Result<User, ApiError> {
    actor.require(Role::Admin)?;
    let mut v = Violations::default();
    let email = user::valid_email(&b.email);
    if email.is_none() {
        v.add(
            "email",
            "must be an email address of at most 254 characters",
        );
    }
    let display_name = match (&b.display_name, &email) {
        (Some(name), _) => name.clone(),
        (None, Some(_)) => b.email.trim().split('@').next().unwrap_or("").to_owned(),
        (None, None) => String::new(),
    };
    if b.display_name.is_some() || email.is_some() {
        v.name("display_name", &display_name, 64);
    }
    if let Err(why) = password::check_rules(&b.email, &b.password) {
        v.add("password", why);
    }
    v.finish()?;
    let email = email.unwrap_or_default();
    let hash = password::hash_off_thread(b.password).await?;
    commit(state, async |conn| {
        let new = NewUser {
            email: &email,
            display_name: display_name.trim(),
            role: b.role,
            password_hash: &hash,
        };
        let row = user::insert(conn, new).await?;
        let change = Change::User(row.id);
        Ok((row, change))
    })
    .await
}

/// Changes an account; a new password is checked and hashed before the transaction.
pub async fn update(
    state: &AppState,
    actor: Actor,
    id: UserId,
    b: UpdateUser,
) -> Result<User, ApiError> {
    actor.require(Role::Admin)?;
    let mut v = Violations::default();
    if let Some(name) = &b.display_name {
        v.name("display_name", name, 64);
    }
    v.finish()?;
    let password_hash = match b.password {
        Some(pw) => {
            let target = user::find(&mut *state.conn().await?, id)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("user {id}")))?;
            password::check_rules(&target.email, &pw)
                .map_err(|why| ApiError::invalid("password", why))?;
            Some(password::hash_off_thread(pw).await?)
        }
        None => None,
    };
    commit(state, async |conn| {
        user::lock_accounts(conn).await?;
        let target = user::find_for_update(conn, id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("user {id}")))?;
        let demoted = b.role.is_some_and(|r| r != Role::Admin);
        let disabling = b.disabled == Some(true);
        if demoted || disabling {
            keep_an_admin(conn, &target).await?;
        }
        let ends_sessions = (disabling && !target.disabled) || password_hash.is_some();
        let changes = UserChanges {
            display_name: b.display_name.map(|n| n.trim().to_owned()),
            role: b.role,
            disabled: b.disabled,
            password_hash,
        };
        if ends_sessions {
            session::revoke_user(conn, id).await?;
        }
        let row = user::update(conn, id, &changes, ends_sessions).await?;
        Ok((row, Change::User(id)))
    })
    .await
}

/// Deletes an account that no article names (as creator, last editor or 责任编辑); otherwise
/// 409: disable it instead.
pub async fn delete(state: &AppState, actor: Actor, id: UserId) -> Result<(), ApiError> {
    actor.require(Role::Admin)?;
    commit(state, async |conn| {
        user::lock_accounts(conn).await?;
        let target = user::find_for_update(conn, id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("user {id}")))?;
        keep_an_admin(conn, &target).await?;
        let used = user::content_references(conn, id).await?;
        if used > 0 {
            return Err(ApiError::conflict(format!(
                "{used} article(s) name this user; disable the account instead"
            )));
        }
        user::delete(conn, id).await?;
        Ok(((), Change::User(id)))
    })
    .await
}

/// Changes to one's own account. Changing the password needs the current one and ends every
/// session (log in again).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    /// 1–64 characters.
    #[schema(min_length = 1, max_length = 64)]
    pub display_name: Option<String>,
    /// Required to change the password.
    #[schema(max_length = 1024)]
    pub current_password: Option<String>,
    /// At least 10 characters, not the email.
    #[schema(min_length = 10, max_length = 1024)]
    pub new_password: Option<String>,
}

/// Changes one's own display name and/or password (checked against the current one). A new
/// password ends every session of the account, the caller's included.
pub async fn update_own(
    state: &AppState,
    actor: Actor,
    email: &str,
    body: UpdateMe,
) -> Result<User, ApiError> {
    let UpdateMe {
        display_name,
        current_password,
        new_password,
    } = body;
    let mut v = Violations::default();
    if let Some(name) = &display_name {
        v.name("display_name", name, 64);
    }
    match (&current_password, &new_password) {
        (_, Some(new)) => {
            if let Err(why) = password::check_rules(email, new) {
                v.add("new_password", why);
            }
            if current_password.is_none() {
                v.add("current_password", "is required to change the password");
            }
        }
        (Some(_), None) => v.add("new_password", "is missing"),
        (None, None) => {}
    }
    v.finish()?;
    let mut changes = UserChanges {
        display_name: display_name.map(|n| n.trim().to_owned()),
        ..UserChanges::default()
    };
    if let (Some(current), Some(new)) = (current_password, new_password) {
        let stored = user::find(&mut *state.conn().await?, actor.id)
            .await?
            .ok_or_else(|| ApiError::Unauthorized("the account no longer exists".into()))?
            .password_hash;
        if !password::verify_off_thread(current, stored).await? {
            return Err(ApiError::invalid("current_password", "is not correct"));
        }
        changes.password_hash = Some(password::hash_off_thread(new).await?);
    }
    let ends_sessions = changes.password_hash.is_some();
    commit(state, async |conn| {
        if ends_sessions {
            session::revoke_user(conn, actor.id).await?;
        }
        let row = user::update(conn, actor.id, &changes, ends_sessions).await?;
        Ok((row, Change::User(actor.id)))
    })
    .await
}
