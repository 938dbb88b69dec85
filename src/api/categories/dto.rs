//! Category request and response bodies.

pub use crate::content::categories::*;
pub use crate::services::categories::{CreateCategory, UpdateCategory};
