use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input {
    #[ess(required = true)]
    pub name: Option<String>,
}

fn main() {}
