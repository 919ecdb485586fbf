//! `UploadFiles` through the real client: files decoded and kept, their
//! types and sizes checked, the caller checked, the store bounded.

use crate::support;

use std::time::Duration;

use ess_api::client::RetryConfig;
use ess_api::operation::upload_files::{
    UploadFilesError as E, UploadFilesFluentBuilder, UploadFilesOutput,
};
use ess_api::types::{Agent, Caller, UploadFile};
use ess_api::{Client, SdkError, ServiceError};
use ess_emulator::{defaults, Emulator, MAX_STORED_FILES};
use support::*;

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0,
];
const MIB: usize = 1024 * 1024;

/// Standard base64 with padding.
fn b64(data: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn file(name: Option<&str>, content: &[u8]) -> UploadFile {
    let mut f = UploadFile::builder().file_body(b64(content));
    if let Some(name) = name {
        f = f.file_name(name);
    }
    f.build().expect("file")
}

fn raw_file(body: &str) -> UploadFile {
    UploadFile::builder().file_body(body).build().expect("file")
}

fn caller(id: &str) -> Caller {
    Caller::builder().operator_id(id).build().expect("caller")
}

/// `UploadFiles` for the default operator and `business_type`.
fn upload(client: &Client, business_type: &str) -> UploadFilesFluentBuilder {
    client
        .upload_files()
        .caller(caller(defaults::OPERATOR_ID))
        .business_type(business_type)
}

async fn uploaded(builder: UploadFilesFluentBuilder) -> UploadFilesOutput {
    match bounded(builder.send()).await {
        Ok(out) => out,
        Err(e) => panic!("expected an upload, got {e:?}"),
    }
}

async fn refused(builder: UploadFilesFluentBuilder) -> E {
    match bounded(builder.send()).await {
        Err(SdkError::Service(e)) => e,
        other => panic!("expected a service error, got {other:?}"),
    }
}

fn assert_file_id(id: &str) {
    assert_eq!(id.len(), 32, "{id}");
    assert!(
        id.starts_with("yD") && id.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{id}"
    );
}

#[tokio::test]
async fn a_pdf_upload_returns_a_usable_id() {
    let emu = emulator().await;
    // Every retry and re-signing off, but for a moved clock.
    let client = ess_api::Client::new(
        emu.config()
            .with_retry(RetryConfig::disabled().with_resign_on_expired_signature(true)),
    )
    .unwrap();
    let before = emu.now();
    let out = uploaded(
        upload(&client, "DOCUMENT")
            .file_type("pdf")
            .file_infos(file(Some("张三的入职合同.pdf"), PDF)),
    )
    .await;
    assert_eq!(out.total_count, 1);
    assert_eq!(out.file_ids.len(), 1);
    assert_eq!(out.request_id.split('-').count(), 5);
    let id = &out.file_ids[0];
    assert_file_id(id);
    let deadline = out.deadline.expect("a deadline") as u64;
    assert!(
        (before + 3600..=emu.now() + 3600).contains(&deadline),
        "an hour after upload: {deadline}"
    );

    let info = emu.uploaded_file(id).expect("the emulator keeps the file");
    assert_eq!(info.file_id, *id);
    assert_eq!(info.file_name.as_deref(), Some("张三的入职合同.pdf"));
    assert_eq!(info.file_type, "pdf");
    assert_eq!(info.business_type, "DOCUMENT");
    assert_eq!(info.operator_id, defaults::OPERATOR_ID);
    assert_eq!(info.size, PDF.len() as u64);
    assert_eq!(info.deadline, deadline);
    assert_eq!(emu.uploaded_file_content(id).as_deref(), Some(PDF));
    assert_eq!(emu.uploaded_files(), [info]);
    assert_eq!(emu.uploaded_file("yDnotAnUploadedFile0000000000001"), None);

    // The id stops working at its deadline.
    emu.advance_clock(Duration::from_secs(deadline.saturating_sub(emu.now())));
    assert_eq!(emu.uploaded_file(id), None);
    assert_eq!(emu.uploaded_file_content(id), None);
    assert!(emu.uploaded_files().is_empty());
    // A later upload (signed again for the moved clock) works.
    let again = uploaded(upload(&client, "DOCUMENT").file_infos(file(Some("b.pdf"), PDF))).await;
    assert_ne!(again.file_ids[0], *id);
    emu.shutdown().await;
}

#[tokio::test]
async fn several_files_at_once_keep_their_order() {
    let emu = emulator().await;
    let client = client(&emu);
    let png = [PNG_MAGIC, b"rest of the image"].concat();
    let html = "<!DOCTYPE html><html><body>合同</body></html>".as_bytes();
    let deadline = emu.now() + 7 * 86_400;
    let out = uploaded(
        upload(&client, "DOCUMENT")
            .file_infos(file(Some("合同.PDF"), PDF))
            .file_infos(file(Some("附件.png"), &png))
            .file_infos(file(None, JPEG))
            .file_infos(file(Some("说明.html"), html))
            .deadline(deadline as i64),
    )
    .await;
    assert_eq!(out.total_count, 4);
    assert_eq!(out.file_ids.len(), 4);
    assert_eq!(out.deadline, Some(deadline as i64));
    let mut unique = out.file_ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 4, "{:?}", out.file_ids);
    let expected: [(&[u8], &str); 4] = [(PDF, "pdf"), (&png, "png"), (JPEG, "jpg"), (html, "html")];
    for (id, (content, file_type)) in out.file_ids.iter().zip(expected) {
        assert_file_id(id);
        let info = emu.uploaded_file(id).unwrap();
        assert_eq!(info.file_type, file_type);
        assert_eq!(info.deadline, deadline);
        assert_eq!(emu.uploaded_file_content(id).as_deref(), Some(content));
    }
    let listed: Vec<_> = emu
        .uploaded_files()
        .into_iter()
        .map(|f| f.file_id)
        .collect();
    assert_eq!(listed, out.file_ids);

    // Seals and archives take their own types.
    let seal = uploaded(
        upload(&client, "SEAL")
            .file_type("PNG")
            .file_infos(file(Some("印章.png"), &png)),
    )
    .await;
    assert_eq!(
        emu.uploaded_file(&seal.file_ids[0]).unwrap().business_type,
        "SEAL"
    );
    let zip = b"PK\x03\x04\x14\x00\x00\x00";
    let archive = uploaded(upload(&client, "ARCHIVE").file_infos(file(None, zip))).await;
    assert_eq!(
        emu.uploaded_file(&archive.file_ids[0]).unwrap().file_type,
        "zip"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn bad_base64_names_the_file() {
    let emu = emulator().await;
    let client = client(&emu);
    for (body, why) in [
        ("not base64!", "' ' at character 3"),
        ("JVBERi0=x", "'=' at character 7"),
        ("JVBERi0", "7 characters"),
        ("JVBERi0===", "10 characters"),
        ("JVBE\nRi0=", "'\\n' at character 4"),
    ] {
        let e = refused(
            upload(&client, "DOCUMENT")
                .file_infos(file(Some("a.pdf"), PDF))
                .file_infos(raw_file(body)),
        )
        .await;
        assert!(
            matches!(service_wide(&e), ess_api::EssError::InvalidParameter(_)),
            "{body:?}: {e:?}"
        );
        assert!(
            e.message()
                .contains("FileInfos.1.FileBody is not valid base64"),
            "{}",
            e.message()
        );
        assert!(e.message().contains(why), "{body:?}: {}", e.message());
    }
    // An empty body decodes to an empty file, which is refused.
    let e = refused(upload(&client, "DOCUMENT").file_infos(raw_file(""))).await;
    assert!(matches!(e, E::InvalidParameterValue(_)), "{e:?}");
    assert!(
        e.message().contains("FileInfos.0.FileBody is empty"),
        "{}",
        e.message()
    );
    assert!(
        emu.uploaded_files().is_empty(),
        "a refused request keeps nothing"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn over_size_files_are_refused() {
    let emu = emulator().await;
    let client = client(&emu);
    let mut image = vec![0u8; 5 * MIB + 1];
    image[..PNG_MAGIC.len()].copy_from_slice(PNG_MAGIC);
    let e = refused(upload(&client, "SEAL").file_infos(file(Some("印章.png"), &image))).await;
    assert!(matches!(e, E::InvalidParameterValue(_)), "{e:?}");
    assert!(
        e.message()
            .starts_with("FileInfos.0.FileBody is 5242881 bytes; a png file may be at most 5 MiB"),
        "{}",
        e.message()
    );
    assert!(emu.uploaded_files().is_empty());
    // Exactly 5 MiB is accepted.
    image.truncate(5 * MIB);
    let out = uploaded(upload(&client, "SEAL").file_infos(file(Some("印章.png"), &image))).await;
    assert_eq!(
        emu.uploaded_file(&out.file_ids[0]).unwrap().size,
        5 * MIB as u64
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn business_and_file_types_are_checked() {
    let emu = emulator().await;
    let client = client(&emu);
    for business_type in ["CONTRACT", "document", ""] {
        let e = refused(upload(&client, business_type).file_infos(file(Some("a.pdf"), PDF))).await;
        assert!(
            matches!(e, E::InvalidParameterValue(_)),
            "{business_type:?}: {e:?}"
        );
        assert!(
            e.message()
                .starts_with("BusinessType must be one of TEMPLATE, DOCUMENT, SEAL"),
            "{}",
            e.message()
        );
    }
    let png = [PNG_MAGIC, b"..."].concat();
    let cases: Vec<(UploadFilesFluentBuilder, &str)> = vec![
        (
            upload(&client, "SEAL").file_infos(file(Some("印章.pdf"), PDF)),
            "FileInfos.0 is a pdf file, which BusinessType SEAL does not take",
        ),
        (
            upload(&client, "TEMPLATE").file_infos(file(Some("a.png"), &png)),
            "BusinessType TEMPLATE does not take",
        ),
        (
            upload(&client, "DOCUMENT")
                .file_type("txt")
                .file_infos(file(None, PDF)),
            "FileType must be one of pdf, doc, docx",
        ),
        (
            upload(&client, "DOCUMENT")
                .file_type("pdf")
                .file_infos(file(Some("a.pdf"), PDF))
                .file_infos(file(None, &png)),
            "FileInfos.1.FileBody is a PNG image but FileType says pdf",
        ),
        (
            upload(&client, "DOCUMENT").file_infos(file(Some("a.docx"), PDF)),
            "FileInfos.0.FileBody is a PDF but FileInfos.0.FileName says docx",
        ),
        (
            upload(&client, "DOCUMENT")
                .file_type("pdf")
                .file_infos(file(Some("a.doc"), PDF)),
            "FileInfos.0.FileName ends in .doc but FileType is pdf",
        ),
        (
            upload(&client, "DOCUMENT").file_infos(file(Some("a.txt"), b"plain text")),
            "FileInfos.0.FileName ends in .txt",
        ),
        (
            upload(&client, "DOCUMENT").file_infos(file(None, b"plain text")),
            "FileInfos.0.FileBody is not a PDF, Word, Excel, HTML, JPEG, PNG or ZIP file",
        ),
        (
            upload(&client, "DOCUMENT").file_infos(file(None, b"PK\x03\x04....")),
            "set FileType or end FileInfos.0.FileName with the file's extension",
        ),
        (
            upload(&client, "DOCUMENT")
                .file_infos(file(None, PDF))
                .deadline(emu.now() as i64 - 1),
            "Deadline",
        ),
        (
            upload(&client, "DOCUMENT")
                .file_infos(file(None, PDF))
                .deadline((emu.now() + 366 * 86_400) as i64),
            "Deadline",
        ),
    ];
    for (request, expected) in cases {
        let e = refused(request).await;
        assert!(
            matches!(e, E::InvalidParameterValue(_)),
            "{expected}: {e:?}"
        );
        assert!(
            e.message().contains(expected),
            "{expected}: {}",
            e.message()
        );
    }
    assert!(emu.uploaded_files().is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn the_operator_is_checked() {
    let emu = emulator().await;
    let client = client(&emu);
    let pdf = || file(Some("a.pdf"), PDF);
    let no_caller = client
        .upload_files()
        .business_type("DOCUMENT")
        .file_infos(pdf());
    let e = refused(no_caller).await;
    assert!(
        matches!(service_wide(&e), ess_api::EssError::MissingParameter(_)),
        "{e:?}"
    );
    assert!(e.message().contains("Caller.OperatorId"), "{}", e.message());

    let blank = client
        .upload_files()
        .caller(caller("  "))
        .business_type("DOCUMENT")
        .file_infos(pdf());
    let e = refused(blank).await;
    assert!(
        matches!(service_wide(&e), ess_api::EssError::MissingParameter(_)),
        "{e:?}"
    );

    let stranger = client
        .upload_files()
        .caller(caller("yDnotAnEmployee00000000000000001"))
        .business_type("DOCUMENT")
        .file_infos(pdf());
    let e = refused(stranger).await;
    assert!(matches!(e, E::OperationDenied(_)), "{e:?}");
    assert!(
        e.message().contains("yDnotAnEmployee00000000000000001"),
        "{}",
        e.message()
    );

    let agent = Agent::builder()
        .proxy_organization_id("yDanotherOrganization00000000001")
        .build()
        .unwrap();
    let e = refused(upload(&client, "DOCUMENT").agent(agent).file_infos(pdf())).await;
    assert!(matches!(e, E::OperationDenied(_)), "{e:?}");

    let e = refused(upload(&client, "DOCUMENT")).await;
    assert!(
        matches!(service_wide(&e), ess_api::EssError::MissingParameter(_)),
        "{e:?}"
    );
    assert!(e.message().contains("FileInfos"), "{}", e.message());
    assert!(emu.uploaded_files().is_empty());

    let second = client
        .upload_files()
        .caller(caller(defaults::SECOND_OPERATOR_ID))
        .business_type("DOCUMENT")
        .file_infos(pdf());
    let out = uploaded(second).await;
    let info = emu.uploaded_file(&out.file_ids[0]).unwrap();
    assert_eq!(info.operator_id, defaults::SECOND_OPERATOR_ID);
    emu.shutdown().await;
}

#[tokio::test]
async fn the_store_is_bounded() {
    let emu = Emulator::builder().start().await.unwrap();
    let client = ess_api::Client::new(
        emu.config()
            .with_retry(RetryConfig::disabled().with_resign_on_expired_signature(true)),
    )
    .unwrap();
    let batch = |n: usize| {
        let mut b = upload(&client, "DOCUMENT").file_type("pdf");
        for _ in 0..n {
            b = b.file_infos(file(None, PDF));
        }
        b
    };
    assert_eq!(MAX_STORED_FILES % 20, 0);
    for _ in 0..MAX_STORED_FILES / 20 - 1 {
        assert_eq!(uploaded(batch(20)).await.total_count, 20);
    }
    uploaded(batch(19)).await;
    assert_eq!(emu.uploaded_files().len(), MAX_STORED_FILES - 1);

    // Two do not fit: neither is kept.
    let e = refused(batch(2)).await;
    assert!(matches!(e, E::LimitExceeded(_)), "{e:?}");
    assert!(
        e.message().starts_with(&format!(
            "FileInfos: the emulator keeps at most {MAX_STORED_FILES} files"
        )),
        "{}",
        e.message()
    );
    assert_eq!(emu.uploaded_files().len(), MAX_STORED_FILES - 1);
    uploaded(batch(1)).await;
    let e = refused(batch(1)).await;
    assert!(matches!(e, E::LimitExceeded(_)), "{e:?}");
    assert_eq!(emu.uploaded_files().len(), MAX_STORED_FILES);

    // Files are forgotten at their deadline, which makes room again.
    emu.advance_clock(Duration::from_secs(3600));
    assert!(emu.uploaded_files().is_empty());
    assert_eq!(uploaded(batch(20)).await.total_count, 20);
    assert_eq!(emu.uploaded_files().len(), 20);
    emu.shutdown().await;
}
