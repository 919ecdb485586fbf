use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input {
    #[ess(min = 1)]
    pub name: String,
}

fn main() {}
