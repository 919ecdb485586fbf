use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input {
    #[ess(min = -1)]
    pub count: Option<u32>,
}

fn main() {}
