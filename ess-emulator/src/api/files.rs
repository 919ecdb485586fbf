//! `UploadFiles`: each file is decoded from base64, its content checked
//! against its declared type, its business type and the documented size
//! limits, then kept (within bounds) until its deadline.

use ess_api::operation::upload_files::{UploadFilesInput, UploadFilesOutput};
use ess_api::service::codes;
use ess_api::types::Caller;
use ess_api::Action;

use super::qr_code::check_agent;
use super::{documented, missing, Ctx, Emulated};
use crate::error::ApiError;
use crate::ids;
use crate::state::{StoredFile, MAX_STORED_FILES, MAX_STORED_FILE_BYTES};
use crate::time::DAY;

const MIB: usize = 1024 * 1024;
/// Images (png, jpg, jpeg): at most 5 MiB.
const MAX_IMAGE_BYTES: usize = 5 * MIB;
/// Business licence images (`BUSINESSLICENSE`): at most 8 MiB.
const MAX_LICENCE_BYTES: usize = 8 * MIB;
/// Every other file (PDF, Word, Excel, HTML, ZIP): at most 60 MiB.
const MAX_DOCUMENT_BYTES: usize = 60 * MIB;
/// File ids work for an hour unless `Deadline` says otherwise.
const DEFAULT_LIFETIME: u64 = 3600;
/// `Deadline` is at most a year ahead.
const MAX_LIFETIME: u64 = 365 * DAY;

// The codes of this action's own rules; each is one `UploadFiles` documents
// (checked by a test below).
/// A member that is not well formed (bad base64).
const INVALID: &str = codes::INVALID_PARAMETER;
/// A member whose value the service does not accept.
const INVALID_VALUE: &str = codes::INVALID_PARAMETER_VALUE;
/// The emulator's file store is full.
const LIMIT_EXCEEDED: &str = codes::LIMIT_EXCEEDED;
/// The caller may not upload for this organization.
const DENIED: &str = codes::OPERATION_DENIED;

impl Emulated for UploadFilesInput {
    // `FileUrls` is deprecated but still part of the wire format.
    #[allow(deprecated)]
    fn handle(self, ctx: &mut Ctx<'_>) -> Result<UploadFilesOutput, ApiError> {
        let operator = caller_id::<Self>(self.caller.as_ref())?.to_owned();
        let business = Business::parse(&self.business_type).ok_or_else(|| {
            value(format!(
                "BusinessType must be one of {}, not {:?}",
                Business::NAMES.join(", "),
                self.business_type
            ))
        })?;
        let declared = match self.file_type.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) => Some(Kind::from_file_type(t).ok_or_else(|| {
                value(format!(
                    "FileType must be one of {}, not {t:?}",
                    Kind::FILE_TYPES.map(Kind::name).join(", ")
                ))
            })?),
        };
        let now = ctx.now;
        let deadline = match self.deadline {
            None => now.saturating_add(DEFAULT_LIFETIME),
            Some(at) => {
                let at_secs = u64::try_from(at).unwrap_or(0);
                if at_secs <= now {
                    return Err(value(format!(
                        "Deadline ({at}) must be in the future (now is {now})"
                    )));
                }
                if at_secs - now > MAX_LIFETIME {
                    return Err(value(format!(
                        "Deadline ({at}) must be at most a year from now ({now})"
                    )));
                }
                at_secs
            }
        };
        let infos = match self.file_infos {
            Some(infos) if !infos.is_empty() => infos,
            other => {
                let code = missing::<Self>("FileInfos").code().to_owned();
                let why = if other.is_some() {
                    "FileInfos must list at least one file"
                } else if self.file_urls.is_some() {
                    "the required parameter FileInfos is missing (FileUrls is no longer used: send the contents in FileInfos)"
                } else {
                    "the required parameter FileInfos is missing"
                };
                return Err(ApiError::new(code, why));
            }
        };

        let mut files = Vec::with_capacity(infos.len());
        let mut total = 0usize;
        for (i, info) in infos.into_iter().enumerate() {
            let content = decode_base64(&info.file_body).map_err(|e| {
                ApiError::new(
                    INVALID,
                    format!("FileInfos.{i}.FileBody is not valid base64: {e}"),
                )
            })?;
            let kind = file_kind(i, business, declared, info.file_name.as_deref(), &content)?;
            check_size(i, kind, business, content.len())?;
            total = total.saturating_add(content.len());
            files.push((info.file_name, kind, content));
        }

        if !ctx.world.is_operator(&operator) {
            let code = documented::<Self>(codes::OPERATION_DENIED_USER_NOT_IN_ORGANIZATION)
                .unwrap_or(DENIED);
            return Err(ApiError::new(
                code,
                format!(
                    "the operator {operator} (Caller.OperatorId) is not an employee of the organization"
                ),
            ));
        }
        check_agent(ctx.world, self.agent.as_ref(), DENIED)?;

        let store = &mut ctx.state.files;
        store.purge_expired(now);
        if !store.has_room(files.len(), total) {
            let (count, bytes) = store.usage();
            return Err(ApiError::new(
                LIMIT_EXCEEDED,
                format!(
                    "FileInfos: the emulator keeps at most {MAX_STORED_FILES} files and {} MiB \
                     until their deadline; it holds {count} files ({bytes} bytes), so these {} \
                     ({total} bytes) do not fit",
                    MAX_STORED_FILE_BYTES / MIB,
                    files.len()
                ),
            ));
        }
        let mut file_ids = Vec::with_capacity(files.len());
        for (name, kind, content) in files {
            let mut id = ids::resource_id();
            while store.contains(&id) {
                id = ids::resource_id();
            }
            store.insert(StoredFile {
                id: id.clone(),
                name,
                file_type: kind.name(),
                business_type: business.name().to_owned(),
                operator_id: operator.clone(),
                uploaded_at: now,
                deadline,
                host: ctx.host.map(str::to_owned),
                content,
            });
            file_ids.push(id);
        }

        let mut out = UploadFilesOutput::default();
        out.total_count = i64::try_from(file_ids.len()).unwrap_or(i64::MAX);
        out.file_ids = file_ids;
        out.deadline = Some(i64::try_from(deadline).unwrap_or(i64::MAX));
        Ok(out)
    }
}

/// `Caller.OperatorId`, which the action requires.
fn caller_id<A: Action>(caller: Option<&Caller>) -> Result<&str, ApiError> {
    match caller.and_then(|c| c.operator_id.as_deref()).map(str::trim) {
        Some(id) if !id.is_empty() => Ok(id),
        _ => Err(missing::<A>("Caller.OperatorId")),
    }
}

fn value(message: String) -> ApiError {
    ApiError::new(INVALID_VALUE, message)
}

/// What the files are for (`BusinessType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Business {
    Template,
    Document,
    Seal,
    Archive,
    Licence,
}

impl Business {
    const ALL: [Business; 5] = [
        Business::Template,
        Business::Document,
        Business::Seal,
        Business::Archive,
        Business::Licence,
    ];
    const NAMES: [&'static str; 5] = ["TEMPLATE", "DOCUMENT", "SEAL", "ARCHIVE", "BUSINESSLICENSE"];

    fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.name() == s)
    }

    /// The file types the service documents for this use.
    fn accepts(self) -> &'static [Kind] {
        use Kind::*;
        match self {
            Business::Template => &[Pdf, Doc, Docx, Html],
            Business::Document => &[Pdf, Doc, Docx, Xls, Xlsx, Html, Jpg, Jpeg, Png],
            Business::Seal | Business::Licence => &[Jpg, Jpeg, Png],
            Business::Archive => &[Pdf, Zip],
        }
    }
}

/// A file type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Pdf,
    Doc,
    Docx,
    Xls,
    Xlsx,
    Html,
    Jpg,
    Jpeg,
    Png,
    Zip,
}

impl Kind {
    /// The values `FileType` may take.
    const FILE_TYPES: [Kind; 9] = [
        Kind::Pdf,
        Kind::Doc,
        Kind::Docx,
        Kind::Xls,
        Kind::Xlsx,
        Kind::Html,
        Kind::Jpg,
        Kind::Jpeg,
        Kind::Png,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::Pdf => "pdf",
            Kind::Doc => "doc",
            Kind::Docx => "docx",
            Kind::Xls => "xls",
            Kind::Xlsx => "xlsx",
            Kind::Html => "html",
            Kind::Jpg => "jpg",
            Kind::Jpeg => "jpeg",
            Kind::Png => "png",
            Kind::Zip => "zip",
        }
    }

    /// A `FileType` value, in any case (`PDF`, `pdf`).
    fn from_file_type(s: &str) -> Option<Self> {
        Self::FILE_TYPES
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s))
    }

    /// A file name's extension, in any case.
    fn from_extension(ext: &str) -> Option<Self> {
        if ext.eq_ignore_ascii_case("htm") {
            return Some(Kind::Html);
        }
        if ext.eq_ignore_ascii_case("zip") {
            return Some(Kind::Zip);
        }
        Self::from_file_type(ext)
    }

    /// What a file of this type starts with.
    fn content(self) -> Content {
        match self {
            Kind::Pdf => Content::Pdf,
            Kind::Doc | Kind::Xls => Content::Ole,
            Kind::Docx | Kind::Xlsx | Kind::Zip => Content::Zip,
            Kind::Html => Content::Html,
            Kind::Jpg | Kind::Jpeg => Content::Jpeg,
            Kind::Png => Content::Png,
        }
    }

    fn is_image(self) -> bool {
        matches!(self, Kind::Jpg | Kind::Jpeg | Kind::Png)
    }

    /// The same type under another name (`jpg` and `jpeg`).
    fn same_as(self, other: Kind) -> bool {
        self == other || (self.content() == Content::Jpeg && other.content() == Content::Jpeg)
    }
}

/// What a file's first bytes say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Content {
    Pdf,
    /// An OLE compound file: Word (`doc`) or Excel (`xls`) 97–2003.
    Ole,
    /// A ZIP archive, which `docx` and `xlsx` files also are.
    Zip,
    Html,
    Jpeg,
    Png,
}

impl Content {
    fn sniff(b: &[u8]) -> Option<Self> {
        const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
        if b.starts_with(b"%PDF-") {
            Some(Content::Pdf)
        } else if b.starts_with(PNG) {
            Some(Content::Png)
        } else if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Content::Jpeg)
        } else if b.starts_with(OLE) {
            Some(Content::Ole)
        } else if b.starts_with(b"PK\x03\x04") || b.starts_with(b"PK\x05\x06") {
            Some(Content::Zip)
        } else {
            let text = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
            let start = text.iter().position(|c| !c.is_ascii_whitespace())?;
            (text[start] == b'<').then_some(Content::Html)
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Content::Pdf => "a PDF",
            Content::Ole => "a Word or Excel 97-2003 file (doc or xls)",
            Content::Zip => "a ZIP container (docx, xlsx or zip)",
            Content::Html => "an HTML page",
            Content::Jpeg => "a JPEG image",
            Content::Png => "a PNG image",
        }
    }

    /// The type of a file named by neither `FileType` nor an extension,
    /// when its content tells.
    fn kind(self, business: Business) -> Option<Kind> {
        match self {
            Content::Pdf => Some(Kind::Pdf),
            Content::Html => Some(Kind::Html),
            Content::Jpeg => Some(Kind::Jpg),
            Content::Png => Some(Kind::Png),
            Content::Zip if business == Business::Archive => Some(Kind::Zip),
            Content::Zip | Content::Ole => None,
        }
    }
}

/// The extension of a file name (`pdf` in `合同.pdf`), if it has one.
fn extension(name: &str) -> Option<&str> {
    let (_, ext) = name.rsplit_once('.')?;
    (!ext.is_empty()).then_some(ext)
}

/// The type of file `i`: from `FileType`, else from its name's extension,
/// else from its content; the name, the declared type and the content
/// must agree, and the business type must accept it.
fn file_kind(
    i: usize,
    business: Business,
    declared: Option<Kind>,
    name: Option<&str>,
    content: &[u8],
) -> Result<Kind, ApiError> {
    if content.is_empty() {
        return Err(value(format!("FileInfos.{i}.FileBody is empty")));
    }
    let named = match name.and_then(extension) {
        None => None,
        Some(ext) => {
            let kind = Kind::from_extension(ext).ok_or_else(|| {
                value(format!(
                    "FileInfos.{i}.FileName ends in .{ext}, which is not a supported file type"
                ))
            })?;
            if let Some(d) = declared.filter(|d| !d.same_as(kind)) {
                return Err(value(format!(
                    "FileInfos.{i}.FileName ends in .{ext} but FileType is {}",
                    d.name()
                )));
            }
            Some(kind)
        }
    };
    let found = Content::sniff(content).ok_or_else(|| {
        value(format!(
            "FileInfos.{i}.FileBody is not a PDF, Word, Excel, HTML, JPEG, PNG or ZIP file"
        ))
    })?;
    let kind = match (declared, named) {
        (Some(kind), _) | (None, Some(kind)) => {
            if kind.content() != found {
                let said = if declared.is_some() {
                    "FileType".to_owned()
                } else {
                    format!("FileInfos.{i}.FileName")
                };
                return Err(value(format!(
                    "FileInfos.{i}.FileBody is {} but {said} says {}",
                    found.describe(),
                    kind.name()
                )));
            }
            kind
        }
        (None, None) => found.kind(business).ok_or_else(|| {
            value(format!(
                "FileInfos.{i}.FileBody is {}: set FileType or end FileInfos.{i}.FileName \
                 with the file's extension",
                found.describe()
            ))
        })?,
    };
    if !business.accepts().contains(&kind) {
        return Err(value(format!(
            "FileInfos.{i} is a {} file, which BusinessType {} does not take (it takes {})",
            kind.name(),
            business.name(),
            business
                .accepts()
                .iter()
                .map(|k| k.name())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(kind)
}

/// The largest file of a type, for a use.
fn size_limit(kind: Kind, business: Business) -> usize {
    match (kind.is_image(), business) {
        (true, Business::Licence) => MAX_LICENCE_BYTES,
        (true, _) => MAX_IMAGE_BYTES,
        (false, _) => MAX_DOCUMENT_BYTES,
    }
}

fn check_size(i: usize, kind: Kind, business: Business, len: usize) -> Result<(), ApiError> {
    let limit = size_limit(kind, business);
    if len > limit {
        return Err(value(format!(
            "FileInfos.{i}.FileBody is {len} bytes; a {} file may be at most {} MiB ({limit} bytes)",
            kind.name(),
            limit / MIB
        )));
    }
    Ok(())
}

/// Why a string is not base64.
#[derive(Debug, PartialEq, Eq)]
enum Base64Error {
    /// A character outside the alphabet, at a character position.
    Character { position: usize, found: char },
    /// The length is not a multiple of 4, or there are more than two `=`.
    Length(usize),
}

impl std::fmt::Display for Base64Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Base64Error::Character { position, found } => {
                write!(f, "{found:?} at character {position}")
            }
            Base64Error::Length(len) => write!(
                f,
                "{len} characters, which is not a whole number of padded 4-character groups"
            ),
        }
    }
}

/// Decodes standard base64: the RFC 4648 alphabet, `=` padding, no
/// whitespace.
fn decode_base64(s: &str) -> Result<Vec<u8>, Base64Error> {
    fn sextet(c: u8) -> Option<u32> {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        Some(u32::from(v))
    }
    let b = s.as_bytes();
    let body_end = b.iter().rposition(|&c| c != b'=').map_or(0, |p| p + 1);
    let mut out = Vec::with_capacity(body_end / 4 * 3 + 2);
    let (mut acc, mut n) = (0u32, 0u8);
    for (i, &c) in b[..body_end].iter().enumerate() {
        let Some(v) = sextet(c) else {
            let position = s.get(..i).map_or(i, |p| p.chars().count());
            let found = s
                .get(i..)
                .and_then(|r| r.chars().next())
                .unwrap_or('\u{FFFD}');
            return Err(Base64Error::Character { position, found });
        };
        acc = (acc << 6) | v;
        n += 1;
        if n == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            (acc, n) = (0, 0);
        }
    }
    if b.len() - body_end > 2 || b.len() % 4 != 0 {
        return Err(Base64Error::Length(s.chars().count()));
    }
    match n {
        2 => out.push((acc >> 4) as u8),
        3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        _ => {}
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ess_api::operation::upload_files::UploadFilesError;
    use ess_api::ServiceError;

    #[test]
    fn every_code_is_one_the_action_documents() {
        for code in [
            INVALID,
            INVALID_VALUE,
            LIMIT_EXCEEDED,
            DENIED,
            codes::MISSING_PARAMETER,
        ] {
            assert!(
                <UploadFilesError as ServiceError>::CODES.contains(&code)
                    || ess_api::service::COMMON_ERRORS.contains(&code),
                "{code}"
            );
        }
    }

    #[test]
    fn base64() {
        let ok = |s: &str| decode_base64(s).unwrap();
        assert_eq!(ok(""), b"");
        assert_eq!(ok("Zg=="), b"f");
        assert_eq!(ok("Zm8="), b"fo");
        assert_eq!(ok("Zm9v"), b"foo");
        assert_eq!(ok("Zm9vYg=="), b"foob");
        assert_eq!(ok("+/+/"), [0xFB, 0xFF, 0xBF]);
        let bad = |s: &str| decode_base64(s).unwrap_err();
        assert_eq!(bad("Zm9"), Base64Error::Length(3));
        assert_eq!(bad("Zm9v="), Base64Error::Length(5));
        assert_eq!(bad("Z==="), Base64Error::Length(4));
        assert_eq!(bad("===="), Base64Error::Length(4));
        assert_eq!(
            bad("Zm 9v"),
            Base64Error::Character {
                position: 2,
                found: ' '
            }
        );
        assert_eq!(
            bad("Zm=v"),
            Base64Error::Character {
                position: 2,
                found: '='
            }
        );
        assert_eq!(
            bad("文件Zm9v"),
            Base64Error::Character {
                position: 0,
                found: '文'
            }
        );
        assert_eq!(
            bad("Zm9v文"),
            Base64Error::Character {
                position: 4,
                found: '文'
            }
        );
    }

    #[test]
    fn contents() {
        assert_eq!(Content::sniff(b"%PDF-1.7\n"), Some(Content::Pdf));
        assert_eq!(Content::sniff(b"\x89PNG\r\n\x1a\n...."), Some(Content::Png));
        assert_eq!(
            Content::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(Content::Jpeg)
        );
        assert_eq!(Content::sniff(b"PK\x03\x04...."), Some(Content::Zip));
        assert_eq!(
            Content::sniff(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]),
            Some(Content::Ole)
        );
        assert_eq!(
            Content::sniff(b"\xEF\xBB\xBF\n <!DOCTYPE html>"),
            Some(Content::Html)
        );
        assert_eq!(Content::sniff(b"%PDF"), None);
        assert_eq!(Content::sniff(b"   "), None);
        assert_eq!(Content::sniff(b"hello"), None);
    }

    #[test]
    fn kinds_names_and_uses() {
        let pdf = b"%PDF-1.4";
        let kind = |b, d, n: Option<&str>, c: &[u8]| file_kind(0, b, d, n, c);
        let d = Business::Document;
        assert_eq!(kind(d, None, Some("合同.PDF"), pdf).unwrap(), Kind::Pdf);
        assert_eq!(kind(d, Some(Kind::Pdf), None, pdf).unwrap(), Kind::Pdf);
        assert_eq!(kind(d, None, Some("合同"), pdf).unwrap(), Kind::Pdf);
        let png = b"\x89PNG\r\n\x1a\n";
        let e = kind(d, Some(Kind::Pdf), None, png).unwrap_err();
        assert_eq!(e.code(), INVALID_VALUE);
        assert!(
            e.message().contains("a PNG image but FileType says pdf"),
            "{e}"
        );
        let e = kind(d, Some(Kind::Pdf), Some("a.docx"), pdf).unwrap_err();
        assert!(
            e.message()
                .starts_with("FileInfos.0.FileName ends in .docx"),
            "{e}"
        );
        let e = kind(d, None, Some("a.txt"), pdf).unwrap_err();
        assert!(e.message().contains(".txt"), "{e}");
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0];
        assert_eq!(
            kind(Business::Seal, Some(Kind::Jpg), Some("印章.jpeg"), &jpeg).unwrap(),
            Kind::Jpg
        );
        let e = kind(Business::Seal, None, None, pdf).unwrap_err();
        assert!(e.message().contains("BusinessType SEAL"), "{e}");
        let zip = b"PK\x03\x04";
        assert_eq!(kind(Business::Archive, None, None, zip).unwrap(), Kind::Zip);
        assert!(kind(d, None, None, zip).is_err(), "docx or xlsx: ambiguous");
        assert_eq!(kind(d, None, Some("a.docx"), zip).unwrap(), Kind::Docx);
        assert!(kind(d, None, None, b"").is_err());
    }

    #[test]
    fn size_limits() {
        let d = Business::Document;
        assert!(check_size(0, Kind::Png, d, 5 * MIB).is_ok());
        let e = check_size(2, Kind::Png, d, 5 * MIB + 1).unwrap_err();
        assert_eq!(e.code(), INVALID_VALUE);
        assert!(e.message().starts_with("FileInfos.2.FileBody"), "{e}");
        assert!(check_size(0, Kind::Jpg, Business::Licence, 8 * MIB).is_ok());
        assert!(check_size(0, Kind::Jpg, Business::Licence, 8 * MIB + 1).is_err());
        assert!(check_size(0, Kind::Pdf, d, 60 * MIB).is_ok());
        assert!(check_size(0, Kind::Pdf, d, 60 * MIB + 1).is_err());
        assert!(check_size(0, Kind::Docx, Business::Template, 60 * MIB + 1).is_err());
    }

    #[test]
    fn odd_requests_get_an_answer_never_a_panic() {
        use crate::api::{Registry, Resolved};
        use crate::state::State;
        use crate::world::World;
        use serde_json::json;

        let world = World::default();
        let mut state = State::new(&world);
        let registry = Registry::new();
        let Resolved::Emulated(entry) = registry.resolve("UploadFiles", true) else {
            panic!("UploadFiles is emulated");
        };
        let op = json!({"OperatorId": crate::world::defaults::OPERATOR_ID});
        let pdf = "JVBERi0xLjQK"; // "%PDF-1.4\n"
        let with = |extra: serde_json::Value| {
            let mut body = json!({"BusinessType": "DOCUMENT", "Caller": op});
            if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
                b.extend(e.clone());
            }
            body
        };
        let bodies = [
            json!({}),
            json!({"BusinessType": "DOCUMENT"}),
            with(json!({})),
            with(json!({"FileInfos": []})),
            with(json!({"FileUrls": "http://127.0.0.1/a.pdf"})),
            with(json!({"FileInfos": [{"FileBody": "="}]})),
            with(json!({"FileInfos": [{"FileBody": ""}]})),
            with(json!({"FileInfos": [{"FileBody": "é="}]})),
            with(json!({"FileInfos": [{"FileBody": "JVBERi0xLjQK", "FileName": "."}]})),
            with(json!({"FileInfos": [{"FileBody": pdf, "FileName": "a."}]})),
            with(json!({"FileInfos": [{"FileBody": pdf, "FileName": "文件."}]})),
            with(json!({"FileInfos": [{"FileBody": pdf, "FileName": ".PDF"}]})),
            with(json!({"FileInfos": [{"FileBody": pdf, "FileName": "a.文件"}]})),
            with(json!({"FileInfos": [{"FileBody": pdf}], "FileType": "\u{3000}"})),
            with(json!({"FileInfos": [{"FileBody": pdf}], "FileType": " "})),
            with(json!({"FileInfos": [{"FileBody": pdf}], "Deadline": i64::MIN})),
            with(json!({"FileInfos": [{"FileBody": pdf}], "Deadline": i64::MAX})),
            with(json!({"FileInfos": [{"FileBody": pdf}], "Deadline": 0})),
            with(json!({"FileInfos": [{"FileBody": pdf}], "BusinessType": "印章"})),
            with(json!({"FileInfos": [{"FileBody": pdf}], "Caller": {"OperatorId": "张三"}})),
            with(json!({"FileInfos": [{"FileBody": pdf}], "Agent": {}})),
            with(json!({"FileInfos": [{"FileBody": "IA=="}]})),
            with(json!({"FileInfos": [{"FileBody": "PA=="}]})),
        ];
        let mut accepted = 0;
        for body in bodies {
            let mut ctx = Ctx {
                world: &world,
                state: &mut state,
                now: 1_717_200_000,
                base_url: "http://127.0.0.1:1",
                host: None,
            };
            match entry.run(&mut ctx, body.clone()) {
                Ok(answer) => {
                    accepted += 1;
                    assert_eq!(answer["TotalCount"], 1, "{body}");
                }
                Err(e) => assert!(
                    <UploadFilesError as ServiceError>::CODES.contains(&e.code())
                        || ess_api::service::COMMON_ERRORS.contains(&e.code()),
                    "{body}: {e}"
                ),
            }
        }
        // Names without an extension (".", "a.", "文件."), ".PDF", blank
        // FileTypes (a space, an ideographic space), an empty Agent, and
        // "<" as an HTML page.
        assert_eq!(accepted, 8);
        assert_eq!(state.files.usage().0, 8);
    }

    #[test]
    fn business_types() {
        for name in Business::NAMES {
            assert_eq!(Business::parse(name).map(Business::name), Some(name));
        }
        assert_eq!(Business::parse("document"), None);
        assert_eq!(Business::parse(""), None);
    }
}
