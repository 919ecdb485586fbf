//! `EssModel`: `Validate`, a redacted `Debug`, and a builder.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::{DeriveInput, Ident, Type};

use super::{at, private};
use crate::names;
use crate::parse::model::{Field, Format, Model, Rules};
use crate::parse::ty::{Scalar, Shape};
use crate::parse::Number;

/// Everything the derive generates for a checked model.
pub fn emit(model: &Model) -> TokenStream {
    let validate = validate_impl(model);
    let debug = debug_impl(&model.ident, &model.fields, false);
    let builder = if model.emit_builder {
        builder(model)
    } else {
        TokenStream::new()
    };
    quote!(#validate #debug #builder)
}

/// Stand-in impls for an input that could not be read, so that code using
/// the type does not fail in many more places than the input itself.
pub fn fallback(input: &DeriveInput) -> TokenStream {
    if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
        return TokenStream::new();
    }
    let ident = &input.ident;
    let name = ident.unraw().to_string();
    let p = private();
    quote! {
        #[automatically_derived]
        #[allow(deprecated)]
        impl #p::Validate for #ident {
            fn validate_at(&self, _: &#p::Path<'_>, _: &mut #p::Report) {}
        }
        #[automatically_derived]
        #[allow(deprecated)]
        impl ::core::fmt::Debug for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(#name)
            }
        }
    }
}

/// Where the checked values live.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Storage {
    /// In the struct: the field's own type.
    Value,
    /// In the builder: every field behind an `Option`.
    Builder,
}

impl Storage {
    fn shape(self, field: &Field) -> Shape {
        match (self, field.ty.shape.is_list()) {
            (Storage::Value, _) => field.ty.shape,
            (Storage::Builder, true) => Shape::OptionalList,
            (Storage::Builder, false) => Shape::Optional,
        }
    }

    /// Whether a `None` here is a `Required` violation.
    fn required(self, field: &Field) -> bool {
        field.rules.required.is_some()
            || (self == Storage::Builder && !field.ty.shape.is_optional())
    }
}

fn validate_impl(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let p = private();
    let body: TokenStream = model
        .fields
        .iter()
        .map(|f| field_checks(f, Storage::Value))
        .collect();
    let (path, report) = if model.fields.is_empty() {
        (quote!(_), quote!(_))
    } else {
        (quote!(path), quote!(report))
    };
    quote! {
        #[automatically_derived]
        #[allow(deprecated)]
        impl #p::Validate for #ident {
            fn validate_at(&self, #path: &#p::Path<'_>, #report: &mut #p::Report) {
                #body
            }
        }
    }
}

/// The checks of one field, in the documented order: required, item count,
/// the rules of the value (or of each element), then nested validation.
/// Expects `self`, `path` and `report` in scope.
fn field_checks(field: &Field, storage: Storage) -> TokenStream {
    let p = private();
    let id = &field.ident;
    let name = &field.name;
    let wire = &field.wire;
    let rules = &field.rules;
    let scalar = field.ty.scalar;

    let body = match storage.shape(field) {
        Shape::Plain => {
            let checks = value_checks(rules, scalar, &quote!(&p));
            if checks.is_empty() {
                checks
            } else {
                quote!(let v = &self.#id; #checks)
            }
        }
        Shape::List => {
            let items = items_check(rules, &quote!(&self.#id));
            let elements = element_checks(rules, scalar, &quote!(self.#id));
            quote!(#items #elements)
        }
        Shape::Optional => {
            let checks = value_checks(rules, scalar, &quote!(&p));
            when_present(field, storage, &quote!(v), checks)
        }
        Shape::OptionalList => {
            let items = items_check(rules, &quote!(list));
            let elements = element_checks(rules, scalar, &quote!(list));
            when_present(field, storage, &quote!(list), quote!(#items #elements))
        }
    };
    if body.is_empty() {
        quote!(#p::Validate::validate_at(&self.#id, &path.member(#name, #wire), report);)
    } else {
        quote! {{
            let p = path.member(#name, #wire);
            #body
            #p::Validate::validate_at(&self.#id, &p, report);
        }}
    }
}

/// Runs `checks` on the value of an `Option` field bound to `binding`, and
/// reports `Required` for `None` when the field is required.
fn when_present(
    field: &Field,
    storage: Storage,
    binding: &TokenStream,
    checks: TokenStream,
) -> TokenStream {
    let p = private();
    let id = &field.ident;
    match (storage.required(field), checks.is_empty()) {
        (false, true) => checks,
        (false, false) => quote! {
            if let ::core::option::Option::Some(#binding) = &self.#id { #checks }
        },
        (true, true) => quote! {
            if self.#id.is_none() { report.push(&p, #p::Rule::Required); }
        },
        (true, false) => quote! {
            match &self.#id {
                ::core::option::Option::Some(#binding) => { #checks }
                ::core::option::Option::None => report.push(&p, #p::Rule::Required),
            }
        },
    }
}

/// `min_items` / `max_items` on the list `list` (a `&Vec<_>` expression).
fn items_check(rules: &Rules, list: &TokenStream) -> TokenStream {
    if rules.min_items.is_none() && rules.max_items.is_none() {
        return TokenStream::new();
    }
    let p = private();
    let min = count(rules.min_items.as_ref().map(|s| s.value));
    let max = count(rules.max_items.as_ref().map(|s| s.value));
    quote!(#p::check::items(#list, #min, #max, &p, report);)
}

/// The value rules applied to each element of `list` at `path[i]`.
fn element_checks(rules: &Rules, scalar: Scalar, list: &TokenStream) -> TokenStream {
    let checks = value_checks(rules, scalar, &quote!(&e));
    if checks.is_empty() {
        return checks;
    }
    quote! {
        for (i, v) in ::core::iter::Iterator::enumerate(#list.iter()) {
            let e = p.index(i);
            #checks
        }
    }
}

/// Length, range and format rules on the value `v` (a reference), reported
/// at `path`.
fn value_checks(rules: &Rules, scalar: Scalar, path: &TokenStream) -> TokenStream {
    let p = private();
    let mut out = TokenStream::new();
    if rules.min_chars.is_some() || rules.max_chars.is_some() {
        let min = count(rules.min_chars.as_ref().map(|s| s.value));
        let max = count(rules.max_chars.as_ref().map(|s| s.value));
        out.extend(quote!(#p::check::chars(v, #min, #max, #path, report);));
    }
    if rules.min.is_some() || rules.max.is_some() {
        let min = rules.min.as_ref().map(|s| s.value);
        let max = rules.max.as_ref().map(|s| s.value);
        out.extend(match scalar {
            Scalar::Int(_) => {
                let (min, max) = (bound(min, false), bound(max, false));
                quote!(#p::check::int_range(*v, #min, #max, #path, report);)
            }
            Scalar::F64 => {
                let (min, max) = (bound(min, true), bound(max, true));
                quote!(#p::check::float_range(*v, #min, #max, #path, report);)
            }
            Scalar::F32 => {
                let (min, max) = (bound(min, true), bound(max, true));
                quote! {
                    #p::check::float_range(
                        <::core::primitive::f64 as ::core::convert::From<::core::primitive::f32>>::from(*v),
                        #min, #max, #path, report,
                    );
                }
            }
            // `check` removes number rules from other fields.
            Scalar::Str | Scalar::Other => TokenStream::new(),
        });
    }
    if let Some(format) = &rules.format {
        let format = match format.value {
            Format::Base64 => quote!(Base64),
            Format::Digits => quote!(Digits),
        };
        out.extend(quote!(#p::check::format(v, #p::Format::#format, #path, report);));
    }
    out
}

fn count(value: Option<usize>) -> TokenStream {
    match value {
        Some(n) => {
            let n = Literal::usize_suffixed(n);
            quote!(::core::option::Option::Some(#n))
        }
        None => quote!(::core::option::Option::None),
    }
}

/// `Some(bound)` or `None`: an `i128` literal for integer fields, an `f64`
/// literal for float fields (`check` leaves only integer bounds on integer
/// fields, within the range of `i64` or `u64`).
fn bound(value: Option<Number>, float_field: bool) -> TokenStream {
    let Some(n) = value else {
        return quote!(::core::option::Option::None);
    };
    let (negative, magnitude) = match (n, float_field) {
        (Number::Int(v), false) => (v < 0, Literal::i128_suffixed(v.abs())),
        (n, _) => {
            let v = n.as_f64();
            (v.is_sign_negative(), Literal::f64_suffixed(v.abs()))
        }
    };
    let sign = if negative {
        quote!(-)
    } else {
        TokenStream::new()
    };
    quote!(::core::option::Option::Some(#sign #magnitude))
}

/// `Debug` for the struct (`builder == false`) or for its builder, where
/// every field is behind an `Option`.
fn debug_impl(ident: &Ident, fields: &[Field], builder: bool) -> TokenStream {
    let name = ident.unraw().to_string();
    let redacted = names::REDACTED;
    let entries = fields.iter().map(|field| {
        let id = &field.ident;
        let key = &field.name;
        let value = match (
            field.rules.sensitive.is_some(),
            builder || field.ty.shape.is_optional(),
        ) {
            (false, _) => quote!(&self.#id),
            (true, false) => quote!(&#redacted),
            (true, true) => quote! {
                if self.#id.is_some() {
                    &#redacted as &dyn ::core::fmt::Debug
                } else {
                    &::core::option::Option::None::<()>
                }
            },
        };
        quote!(.field(#key, #value))
    });
    quote! {
        #[automatically_derived]
        #[allow(deprecated)]
        impl ::core::fmt::Debug for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#name) #(#entries)* .finish()
            }
        }
    }
}

fn builder(model: &Model) -> TokenStream {
    let p = private();
    let ident = &model.ident;
    let vis = &model.vis;
    let builder = format_ident!("{}{}", ident, names::BUILDER_SUFFIX);
    let fields = &model.fields;

    let storage = fields.iter().map(|f| {
        let id = &f.ident;
        let ty = storage_type(f);
        quote!(#id: #ty)
    });
    let methods = fields.iter().map(methods);

    let build_checks: TokenStream = fields
        .iter()
        .map(|f| field_checks(f, Storage::Builder))
        .collect();
    let missing: TokenStream = fields
        .iter()
        .filter(|f| !f.ty.shape.is_optional())
        .map(|f| {
            let id = &f.ident;
            let name = &f.name;
            let wire = &f.wire;
            quote! {
                if self.#id.is_none() { report.push(&path.member(#name, #wire), #p::Rule::Required); }
            }
        })
        .collect();
    let build = checked_body(&build_checks);
    let build_unvalidated = checked_body(&missing);
    let assemble = assemble(model);
    let assemble_name = Ident::new(names::ASSEMBLE, proc_macro2::Span::call_site());
    let build_name = Ident::new(names::BUILD, proc_macro2::Span::call_site());
    let build_unvalidated_name =
        Ident::new(names::BUILD_UNVALIDATED, proc_macro2::Span::call_site());

    let builder_doc = format!(
        "A builder for [`{ident}`]: set fields with its methods, then call `{}` to check \
         every rule or `{}` to check only that required fields are set.",
        names::BUILD,
        names::BUILD_UNVALIDATED,
    );
    let debug = debug_impl(&builder, fields, true);

    let deprecated = &model.deprecated;
    quote! {
        #[doc = #builder_doc]
        #(#deprecated)*
        #[derive(::core::clone::Clone, ::core::default::Default, ::core::cmp::PartialEq)]
        #[must_use = "a builder does nothing until it is built"]
        #[allow(clippy::derive_partial_eq_without_eq)]
        #vis struct #builder {
            #(#storage,)*
        }

        #[automatically_derived]
        #[allow(deprecated)]
        impl #ident {
            /// Starts a builder with no field set.
            pub fn builder() -> #builder {
                ::core::default::Default::default()
            }
        }

        #[automatically_derived]
        #[allow(deprecated)]
        impl #builder {
            #(#methods)*

            /// Builds the value, checking every rule first. Every problem is
            /// reported at once, in field order: unset required fields and
            /// every rule broken by the values that are set.
            pub fn #build_name(self) -> ::core::result::Result<#ident, #p::ValidationErrors> {
                #build
            }

            /// Builds the value, checking only that every required field is
            /// set; the rules on the values are not checked.
            pub fn #build_unvalidated_name(self) -> ::core::result::Result<#ident, #p::ValidationErrors> {
                #build_unvalidated
            }

            fn #assemble_name(self, report: #p::Report) -> ::core::result::Result<#ident, #p::ValidationErrors> {
                #assemble
            }
        }

        #debug
    }
}

/// A `build` body: `checks` (which expect `path` and `report`), then assembly.
fn checked_body(checks: &TokenStream) -> TokenStream {
    let p = private();
    let assemble = Ident::new(names::ASSEMBLE, proc_macro2::Span::call_site());
    if checks.is_empty() {
        return quote!(self.#assemble(#p::Report::new()));
    }
    quote! {
        let mut found = #p::Report::new();
        {
            let report = &mut found;
            let path = #p::Path::ROOT;
            #checks
        }
        self.#assemble(found)
    }
}

/// Moves the builder's values into the struct once `report` is known to be
/// empty.
fn assemble(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let present: Vec<&Field> = model
        .fields
        .iter()
        .filter(|f| !f.ty.shape.is_optional())
        .collect();
    let bindings: Vec<Ident> = (0..present.len())
        .map(|i| format_ident!("v{}", i))
        .collect();
    let mut next = bindings.iter();
    let inits = model.fields.iter().map(|f| {
        let id = &f.ident;
        if f.ty.shape.is_optional() {
            quote!(#id: self.#id)
        } else {
            let binding = next.next();
            quote!(#id: #binding)
        }
    });
    let value = quote!(#ident { #(#inits,)* });
    if present.is_empty() {
        return quote!(report.into_result().map(|()| #value));
    }
    let ids = present.iter().map(|f| &f.ident);
    quote! {
        report.into_result()?;
        match (#(self.#ids,)*) {
            (#(::core::option::Option::Some(#bindings),)*) => ::core::result::Result::Ok(#value),
            // Each field missing here was reported as `Required`, so the
            // report above was not empty.
            _ => ::core::unreachable!("a required field was unset but not reported"),
        }
    }
}

/// The type a field has in the builder.
fn storage_type(field: &Field) -> TokenStream {
    let inner = &field.ty.inner;
    if field.ty.shape.is_list() {
        quote!(::core::option::Option<::std::vec::Vec<#inner>>)
    } else {
        quote!(::core::option::Option<#inner>)
    }
}

/// The three builder methods of one field: setter (or appender, for a
/// list), replacing setter and getter.
fn methods(field: &Field) -> TokenStream {
    let id = &field.ident;
    let name = &field.name;
    let span = at(id.span());
    let mut setter = id.clone();
    setter.set_span(span);
    let set = format_ident!("set_{}", name, span = span);
    let get = format_ident!("get_{}", name, span = span);
    let docs = &field.docs;
    let deprecated = &field.deprecated;
    let field_docs = if docs.is_empty() {
        TokenStream::new()
    } else {
        quote!(#[doc = ""] #(#docs)*)
    };
    let inner: &Type = &field.ty.inner;
    let storage = storage_type(field);

    let (setter_doc, set_doc) = if field.ty.shape.is_list() {
        (
            format!("Appends one element to `{name}`."),
            format!("Sets or clears the whole `{name}` list, replacing any elements added before."),
        )
    } else {
        (
            format!("Sets `{name}`."),
            format!("Sets or clears `{name}`, replacing any value set before."),
        )
    };
    let get_doc = format!("The value of `{name}` set so far (`None` when unset).");

    let setter_fn = if field.ty.shape.is_list() {
        quote_spanned! {span=>
            pub fn #setter(mut self, item: impl ::core::convert::Into<#inner>) -> Self {
                self.#id
                    .get_or_insert_with(::std::vec::Vec::new)
                    .push(::core::convert::Into::into(item));
                self
            }
        }
    } else {
        quote_spanned! {span=>
            pub fn #setter(mut self, value: impl ::core::convert::Into<#inner>) -> Self {
                self.#id = ::core::option::Option::Some(::core::convert::Into::into(value));
                self
            }
        }
    };
    quote_spanned! {span=>
        #[doc = #setter_doc]
        #field_docs
        #(#deprecated)*
        #setter_fn

        #[doc = #set_doc]
        #(#deprecated)*
        pub fn #set(mut self, value: #storage) -> Self {
            self.#id = value;
            self
        }

        #[doc = #get_doc]
        #(#deprecated)*
        pub fn #get(&self) -> &#storage {
            &self.#id
        }
    }
}
