use ess_runtime::EssModel;

#[derive(EssModel)]
pub union Input {
    a: u32,
    b: f32,
}

fn main() {}
