//! Staff authentication: password hashing, JWTs and the extractors handlers use.

pub mod extractors;
pub mod jwt;
pub mod password;
pub mod sessions;

pub use extractors::{Actor, Admin, AuthUser, Editor, MaybeAuthUser};
pub use jwt::JwtKeys;
