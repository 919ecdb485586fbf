use ess_runtime::EssModel;

#[derive(Clone, PartialEq, EssModel)]
pub struct Input {
    pub name: String,
    pub build: Option<String>,
    pub set_name: Option<String>,
}

fn main() {}
