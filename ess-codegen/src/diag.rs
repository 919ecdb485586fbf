//! Diagnostics with source positions, rendered the way rustc renders them.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One spec file's text, kept to turn byte offsets into lines and columns.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as given to the loader (relative to where the tool was run).
    pub path: PathBuf,
    /// The whole text.
    pub text: String,
}

impl SourceFile {
    /// 1-based line and column (in characters) of byte `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }

    fn line_text(&self, line: usize) -> &str {
        self.text.lines().nth(line - 1).unwrap_or("")
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Index of a [`SourceFile`] in a [`Sources`] set.
pub type FileId = usize;

/// Every file read so far.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    /// Adds a file, returning its id.
    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        self.files.push(SourceFile { path, text });
        self.files.len() - 1
    }

    /// The file with id `id`.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }
}

/// A place in a spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// File id.
    pub file: FileId,
    /// Byte range of the offending text.
    pub span: Range<usize>,
}

/// One problem found in the spec.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Where, when known (a missing directory has no position).
    pub location: Option<Location>,
    /// A file without a position inside it (unreadable file).
    pub path: Option<PathBuf>,
    /// What is wrong.
    pub message: String,
    /// What was expected instead.
    pub expected: Option<String>,
    /// Further context (such as where a duplicate was first defined).
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// A problem at `location`.
    pub fn at(location: Location, message: impl Into<String>) -> Self {
        Self {
            location: Some(location),
            path: None,
            message: message.into(),
            expected: None,
            notes: Vec::new(),
        }
    }

    /// A problem with a whole file or directory.
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Self {
            location: None,
            path: Some(path.to_path_buf()),
            message: message.into(),
            expected: None,
            notes: Vec::new(),
        }
    }

    /// Adds what was expected.
    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    fn sort_key(&self, sources: &Sources) -> (PathBuf, usize, String) {
        match &self.location {
            Some(l) => (
                sources.get(l.file).path.clone(),
                l.span.start,
                self.message.clone(),
            ),
            None => (
                self.path.clone().unwrap_or_default(),
                0,
                self.message.clone(),
            ),
        }
    }
}

/// All problems found in one run, sorted by file and position.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    sources: Sources,
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Sorts `list` and keeps the sources needed to render it.
    pub fn new(sources: Sources, mut list: Vec<Diagnostic>) -> Self {
        list.sort_by_cached_key(|d| d.sort_key(&sources));
        Self { sources, list }
    }

    /// The problems, sorted.
    pub fn list(&self) -> &[Diagnostic] {
        &self.list
    }

    /// How many problems.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// `file:line:col` of diagnostic `i`.
    pub fn position(&self, i: usize) -> String {
        let d = &self.list[i];
        match &d.location {
            Some(l) => {
                let f = self.sources.get(l.file);
                let (line, col) = f.line_col(l.span.start);
                format!("{}:{line}:{col}", f.path.display())
            }
            None => d
                .path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.list.iter().enumerate() {
            writeln!(f, "error: {}", d.message)?;
            writeln!(f, "  --> {}", self.position(i))?;
            if let Some(l) = &d.location {
                let file = self.sources.get(l.file);
                let (line, col) = file.line_col(l.span.start);
                let (end_line, end_col) = file.line_col(l.span.end.max(l.span.start + 1));
                let text = file.line_text(line);
                let width = if end_line == line {
                    end_col.saturating_sub(col).max(1)
                } else {
                    text.chars().count().saturating_sub(col - 1).max(1)
                };
                let gutter = line.to_string().len();
                writeln!(f, "{:gutter$} |", "")?;
                writeln!(f, "{line} | {text}")?;
                let pad: String = text
                    .chars()
                    .take(col - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "{:gutter$} | {pad}{}", "", "^".repeat(width))?;
                match &d.expected {
                    Some(e) => writeln!(f, " expected {e}")?,
                    None => writeln!(f)?,
                }
            } else if let Some(e) = &d.expected {
                writeln!(f, "   = expected {e}")?;
            }
            for n in &d.notes {
                writeln!(f, "   = note: {n}")?;
            }
            writeln!(f)?;
        }
        let n = self.list.len();
        write!(
            f,
            "error: the spec has {n} problem{}",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}
