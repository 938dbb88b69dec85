//! The API test suite: every test spawns the server on port 0 with its own database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod articles;
mod articles_listing;
mod articles_workflow;
mod auth;
mod authors;
mod categories;
mod cli;
mod errors;
mod hardening;
mod health;
mod helpers;
mod openapi;
mod rankings;
mod related;
mod search;
mod search_quality;
mod seed;
mod sources;
mod tags;
mod views;
