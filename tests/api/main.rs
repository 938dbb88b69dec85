//! The API test suite: every test spawns the server on port 0 with its own database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod categories;
mod cli;
mod errors;
mod health;
mod helpers;
mod openapi;
mod seed;
mod sources;
