//! The receiver's URL: parsed once, checked against the loopback rule, and
//! resolved at each attempt.

use std::io;
use std::net::{IpAddr, SocketAddr};

use super::CallbackConfigError;

/// The host part of a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Host {
    Ip(IpAddr),
    Name(String),
}

/// Where callbacks are posted: a parsed `http://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    host: Host,
    port: u16,
    /// The `Host` header value.
    authority: String,
    /// Path and query, starting with `/`.
    path: String,
    /// Whether addresses other than loopback ones may be used.
    allow_non_loopback: bool,
}

/// Whether an address is a loopback one (IPv4-mapped IPv6 included).
fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

impl Target {
    /// Parses `http://host[:port][/path][?query][#fragment]`; the fragment
    /// is dropped. Refuses other schemes, user information, empty or
    /// malformed hosts and ports, and, unless `allow_non_loopback`, a host
    /// that is neither a loopback address nor `localhost`.
    pub(crate) fn parse(url: &str, allow_non_loopback: bool) -> Result<Self, CallbackConfigError> {
        let fail = |reason: &str| CallbackConfigError::Url {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let trimmed = url.trim();
        if trimmed.is_empty() {
            return Err(fail("a callback URL is required"));
        }
        let Some((scheme, rest)) = trimmed.split_once("://") else {
            return Err(fail("expected http://host[:port][/path]"));
        };
        if scheme.eq_ignore_ascii_case("https") {
            return Err(fail(
                "https is not supported: the emulator posts callbacks over plain http",
            ));
        }
        if !scheme.eq_ignore_ascii_case("http") {
            return Err(fail("only http:// URLs are supported"));
        }
        let rest = rest.split('#').next().unwrap_or("");
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if authority.contains('@') {
            return Err(fail("user information in the URL is not supported"));
        }
        if tail.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(fail(
                "the path must not contain spaces or control characters",
            ));
        }
        let path = match tail {
            "" => "/".to_owned(),
            t if t.starts_with('?') => format!("/{t}"),
            t => t.to_owned(),
        };
        let (host_text, port_text) = if let Some(inner) = authority.strip_prefix('[') {
            let Some((v6, after)) = inner.split_once(']') else {
                return Err(fail("an IPv6 address must be closed with ]"));
            };
            let port = match after {
                "" => None,
                p => match p.strip_prefix(':') {
                    Some(p) => Some(p),
                    None => return Err(fail("unexpected text after the IPv6 address")),
                },
            };
            (v6, port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host_text.is_empty() {
            return Err(fail("the URL has no host"));
        }
        let port = match port_text {
            None => 80,
            Some(p) => match p.parse::<u16>() {
                Ok(port) if port > 0 && p.bytes().all(|b| b.is_ascii_digit()) => port,
                _ => return Err(fail("the port must be a number from 1 to 65535")),
            },
        };
        let host = match host_text.parse::<IpAddr>() {
            Ok(ip) => Host::Ip(ip),
            Err(_) if authority.starts_with('[') => {
                return Err(fail("not a valid IPv6 address"));
            }
            Err(_) => {
                let valid = host_text.len() <= 253
                    && host_text.split('.').all(|label| {
                        !label.is_empty()
                            && label.len() <= 63
                            && label
                                .bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    });
                if !valid {
                    return Err(fail("not a valid host name"));
                }
                Host::Name(host_text.to_ascii_lowercase())
            }
        };
        let loopback = match &host {
            Host::Ip(ip) => is_loopback(*ip),
            Host::Name(name) => name == "localhost",
        };
        if !loopback && !allow_non_loopback {
            return Err(CallbackConfigError::NotLoopback {
                url: url.to_owned(),
                host: host_text.to_owned(),
            });
        }
        Ok(Target {
            host,
            port,
            authority: authority.to_owned(),
            path,
            allow_non_loopback,
        })
    }

    /// The `Host` header value.
    pub(crate) fn authority(&self) -> &str {
        &self.authority
    }

    /// The request target: path and query.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// The addresses to try, in order. A name is resolved each time; unless
    /// non-loopback hosts are allowed, only its loopback addresses are kept.
    pub(crate) async fn addresses(&self) -> io::Result<Vec<SocketAddr>> {
        match &self.host {
            Host::Ip(ip) => Ok(vec![SocketAddr::new(*ip, self.port)]),
            Host::Name(name) => {
                let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), self.port))
                    .await?
                    .filter(|a| self.allow_non_loopback || is_loopback(a.ip()))
                    .collect();
                if found.is_empty() {
                    Err(io::Error::new(
                        io::ErrorKind::NotFound,
                        format!("{name} resolves to no usable address"),
                    ))
                } else {
                    Ok(found)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(url: &str) -> Target {
        Target::parse(url, false).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    fn refused(url: &str) -> CallbackConfigError {
        Target::parse(url, false).unwrap_err()
    }

    #[test]
    fn loopback_urls() {
        let t = ok("http://127.0.0.1:9000/ess/callback?x=1#frag");
        assert_eq!(t.authority(), "127.0.0.1:9000");
        assert_eq!(t.path(), "/ess/callback?x=1");
        assert_eq!(t.port, 9000);
        let t = ok("HTTP://localhost");
        assert_eq!((t.port, t.path()), (80, "/"));
        assert_eq!(t.host, Host::Name("localhost".into()));
        let t = ok("http://[::1]:8080?a");
        assert_eq!(t.host, Host::Ip("::1".parse().unwrap()));
        assert_eq!(t.path(), "/?a");
        ok("http://127.3.4.5:1/");
        ok("http://[::ffff:127.0.0.1]:1/");
    }

    #[test]
    fn refused_urls() {
        for url in [
            "",
            "127.0.0.1:9000",
            "ftp://127.0.0.1/",
            "https://127.0.0.1/",
            "http://user:pw@127.0.0.1/",
            "http://:80/",
            "http://127.0.0.1:0/",
            "http://127.0.0.1:99999/",
            "http://127.0.0.1:+80/",
            "http://[::1/",
            "http://[::1]x/",
            "http://[nope]/",
            "http://bad_host/",
            "http://127.0.0.1/a b",
        ] {
            assert!(
                matches!(refused(url), CallbackConfigError::Url { .. }),
                "{url}"
            );
        }
        assert!(refused("https://127.0.0.1/")
            .to_string()
            .contains("https is not supported"));
        for url in [
            "http://10.0.0.1/",
            "http://example.com/",
            "http://[2001:db8::1]/",
            "http://0.0.0.0:80/",
            "http://localhost.example.com/",
        ] {
            assert!(
                matches!(refused(url), CallbackConfigError::NotLoopback { .. }),
                "{url}"
            );
            assert!(Target::parse(url, true).is_ok(), "{url}");
        }
    }

    #[tokio::test]
    async fn addresses() {
        let t = ok("http://127.0.0.1:7/");
        assert_eq!(
            t.addresses().await.unwrap(),
            ["127.0.0.1:7".parse().unwrap()]
        );
        if let Ok(found) = ok("http://localhost:7/").addresses().await {
            assert!(found.iter().all(|a| a.ip().is_loopback() && a.port() == 7));
        }
    }
}
