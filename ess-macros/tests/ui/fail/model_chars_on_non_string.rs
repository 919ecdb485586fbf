use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input {
    #[ess(max_chars = 10)]
    pub count: Option<i64>,
}

fn main() {}
