// Every mistake of one enum is reported at once, and code using the enum
// adds no errors of its own.
use ess_runtime::{ErrorMeta, EssError, ServiceError};

#[derive(Debug, EssError)]
pub enum ThingError {
    #[ess(code = "FailedOperation", retry = "sometimes")]
    FailedOperation(ErrorMeta),
    #[ess(code = "FailedOperation")]
    FailedOperationAgain(ErrorMeta),
    #[ess(cod = "InternalError")]
    InternalError(ErrorMeta),
    #[ess(unhandled)]
    Unhandled(ErrorMeta),
}

fn describe(e: &ThingError) -> String {
    format!("{e} {:?} {}", e.retry_class(), e.is_failed_operation())
}

fn main() {
    let e = ThingError::from(ErrorMeta::new("FailedOperation", "m"));
    let _: &dyn std::error::Error = &e;
    let _ = describe(&e);
    let _ = ThingError::CODES;
}
