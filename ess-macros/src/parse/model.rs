//! `#[derive(EssModel)]` input → [`Model`].

use syn::ext::IdentExt;
use syn::{Attribute, Data, DeriveInput, Fields, Ident, Visibility};

use super::ty::FieldType;
use super::{docs, entries, setting, Entry, Number, Setting};
use crate::diag::Diagnostics;
use crate::names;

/// A struct that derives `EssModel`.
pub struct Model {
    /// The struct's name.
    pub ident: Ident,
    /// The struct's visibility, shared by its builder.
    pub vis: Visibility,
    /// The fields, in declaration order.
    pub fields: Vec<Field>,
    /// `#[deprecated]` attributes of the struct, copied onto its builder.
    pub deprecated: Vec<Attribute>,
    /// Whether to emit the builder (not when its method names collide).
    pub emit_builder: bool,
}

/// One named field and its rules.
pub struct Field {
    /// The field's identifier, raw if it was written raw.
    pub ident: Ident,
    /// The name without `r#`, used in paths and `Debug`.
    pub name: String,
    /// The name on the wire: serde's `rename`, or `name`.
    pub wire: String,
    /// The shape of the field's type.
    pub ty: FieldType,
    /// `#[doc]` attributes, copied onto the builder setters.
    pub docs: Vec<Attribute>,
    /// `#[deprecated]` attributes, copied onto the builder methods.
    pub deprecated: Vec<Attribute>,
    /// What `#[ess(...)]` asked for.
    pub rules: Rules,
}

/// The formats `format = "..."` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `"base64"`.
    Base64,
    /// `"digits"`.
    Digits,
}

/// The rules of one field.
#[derive(Default)]
pub struct Rules {
    /// `required`.
    pub required: Option<Setting<()>>,
    /// `sensitive`.
    pub sensitive: Option<Setting<()>>,
    /// `min_chars = N`.
    pub min_chars: Option<Setting<usize>>,
    /// `max_chars = N`.
    pub max_chars: Option<Setting<usize>>,
    /// `min = LIT`.
    pub min: Option<Setting<Number>>,
    /// `max = LIT`.
    pub max: Option<Setting<Number>>,
    /// `min_items = N`.
    pub min_items: Option<Setting<usize>>,
    /// `max_items = N`.
    pub max_items: Option<Setting<usize>>,
    /// `format = "..."`.
    pub format: Option<Setting<Format>>,
}

/// Reads the struct and its field attributes. `None` when the item is not a
/// struct with named fields and no generics; everything wrong is in `diag`.
pub fn parse(input: &DeriveInput, diag: &mut Diagnostics) -> Option<Model> {
    let named = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => Some(named),
            Fields::Unnamed(unnamed) => {
                diag.push(syn::Error::new_spanned(
                    unnamed,
                    "`EssModel` needs named fields; tuple structs are not supported",
                ));
                None
            }
            Fields::Unit => {
                diag.push(syn::Error::new_spanned(
                    &input.ident,
                    format!(
                        "`EssModel` needs named fields; write `struct {} {{}}` for a model without fields",
                        input.ident
                    ),
                ));
                None
            }
        },
        Data::Enum(data) => {
            diag.push(syn::Error::new(
                data.enum_token.span,
                "`EssModel` can only be derived for structs with named fields, not for enums",
            ));
            None
        }
        Data::Union(data) => {
            diag.push(syn::Error::new(
                data.union_token.span,
                "`EssModel` can only be derived for structs with named fields, not for unions",
            ));
            None
        }
    };
    let generic = !input.generics.params.is_empty();
    if generic {
        diag.push(syn::Error::new_spanned(
            &input.generics,
            "`EssModel` does not support generic parameters",
        ));
    }
    if let Some(clause) = &input.generics.where_clause {
        diag.push(syn::Error::new_spanned(
            clause,
            "`EssModel` does not support `where` clauses",
        ));
    }
    for attr in input.attrs.iter().filter(|a| a.path().is_ident(names::ESS)) {
        diag.push(syn::Error::new_spanned(
            attr,
            "`#[ess(...)]` goes on the fields of an `EssModel` struct, not on the struct",
        ));
    }
    let named = named?;
    if generic || input.generics.where_clause.is_some() {
        return None;
    }

    let fields = named
        .named
        .iter()
        .filter_map(|field| {
            let ident = field.ident.clone()?;
            Some(Field {
                wire: serde_rename(&field.attrs).unwrap_or_else(|| ident.unraw().to_string()),
                name: ident.unraw().to_string(),
                ident,
                ty: FieldType::of(&field.ty),
                docs: docs(&field.attrs),
                deprecated: deprecated(&field.attrs),
                rules: rules(&field.attrs, diag),
            })
        })
        .collect();
    Some(Model {
        ident: input.ident.clone(),
        vis: input.vis.clone(),
        fields,
        deprecated: deprecated(&input.attrs),
        emit_builder: true,
    })
}

/// The `rename = "..."` of a field's `#[serde(...)]` attributes, if any.
/// Other serde keys are serde's business and are skipped.
fn serde_rename(attrs: &[Attribute]) -> Option<String> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                if let Ok(value) = meta.value() {
                    if let Ok(lit) = value.parse::<syn::LitStr>() {
                        found = Some(lit.value());
                    }
                }
            } else if let Ok(value) = meta.value() {
                // Consume `key = value` of other keys.
                let _ = value.parse::<syn::Expr>();
            }
            Ok(())
        });
    }
    found
}

fn deprecated(attrs: &[Attribute]) -> Vec<Attribute> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("deprecated"))
        .cloned()
        .collect()
}

fn rules(attrs: &[Attribute], diag: &mut Diagnostics) -> Rules {
    let mut rules = Rules::default();
    for (order, entry) in entries(attrs, names::MODEL_KEYS, diag)
        .list
        .into_iter()
        .enumerate()
    {
        let e = &entry;
        match entry.key.to_string().as_str() {
            names::REQUIRED => rules.required = setting(diag, e, order, entry.flag()),
            names::SENSITIVE => rules.sensitive = setting(diag, e, order, entry.flag()),
            names::MIN_CHARS => rules.min_chars = setting(diag, e, order, entry.count()),
            names::MAX_CHARS => rules.max_chars = setting(diag, e, order, entry.count()),
            names::MIN => rules.min = setting(diag, e, order, entry.number()),
            names::MAX => rules.max = setting(diag, e, order, entry.number()),
            names::MIN_ITEMS => rules.min_items = setting(diag, e, order, entry.count()),
            names::MAX_ITEMS => rules.max_items = setting(diag, e, order, entry.count()),
            names::FORMAT => rules.format = setting(diag, e, order, format(&entry)),
            // `entries` yields only keys listed in `MODEL_KEYS`, all handled above.
            _ => {}
        }
    }
    rules
}

fn format(entry: &Entry) -> syn::Result<Format> {
    let lit = entry.string(&format!("\"{}\"", names::FORMAT_BASE64))?;
    match lit.value().as_str() {
        names::FORMAT_BASE64 => Ok(Format::Base64),
        names::FORMAT_DIGITS => Ok(Format::Digits),
        other => Err(syn::Error::new(
            lit.span(),
            format!(
                "unknown format `{other}`; expected {}",
                names::one_of(names::FORMATS)
            ),
        )),
    }
}
