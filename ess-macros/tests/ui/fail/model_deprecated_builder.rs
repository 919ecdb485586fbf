// The builder of a deprecated model is deprecated too.
#![deny(deprecated)]

#[deprecated(note = "use NewInput")]
#[derive(Clone, PartialEq, ess_runtime::EssModel)]
pub struct OldInput {
    pub name: String,
}

fn main() {
    let _ = OldInputBuilder::default();
}
