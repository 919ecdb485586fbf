use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input {
    #[ess(max = 1.5)]
    pub count: u32,
}

fn main() {}
