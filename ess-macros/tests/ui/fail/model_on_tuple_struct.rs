use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input(String, u32);

fn main() {}
