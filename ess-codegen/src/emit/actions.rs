//! One module per action: request, response, error, fluent builder, and the
//! client's method.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::docs::{docs, member_doc};
use super::structures::{elem_type, structure, Item};
use super::{errors, ident};
use crate::naming;
use crate::resolved::{Action, Direction, Member, Model};

/// `pub mod <action> { ... }` and the client's method for it.
pub(super) fn action(model: &Model, a: &Action) -> TokenStream {
    let wire = &a.wire;
    let names = &a.names;
    let module = ident(&names.module);
    let method = &module;
    let input = ident(&names.input);
    let input_builder = ident(&names.input_builder);
    let output = ident(&names.output);
    let error = ident(&names.error);
    let fluent = ident(&names.fluent_builder);

    let title = a
        .title
        .as_deref()
        .map(|t| format!(" ({t})"))
        .unwrap_or_default();
    let mut module_doc = format!("`{wire}`{title}.");
    let summary = a.doc.trim();
    if !summary.is_empty() {
        module_doc.push_str("\n\n");
        module_doc.push_str(summary);
    }
    if let Some(r) = a.rate_limit {
        module_doc.push_str(&format!("\n\nRate limit: {r} requests per second."));
    }
    module_doc.push_str(if a.idempotent {
        "\n\nSafe to repeat: failed attempts may be retried."
    } else {
        "\n\nNot safe to repeat: an ambiguous failure is not retried, so a retry cannot create a duplicate."
    });
    if let Some(group) = &a.group {
        module_doc.push_str(&format!(
            "\n\nCompiled with the `{group}` feature of `ess-api` (on in the default `full`)."
        ));
    }

    let input_struct = structure(
        model,
        &Item {
            name: &names.input,
            doc: format!(
                "Request of `{wire}`. Build it with [`{}::builder`].",
                names.input
            ),
            members: &a.input,
            direction: Some(Direction::Sent),
            keep_unknown: false,
            request_id: false,
        },
    );
    let output_struct = structure(
        model,
        &Item {
            name: &names.output,
            doc: format!("Response of `{wire}`."),
            members: &a.output,
            direction: Some(Direction::Received),
            keep_unknown: false,
            request_id: true,
        },
    );

    let host_consts = match &a.host {
        Some(h) => {
            let (production, test) = (&h.production, &h.test);
            module_doc.push_str(&format!(
                "\n\nServed at `{production}` (integration-test environment: `{test}`), not at the service's main host."
            ));
            quote! {
                const HOST: ::core::option::Option<&'static str> = ::core::option::Option::Some(#production);
                const TEST_HOST: ::core::option::Option<&'static str> = ::core::option::Option::Some(#test);
            }
        }
        None => quote!(),
    };
    let idempotent = a.idempotent;
    let rate = match a.rate_limit {
        Some(r) => {
            let l = Literal::u32_unsuffixed(r);
            quote!(::core::option::Option::Some(#l))
        }
        None => quote!(::core::option::Option::None),
    };
    let error_items = errors::action_errors(model, a);

    let setters = a.input.iter().map(|m| fluent_setters(model, m));
    let deprecated_method = a
        .deprecated
        .as_ref()
        .map(|d| quote!(#[deprecated(note = #d)]));
    let method_doc = docs(&format!(
        "Starts a `{wire}` call{title}: set the request members, then `send()`."
    ));
    let fluent_doc = docs(&format!(
        "Fluent `{wire}` call, made by [`Client::{method}`](crate::Client::{method})."
    ));
    let module_doc = docs(&module_doc);
    // What the fluent `send` and `send_unvalidated` return.
    let call = quote! {
        impl ::core::future::Future<Output = ::core::result::Result<#output, crate::SdkError<#error>>>
            + ::core::marker::Send
            + 'static
    };

    quote! {
        #module_doc
        pub mod #module {
            #input_struct

            impl ::ess_api::__private::Sealed for #input {}
            impl ::ess_api::Action for #input {
                const NAME: &'static str = #wire;
                const IDEMPOTENT: bool = #idempotent;
                const RATE_LIMIT: ::core::option::Option<u32> = #rate;
                #host_consts
                type Output = #output;
                type Error = #error;
            }

            #output_struct

            #error_items

            #fluent_doc
            #[derive(Clone, Debug)]
            pub struct #fluent {
                client: crate::Client,
                inner: #input_builder,
            }

            impl #fluent {
                pub(crate) fn new(client: crate::Client) -> Self {
                    Self { client, inner: #input::builder() }
                }

                /// The request built so far.
                pub fn as_input(&self) -> &#input_builder {
                    &self.inner
                }

                /// Validates the request and sends it.
                ///
                /// A request that breaks a documented rule fails with every
                /// violation at once, before anything is sent. The request is
                /// built, checked and serialized when `send` is called; the
                /// future borrows nothing, so it can be spawned.
                pub fn send(self) -> #call {
                    self.client.__send_built(
                        self.inner.build().map_err(::core::convert::Into::into),
                        false,
                    )
                }

                /// Sends the request without checking the documented rules
                /// (required members must still be set).
                pub fn send_unvalidated(self) -> #call {
                    self.client.__send_built(
                        self.inner.build_unvalidated().map_err(::core::convert::Into::into),
                        false,
                    )
                }

                #(#setters)*
            }
        }

        impl crate::Client {
            #method_doc
            #deprecated_method
            pub fn #method(&self) -> crate::operation::#module::#fluent {
                crate::operation::#module::#fluent::new(self.clone())
            }
        }
    }
}

/// The fluent builder's two setters of request member `m`, forwarding to
/// the request builder's.
fn fluent_setters(model: &Model, m: &Member) -> TokenStream {
    let field = &m.field;
    let name = naming::field_ident(field);
    let set = ident(&m.setter);
    let elem = elem_type(model, m);
    let doc = member_doc(m, false);
    let deprecated = match &m.deprecated {
        Some(note) => quote!(#[deprecated(note = #note)] #[allow(deprecated)]),
        None => quote!(),
    };
    let (one_doc, arg, set_ty) = if m.list {
        (
            format!("{doc}\n\nAppends one element; call again to add more."),
            quote!(item: impl ::core::convert::Into<#elem>),
            quote!(::core::option::Option<::std::vec::Vec<#elem>>),
        )
    } else {
        (
            doc,
            quote!(v: impl ::core::convert::Into<#elem>),
            quote!(::core::option::Option<#elem>),
        )
    };
    let call = if m.list { quote!(item) } else { quote!(v) };
    let set_doc = docs(&format!("Sets or clears `{field}` (`None` clears)."));
    let one_doc = docs(&one_doc);
    quote! {
        #one_doc
        #deprecated
        pub fn #name(mut self, #arg) -> Self {
            self.inner = self.inner.#name(#call);
            self
        }
        #set_doc
        #deprecated
        pub fn #set(mut self, v: #set_ty) -> Self {
            self.inner = self.inner.#set(v);
            self
        }
    }
}
