//! Whether a parsed model makes sense.
//!
//! Each check reports its error and removes the offending setting, so the
//! code emitted afterwards compiles and one mistake produces one error.

pub mod error;
pub mod model;
