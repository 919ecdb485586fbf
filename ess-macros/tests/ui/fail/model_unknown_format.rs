use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input {
    #[ess(format = "hex")]
    pub digest: String,
}

fn main() {}
