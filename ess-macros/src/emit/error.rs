//! `EssError`: `ServiceError`, `From<ErrorMeta>`, `Display`, `Error` and the
//! per-variant helpers.

use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident};

use super::{at, private};
use crate::check::error::Checked;
use crate::parse::error::{ErrorEnum, Retry};

/// Everything the derive generates for a checked enum.
pub fn emit(item: &Checked, input: &DeriveInput) -> TokenStream {
    let p = private();
    let ident = &item.ident;
    let pattern = |variant: &Ident| variant_pattern(input, variant);

    let codes: Vec<&str> = item.modeled.iter().map(|m| m.code.as_str()).collect();
    let modeled: Vec<TokenStream> = item.modeled.iter().map(|m| pattern(&m.ident)).collect();
    let unhandled = pattern(&item.unhandled);
    let every: Vec<&TokenStream> = modeled.iter().chain([&unhandled]).collect();
    let modeled_idents = item.modeled.iter().map(|m| &m.ident);

    let from_meta = if codes.is_empty() {
        quote!(#unhandled)
    } else {
        quote! {
            match meta.code() {
                #(#codes => #modeled,)*
                _ => #unhandled,
            }
        }
    };
    let classes = item.modeled.iter().map(|m| {
        let class = match m.retry {
            Retry::Never => quote!(Never),
            Retry::Throttling => quote!(Throttling),
            Retry::Transient => quote!(Transient),
            Retry::Resign => quote!(Resign),
        };
        quote!(#p::RetryClass::#class)
    });
    let unhandled_ident = &item.unhandled;
    // A code without a variant: the catalogue's class when the enum names
    // one and it knows the code, otherwise the class of the code's family.
    let fallback = match &item.catalogue {
        Some(catalogue) => quote! {
            match #catalogue(meta.code()) {
                ::core::option::Option::Some(class) => class,
                ::core::option::Option::None => #p::fallback_retry_class(meta.code()),
            }
        },
        None => quote!(#p::fallback_retry_class(meta.code())),
    };

    let helpers = item.modeled.iter().map(|m| {
        let variant = &m.ident;
        let name = format_ident!(
            "is_{}",
            variant.unraw().to_string().to_snake_case(),
            span = at(variant.span())
        );
        let doc = format!(
            "Whether this is the `{}` error ([`Self::{variant}`]).",
            m.code
        );
        let docs = &m.docs;
        let details = if docs.is_empty() {
            TokenStream::new()
        } else {
            quote!(#[doc = ""] #(#docs)*)
        };
        quote! {
            #[doc = #doc]
            #details
            pub fn #name(&self) -> bool {
                ::core::matches!(self, Self::#variant(_))
            }
        }
    });
    let variant_codes = item.modeled.iter().map(|m| {
        let variant = &m.ident;
        let code = &m.code;
        quote!(Self::#variant(_) => ::core::option::Option::Some(#code),)
    });

    quote! {
        #[automatically_derived]
        #[allow(deprecated)]
        impl #p::Sealed for #ident {}

        #[automatically_derived]
        #[allow(deprecated)]
        impl #p::ServiceError for #ident {
            const CODES: &'static [&'static str] = &[#(#codes),*];

            fn from_meta(meta: #p::ErrorMeta) -> Self {
                #from_meta
            }

            fn meta(&self) -> &#p::ErrorMeta {
                match self {
                    #(#every)|* => meta,
                }
            }

            fn into_meta(self) -> #p::ErrorMeta {
                match self {
                    #(#every)|* => meta,
                }
            }

            fn retry_class(&self) -> #p::RetryClass {
                match self {
                    #(Self::#modeled_idents(_) => #classes,)*
                    #unhandled => #fallback,
                }
            }

            fn is_unhandled(&self) -> bool {
                ::core::matches!(self, Self::#unhandled_ident(_))
            }
        }

        #[automatically_derived]
        #[allow(deprecated)]
        impl ::core::convert::From<#p::ErrorMeta> for #ident {
            fn from(meta: #p::ErrorMeta) -> Self {
                <Self as #p::ServiceError>::from_meta(meta)
            }
        }

        #[automatically_derived]
        #[allow(deprecated)]
        impl ::core::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(<Self as #p::ServiceError>::meta(self), f)
            }
        }

        #[automatically_derived]
        #[allow(deprecated)]
        impl ::std::error::Error for #ident {}

        #[automatically_derived]
        #[allow(deprecated)]
        impl #ident {
            #(#helpers)*

            /// The code this variant stands for, or `None` for the catch-all
            /// variant (whose code is in its error meta).
            pub fn variant_code(&self) -> ::core::option::Option<&'static str> {
                match self {
                    #(#variant_codes)*
                    Self::#unhandled_ident(_) => ::core::option::Option::None,
                }
            }
        }
    }
}

/// `Self::Variant(meta)`, spanned at the variant's field type so that a field
/// of the wrong type is reported there.
fn variant_pattern(input: &DeriveInput, variant: &Ident) -> TokenStream {
    let span = match &input.data {
        Data::Enum(data) => {
            data.variants
                .iter()
                .find(|v| &v.ident == variant)
                .and_then(|v| match &v.fields {
                    Fields::Unnamed(fields) => fields.unnamed.first().map(|f| f.ty.span()),
                    _ => None,
                })
        }
        _ => None,
    }
    .map_or_else(proc_macro2::Span::call_site, at);
    quote_spanned!(span=> Self::#variant(meta))
}

/// Stand-in impls for an input with errors, so that code using the type does
/// not fail in many more places than the input itself.
pub fn fallback(input: &DeriveInput, item: Option<&ErrorEnum>) -> TokenStream {
    if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
        return TokenStream::new();
    }
    let p = private();
    let ident = &input.ident;
    let helpers = item
        .into_iter()
        .flat_map(|item| &item.variants)
        .filter(|v| v.code.is_some() && v.unhandled.is_none())
        .map(|v| {
            let variant = &v.ident;
            let name = format_ident!(
                "is_{}",
                variant.unraw().to_string().to_snake_case(),
                span = at(variant.span())
            );
            quote! {
                /// Whether this is this variant.
                pub fn #name(&self) -> bool {
                    ::core::matches!(self, Self::#variant { .. })
                }
            }
        });
    let inherent = if item.is_some() {
        quote! {
            #[automatically_derived]
            #[allow(deprecated)]
            impl #ident {
                #(#helpers)*

                /// The code this variant stands for.
                pub fn variant_code(&self) -> ::core::option::Option<&'static str> {
                    ::core::unreachable!()
                }
            }
        }
    } else {
        TokenStream::new()
    };
    quote! {
        #[automatically_derived]
        #[allow(deprecated)]
        impl #p::Sealed for #ident {}

        #[automatically_derived]
        #[allow(deprecated)]
        impl #p::ServiceError for #ident {
            const CODES: &'static [&'static str] = &[];
            fn from_meta(_: #p::ErrorMeta) -> Self { ::core::unreachable!() }
            fn meta(&self) -> &#p::ErrorMeta { ::core::unreachable!() }
            fn into_meta(self) -> #p::ErrorMeta { ::core::unreachable!() }
            fn retry_class(&self) -> #p::RetryClass { ::core::unreachable!() }
            fn is_unhandled(&self) -> bool { ::core::unreachable!() }
        }

        #[automatically_derived]
        #[allow(deprecated)]
        impl ::core::convert::From<#p::ErrorMeta> for #ident {
            fn from(_: #p::ErrorMeta) -> Self { ::core::unreachable!() }
        }

        #[automatically_derived]
        #[allow(deprecated)]
        impl ::core::fmt::Display for #ident {
            fn fmt(&self, _: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::unreachable!()
            }
        }

        #[automatically_derived]
        #[allow(deprecated)]
        impl ::std::error::Error for #ident {}

        #inherent
    }
}
