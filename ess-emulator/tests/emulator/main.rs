//! The emulator's integration tests, compiled as one binary (a module a
//! subject) so that the emulator and its clients are compiled and linked
//! once, not once per file. Run one subject with a filter:
//! `cargo test -p ess-emulator --test emulator -- contract_life::`.
//! `quickstart.rs` stays a binary of its own (it includes the example).

mod support;

mod binary;
mod browser;
mod callbacks;
mod canned;
mod contract_life;
mod faults;
mod file_host;
mod hardening;
mod images;
mod lifecycle;
mod page;
mod protocol;
mod qr_codes;
mod rate_limit;
mod scanning;
mod upload_files;
mod worlds;
