use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input {
    #[ess(max_chars = 64)]
    #[ess(min_chars = 1, max_chars = 32)]
    pub name: String,
}

fn main() {}
