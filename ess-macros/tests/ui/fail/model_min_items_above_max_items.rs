use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input {
    #[ess(min_items = 3, max_items = 2)]
    pub ids: Option<Vec<String>>,
}

fn main() {}
