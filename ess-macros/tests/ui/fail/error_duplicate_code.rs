use ess_runtime::{ErrorMeta, EssError};

#[derive(Debug, EssError)]
pub enum ThingError {
    #[ess(code = "FailedOperation.NoFlow")]
    FailedOperationNoFlow(ErrorMeta),
    #[ess(code = "FailedOperation.NoFlow")]
    FailedOperationNoFlowAgain(ErrorMeta),
    #[ess(unhandled)]
    Unhandled(ErrorMeta),
}

fn main() {}
