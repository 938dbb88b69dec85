//! newsdesk: a headless news content API.

pub mod api;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod deadlines;
pub mod error;
pub mod limits;
pub mod metrics;
pub mod middleware;
pub mod models;
pub mod net;
pub mod openapi;
pub mod queries;
pub mod ratelimit;
pub mod scheduler;
pub mod search;
pub mod security_headers;
pub mod seed;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod text;
pub mod views;
pub mod webhooks;
