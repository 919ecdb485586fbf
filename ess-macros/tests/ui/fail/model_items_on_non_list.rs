use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input {
    #[ess(max_items = 10)]
    pub name: Option<String>,
}

fn main() {}
