use ess_api::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub enum Input {
    A,
    B,
}

fn main() {}
