use ess_api::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input;

fn main() {}
