//! Ranking request and response bodies.

pub use crate::content::rankings::*;
pub use crate::services::boards::{CreateRanking, EntryInput, UpdateRanking};
