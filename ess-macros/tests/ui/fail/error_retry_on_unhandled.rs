use ess_runtime::{ErrorMeta, EssError};

#[derive(Debug, EssError)]
pub enum ThingError {
    #[ess(code = "FailedOperation")]
    FailedOperation(ErrorMeta),
    #[ess(unhandled, retry = "transient")]
    Unhandled(ErrorMeta),
}

fn main() {}
