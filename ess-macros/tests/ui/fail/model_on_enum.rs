use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub enum Input {
    A,
    B,
}

fn main() {}
