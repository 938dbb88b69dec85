//! Read models that join tables.

pub mod article_list;
pub mod article_view;
pub mod newest;
pub mod related;
pub mod search;
