//! The client's integration tests against real HTTP servers on 127.0.0.1,
//! compiled as one binary (a module a subject). Run one subject with a
//! filter: `cargo test -p ess-api --test client -- client_retry::`.
//! `client_env.rs` (it changes the process's environment) and
//! `redis_fleet.rs` (it runs its own binary as child processes) stay
//! binaries of their own.

mod support;

mod callback_axum;
mod callback_parsing;
mod callback_roundtrip;
mod callback_vectors;
mod client_generated;
mod client_hosts;
mod client_misc;
mod client_outcomes;
mod client_retry;
mod features;
