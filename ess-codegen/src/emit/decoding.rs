//! Lenient decoding of received structures: a small `de::Structure` impl
//! (wire name → position → member decoder) driven by one generic visitor in
//! `ess_api::de`, instead of serde's derive.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::ident;
use super::structures::{is_plain, Item};
use crate::naming;
use crate::resolved::{Member, MemberType, Prim};

/// How a received member is decoded: the `ess_api::__private::de` seed
/// (lenient scalars and lists, structures where `null` is the default),
/// or `None` for the member type's own `Deserialize`.
fn received_seed(m: &Member) -> Option<&'static str> {
    let prim = matches!(m.ty, MemberType::Prim(p) if p != Prim::Json);
    match (prim, m.list, is_plain(m, true)) {
        (true, false, true) => Some("Req"),
        (true, false, false) => Some("Opt"),
        (true, true, true) => Some("List"),
        (true, true, false) => Some("OptList"),
        (false, _, true) => Some("NullDefault"),
        (false, _, false) => None,
    }
}

/// The seed that decodes what `seed` decodes but keeps `null` as `None`,
/// for members that must be present.
fn optional_seed(seed: &str) -> &'static str {
    match seed {
        "List" | "OptList" => "OptList",
        _ => "Opt",
    }
}

/// `Deserialize` for received structure `name`, through `de::Structure`.
pub(super) fn decode_impl(name: &Ident, item: &Item<'_>) -> TokenStream {
    let mut wires = Vec::new();
    let mut index_arms = Vec::new();
    let mut field_arms = Vec::new();
    // Members the service always sends: a bit per position.
    let mut required: u128 = 0;
    let mut add = |wire: &str, field: Ident, seed: Option<&str>, always: bool| {
        let i = Literal::usize_unsuffixed(wires.len());
        let value = match (seed, always) {
            // Present and not null, or `missing field`.
            (Some(seed), true) if seed != "NullDefault" => {
                let seed = format_ident!("{}", optional_seed(seed));
                quote!(::ess_api::__private::de::present(
                    map.next_value_seed(::ess_api::__private::de::#seed::new())?,
                    #wire,
                )?)
            }
            (_, true) => quote!(::ess_api::__private::de::present(
                map.next_value::<::core::option::Option<_>>()?,
                #wire,
            )?),
            (Some(seed), false) => {
                let seed = format_ident!("{}", seed);
                quote!(map.next_value_seed(::ess_api::__private::de::#seed::new())?)
            }
            (None, false) => quote!(map.next_value()?),
        };
        if always && wires.len() < 128 {
            required |= 1 << wires.len();
        }
        index_arms.push(quote!(#wire => ::core::option::Option::Some(#i),));
        field_arms.push(quote!(#i => { self.#field = #value; }));
        wires.push(wire.to_owned());
    };
    for m in item.members {
        // A deprecated member may stop arriving (the service stops filling
        // it first): its absence is tolerated and leaves the default.
        let always = is_plain(m, true) && m.deprecated.is_none();
        add(
            &m.wire,
            naming::field_ident(&m.field),
            received_seed(m),
            always,
        );
    }
    if item.request_id {
        // Any JSON type, or none: a success is never refused for its id.
        add(
            naming::REQUEST_ID_WIRE,
            ident(naming::REQUEST_ID_FIELD),
            Some("Req"),
            false,
        );
    }
    let required = if required == 0 {
        quote!()
    } else {
        let bits = Literal::u128_unsuffixed(required);
        quote!(const REQUIRED: u128 = #bits;)
    };
    let struct_name = name.to_string();
    let (index_body, field_body) = if wires.is_empty() {
        (
            quote! {
                let _ = key;
                ::core::option::Option::None
            },
            quote! {
                let _ = index;
                map.next_value::<::ess_api::__private::serde::de::IgnoredAny>()?;
                ::core::result::Result::Ok(())
            },
        )
    } else {
        (
            quote! {
                match key {
                    #(#index_arms)*
                    _ => ::core::option::Option::None,
                }
            },
            quote! {
                match index {
                    #(#field_arms)*
                    _ => {
                        map.next_value::<::ess_api::__private::serde::de::IgnoredAny>()?;
                    }
                }
                ::core::result::Result::Ok(())
            },
        )
    };
    let keeps = if item.keep_unknown {
        let extra = ident(naming::EXTRA_FIELD);
        quote! {
            const KEEPS_UNKNOWN: bool = true;
            fn unknown<'de, A: ::ess_api::__private::serde::de::MapAccess<'de>>(
                &mut self,
                key: ::std::string::String,
                map: &mut A,
            ) -> ::core::result::Result<(), A::Error> {
                let value = map.next_value()?;
                self.#extra.insert(key, value);
                ::core::result::Result::Ok(())
            }
        }
    } else {
        quote!()
    };
    quote! {
        #[allow(deprecated)]
        impl ::ess_api::__private::de::Structure for #name {
            const NAME: &'static str = #struct_name;
            const FIELDS: &'static [&'static str] = &[#(#wires),*];
            #required
            fn index(key: &str) -> ::core::option::Option<usize> {
                #index_body
            }
            fn field<'de, A: ::ess_api::__private::serde::de::MapAccess<'de>>(
                &mut self,
                index: usize,
                map: &mut A,
            ) -> ::core::result::Result<(), A::Error> {
                #field_body
            }
            #keeps
        }
        impl<'de> ::ess_api::__private::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::ess_api::__private::serde::Deserializer<'de>>(
                d: D,
            ) -> ::core::result::Result<Self, D::Error> {
                ::ess_api::__private::de::structure(d)
            }
        }
    }
}
