use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input {
    #[ess(max_chars = "64")]
    pub name: String,
}

fn main() {}
