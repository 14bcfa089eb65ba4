//! sea-orm entities, one per table. Instants are `i64` microseconds since the epoch (UTC);
//! see `crate::clock::{to_micros, from_micros}`.

pub mod access_token;
pub mod account;
pub mod adjustment_proposal;
pub mod allowance_account;
pub mod audit_log;
pub mod child;
pub mod device;
pub mod enrollment;
pub mod household;
pub mod invitation;
pub mod ledger_entry;
pub mod login_throttle;
pub mod notification;
pub mod partner;
pub mod play_booking;
pub mod play_booking_child;
pub mod play_session;
pub mod redemption;
pub mod refresh_token;
pub mod respite_visit;
pub mod settlement_closing;
pub mod settlement_statement;
pub mod short_stay;
pub mod signing_key;
pub mod token_family;
pub mod voucher;
