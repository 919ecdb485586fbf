use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
#[ess(sensitive)]
pub struct Input {
    pub name: String,
}

fn main() {}
