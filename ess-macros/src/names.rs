//! Every attribute key and value the derives understand: the shared
//! vocabulary of `ess-grammar`, and the names only the derives use.

pub use ess_grammar::{
    CODE, ERROR_ENUM_KEYS, ERROR_KEYS, ESS, FORMAT, FORMATS, FORMAT_BASE64, FORMAT_DIGITS, MAX,
    MAX_CHARS, MAX_ITEMS, MIN, MIN_CHARS, MIN_ITEMS, MODEL_KEYS, REQUIRED, RETRY, RETRY_CLASSES,
    RETRY_NEVER, RETRY_RESIGN, RETRY_THROTTLING, RETRY_TRANSIENT, SENSITIVE, UNHANDLED,
};

/// Renders a list of names as "`a`, `b` or `c`" for messages.
pub fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// The builder method that checks every rule.
pub const BUILD: &str = "build";
/// The builder method that only checks that required fields are set.
pub const BUILD_UNVALIDATED: &str = "build_unvalidated";
/// The builder's private method that turns checked fields into the value.
pub const ASSEMBLE: &str = "__assemble";
/// Suffix of the builder's type name.
pub const BUILDER_SUFFIX: &str = "Builder";
/// What `Debug` shows in place of a sensitive value.
pub const REDACTED: &str = "<redacted>";

/// The name among `candidates` closest to a misspelt `input`, if one is close
/// enough to be a likely intent.
pub fn closest<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = 1 + input.chars().count() / 3;
    candidates
        .iter()
        .map(|c| (edit_distance(input, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        assert_eq!(closest("maxchars", MODEL_KEYS), Some(MAX_CHARS));
        assert_eq!(closest("min_item", MODEL_KEYS), Some(MIN_ITEMS));
        assert_eq!(closest("cod", ERROR_KEYS), Some(CODE));
        assert_eq!(closest("retries", ERROR_KEYS), Some(RETRY));
        assert_eq!(closest("color", MODEL_KEYS), None);
        assert_eq!(closest("x", ERROR_KEYS), None);
    }

    #[test]
    fn lists_names_for_messages() {
        assert_eq!(one_of(&["a"]), "`a`");
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
