//! The content layer: the response types every consumer shares (the API, webhooks, the
//! scheduler, caches) and the read models that build them. Nothing here knows about HTTP.

pub mod articles;
pub mod authors;
pub mod categories;
pub mod change;
pub mod media;
pub mod rankings;
pub mod site;
pub mod sources;
pub mod tags;
pub mod webhooks;
