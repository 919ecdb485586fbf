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
    #[derive(Clone, PartialEq, ::ess_api::EssModel)]
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

    #[derive(Debug, ::ess_api::EssError)]
    pub enum Error {
        #[ess(code = "A", retry = "transient")]
        A(::ess_api::ErrorMeta),
        #[ess(unhandled)]
        Unhandled(::ess_api::ErrorMeta),
    }
}

fn main() {
    use ess_api::{ServiceError, Validate};
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
    let e = shadowing::Error::from_meta(ess_api::ErrorMeta::new("A", "m"));
    assert!(e.is_a());
}
