use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input {
    #[ess(max_chars)]
    pub name: String,
}

fn main() {}
