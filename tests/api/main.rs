//! The API test suite: every test spawns the server on port 0 with its own database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api_keys;
mod articles;
mod articles_listing;
mod articles_workflow;
mod audit;
mod auth;
mod authors;
mod cache;
mod cache_precision;
mod categories;
mod cli;
mod desk;
mod edge;
mod errors;
#[path = "../support/fault_proxy.rs"]
pub mod fault_proxy;
mod faults;
mod hardening;
mod health;
mod helpers;
mod home;
mod layering;
mod media;
mod openapi;
mod page_blocks;
mod partial_updates;
mod proxy_selftest;
mod rankings;
mod rate_limits;
mod related;
mod replicas;
mod response_cache;
mod roles;
mod search;
mod search_quality;
mod seed;
mod sessions;
mod site;
mod sources;
mod sync;
mod tags;
mod users;
mod views;
mod visibility;
mod webhooks;
