//! Every attribute key and value the derives understand, in one place.

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
