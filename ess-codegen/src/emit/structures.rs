//! Structures: shared ones, and each action's request and response.
//!
//! A structure's [`Direction`] decides its serde derives and shape. The
//! derives of the direction it travels in are always on; the other
//! direction is behind the `server` feature of `ess-api` (emulators and test
//! servers decode requests and encode responses), which keeps the crate's
//! compile time down. A received structure is decoded leniently (see
//! [`decoding`](super::decoding)): a response may omit members or send
//! values this SDK does not know.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::decoding;
use super::docs::{docs, member_doc, with_wire_name};
use super::ident;
use crate::naming;
use crate::resolved::{
    DefaultValue, Direction, Member, MemberType, Model, Number, Prim, Structure,
};

/// A structure to emit.
pub(super) struct Item<'a> {
    /// Its Rust name.
    pub name: &'a str,
    /// Its doc text.
    pub doc: String,
    /// Its members.
    pub members: &'a [Member],
    /// How it travels; `None` for a shared structure no action reaches.
    pub direction: Option<Direction>,
    /// The members the spec does not list are kept.
    pub keep_unknown: bool,
    /// A response: it has the request id.
    pub request_id: bool,
}

/// Whether a structure is received: decoded leniently, shaped as a response.
pub(super) fn is_received(direction: Option<Direction>) -> bool {
    direction.is_some_and(Direction::is_received)
}

/// Whether `Serialize` is derived whatever the features. A structure no
/// action reaches yet has both derives.
fn always_serialized(direction: Option<Direction>) -> bool {
    direction.is_none_or(Direction::is_sent)
}

/// Whether `Deserialize` is implemented whatever the features.
fn always_deserialized(direction: Option<Direction>) -> bool {
    direction.is_none_or(Direction::is_received)
}

/// A shared structure, inside `pub mod types`.
pub(super) fn shared(model: &Model, s: &Structure) -> TokenStream {
    structure(
        model,
        &Item {
            name: &s.name.rust,
            doc: with_wire_name(&s.doc, &s.name.wire),
            members: &s.members,
            direction: s.direction,
            keep_unknown: s.keep_unknown,
            request_id: false,
        },
    )
}

/// The struct, its default constants and, when received, its decoding.
pub(super) fn structure(model: &Model, item: &Item<'_>) -> TokenStream {
    let name = ident(item.name);
    let received = is_received(item.direction);
    let serialized = always_serialized(item.direction);
    let fields = item
        .members
        .iter()
        .map(|m| field(model, m, received, serialized));
    let consts: Vec<TokenStream> = item
        .members
        .iter()
        .filter_map(|m| default_const(model, m))
        .collect();
    let impl_consts = if consts.is_empty() {
        quote!()
    } else {
        quote! {
            impl #name {
                #(#consts)*
            }
        }
    };
    let mut extra_fields = quote!();
    if item.request_id {
        let wire = naming::REQUEST_ID_WIRE;
        let field = ident(naming::REQUEST_ID_FIELD);
        let attr = serde_attr(quote!(rename = #wire), serialized);
        extra_fields.extend(quote! {
            /// Id of the request, for support enquiries.
            #attr
            pub #field: ::std::string::String,
        });
    }
    if item.keep_unknown {
        let field = ident(naming::EXTRA_FIELD);
        let attr = serde_attr(quote!(flatten), serialized);
        extra_fields.extend(quote! {
            /// Members the spec does not list, kept as received.
            #attr
            pub #field: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
        });
    }
    // Received structures decode through `de::Structure` (lenient
    // members, one small impl); the others use serde's derive.
    let (serde_derives, decode) = if received {
        (
            serde_derives(item.direction, false),
            decoding::decode_impl(&name, item),
        )
    } else {
        (serde_derives(item.direction, true), quote!())
    };
    let doc = docs(&item.doc);
    // `Default` would make a value whose required members were never set
    // (`send(Input::default())`): only structures without required members
    // have it, and received ones, which decoding starts from.
    let default = if received || !item.members.iter().any(|m| m.required) {
        quote!(Default,)
    } else {
        quote!()
    };
    quote! {
        #doc
        #[derive(Clone, #default PartialEq, ::ess_api::EssModel)]
        #serde_derives
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
            #extra_fields
        }
        #impl_consts
        #decode
    }
}

/// The serde derives; `derive_decode`: `Deserialize` is derived (a received
/// structure has its own, see [`decoding::decode_impl`]).
fn serde_derives(direction: Option<Direction>, derive_decode: bool) -> TokenStream {
    let ser = if always_serialized(direction) {
        quote!(#[derive(::serde::Serialize)])
    } else {
        quote!(#[cfg_attr(feature = "server", derive(::serde::Serialize))])
    };
    let de = if !derive_decode {
        quote!()
    } else if always_deserialized(direction) {
        quote!(#[derive(::serde::Deserialize)])
    } else {
        quote!(#[cfg_attr(feature = "server", derive(::serde::Deserialize))])
    };
    quote!(#ser #de)
}

/// `#[serde(...)]`, or `#[cfg_attr(feature = "server", serde(...))]` when
/// serde derives apply only with that feature.
fn serde_attr(inner: TokenStream, always: bool) -> TokenStream {
    if always {
        quote!(#[serde(#inner)])
    } else {
        quote!(#[cfg_attr(feature = "server", serde(#inner))])
    }
}

/// The Rust type of one element of `m` (not wrapped in Vec or Option).
pub(super) fn elem_type(model: &Model, m: &Member) -> TokenStream {
    let shared = match m.ty {
        MemberType::Prim(Prim::String) => return quote!(::std::string::String),
        MemberType::Prim(Prim::Int64) => return quote!(i64),
        MemberType::Prim(Prim::Uint64) => return quote!(u64),
        MemberType::Prim(Prim::Float) => return quote!(f64),
        MemberType::Prim(Prim::Bool) => return quote!(bool),
        MemberType::Prim(Prim::Json) => return quote!(::serde_json::Value),
        MemberType::Structure(s) => &model[s].name,
        MemberType::Enumeration(e) => &model[e].name,
    };
    let name = ident(&shared.rust);
    quote!(crate::types::#name)
}

/// Whether the field is a plain `T` (true) or an `Option<T>` (false): a
/// required member is plain, except an enumeration in a received structure.
pub(super) fn is_plain(m: &Member, received: bool) -> bool {
    m.required && !(received && matches!(m.ty, MemberType::Enumeration(_)))
}

/// One field. `serialized`: the structure derives `Serialize` whatever the
/// features, so its serde attributes are unconditional.
fn field(model: &Model, m: &Member, received: bool, serialized: bool) -> TokenStream {
    let name = naming::field_ident(&m.field);
    let wire = &m.wire;
    let elem = elem_type(model, m);
    let inner = if m.list {
        quote!(::std::vec::Vec<#elem>)
    } else {
        elem
    };
    let plain = is_plain(m, received);
    let ty = if plain {
        inner
    } else {
        quote!(::core::option::Option<#inner>)
    };

    let mut serde = vec![quote!(rename = #wire)];
    if !plain {
        serde.push(quote!(
            skip_serializing_if = "::core::option::Option::is_none"
        ));
    }
    let serde_attr = serde_attr(quote!(#(#serde),*), serialized);
    let count = |key: &str, v: Option<u64>| {
        v.map(|v| {
            let key = ident(key);
            let l = Literal::u64_unsuffixed(v);
            quote!(#key = #l)
        })
    };
    let bound = |key: &str, b: Option<Number>| {
        b.map(|b| {
            let key = ident(key);
            let lit = match b {
                Number::Int(i) if i < 0 => {
                    let l = Literal::u64_unsuffixed(i.unsigned_abs());
                    quote!(-#l)
                }
                Number::Int(i) => {
                    let l = Literal::i64_unsuffixed(i);
                    quote!(#l)
                }
                Number::Float(f) if f < 0.0 => {
                    let l = Literal::f64_unsuffixed(-f);
                    quote!(-#l)
                }
                Number::Float(f) => {
                    let l = Literal::f64_unsuffixed(f);
                    quote!(#l)
                }
            };
            quote!(#key = #lit)
        })
    };
    let format = m.format.map(|f| {
        let key = ident(ess_grammar::FORMAT);
        let f = f.as_str();
        quote!(#key = #f)
    });
    let sensitive = ident(ess_grammar::SENSITIVE);
    let ess: Vec<TokenStream> = [
        count(ess_grammar::MIN_CHARS, m.min_chars),
        count(ess_grammar::MAX_CHARS, m.max_chars),
        bound(ess_grammar::MIN, m.min.as_ref().map(|b| b.value)),
        bound(ess_grammar::MAX, m.max.as_ref().map(|b| b.value)),
        count(ess_grammar::MIN_ITEMS, m.min_items),
        count(ess_grammar::MAX_ITEMS, m.max_items),
        format,
        m.sensitive.then(|| quote!(#sensitive)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let ess_attr = if ess.is_empty() {
        quote!()
    } else {
        quote!(#[ess(#(#ess),*)])
    };
    let deprecated = match &m.deprecated {
        Some(note) => quote!(#[deprecated(note = #note)]),
        None => quote!(),
    };
    let doc = docs(&member_doc(m, received));
    quote! {
        #doc
        #deprecated
        #serde_attr
        #ess_attr
        pub #name: #ty,
    }
}

/// `pub const DEFAULT_X: T = v;` for a member with a default.
fn default_const(model: &Model, m: &Member) -> Option<TokenStream> {
    let d = m.default.as_ref()?;
    let name = ident(&d.constant);
    let doc = docs(&format!(
        "What the service assumes when `{}` is not sent.",
        m.field
    ));
    let (ty, value) = match &d.value {
        DefaultValue::Bool(b) => (quote!(bool), quote!(#b)),
        DefaultValue::String(s) => (quote!(&'static str), quote!(#s)),
        DefaultValue::Int64(i) => {
            let l = Literal::i64_unsuffixed(*i);
            (quote!(i64), quote!(#l))
        }
        DefaultValue::Uint64(u) => {
            let l = Literal::u64_unsuffixed(*u);
            (quote!(u64), quote!(#l))
        }
        DefaultValue::Float(f) => {
            let l = Literal::f64_unsuffixed(*f);
            (quote!(f64), quote!(#l))
        }
        DefaultValue::Variant(v) => {
            let ty = ident(&model[v.enumeration()].name.rust);
            let variant = ident(&model[*v].variant);
            (
                quote!(crate::types::#ty),
                quote!(crate::types::#ty::#variant),
            )
        }
    };
    Some(quote! {
        #doc
        pub const #name: #ty = #value;
    })
}
