//! The generated code names everything by absolute path: it compiles in a
//! module without the prelude and next to items that shadow common names.
#![deny(warnings)]

#[allow(dead_code, non_camel_case_types)]
mod shadowing {
    #![no_implicit_prelude]

    // Items named like what generated code uses.
    pub struct Report;
    pub struct Path;
    pub struct Rule;
    pub struct Format;
    pub struct ValidationErrors;
    pub struct Validate;
    pub struct ErrorMeta;
    pub struct RetryClass;
    pub struct Ok;
    pub struct Err;
    pub struct Some;
    pub struct None;
    pub struct check;
    pub type Result = ();
    pub mod core {}
    pub mod std {}

    /// Every field shape and rule kind.
    #[derive(Clone, PartialEq, ::ess_runtime::EssModel)]
    pub struct Model {
        #[ess(min_chars = 1, max_chars = 3, format = "digits")]
        pub code: ::std::string::String,
        #[ess(required, sensitive, format = "base64")]
        pub body: ::std::option::Option<::std::string::String>,
        #[ess(min = -5, max = 5)]
        pub level: i16,
        #[ess(min = 0, max = 1)]
        pub ratio: ::std::option::Option<f32>,
        #[ess(min = 0.5)]
        pub big: ::std::option::Option<f64>,
        #[ess(min_items = 1, max_chars = 2)]
        pub tags: ::std::vec::Vec<::std::string::String>,
        #[ess(max_items = 2, min = 1)]
        pub ids: ::std::option::Option<::std::vec::Vec<u8>>,
        pub nested: ::std::option::Option<::std::boxed::Box<Model>>,
    }

    /// Fields named like the generated code's locals and parameters, and
    /// keywords.
    #[derive(Clone, PartialEq, ::ess_runtime::EssModel)]
    pub struct Names {
        #[ess(max_chars = 1)]
        pub f: ::std::string::String,
        #[ess(max_chars = 1)]
        pub p: ::std::option::Option<::std::string::String>,
        pub v: u8,
        pub v0: u8,
        pub e: ::std::option::Option<::std::vec::Vec<::std::string::String>>,
        #[ess(min_items = 1)]
        pub list: ::std::vec::Vec<u8>,
        pub path: u8,
        pub report: u8,
        pub found: u8,
        pub builder: u8,
        pub r#match: ::std::option::Option<bool>,
        pub r#type: u8,
    }

    #[derive(Debug, ::ess_runtime::EssError)]
    pub enum Error {
        #[ess(code = "A", retry = "transient")]
        A(::ess_runtime::ErrorMeta),
        #[ess(unhandled)]
        Unhandled(::ess_runtime::ErrorMeta),
    }
}

fn main() {
    use ess_runtime::{ServiceError, Validate};
    let m = shadowing::Model::builder()
        .code("12")
        .body("aGk=")
        .level(3i16)
        .ratio(0.5f32)
        .tags("ab")
        .ids(1u8)
        .build()
        .expect("valid");
    assert!(m.validate().is_ok());
    let bad = m.clone().validate();
    assert!(bad.is_ok());
    let n = shadowing::Names::builder()
        .f("x")
        .p("y")
        .v(1u8)
        .v0(2u8)
        .e("z")
        .list(3u8)
        .path(4u8)
        .report(5u8)
        .found(6u8)
        .builder(7u8)
        .r#match(true)
        .r#type(8u8)
        .build()
        .expect("valid");
    assert_eq!(
        (n.v, n.v0, n.path, n.report, n.found, n.builder, n.r#type),
        (1, 2, 4, 5, 6, 7, 8)
    );
    assert_eq!(n.r#match, Some(true));
    let text = format!("{n:?}");
    assert!(
        text.contains("match: Some(true)") && text.contains("type: 8"),
        "{text}"
    );
    let bad = shadowing::Names::builder()
        .f("xy")
        .p("yz")
        .build()
        .unwrap_err();
    let paths: Vec<&str> = bad.violations().iter().map(|v| v.path()).collect();
    assert_eq!(
        paths,
        ["f", "p", "v", "v0", "list", "path", "report", "found", "builder", "type"]
    );
    let e = shadowing::Error::from_meta(ess_runtime::ErrorMeta::new("A", "m"));
    assert!(e.is_a());
}
