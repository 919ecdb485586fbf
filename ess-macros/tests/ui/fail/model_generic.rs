use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input<T> {
    pub value: T,
}

fn main() {}
