//! One action run: the request assembled and checked, then signed and
//! printed (`--dry-run`) or sent, and the answer printed.

use std::fmt::Debug;
use std::time::Duration;

use clap::ArgMatches;
use ess_api::__dispatch::{visit_action, ActionVisitor};
use ess_api::{Action, Client, Config};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::failure::Failure;
use crate::output::{self, Format};
use crate::profile::{self, Profile};
use crate::request::{self, Problem};
use crate::spec::ActionDef;

/// Everything a run needs from the command line.
pub struct Options {
    body: Map<String, Value>,
    problems: Vec<Problem>,
    dry_run: bool,
    qr_terminal: bool,
    format: Format,
    filter: Option<jmespath::Expression<'static>>,
    profile: Profile,
    region: Option<String>,
    endpoint: Option<String>,
    environment: Option<String>,
    language: Option<String>,
    timeout: Option<u64>,
    secret_id: Option<String>,
    secret_key: Option<String>,
    token: Option<String>,
}

impl Options {
    /// Reads the options of `action`; the request body is assembled and
    /// checked here, problems kept for [`run`] to report.
    pub fn from_matches(
        action: &'static ActionDef,
        m: &ArgMatches,
        unfolded: &[request::Unfolded],
    ) -> Result<Options, Failure> {
        let text = |id: &str| m.get_one::<String>(id).cloned();
        let mut body = match m.get_one::<String>("cli-input-json") {
            Some(arg) => request::read_input_json(arg).map_err(|e| match e {
                request::InputError::Read(m) => Failure::Io(m),
                request::InputError::Json(m) => Failure::Usage(m),
            })?,
            None => Map::new(),
        };
        let mut problems = Vec::new();
        for member in action.input {
            let Some(values) = m.get_many::<String>(member.wire) else {
                continue;
            };
            let raw: Vec<String> = values.cloned().collect();
            match request::member_value(member, &raw) {
                Ok(v) => {
                    body.insert(member.wire.to_owned(), v);
                }
                Err(p) => problems.push(p),
            }
        }
        for option in unfolded {
            if let Err(p) = request::apply_unfolded(&mut body, action.input, option) {
                problems.push(p);
            }
        }
        let profile = Profile::resolve(m.get_one::<String>("profile").map(String::as_str));
        let configure = profile.configure().map_err(|e| Failure::Config(e.0))?;
        let from_file = |key: &str| {
            configure
                .as_ref()
                .and_then(|c| c.sys(key))
                .map(str::to_owned)
        };
        let format = match text("output").or_else(|| from_file("output")).as_deref() {
            None | Some("json") => Format::Json,
            Some("table") => Format::Table,
            Some("text") => Format::Text,
            Some(other) => {
                return Err(Failure::Config(format!(
                    "unknown output `{other}` in the profile `{}` (expected json, table or text)",
                    profile.name
                )))
            }
        };
        let filter = match text("filter") {
            Some(expr) => Some(
                jmespath::compile(&expr)
                    .map_err(|e| Failure::Usage(format!("invalid --filter: {e}")))?,
            ),
            None => None,
        };
        let region = text("region").or_else(|| {
            let env = (!profile.explicit)
                .then(|| profile::env(profile::ENV_REGION))
                .flatten();
            env.or_else(|| from_file("region"))
        });
        let endpoint = text("endpoint").or_else(|| {
            if profile::env(profile::ENV_ENDPOINT).is_some() {
                None // the client reads it
            } else {
                configure
                    .as_ref()
                    .and_then(|c| c.ess("endpoint"))
                    .map(str::to_owned)
            }
        });
        Ok(Options {
            body,
            problems,
            dry_run: m.get_flag("dry-run"),
            qr_terminal: m.try_get_one::<bool>("qr-terminal").ok().flatten() == Some(&true),
            format,
            filter,
            region,
            endpoint,
            environment: text("environment"),
            language: text("language").or_else(|| from_file("language")),
            timeout: m.get_one::<u64>("timeout").copied(),
            secret_id: text("secretId"),
            secret_key: text("secretKey"),
            token: text("token"),
            profile,
        })
    }

    /// The client: settings and credentials resolved.
    fn client(&self) -> Result<Client, Failure> {
        let mut config =
            Config::default().with_request_client(concat!("ess-cli/", env!("CARGO_PKG_VERSION")));
        if let Some(r) = &self.region {
            config = config.with_region(r.clone());
        }
        if let Some(e) = &self.endpoint {
            config = config.with_endpoint(e.clone());
        }
        if let Some(e) = &self.environment {
            config =
                config.with_environment(e.parse().map_err(|e| Failure::Config(format!("{e}")))?);
        }
        if let Some(l) = &self.language {
            config = config.with_language(l.parse().map_err(|e| Failure::Config(format!("{e}")))?);
        }
        if let Some(t) = self.timeout {
            config = config
                .with_timeout(Duration::from_secs(t))
                .with_operation_timeout(Duration::from_secs(t.saturating_mul(3)));
        }
        let credentials = self
            .profile
            .credentials(
                self.secret_id.as_deref(),
                self.secret_key.as_deref(),
                self.token.as_deref(),
            )
            .map_err(|e| Failure::Config(e.0))?;
        Client::new(config.with_credentials(credentials))
            .map_err(|e| Failure::Config(e.to_string()))
    }
}

/// Checks the request, then signs and prints it or sends it.
pub fn run(action: &'static ActionDef, mut opts: Options) -> Result<(), Failure> {
    let mut problems = std::mem::take(&mut opts.problems);
    let found = request::check(&mut opts.body, action.input);
    // A required member whose option could not be read is not also
    // reported missing.
    let unread: Vec<String> = problems
        .iter()
        .map(|p| p.path.split('.').next().unwrap_or_default().to_owned())
        .collect();
    problems.extend(
        found
            .into_iter()
            .filter(|p| p.rule != "required" || !unread.contains(&p.path)),
    );
    // A required member that is missing or was removed gets a stand-in
    // that meets the rules, so that the rest of the request is still
    // checked; what is found at a stand-in is not reported.
    let mut body = opts.body.clone();
    let mut stand_ins = Vec::new();
    for m in action.input.iter().filter(|m| m.required) {
        if !body.contains_key(m.wire) {
            body.insert(m.wire.to_owned(), request::stand_in(m));
            stand_ins.push(m.wire);
        }
    }
    let visitor = Visit {
        action,
        opts: &opts,
        body,
        stand_ins,
        problems,
    };
    visit_action(action.wire, visitor).unwrap_or_else(|| {
        Err(Failure::Usage(format!(
            "`{}` is in the spec but not in the SDK",
            action.wire
        )))
    })
}

/// The run, with the action's generated types.
struct Visit<'a> {
    action: &'static ActionDef,
    opts: &'a Options,
    /// The request to decode: the checked one, with stand-ins.
    body: Map<String, Value>,
    /// The members that are stand-ins.
    stand_ins: Vec<&'static str>,
    /// What the member-by-member check found.
    problems: Vec<Problem>,
}

impl Visit<'_> {
    /// The failure of an invalid request: every problem, in member order.
    fn invalid(&self, mut problems: Vec<Problem>) -> Failure {
        let position = |p: &Problem| {
            let top = p.path.split('.').next().unwrap_or_default();
            self.action
                .input
                .iter()
                .position(|m| m.wire == top)
                .unwrap_or(usize::MAX)
        };
        problems.sort_by_key(position);
        Failure::Invalid {
            action: self.action.wire,
            problems,
        }
    }
}

impl ActionVisitor for Visit<'_> {
    type Output = Result<(), Failure>;

    fn visit<A>(mut self) -> Self::Output
    where
        A: Action + DeserializeOwned + PartialEq + Debug,
        A::Output: Serialize + PartialEq + Debug,
        ess_api::EssError: From<A::Error>,
    {
        let opts = self.opts;
        let mut problems = std::mem::take(&mut self.problems);
        let body = std::mem::take(&mut self.body);
        let input = match serde_json::from_value::<A>(Value::Object(body)) {
            Ok(input) => {
                if let Err(errors) = input.validate() {
                    let stand_ins = &self.stand_ins;
                    problems.extend(request::violations(&errors).into_iter().filter(|p| {
                        let top = p.path.split('.').next().unwrap_or_default();
                        !stand_ins.contains(&top)
                    }));
                }
                input
            }
            Err(e) => {
                problems.push(Problem {
                    path: String::new(),
                    message: e.to_string(),
                    rule: "type".to_owned(),
                });
                return Err(self.invalid(problems));
            }
        };
        if !problems.is_empty() {
            return Err(self.invalid(problems));
        }
        let client = opts.client()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::Io(format!("cannot start the runtime: {e}")))?;
        if opts.dry_run {
            let prepared = runtime
                .block_on(client.prepare(&input))
                .map_err(|e| Failure::from_sdk(A::NAME, e))?;
            let headers: Vec<(&str, &str)> = prepared.headers().collect();
            let text =
                output::dry_run(prepared.method(), prepared.url(), &headers, prepared.body());
            return output::write_stdout(&text);
        }
        let answer = runtime
            .block_on(client.send_unvalidated(input))
            .map_err(|e| Failure::from_sdk(A::NAME, e))?;
        output::answer(&answer, opts.format, opts.filter.as_ref())?;
        if opts.qr_terminal {
            let value = serde_json::to_value(&answer).unwrap_or(Value::Null);
            output::qr_terminal(&value)?;
        }
        Ok(())
    }
}
