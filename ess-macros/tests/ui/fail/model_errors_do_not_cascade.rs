// Two mistakes in the attributes give two errors; the code using the type
// compiles as if the attributes were right.
use ess_runtime::{EssModel, Validate};

#[derive(Clone, PartialEq, EssModel)]
pub struct Input {
    #[ess(max_chars = 8, max_items = 2)]
    pub name: String,
    #[ess(required)]
    pub count: u32,
}

fn main() {
    let input = Input::builder().name("a").count(1u32).build().unwrap();
    let _ = input.validate();
    println!("{input:?}");
}
