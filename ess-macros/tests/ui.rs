//! Compile-time behaviour of the derives: what compiles, and the errors for
//! each misuse.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
