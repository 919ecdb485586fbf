//! Client-side validation: the rules a request must satisfy before it is sent.
//!
//! Every generated request type implements [`Validate`]. A check walks the whole
//! value and reports *every* violated rule, each with the path of the offending
//! field in Rust naming (`restrictions[1].mobile`), the rule that failed and
//! the property of the value that broke it.
//!
//! Lengths are counted in Unicode scalar values (characters), the way the
//! service counts them, never in bytes.

use std::fmt;

/// One step of a path from the root of a request to a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    /// A named field: its Rust name and its name on the wire.
    Field(&'static str, &'static str),
    /// A position in a list.
    Index(usize),
}

/// A borrowed, allocation-free path used while walking a value.
///
/// Paths are linked through the stack; a `String` is only built when a
/// violation is recorded.
#[derive(Clone, Copy, Debug)]
pub struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    segment: Option<Segment>,
}

impl Path<'static> {
    /// The root of a value.
    pub const ROOT: Path<'static> = Path {
        parent: None,
        segment: None,
    };
}

impl<'a> Path<'a> {
    /// The path of field `name` below this one.
    pub fn field(&'a self, name: &'static str) -> Path<'a> {
        self.member(name, name)
    }

    /// The path of the member with Rust name `name` and wire name `wire`
    /// below this one.
    pub fn member(&'a self, name: &'static str, wire: &'static str) -> Path<'a> {
        Path {
            parent: Some(self),
            segment: Some(Segment::Field(name, wire)),
        }
    }

    /// The path of list element `index` below this one.
    pub fn index(&'a self, index: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            segment: Some(Segment::Index(index)),
        }
    }

    fn write_into(&self, out: &mut String) {
        if let Some(parent) = self.parent {
            parent.write_into(out);
        }
        match self.segment {
            None => {}
            Some(Segment::Field(name, _)) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            Some(Segment::Index(i)) => {
                use fmt::Write;
                let _ = write!(out, "[{i}]");
            }
        }
    }

    fn write_wire_into(&self, out: &mut String) {
        if let Some(parent) = self.parent {
            parent.write_wire_into(out);
        }
        let dot = |out: &mut String| {
            if !out.is_empty() {
                out.push('.');
            }
        };
        match self.segment {
            None => {}
            Some(Segment::Field(_, wire)) => {
                dot(out);
                out.push_str(wire);
            }
            Some(Segment::Index(i)) => {
                use fmt::Write;
                dot(out);
                let _ = write!(out, "{i}");
            }
        }
    }

    /// The path in the service's notation, wire names and 0-based
    /// positions joined by dots: `Restrictions.1.Mobile`.
    pub fn render_wire(&self) -> String {
        let mut s = String::new();
        self.write_wire_into(&mut s);
        s
    }

    /// The path rendered as `a.b[2].c`.
    pub fn render(&self) -> String {
        let mut s = String::new();
        self.write_into(&mut s);
        s
    }
}

/// A number that appears in a rule (bound or offending value).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// A signed or unsigned integer.
    Int(i128),
    /// A floating-point number.
    Float(f64),
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(v) => write!(f, "{v}"),
            Number::Float(v) => write!(f, "{v}"),
        }
    }
}

/// Formats a string value can be required to have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// Standard base64 (RFC 4648 alphabet, `=` padding, no whitespace).
    Base64,
    /// ASCII digits only.
    Digits,
}

impl Format {
    /// The name used in spec files and attributes.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Base64 => ess_grammar::FORMAT_BASE64,
            Format::Digits => ess_grammar::FORMAT_DIGITS,
        }
    }
}

/// A rule that a value broke, with the offending property.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Rule {
    /// A required field has no value.
    Required,
    /// A string is shorter than allowed (in characters).
    MinChars {
        /// Smallest allowed length.
        min: usize,
        /// Length found.
        actual: usize,
    },
    /// A string is longer than allowed (in characters).
    MaxChars {
        /// Largest allowed length.
        max: usize,
        /// Length found.
        actual: usize,
    },
    /// A number is below its minimum.
    Min {
        /// Smallest allowed value.
        min: Number,
        /// Value found.
        actual: Number,
    },
    /// A number is above its maximum.
    Max {
        /// Largest allowed value.
        max: Number,
        /// Value found.
        actual: Number,
    },
    /// A list has fewer elements than allowed.
    MinItems {
        /// Smallest allowed count.
        min: usize,
        /// Count found.
        actual: usize,
    },
    /// A list has more elements than allowed.
    MaxItems {
        /// Largest allowed count.
        max: usize,
        /// Count found.
        actual: usize,
    },
    /// A string does not have the required format.
    Format {
        /// The expected format.
        format: Format,
        /// Character position (0-based) of the first offending character.
        position: usize,
    },
    /// A rule of a hand-written `Validate` implementation.
    Custom {
        /// Short machine-readable name of the rule.
        name: &'static str,
        /// Human-readable explanation.
        message: String,
    },
}

impl Rule {
    /// Short machine-readable name of the rule (`max_chars`, `min`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Rule::Required => "required",
            Rule::MinChars { .. } => "min_chars",
            Rule::MaxChars { .. } => "max_chars",
            Rule::Min { .. } => "min",
            Rule::Max { .. } => "max",
            Rule::MinItems { .. } => "min_items",
            Rule::MaxItems { .. } => "max_items",
            Rule::Format { .. } => "format",
            Rule::Custom { name, .. } => name,
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Required => f.write_str("is required but was not set"),
            Rule::MinChars { min, actual } => {
                write!(f, "must be at least {min} characters long, found {actual}")
            }
            Rule::MaxChars { max, actual } => {
                write!(f, "must be at most {max} characters long, found {actual}")
            }
            Rule::Min { min, actual } => write!(f, "must be at least {min}, found {actual}"),
            Rule::Max { max, actual } => write!(f, "must be at most {max}, found {actual}"),
            Rule::MinItems { min, actual } => {
                write!(f, "must have at least {min} elements, found {actual}")
            }
            Rule::MaxItems { max, actual } => {
                write!(f, "must have at most {max} elements, found {actual}")
            }
            Rule::Format { format, position } => write!(
                f,
                "must be {} (invalid character at position {position})",
                match format {
                    Format::Base64 => "valid base64",
                    Format::Digits => "ASCII digits only",
                }
            ),
            Rule::Custom { message, .. } => f.write_str(message),
        }
    }
}

/// One violated rule at one path.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Violation {
    path: String,
    wire_path: String,
    rule: Rule,
}

impl Violation {
    /// Path of the offending field in Rust naming: `restrictions[1].mobile`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Path of the offending member on the wire: `Restrictions.1.Mobile`.
    pub fn wire_path(&self) -> &str {
        &self.wire_path
    }

    /// The rule that failed, with the offending property.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}]", self.path, self.rule, self.rule.name())
    }
}

/// Collects violations while a value is walked.
#[derive(Debug, Default)]
pub struct Report {
    violations: Vec<Violation>,
}

impl Report {
    /// An empty report.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a violation at `path`.
    #[cold]
    pub fn push(&mut self, path: &Path<'_>, rule: Rule) {
        self.violations.push(Violation {
            path: path.render(),
            wire_path: path.render_wire(),
            rule,
        });
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.violations.is_empty()
    }

    /// `Ok(())` when empty, otherwise every recorded violation.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors {
                violations: self.violations,
            })
        }
    }
}

/// Every rule a value broke, in field order.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidationErrors {
    violations: Vec<Violation>,
}

impl ValidationErrors {
    /// The violations, in field order.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Consumes the error, returning the violations.
    pub fn into_violations(self) -> Vec<Violation> {
        self.violations
    }

    /// The violation at `path`, if any.
    pub fn at(&self, path: &str) -> Option<&Violation> {
        self.violations.iter().find(|v| v.path == path)
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.violations.len();
        write!(f, "{n} invalid field{}", if n == 1 { "" } else { "s" })?;
        for v in &self.violations {
            write!(f, "; {v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// A value that can check itself against the service's documented rules.
pub trait Validate {
    /// Walks the value, recording every violation below `path` into `report`.
    fn validate_at(&self, path: &Path<'_>, report: &mut Report);

    /// Checks the whole value, returning every violation at once.
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut report = Report::new();
        self.validate_at(&Path::ROOT, &mut report);
        report.into_result()
    }
}

macro_rules! leaf {
    ($($t:ty),*) => {$(
        impl Validate for $t {
            #[inline]
            fn validate_at(&self, _: &Path<'_>, _: &mut Report) {}
        }
    )*};
}
leaf!(String, str, bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);
// Free-form JSON carries no documented rules.
leaf!(serde_json::Value, serde_json::Map<String, serde_json::Value>);

impl<T: Validate + ?Sized> Validate for &T {
    #[inline]
    fn validate_at(&self, path: &Path<'_>, report: &mut Report) {
        (**self).validate_at(path, report)
    }
}

impl<T: Validate + ?Sized> Validate for Box<T> {
    #[inline]
    fn validate_at(&self, path: &Path<'_>, report: &mut Report) {
        (**self).validate_at(path, report)
    }
}

impl<T: Validate> Validate for Option<T> {
    #[inline]
    fn validate_at(&self, path: &Path<'_>, report: &mut Report) {
        if let Some(v) = self {
            v.validate_at(path, report)
        }
    }
}

impl<T: Validate> Validate for Vec<T> {
    #[inline]
    fn validate_at(&self, path: &Path<'_>, report: &mut Report) {
        for (i, v) in self.iter().enumerate() {
            v.validate_at(&path.index(i), report)
        }
    }
}

/// Field-level checks called by `#[derive(EssModel)]`.
///
/// Each function records at most one violation and never panics.
pub mod check {
    use super::{Format, Number, Path, Report, Rule};

    /// Length in characters between `min` and `max` (inclusive).
    #[inline]
    pub fn chars(v: &str, min: Option<usize>, max: Option<usize>, path: &Path<'_>, r: &mut Report) {
        // Byte length bounds the character count from above and, divided by
        // four, from below: most values are decided without counting, and
        // ASCII text (most identifiers) is counted by checking it is ASCII.
        let bytes = v.len();
        let count = || {
            if v.is_ascii() {
                bytes
            } else {
                v.chars().count()
            }
        };
        if let Some(min) = min {
            if bytes / 4 < min {
                let actual = count();
                if actual < min {
                    r.push(path, Rule::MinChars { min, actual });
                    return;
                }
            }
        }
        if let Some(max) = max {
            if bytes > max {
                let actual = count();
                if actual > max {
                    r.push(path, Rule::MaxChars { max, actual });
                }
            }
        }
    }

    /// Element count between `min` and `max` (inclusive).
    #[inline]
    pub fn items<T>(
        v: &[T],
        min: Option<usize>,
        max: Option<usize>,
        path: &Path<'_>,
        r: &mut Report,
    ) {
        let actual = v.len();
        if let Some(min) = min {
            if actual < min {
                r.push(path, Rule::MinItems { min, actual });
                return;
            }
        }
        if let Some(max) = max {
            if actual > max {
                r.push(path, Rule::MaxItems { max, actual });
            }
        }
    }

    /// An integer between `min` and `max` (inclusive).
    #[inline]
    pub fn int_range<T: Copy + Into<i128>>(
        v: T,
        min: Option<i128>,
        max: Option<i128>,
        path: &Path<'_>,
        r: &mut Report,
    ) {
        let actual: i128 = v.into();
        if let Some(min) = min {
            if actual < min {
                r.push(
                    path,
                    Rule::Min {
                        min: Number::Int(min),
                        actual: Number::Int(actual),
                    },
                );
                return;
            }
        }
        if let Some(max) = max {
            if actual > max {
                r.push(
                    path,
                    Rule::Max {
                        max: Number::Int(max),
                        actual: Number::Int(actual),
                    },
                );
            }
        }
    }

    /// A float between `min` and `max` (inclusive). NaN breaks both bounds.
    #[inline]
    pub fn float_range(
        v: f64,
        min: Option<f64>,
        max: Option<f64>,
        path: &Path<'_>,
        r: &mut Report,
    ) {
        if let Some(min) = min {
            if v.is_nan() || v < min {
                r.push(
                    path,
                    Rule::Min {
                        min: Number::Float(min),
                        actual: Number::Float(v),
                    },
                );
                return;
            }
        }
        if let Some(max) = max {
            if v.is_nan() || v > max {
                r.push(
                    path,
                    Rule::Max {
                        max: Number::Float(max),
                        actual: Number::Float(v),
                    },
                );
            }
        }
    }

    /// A string in `format`.
    #[inline]
    pub fn format(v: &str, format: Format, path: &Path<'_>, r: &mut Report) {
        let bad = match format {
            Format::Digits => v.bytes().position(|b| !b.is_ascii_digit()),
            Format::Base64 => base64_error(v.as_bytes()),
        };
        if let Some(byte_pos) = bad {
            let position = v.char_indices().take_while(|(i, _)| *i < byte_pos).count();
            r.push(path, Rule::Format { format, position });
        }
    }

    /// Byte position of the first base64 error, if any.
    fn base64_error(b: &[u8]) -> Option<usize> {
        let is_alpha = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
        let body_end = b.iter().rposition(|&c| c != b'=').map_or(0, |p| p + 1);
        let pad = b.len() - body_end;
        if let Some(p) = b[..body_end].iter().position(|&c| !is_alpha(c)) {
            return Some(p);
        }
        if pad > 2 || b.len() % 4 != 0 {
            // Point at the end: the length or the padding is wrong.
            return Some(b.len().saturating_sub(1).max(body_end.min(b.len())));
        }
        None
    }
}
