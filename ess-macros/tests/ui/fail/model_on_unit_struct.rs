use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input;

fn main() {}
