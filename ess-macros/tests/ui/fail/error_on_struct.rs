use ess_runtime::{ErrorMeta, EssError};

#[derive(Debug, EssError)]
pub struct ThingError {
    pub meta: ErrorMeta,
}

fn main() {}
