use ess_runtime::{ErrorMeta, EssError};

#[derive(Debug, EssError)]
pub enum ThingError {
    #[ess(code = "InternalError", retry = "always")]
    InternalError(ErrorMeta),
    #[ess(unhandled)]
    Unhandled(ErrorMeta),
}

fn main() {}
