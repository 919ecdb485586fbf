//! The vocabulary shared by the generator (`ess-codegen`), the derives
//! (`ess-macros`) and the runtime (`ess-api`): the keys of `#[ess(...)]`,
//! the string formats and the retry classes, spelled once.
//!
//! The spec files use the same words (`min_chars`, `format = "digits"`,
//! `retry = "transient"`), so a rule reads the same in a spec file, in the
//! generated attribute and in a validation message.
#![no_std]
#![warn(missing_docs)]

/// The attribute both derives read: `#[ess(...)]`.
pub const ESS: &str = "ess";

/// `EssModel`: an `Option` field whose `None` is a violation.
pub const REQUIRED: &str = "required";
/// `EssModel`: smallest length of a string, in characters.
pub const MIN_CHARS: &str = "min_chars";
/// `EssModel`: largest length of a string, in characters.
pub const MAX_CHARS: &str = "max_chars";
/// `EssModel`: smallest allowed number.
pub const MIN: &str = "min";
/// `EssModel`: largest allowed number.
pub const MAX: &str = "max";
/// `EssModel`: smallest element count of a list.
pub const MIN_ITEMS: &str = "min_items";
/// `EssModel`: largest element count of a list.
pub const MAX_ITEMS: &str = "max_items";
/// `EssModel`: the format a string must have.
pub const FORMAT: &str = "format";
/// `EssModel`: a value that `Debug` never shows.
pub const SENSITIVE: &str = "sensitive";

/// Every key of `#[ess(...)]` on a model field.
pub const MODEL_KEYS: &[&str] = &[
    REQUIRED, MIN_CHARS, MAX_CHARS, MIN, MAX, MIN_ITEMS, MAX_ITEMS, FORMAT, SENSITIVE,
];

/// `format = "base64"`.
pub const FORMAT_BASE64: &str = "base64";
/// `format = "digits"`.
pub const FORMAT_DIGITS: &str = "digits";
/// Every value of `format`.
pub const FORMATS: &[&str] = &[FORMAT_BASE64, FORMAT_DIGITS];

/// `EssError`: the service code a variant stands for.
pub const CODE: &str = "code";
/// `EssError`: how a retry policy treats the variant.
pub const RETRY: &str = "retry";
/// `EssError`: the catch-all variant for codes not modeled.
pub const UNHANDLED: &str = "unhandled";

/// Every key of `#[ess(...)]` on an error variant.
pub const ERROR_KEYS: &[&str] = &[CODE, RETRY, UNHANDLED];

/// `EssError`, on the enum: the function (`fn(&str) -> Option<RetryClass>`)
/// that classifies codes without a variant of their own, such as the
/// service's error catalogue.
pub const CATALOGUE: &str = "catalogue";

/// Every key of `#[ess(...)]` on an `EssError` enum.
pub const ERROR_ENUM_KEYS: &[&str] = &[CATALOGUE];

/// `retry = "never"` (the default).
pub const RETRY_NEVER: &str = "never";
/// `retry = "throttling"`.
pub const RETRY_THROTTLING: &str = "throttling";
/// `retry = "transient"`.
pub const RETRY_TRANSIENT: &str = "transient";
/// `retry = "resign"`.
pub const RETRY_RESIGN: &str = "resign";
/// Every value of `retry`.
pub const RETRY_CLASSES: &[&str] = &[RETRY_NEVER, RETRY_THROTTLING, RETRY_TRANSIENT, RETRY_RESIGN];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_holds_distinct_words() {
        for list in [
            MODEL_KEYS,
            FORMATS,
            ERROR_KEYS,
            ERROR_ENUM_KEYS,
            RETRY_CLASSES,
        ] {
            for (i, a) in list.iter().enumerate() {
                assert!(!a.is_empty());
                assert!(list[i + 1..].iter().all(|b| a != b), "{a} twice");
            }
        }
    }
}
