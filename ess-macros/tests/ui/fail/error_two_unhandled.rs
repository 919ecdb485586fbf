use ess_runtime::{ErrorMeta, EssError};

#[derive(Debug, EssError)]
pub enum ThingError {
    #[ess(code = "FailedOperation")]
    FailedOperation(ErrorMeta),
    #[ess(unhandled)]
    Unhandled(ErrorMeta),
    #[ess(unhandled)]
    Other(ErrorMeta),
}

fn main() {}
