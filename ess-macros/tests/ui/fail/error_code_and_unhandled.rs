use ess_runtime::{ErrorMeta, EssError};

#[derive(Debug, EssError)]
pub enum ThingError {
    #[ess(code = "FailedOperation")]
    FailedOperation(ErrorMeta),
    #[ess(code = "InternalError", unhandled)]
    Unhandled(ErrorMeta),
}

fn main() {}
