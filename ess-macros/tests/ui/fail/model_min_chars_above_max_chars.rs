use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input {
    #[ess(max_chars = 5, min_chars = 10)]
    pub name: String,
}

fn main() {}
