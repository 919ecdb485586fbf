use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input {
    #[ess(format = "digits")]
    pub ids: Vec<u64>,
}

fn main() {}
