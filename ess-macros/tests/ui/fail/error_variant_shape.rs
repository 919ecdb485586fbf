use ess_runtime::{ErrorMeta, EssError};

#[derive(Debug, EssError)]
pub enum ThingError {
    #[ess(code = "FailedOperation")]
    FailedOperation { meta: ErrorMeta },
    #[ess(code = "InternalError")]
    InternalError,
    #[ess(code = "InvalidParameter")]
    InvalidParameter(ErrorMeta, String),
    #[ess(unhandled)]
    Unhandled(ErrorMeta),
}

fn main() {}
