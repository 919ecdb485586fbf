use ess_runtime::{ErrorMeta, EssError};

#[derive(Debug, EssError)]
pub enum ThingError {
    #[ess(code = 4001)]
    FailedOperation(ErrorMeta),
    #[ess(unhandled)]
    Unhandled(ErrorMeta),
}

fn main() {}
