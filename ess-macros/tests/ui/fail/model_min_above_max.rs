use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input {
    #[ess(min = 10, max = -1)]
    pub offset: i32,
}

fn main() {}
