//! Carepass: the Shinagawa ward service for families of children who need daily medical care.
//!
//! `http` speaks HTTP; each area (`auth`, `households`, `enrollments`, `partners`, `audit`)
//! owns its rules and persistence; `entity` holds the sea-orm tables.

pub mod allowances;
pub mod audit;
pub mod auth;
pub mod care_needs;
pub mod clock;
pub mod config;
pub mod csv;
pub mod db;
pub mod demo;
pub mod enrollments;
pub mod entity;
pub mod figures;
pub mod households;
pub mod http;
pub mod messages;
pub mod notifications;
pub mod otel;
pub mod partner_kinds;
pub mod partners;
pub mod play_space;
pub mod respite;
pub mod server;
pub mod settlements;
pub mod short_stays;
pub mod signed_codes;
pub mod state;
pub mod tasks;
pub mod telemetry;
pub mod text;
pub mod units;
pub mod vouchers;

pub use http::{build_app, openapi_document};
