//! World files: loading, and errors that point at the file, line and column.

use std::io::Write;

use ess_emulator::{defaults, SigningOrder, TemplateKind, World, WorldError};

fn error(text: &str) -> (usize, usize, String) {
    match World::from_toml_str(text, "world.toml") {
        Err(WorldError::Invalid {
            origin,
            line,
            column,
            message,
        }) => {
            assert_eq!(origin, "world.toml");
            (line, column, message)
        }
        other => panic!("expected a located error, got {other:?}"),
    }
}

const ORG: &str = r#"[organization]
id = "yDtestOrganization00000000000001"
contract_quota = 5
operators = ["yDtestOperator000000000000000001"]
"#;

#[test]
fn a_full_world_loads() {
    let text = format!(
        "{ORG}\n[[templates]]\nid = \"yDtestTemplate000000000000000001\"\nname = \"劳动合同\"\nkind = \"b2c\"\nsigning_order = \"company-first\"\ncompany_signs_silently = true\n"
    );
    let world = World::from_toml_str(&text, "w.toml").unwrap();
    assert_eq!(world.organization.contract_quota, 5);
    assert!(world.is_operator("yDtestOperator000000000000000001"));
    let t = world.template("yDtestTemplate000000000000000001").unwrap();
    assert_eq!(t.kind, TemplateKind::CompanyAndPerson);
    assert_eq!(t.signing_order, SigningOrder::CompanyFirst);
    assert!(t.company_signs_silently && t.signers && !t.initiator_fill_components);
    assert_eq!(t.qr_code_problem(), None);
}

#[test]
fn errors_name_the_line_column_and_expectation() {
    let bad_kind = format!(
        "{ORG}\n[[templates]]\nid = \"yDtestTemplate000000000000000001\"\nkind = \"company\"\n"
    );
    let (line, column, message) = error(&bad_kind);
    assert_eq!((line, column), (8, 8));
    assert!(
        message.contains("b2c") && message.contains("person-only"),
        "{message}"
    );

    let short_id = format!("{ORG}\n[[templates]]\nid = \"yDshort\"\nkind = \"b2c\"\n");
    let (line, column, message) = error(&short_id);
    assert_eq!((line, column), (7, 6));
    assert!(message.contains("32 characters"), "{message}");

    let unknown_key = format!("{ORG}\n[[templates]]\nid = \"yDtestTemplate000000000000000001\"\nkind = \"b2c\"\ncolour = \"red\"\n");
    let (line, _, message) = error(&unknown_key);
    assert_eq!(line, 9);
    assert!(message.contains("colour"), "{message}");

    let negative = ORG.replace("contract_quota = 5", "contract_quota = -1");
    let (line, _, message) = error(&negative);
    assert_eq!(line, 3);
    assert!(
        message.contains("u64") || message.contains("-1"),
        "{message}"
    );

    let (line, _, message) = error("[organization]\nid = \"yDtestOrganization00000000000001\"\n");
    assert_eq!(line, 1);
    assert!(message.contains("contract_quota"), "{message}");

    let (line, column, _) = error("[organization\nid = 1\n");
    assert_eq!((line, column), (1, 14));

    let twice = format!(
        "{ORG}\n[[templates]]\nid = \"yDtestTemplate000000000000000001\"\nkind = \"b2c\"\n\n[[templates]]\nid = \"yDtestTemplate000000000000000001\"\nkind = \"b2c\"\n"
    );
    let (line, _, message) = error(&twice);
    assert_eq!(line, 11);
    assert!(message.contains("twice"), "{message}");

    let person_first = format!("{ORG}\n[[templates]]\nid = \"yDtestTemplate000000000000000001\"\nkind = \"person-only\"\nsigning_order = \"company-first\"\n");
    let (line, column, message) = error(&person_first);
    assert_eq!((line, column), (9, 17));
    assert!(message.contains("person-only"), "{message}");

    let wrong_type = ORG.replace("operators = [", "operators = 3 # [");
    let (line, _, _) = error(&wrong_type);
    assert_eq!(line, 4);
}

#[test]
fn errors_display_as_file_line_column() {
    let e = World::from_toml_str("[organization]\nid = 5\ncontract_quota = 1\n", "my.toml")
        .unwrap_err();
    let text = e.to_string();
    assert!(text.starts_with("my.toml:2:6: "), "{text}");
}

#[test]
fn files_are_read_and_missing_files_reported() {
    let dir = std::env::temp_dir().join(format!("ess-emulator-worlds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("world.toml");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(World::default().to_toml().as_bytes())
        .unwrap();
    assert_eq!(World::from_file(&path).unwrap(), World::default());
    let missing = dir.join("missing.toml");
    assert!(matches!(
        World::from_file(&missing),
        Err(WorldError::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_default_world_is_as_documented() {
    let world = World::default();
    assert_eq!(world.organization.id, defaults::ORGANIZATION_ID);
    assert_eq!(world.organization.contract_quota, defaults::CONTRACT_QUOTA);
    let problems: Vec<_> = world
        .templates
        .iter()
        .map(|t| (t.id.as_str(), t.qr_code_problem().map(|p| p.code())))
        .collect();
    assert_eq!(
        problems,
        [
            (defaults::B2C_TEMPLATE_ID, None),
            (defaults::PERSON_TEMPLATE_ID, None),
            (
                defaults::COMPANY_FIRST_TEMPLATE_ID,
                Some("FailedOperation.QrCodeTemplateId")
            ),
            (
                defaults::CREATOR_SIGNS_TEMPLATE_ID,
                Some("FailedOperation.QrCodeCreatorSignComponents")
            ),
        ]
    );
    // The example file shipped with the crate is the default world.
    let example =
        World::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/world.example.toml")).unwrap();
    assert_eq!(example, world);
}
