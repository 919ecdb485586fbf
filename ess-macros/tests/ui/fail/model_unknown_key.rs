use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input {
    #[ess(maxchars = 64)]
    pub name: String,
}

fn main() {}
