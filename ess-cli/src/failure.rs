//! Why a run failed, how it is told on standard error, and its exit code.

use std::fmt::Write as _;

use ess_api::{RetryClass, SdkError, ServiceError};

use crate::request::Problem;

/// Why a run failed.
#[derive(Debug)]
pub enum Failure {
    /// clap's own answer: a usage error, or `--help` / `--version`.
    Clap(clap::Error),
    /// The command line makes no sense (exit 2).
    Usage(String),
    /// The request breaks the spec: every problem, nothing sent (exit 2).
    Invalid {
        /// The action.
        action: &'static str,
        /// Every problem, in member order.
        problems: Vec<Problem>,
    },
    /// No usable credentials or settings (exit 3).
    Config(String),
    /// A local failure: a file, standard output (exit 1).
    Io(String),
    /// The service answered with an error code.
    Service {
        /// The code (`AuthFailure.SignatureFailure`).
        code: String,
        /// The service's message.
        message: String,
        /// The request's id.
        request_id: Option<String>,
        /// Its class.
        class: ServiceClass,
    },
    /// The request could not be delivered (exit 8).
    Network(String),
    /// The request timed out (exit 9).
    Timeout(String),
    /// The answer could not be understood (exit 10).
    Response {
        /// What was wrong with it.
        message: String,
        /// The request's id, when the answer had one.
        request_id: Option<String>,
    },
}

/// The kinds of service errors, each with its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceClass {
    /// The service refused the request (exit 4).
    Refused,
    /// The service refused the credentials or the permission (exit 5).
    Authentication,
    /// The service throttled the request (exit 6).
    Throttled,
    /// The service failed (exit 7).
    Unavailable,
}

impl ServiceClass {
    /// The class of an error with `code` and retry class `retry`.
    pub fn of(code: &str, retry: RetryClass) -> ServiceClass {
        let family = code.split('.').next().unwrap_or(code);
        match (family, retry) {
            ("AuthFailure" | "UnauthorizedOperation", _) => ServiceClass::Authentication,
            (_, RetryClass::Throttling) => ServiceClass::Throttled,
            ("RequestLimitExceeded", _) => ServiceClass::Throttled,
            (_, RetryClass::Transient | RetryClass::Resign) => ServiceClass::Unavailable,
            ("InternalError" | "ServiceUnavailable", _) => ServiceClass::Unavailable,
            _ => ServiceClass::Refused,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            ServiceClass::Refused => "the service refused the request",
            ServiceClass::Authentication => "the service refused the credentials",
            ServiceClass::Throttled => "the service throttled the request",
            ServiceClass::Unavailable => "the service failed",
        }
    }
}

impl Failure {
    /// The failure of a call.
    pub fn from_sdk<E: ServiceError>(action: &'static str, e: SdkError<E>) -> Failure {
        if let Some(v) = e.validation_errors() {
            let problems = crate::request::violations(v);
            return Failure::Invalid { action, problems };
        }
        match e {
            SdkError::Service(s) => Failure::Service {
                code: s.code().to_owned(),
                message: s.message().to_owned(),
                request_id: s.request_id().map(str::to_owned),
                class: ServiceClass::of(s.code(), s.retry_class()),
            },
            SdkError::Construction(c) => Failure::Config(c.to_string()),
            SdkError::Dispatch(d) => Failure::Network(chain(&d)),
            SdkError::Timeout(t) => Failure::Timeout(t.to_string()),
            SdkError::Response(r) => Failure::Response {
                request_id: r.request_id().map(str::to_owned),
                message: r.to_string(),
            },
            other => Failure::Network(other.to_string()),
        }
    }

    /// The exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Clap(e) => e.exit_code().clamp(0, 255) as u8,
            Failure::Usage(_) | Failure::Invalid { .. } => 2,
            Failure::Config(_) => 3,
            Failure::Io(_) => 1,
            Failure::Service { class, .. } => match class {
                ServiceClass::Refused => 4,
                ServiceClass::Authentication => 5,
                ServiceClass::Throttled => 6,
                ServiceClass::Unavailable => 7,
            },
            Failure::Network(_) => 8,
            Failure::Timeout(_) => 9,
            Failure::Response { .. } => 10,
        }
    }

    /// What is printed on standard error (standard output for `--help`).
    pub fn render(&self) -> String {
        let mut s = String::new();
        match self {
            Failure::Clap(e) => s.push_str(&e.render().to_string()),
            Failure::Usage(m) => writeln!(s, "error: {m}").unwrap(),
            Failure::Invalid { action, problems } => {
                let n = problems.len();
                writeln!(
                    s,
                    "error: invalid {action} request ({n} problem{}); nothing was sent",
                    if n == 1 { "" } else { "s" }
                )
                .unwrap();
                for p in problems {
                    let path = if p.path.is_empty() {
                        "(request)"
                    } else {
                        &p.path
                    };
                    writeln!(s, "  {path}: {} [{}]", p.message, p.rule).unwrap();
                }
            }
            Failure::Config(m) => writeln!(s, "error: {m}; nothing was sent").unwrap(),
            Failure::Io(m) => writeln!(s, "error: {m}").unwrap(),
            Failure::Service {
                code,
                message,
                request_id,
                class,
            } => {
                writeln!(s, "error: {code}: {message}").unwrap();
                writeln!(s, "  Code:      {code}").unwrap();
                writeln!(s, "  Message:   {message}").unwrap();
                writeln!(
                    s,
                    "  RequestId: {}",
                    request_id.as_deref().unwrap_or("(none)")
                )
                .unwrap();
                writeln!(s, "  ({})", class.describe()).unwrap();
            }
            Failure::Network(m) => {
                writeln!(s, "error: the request could not be delivered: {m}").unwrap()
            }
            Failure::Timeout(m) => writeln!(s, "error: {m}").unwrap(),
            Failure::Response {
                message,
                request_id,
            } => {
                writeln!(s, "error: the answer could not be understood: {message}").unwrap();
                if let Some(id) = request_id {
                    writeln!(s, "  RequestId: {id}").unwrap();
                }
            }
        }
        s
    }

    /// Prints the failure where it belongs.
    pub fn print(&self) {
        match self {
            // `--help` and `--version` go to standard output, usage errors
            // to standard error: clap knows which.
            Failure::Clap(e) => {
                let _ = e.print();
            }
            other => eprint!("{}", other.render()),
        }
    }
}

/// An error and its causes, on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = cause.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_are_classed_by_code_and_retry_class() {
        let class = |code: &str| {
            ServiceClass::of(
                code,
                ess_api::service::retry_class(code).unwrap_or(RetryClass::Never),
            )
        };
        assert_eq!(
            class("AuthFailure.SignatureFailure"),
            ServiceClass::Authentication
        );
        assert_eq!(
            class("UnauthorizedOperation.NoPermissionFeature"),
            ServiceClass::Authentication
        );
        assert_eq!(class("RequestLimitExceeded"), ServiceClass::Throttled);
        assert_eq!(class("InternalError.System"), ServiceClass::Unavailable);
        assert_eq!(class("InvalidParameter.FlowName"), ServiceClass::Refused);
        assert_eq!(class("ResourceNotFound.Template"), ServiceClass::Refused);
        assert_eq!(class("Some.FutureCode"), ServiceClass::Refused);
    }

    #[test]
    fn each_class_has_its_exit_code() {
        let service = |class| Failure::Service {
            code: String::new(),
            message: String::new(),
            request_id: None,
            class,
        };
        let codes: Vec<u8> = [
            Failure::Io(String::new()),
            Failure::Usage(String::new()),
            Failure::Config(String::new()),
            service(ServiceClass::Refused),
            service(ServiceClass::Authentication),
            service(ServiceClass::Throttled),
            service(ServiceClass::Unavailable),
            Failure::Network(String::new()),
            Failure::Timeout(String::new()),
            Failure::Response {
                message: String::new(),
                request_id: None,
            },
        ]
        .iter()
        .map(Failure::exit_code)
        .collect();
        assert_eq!(codes, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }
}
