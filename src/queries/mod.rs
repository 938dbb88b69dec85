//! Read models that join tables.

pub mod article_detail;
pub mod article_list;
pub mod newest;
pub mod related;
pub mod search_candidates;
pub mod search_results;
