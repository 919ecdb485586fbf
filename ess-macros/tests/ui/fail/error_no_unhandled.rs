use ess_runtime::{ErrorMeta, EssError};

#[derive(Debug, EssError)]
pub enum ThingError {
    #[ess(code = "FailedOperation")]
    FailedOperation(ErrorMeta),
    #[ess(code = "InternalError", retry = "transient")]
    InternalError(ErrorMeta),
}

fn main() {}
