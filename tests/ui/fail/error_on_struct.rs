use ess_api::{ErrorMeta, EssError};

#[derive(Debug, EssError)]
pub struct ThingError {
    pub meta: ErrorMeta,
}

fn main() {}
