//! The `service` module (name, version, hosts, actions, error-code
//! constants), the service-wide error and the dispatch over every action.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::docs;
use super::{errors, ident};
use crate::naming;
use crate::resolved::{ErrorId, Model, RetryClass};

/// The service items, ahead of the `types` and `operation` modules.
pub(super) fn service(model: &Model) -> TokenStream {
    let s = model.service();
    let name = &s.name;
    let version = &s.version;
    let endpoint = &s.endpoint;
    let title = &s.title;
    // Sorted: the enum does not depend on the order of errors.toml.
    let codes: Vec<ErrorId> = model.errors().iter().map(|(id, _)| id).collect();
    let error_enum = errors::error_enum(
        model,
        &ident(naming::SERVICE_ERROR),
        &format!(
            "Every error code of {title}: the service-wide error.\n\nEach action's error converts into it, so `?` works across actions."
        ),
        &codes,
    );
    let svc_doc = docs(&format!(
        "Facts about the {title} API that every request needs."
    ));
    let url = format!("https://{endpoint}");
    let test_endpoint = &s.test_endpoint;
    let actions = model.actions().iter().map(|a| &a.wire);
    let groups = s.groups.iter().map(|g| &g.name);
    let dispatch_arms = model.actions().iter().map(|a| {
        let wire = &a.wire;
        let module = ident(&a.names.module);
        let input = ident(&a.names.input);
        let cfg = a.group.as_ref().map(|g| quote!(#[cfg(feature = #g)]));
        quote! {
            #cfg
            #wire => ::core::option::Option::Some(visitor.visit::<crate::operation::#module::#input>()),
        }
    });
    let hosts = s.action_hosts.iter().map(|h| {
        let (production, test) = (&h.production, &h.test);
        quote!((#production, #test))
    });
    let retry_arms = model.errors().sorted().iter().map(|e| {
        let code = &e.code;
        let class = ident(match e.retry {
            RetryClass::Never => "Never",
            RetryClass::Throttling => "Throttling",
            RetryClass::Transient => "Transient",
            RetryClass::Resign => "Resign",
        });
        quote!(#code => ::core::option::Option::Some(::ess_api::RetryClass::#class),)
    });
    let common = s.common_errors.iter().map(|&id| &model[id].code);
    let code_consts = model.errors().sorted().iter().map(|e| {
        let name = ident(&e.constant);
        let code = &e.code;
        let doc = docs(&format!("`{code}`: {}", e.doc));
        quote!(#doc pub const #name: &str = #code;)
    });
    quote! {
        #svc_doc
        pub mod service {
            /// Service name, used in the signature's credential scope.
            pub const NAME: &str = #name;
            /// API version, sent as `X-TC-Version`.
            pub const VERSION: &str = #version;
            /// Default host.
            pub const ENDPOINT: &str = #endpoint;
            /// Default endpoint URL (HTTPS on the default host).
            pub const ENDPOINT_URL: &str = #url;
            /// Host of the service's integration-test environment.
            pub const TEST_ENDPOINT: &str = #test_endpoint;
            /// The hosts that serve particular actions, as (production,
            /// integration test) pairs.
            pub const ACTION_HOSTS: &[(&str, &str)] = &[#(#hosts),*];
            /// Every action this SDK knows, by wire name.
            pub const ACTIONS: &[&str] = &[#(#actions),*];

            /// The action groups: each is a cargo feature that compiles its
            /// actions and the types they use (`full` is all of them).
            pub const GROUPS: &[&str] = &[#(#groups),*];

            /// The tables above, as the runtime's client takes them.
            #[doc(hidden)]
            pub static INFO: ::ess_api::__private::ServiceInfo = ::ess_api::__private::ServiceInfo {
                test_endpoint: TEST_ENDPOINT,
                action_hosts: ACTION_HOSTS,
                actions: ACTIONS,
            };

            /// Every error code of the catalogue, as a constant: code
            /// that answers or matches codes names them here instead of
            /// spelling them.
            pub mod codes {
                #(#code_consts)*
            }

            /// The codes any action can answer whatever its own list says
            /// (authentication, throttling, malformed requests, service
            /// faults); an action's error keeps them as `Unhandled`.
            pub const COMMON_ERRORS: &[&str] = &[#(#common),*];

            /// The retry class the error catalogue gives `code`, or `None` for
            /// a code it does not hold. Classifies the codes an action's own
            /// error does not model.
            pub fn retry_class(code: &str) -> ::core::option::Option<::ess_api::RetryClass> {
                match code {
                    #(#retry_arms)*
                    _ => ::core::option::Option::None,
                }
            }
        }
        #error_enum

        /// Dispatch from an action's wire name to its generated types,
        /// for code that handles every action alike (test suites, fuzz
        /// targets, emulators). Not part of the stable API.
        #[doc(hidden)]
        #[cfg(feature = "server")]
        pub mod __dispatch {
            /// Something done with the generated types of one action.
            pub trait ActionVisitor {
                /// What it returns.
                type Output;

                /// Does it with the action whose request type is `A`.
                fn visit<A>(self) -> Self::Output
                where
                    A: ::ess_api::Action + ::serde::de::DeserializeOwned + ::core::cmp::PartialEq + ::core::fmt::Debug,
                    A::Output: ::serde::Serialize + ::core::cmp::PartialEq + ::core::fmt::Debug,
                    crate::EssError: ::core::convert::From<A::Error>;
            }

            /// Calls `visitor` with the request type of the action named
            /// `name`; `None` for a name that is not an action.
            pub fn visit_action<V: ActionVisitor>(name: &str, visitor: V) -> ::core::option::Option<V::Output> {
                match name {
                    #(#dispatch_arms)*
                    _ => ::core::option::Option::None,
                }
            }
        }
    }
}
