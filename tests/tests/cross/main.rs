//! Cross-crate tests, compiled as one binary (a module a subject): the
//! seed and official examples, validation rules, property tests, the fault
//! matrix, secret hygiene, clock skew. Run one subject with a filter:
//! `cargo test -p ess-tests --test cross -- official_examples::`.

mod clock_skew;
mod error_codes;
mod fault_matrix;
mod lenient_decoding;
mod official_examples;
mod props_create_qr_code;
mod props_numbers;
mod props_strings;
mod secrets;
mod seed_examples;
mod validation;
