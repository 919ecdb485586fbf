//! Compile-time behaviour of the derives: what compiles, and the errors for
//! each misuse.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
