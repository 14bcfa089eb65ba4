//! Integration tests: each test starts the real server on 127.0.0.1 with a fresh, migrated
//! database (a SQLite file, or a new PostgreSQL database when TEST_DATABASE_URL is set) and
//! talks HTTP to it.

mod allowances;
mod audit;
mod auth;
mod authorization;
mod backup;
mod binary;
mod busy;
mod carry_over;
mod child_page;
mod crash;
mod dated_rules;
mod demo;
mod eligibility;
mod enrollments;
mod errors;
mod figures;
mod four_eyes;
mod helpers;
mod households;
mod instances;
mod ledger_properties;
mod limits;
mod migrations;
mod money_bounds;
mod need_to_know;
mod notifications;
mod operations;
mod ownership;
mod partners;
mod play_sessions_staff;
mod play_space;
mod real_binary;
mod renewals;
mod respite;
mod respite_properties;
mod second_factor;
mod second_ward;
mod settlement;
mod short_stays;
mod signed_codes;
mod spec;
mod vouchers;
mod ward;
mod web;
