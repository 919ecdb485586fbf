use ess_runtime::{ErrorMeta, EssError};

#[derive(Debug, EssError)]
pub enum ThingError {
    #[ess(code = "FailedOperation")]
    FailedOperation(ErrorMeta),
    #[ess(retry = "throttling")]
    RequestLimitExceeded(ErrorMeta),
    #[ess(unhandled)]
    Unhandled(ErrorMeta),
}

fn main() {}
