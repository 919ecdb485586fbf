//! The clap commands, built from the spec's tables.
//!
//! Only what a run needs is built: `ess <Action> ...` builds that one
//! action's options; the list of every action (for `ess --help` and for
//! suggestions) carries names and titles only; `ess completions` builds
//! everything.

use clap::{Arg, ArgAction, Command};

use crate::spec::{ActionDef, MemberDef, Ty, ACTIONS, ENUMS, STRUCTS};

/// The action whose answer `--qr-terminal` can draw.
pub const QR_ACTION: &str = "CreateMultiFlowSignQRCode";

/// How much of each action a command carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Names and titles: enough to list the actions and suggest one.
    Names,
    /// Everything, for completions.
    Full,
}

/// Options of `ess` itself that take a value, for finding the action
/// among the arguments before any command is built.
pub const GLOBAL_WITH_VALUE: &[&str] = &[
    "--profile",
    "--region",
    "--endpoint",
    "--environment",
    "--language",
    "--output",
    "--filter",
    "--timeout",
    "--secretId",
    "--secret-id",
    "--secretKey",
    "--secret-key",
    "--token",
];

const GLOBAL: &str = "Global options";
const MEMBERS: &str = "Request members";
const INPUT: &str = "Request input";

/// The `ess` command: global options, `completions`, and the actions:
/// `full` in full detail (the one being run), every other one at `detail`
/// (`None`: left out).
pub fn root(full: Option<&'static ActionDef>, detail: Option<Detail>) -> Command {
    let mut cmd = Command::new("ess")
        .version(env!("CARGO_PKG_VERSION"))
        .about(format!(
            "Every action of {} (ESS, API {}) from the command line",
            crate::spec::TITLE,
            crate::spec::VERSION
        ))
        .long_about(format!(
            "Every action of {} (ESS, API {}) from the command line.\n\n\
             `ess <Action> --<Member> <value>` works like `tccli ess <Action> ...`: members by \
             their wire names (structures and lists as JSON), --cli-input-json, \
             --generate-cli-skeleton, tccli's profiles. Requests are checked against the spec \
             before anything is sent. `ess <Action> --help` documents every member.",
            crate::spec::TITLE,
            crate::spec::VERSION
        ))
        .after_help(EXIT_CODES)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .max_term_width(100)
        .subcommand_help_heading("Actions")
        .args(global_args())
        .subcommand(
            Command::new("completions")
                .about("Print a shell completion script (bash, zsh, fish, elvish, powershell)")
                .arg(
                    Arg::new("shell")
                        .required(true)
                        .value_parser(clap::value_parser!(clap_complete::Shell)),
                ),
        );
    for a in ACTIONS {
        if full.is_some_and(|f| std::ptr::eq(f, a)) {
            cmd = cmd.subcommand(action(a));
        } else {
            match detail {
                Some(Detail::Names) => cmd = cmd.subcommand(listed(a)),
                Some(Detail::Full) => cmd = cmd.subcommand(action(a)),
                None => {}
            }
        }
    }
    cmd
}

/// The exit codes, as `ess --help` lists them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0   success
  1   a local failure (a file could not be read or written)
  2   the command line or the request is invalid: nothing was sent
  3   no usable credentials or settings: nothing was sent
  4   the service refused the request (an error code such as InvalidParameter.FlowName)
  5   the service refused the credentials (AuthFailure.*, UnauthorizedOperation.*)
  6   the service throttled the request (RequestLimitExceeded...)
  7   the service failed (InternalError..., ServiceUnavailable...)
  8   the request could not be delivered (connection, DNS, TLS)
  9   the request timed out
  10  the answer could not be understood";

fn global_args() -> Vec<Arg> {
    let opt = |id: &'static str, value: &'static str, help: &'static str| {
        Arg::new(id)
            .long(id)
            .value_name(value)
            .help(help)
            .global(true)
            .help_heading(GLOBAL)
    };
    vec![
        opt("profile", "NAME", "tccli profile (~/.tccli/NAME.credential and .configure) or section of the credentials file [env: TCCLI_PROFILE]"),
        opt("region", "REGION", "Region sent as X-TC-Region [env: TENCENTCLOUD_REGION]"),
        opt("endpoint", "URL", "Send every action here: https://host, http://127.0.0.1:PORT or a host name [env: TENCENTCLOUD_ESS_ENDPOINT]"),
        opt("environment", "ENV", "The service's deployment: production or test (the integration-test environment) [env: TENCENTCLOUD_ESS_ENVIRONMENT]")
            .value_parser(["production", "test"]),
        opt("language", "LANG", "Language of the service's messages").value_parser(["zh-CN", "en-US"]),
        opt("output", "FORMAT", "How the answer is printed: json (default), table or text")
            .value_parser(["json", "table", "text"]),
        opt("filter", "JMESPATH", "Print only what this JMESPath expression selects from the answer"),
        opt("timeout", "SECONDS", "Give up on an attempt after this many seconds")
            .value_parser(clap::value_parser!(u64).range(1..=3600)),
        opt("secretId", "ID", "SecretId (else the environment or the profile)").alias("secret-id"),
        opt("secretKey", "KEY", "SecretKey (else the environment or the profile; prefer those: arguments are visible to other local users)").alias("secret-key"),
        opt("token", "TOKEN", "Session token of temporary credentials"),
        Arg::new("dry-run")
            .long("dry-run")
            .action(ArgAction::SetTrue)
            .help("Check and sign the request, print it with its secrets redacted, send nothing")
            .global(true)
            .help_heading(GLOBAL),
    ]
}

/// An action with its names and title only.
fn listed(a: &'static ActionDef) -> Command {
    Command::new(a.wire).alias(a.kebab).about(summary(a))
}

/// The one-line description of an action.
fn summary(a: &ActionDef) -> String {
    let first = first_sentence(a.doc);
    let text = match a.title {
        Some(t) if !t.is_empty() => format!("{first} ({t})"),
        _ => first.to_owned(),
    };
    match a.deprecated {
        Some(_) => format!("[deprecated] {text}"),
        None => text,
    }
}

/// The first sentence of a doc, on one line, links reduced to their text.
fn first_sentence(doc: &str) -> String {
    let paragraph = doc.trim().split("\n\n").next().unwrap_or_default();
    let line = unlink(&paragraph.split_whitespace().collect::<Vec<_>>().join(" "));
    match line.find(". ") {
        Some(i) => line[..=i].to_owned(),
        None => line,
    }
}

/// `[text](url)` becomes `text`.
fn unlink(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let link = after.find("](").and_then(|close| {
            let url = &after[close + 2..];
            url.find(')').map(|end| (close, close + 2 + end + 1))
        });
        match link {
            Some((close, skip)) if !after[..close].contains('[') => {
                out.push_str(&rest[..open]);
                out.push_str(&after[..close]);
                rest = &after[skip..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A doc with its paragraphs unwrapped, for clap to wrap to the terminal;
/// lines that start a list item stay lines of their own.
fn reflow(doc: &str) -> String {
    let mut out = String::new();
    for (i, paragraph) in doc.trim().split("\n\n").enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        for (j, line) in paragraph.lines().map(str::trim).enumerate() {
            let item = line.starts_with("- ")
                || line.starts_with("* ")
                || line
                    .split_once(". ")
                    .is_some_and(|(n, _)| n.parse::<u32>().is_ok());
            if j > 0 {
                out.push(if item { '\n' } else { ' ' });
            }
            out.push_str(line);
        }
    }
    out
}

/// An action with every option.
pub fn action(a: &'static ActionDef) -> Command {
    let mut long = String::new();
    if let Some(t) = a.title {
        long.push_str(&format!("{} ({t})\n\n", a.wire));
    }
    long.push_str(&reflow(a.doc));
    if let Some(d) = a.deprecated {
        long.push_str(&format!("\n\nDeprecated: {d}"));
    }
    long.push_str(if a.idempotent {
        "\n\nSafe to repeat: a failed attempt is retried."
    } else {
        "\n\nNot safe to repeat: an ambiguous failure is not retried."
    });
    if let Some(r) = a.rate_limit {
        long.push_str(&format!(" Rate limit: {r} requests per second."));
    }
    long.push_str(&format!("\n\nAlso spelled `ess {}`.", a.kebab));
    let mut after = String::new();
    if !a.errors.is_empty() {
        after.push_str("Error codes this action documents (besides the service-wide ones):\n");
        for code in a.errors {
            after.push_str(&format!("  {code}\n"));
        }
        after.push('\n');
    }
    if !a.output.is_empty() {
        after.push_str("Answer members (besides RequestId):\n");
        for m in a.output {
            after.push_str(&format!(
                "  {} ({}): {}\n",
                m.wire,
                m.type_name(),
                first_sentence(m.doc)
            ));
        }
        after.push('\n');
    }
    after.push_str(&format!(
        "Examples:\n  ess {w} --generate-cli-skeleton > req.json\n  ess {w} --cli-input-json file://req.json\n  ess {w} --cli-input-json - --dry-run < req.json",
        w = a.wire
    ));

    let mut cmd = Command::new(a.wire)
        .alias(a.kebab)
        .about(summary(a))
        .long_about(long)
        .after_long_help(after)
        .max_term_width(100)
        .next_help_heading(INPUT)
        .arg(
            Arg::new("cli-input-json")
                .long("cli-input-json")
                .value_name("JSON")
                .help("The request as JSON: file://PATH, - for standard input, or the JSON itself; member options override its members"),
        )
        .arg(
            Arg::new("generate-cli-skeleton")
                .long("generate-cli-skeleton")
                .action(ArgAction::SetTrue)
                .help("Print a request that --cli-input-json takes, filled from the spec's examples, and exit"),
        )
        .arg(
            Arg::new("cli-unfold-argument")
                .long("cli-unfold-argument")
                .action(ArgAction::SetTrue)
                .help("tccli's switch for members given part by part (--Operator.UserId ID, --Restrictions.0.Mobile N); they work without it too"),
        )
        .arg(
            Arg::new("api-version")
                .long("version")
                .value_name("VERSION")
                .help(format!("API version (tccli's option); only {} exists", crate::spec::VERSION))
                .value_parser([crate::spec::VERSION]),
        );
    if a.wire == QR_ACTION {
        cmd = cmd.arg(
            Arg::new("qr-terminal")
                .long("qr-terminal")
                .action(ArgAction::SetTrue)
                .help("Also draw the created code in the terminal (on standard error)"),
        );
    }
    cmd = cmd.next_help_heading(MEMBERS);
    for m in a.input {
        cmd = cmd.arg(member_arg(m));
    }
    cmd
}

fn member_arg(m: &'static MemberDef) -> Arg {
    let value_name = match m.ty {
        Ty::Struct(_) | Ty::Json => "JSON",
        Ty::Int64 | Ty::Uint64 => "INT",
        Ty::Float => "NUMBER",
        Ty::Bool => "BOOL",
        Ty::Enum(i) if ENUMS[i].repr != crate::spec::Repr::String => "INT",
        Ty::String | Ty::Enum(_) => "STRING",
    };
    let mut arg = Arg::new(m.wire)
        .long(m.wire)
        .value_name(value_name)
        .help(short_help(m))
        .long_help(long_help(m));
    if let Some(k) = m.kebab {
        arg = arg.visible_alias(k);
    }
    if m.list {
        arg.num_args(1..).action(ArgAction::Append)
    } else {
        arg.num_args(1).action(ArgAction::Set)
    }
}

fn short_help(m: &MemberDef) -> String {
    let mut s = String::new();
    if m.deprecated.is_some() {
        s.push_str("[deprecated] ");
    }
    s.push_str(&first_sentence(m.doc));
    s.push_str(&format!(" [{}", m.type_name()));
    if m.required {
        s.push_str(", required");
    }
    s.push(']');
    s
}

fn long_help(m: &MemberDef) -> String {
    let mut s = reflow(m.doc);
    let mut facts = vec![m.type_name()];
    if m.required {
        facts.push("required".to_owned());
    }
    facts.extend(m.rules());
    s.push_str(&format!("\n\nType: {}", facts.join("; ")));
    if let Some(d) = m.default {
        s.push_str(&format!("\nDefault: {d}"));
    }
    if !m.values.is_empty() {
        s.push_str(&format!("\nValues: {}", m.values.join(", ")));
    }
    if let Ty::Enum(i) = m.ty {
        s.push_str(&format!(
            "\n{}: {}",
            ENUMS[i].wire,
            first_sentence(ENUMS[i].doc)
        ));
        s.push_str("\nValues:");
        for v in ENUMS[i].values {
            s.push_str(&format!("\n  {}", v.wire));
            if let Some(doc) = v.doc {
                s.push_str(&format!(": {}", first_sentence(doc)));
            }
            if v.deprecated.is_some() {
                s.push_str(" [deprecated]");
            }
        }
    }
    if let Some(e) = m.example {
        s.push_str(&format!("\nExample: {e}"));
    }
    if let Some(d) = m.deprecated {
        s.push_str(&format!("\nDeprecated: {d}"));
    }
    if m.sensitive {
        s.push_str("\nPersonal data.");
    }
    if let Ty::Struct(i) = m.ty {
        s.push_str(&format!(
            "\n{}: {} Members:",
            STRUCTS[i].wire,
            first_sentence(STRUCTS[i].doc)
        ));
        for x in STRUCTS[i].members {
            if x.deprecated.is_some() {
                continue;
            }
            let mut facts = vec![x.type_name()];
            if x.required {
                facts.push("required".to_owned());
            }
            facts.extend(x.rules());
            s.push_str(&format!(
                "\n  {} ({}): {}",
                x.wire,
                facts.join("; "),
                first_sentence(x.doc)
            ));
        }
    }
    if m.list {
        s.push_str("\nGive several values after the option, or one JSON list.");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_are_one_line_without_links() {
        assert_eq!(
            first_sentence("Uploads [files](https://x/y) and\nmore. Then [a] b.\n\nNext."),
            "Uploads files and more."
        );
        assert_eq!(unlink("a [b] (c) [d](e) [f"), "a [b] (c) d [f");
    }

    #[test]
    fn paragraphs_are_unwrapped_and_list_items_kept() {
        assert_eq!(
            reflow("One\ntwo.\n\n- a\n- b\n1. c\nd"),
            "One two.\n\n- a\n- b\n1. c d"
        );
    }
}
