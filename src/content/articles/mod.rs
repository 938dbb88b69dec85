//! Articles as the API and webhooks show them: summaries, details, and how they are loaded.

mod dto;
mod load;

pub use dto::*;
pub use load::{record_summaries, render, summaries_of, summaries_of_rows};
