//! Shared enumerations: open enums whose unknown values decode into
//! `Unknown(..)`.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::docs::{docs, with_wire_name};
use super::ident;
use crate::resolved::{EnumRepr, Enumeration, WireValue};

/// The items of one enumeration, ahead of the shape its wire type gives.
struct Parts {
    name: Ident,
    doc: TokenStream,
    /// `#[doc] Variant,` per value.
    variants: Vec<TokenStream>,
    /// `Self::Variant => wire,` per value.
    to_wire: Vec<TokenStream>,
    /// `wire => Self::Variant,` per value.
    from_wire: Vec<TokenStream>,
    /// The wire values.
    values: Vec<TokenStream>,
    /// The variant of the first value, `Default`.
    first: Ident,
    default_doc: TokenStream,
}

/// The enum, its wire conversions, `Default` (the first value), `Display`,
/// serde and a no-op `Validate`.
pub(super) fn enumeration(e: &Enumeration) -> TokenStream {
    let mut variants = Vec::new();
    let mut to_wire = Vec::new();
    let mut from_wire = Vec::new();
    let mut values = Vec::new();
    for v in &e.values {
        let wire = match &v.wire {
            WireValue::String(s) => quote!(#s),
            WireValue::Int(i) => {
                let lit = Literal::i64_unsuffixed(*i);
                quote!(#lit)
            }
        };
        let variant = ident(&v.variant);
        let mut vdoc = format!("`{}`", v.wire);
        if let Some(d) = &v.doc {
            vdoc.push_str(": ");
            vdoc.push_str(d);
        }
        if let Some(d) = &v.deprecated {
            vdoc.push_str("\n\nDeprecated: ");
            vdoc.push_str(d);
        }
        let vdoc = docs(&vdoc);
        variants.push(quote!(#vdoc #variant,));
        to_wire.push(quote!(Self::#variant => #wire,));
        from_wire.push(quote!(#wire => Self::#variant,));
        values.push(wire);
    }
    let first = ident(&e.default_variant);
    let parts = Parts {
        name: ident(&e.name.rust),
        doc: docs(&with_wire_name(&e.doc, &e.name.wire)),
        variants,
        to_wire,
        from_wire,
        values,
        default_doc: docs(&format!("The first listed value, `{first}`.")),
        first,
    };
    match e.repr {
        EnumRepr::String => string_enum(parts),
        EnumRepr::Int64 => int_enum(parts, quote!(i64), "as_i64", "serialize_i64"),
        EnumRepr::Uint64 => int_enum(parts, quote!(u64), "as_u64", "serialize_u64"),
    }
}

/// A string enumeration: `as_str`, `From<&str>` and `From<String>`.
fn string_enum(parts: Parts) -> TokenStream {
    let Parts {
        name,
        doc,
        variants,
        to_wire,
        from_wire,
        values,
        first,
        default_doc,
    } = parts;
    quote! {
        #doc
        ///
        /// Unknown values are kept in [`Self::Unknown`], so a value the service adds later still decodes.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value this SDK does not know, kept as sent.
            Unknown(::std::string::String),
        }
        impl #name {
            /// Every known value, as sent on the wire.
            pub const VALUES: &'static [&'static str] = &[#(#values),*];
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_wire)*
                    Self::Unknown(v) => v,
                }
            }
        }
        impl ::core::convert::From<&str> for #name {
            fn from(v: &str) -> Self {
                match v {
                    #(#from_wire)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }
        impl ::core::convert::From<::std::string::String> for #name {
            fn from(v: ::std::string::String) -> Self {
                Self::from(v.as_str())
            }
        }
        impl ::core::default::Default for #name {
            #default_doc
            fn default() -> Self {
                Self::#first
            }
        }
        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::ess_api::__private::serde::Serialize for #name {
            fn serialize<S: ::ess_api::__private::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> ::ess_api::__private::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::ess_api::__private::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                ::ess_api::__private::de::string_enum(d).map(|v| Self::from(&*v))
            }
        }
        impl ::ess_api::__private::Validate for #name {
            fn validate_at(&self, _: &::ess_api::__private::Path<'_>, _: &mut ::ess_api::__private::Report) {}
        }
    }
}

/// An integer enumeration of `int` (`i64` or `u64`): the `as_fn` accessor
/// and `From<int>`; serialized with the serializer's `ser`.
fn int_enum(parts: Parts, int: TokenStream, as_fn: &str, ser: &str) -> TokenStream {
    let Parts {
        name,
        doc,
        variants,
        to_wire,
        from_wire,
        values,
        first,
        default_doc,
    } = parts;
    let as_fn = ident(as_fn);
    let ser = ident(ser);
    quote! {
        #doc
        ///
        /// Unknown values are kept in [`Self::Unknown`], so a value the service adds later still decodes.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value this SDK does not know, kept as sent.
            Unknown(#int),
        }
        impl #name {
            /// Every known value, as sent on the wire.
            pub const VALUES: &'static [#int] = &[#(#values),*];
            /// The value as sent on the wire.
            pub fn #as_fn(self) -> #int {
                match self {
                    #(#to_wire)*
                    Self::Unknown(v) => v,
                }
            }
        }
        impl ::core::convert::From<#int> for #name {
            fn from(v: #int) -> Self {
                match v {
                    #(#from_wire)*
                    other => Self::Unknown(other),
                }
            }
        }
        impl ::core::default::Default for #name {
            #default_doc
            fn default() -> Self {
                Self::#first
            }
        }
        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(&self.#as_fn(), f)
            }
        }
        impl ::ess_api::__private::serde::Serialize for #name {
            fn serialize<S: ::ess_api::__private::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                s.#ser(self.#as_fn())
            }
        }
        impl<'de> ::ess_api::__private::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::ess_api::__private::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                ::ess_api::__private::de::int_enum::<D, #int>(d).map(Self::from)
            }
        }
        impl ::ess_api::__private::Validate for #name {
            fn validate_at(&self, _: &::ess_api::__private::Path<'_>, _: &mut ::ess_api::__private::Report) {}
        }
    }
}
