use ess_runtime::{ErrorMeta, EssError};

#[derive(Debug, EssError)]
pub enum ThingError<T> {
    #[ess(code = "FailedOperation")]
    FailedOperation(ErrorMeta, T),
    #[ess(unhandled)]
    Unhandled(ErrorMeta),
}

fn main() {}
