use ess_runtime::{ErrorMeta, EssError};

#[derive(Debug, EssError)]
pub enum ThingError {
    #[ess(code = "FailedOperation", retries = "never")]
    FailedOperation(ErrorMeta),
    #[ess(unhandled)]
    Unhandled(ErrorMeta),
}

fn main() {}
