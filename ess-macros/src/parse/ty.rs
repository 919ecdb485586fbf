//! What a field's type looks like, judged from its syntax alone.

use syn::{GenericArgument, PathArguments, Type};

/// How a field wraps its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `Y`: always present.
    Plain,
    /// `Option<Y>`.
    Optional,
    /// `Vec<E>`: always present.
    List,
    /// `Option<Vec<E>>`.
    OptionalList,
}

impl Shape {
    /// Whether the field is an `Option`.
    pub fn is_optional(self) -> bool {
        matches!(self, Shape::Optional | Shape::OptionalList)
    }

    /// Whether the field is a list.
    pub fn is_list(self) -> bool {
        matches!(self, Shape::List | Shape::OptionalList)
    }
}

/// An integer type that range checks support, with its bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntKind {
    /// The type's name.
    pub name: &'static str,
    /// Smallest value of the type.
    pub min: i128,
    /// Largest value of the type.
    pub max: i128,
}

const INTS: &[IntKind] = &[
    IntKind {
        name: "i8",
        min: i8::MIN as i128,
        max: i8::MAX as i128,
    },
    IntKind {
        name: "i16",
        min: i16::MIN as i128,
        max: i16::MAX as i128,
    },
    IntKind {
        name: "i32",
        min: i32::MIN as i128,
        max: i32::MAX as i128,
    },
    IntKind {
        name: "i64",
        min: i64::MIN as i128,
        max: i64::MAX as i128,
    },
    IntKind {
        name: "u8",
        min: 0,
        max: u8::MAX as i128,
    },
    IntKind {
        name: "u16",
        min: 0,
        max: u16::MAX as i128,
    },
    IntKind {
        name: "u32",
        min: 0,
        max: u32::MAX as i128,
    },
    IntKind {
        name: "u64",
        min: 0,
        max: u64::MAX as i128,
    },
];

/// What the value (or each element of a list) is, as far as rules care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    /// A path ending in `String`.
    Str,
    /// One of `i8`..`i64`, `u8`..`u64`.
    Int(IntKind),
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// Anything else: only nested validation applies.
    Other,
}

/// The shape of a field's type and the type inside it.
pub struct FieldType {
    /// How the value is wrapped.
    pub shape: Shape,
    /// `Y` of `Y` / `Option<Y>`, or `E` of `Vec<E>` / `Option<Vec<E>>`.
    pub inner: Type,
    /// What `inner` is.
    pub scalar: Scalar,
}

impl FieldType {
    /// Reads the shape of `ty`.
    pub fn of(ty: &Type) -> FieldType {
        let (shape, inner) = match wrapped(ty, "Option") {
            Some(opt) => match wrapped(opt, "Vec") {
                Some(elem) => (Shape::OptionalList, elem),
                None => (Shape::Optional, opt),
            },
            None => match wrapped(ty, "Vec") {
                Some(elem) => (Shape::List, elem),
                None => (Shape::Plain, ty),
            },
        };
        FieldType {
            shape,
            inner: inner.clone(),
            scalar: scalar(inner),
        }
    }
}

/// `T` when `ty` is `Name<T>` (by the last path segment).
fn wrapped<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let segment = last_segment(ty)?;
    if segment.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(inner)] => Some(inner),
        _ => None,
    }
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Group(group) => last_segment(&group.elem),
        Type::Paren(paren) => last_segment(&paren.elem),
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        _ => None,
    }
}

fn scalar(ty: &Type) -> Scalar {
    let Some(segment) = last_segment(ty) else {
        return Scalar::Other;
    };
    if !segment.arguments.is_empty() {
        return Scalar::Other;
    }
    let name = segment.ident.to_string();
    match name.as_str() {
        "String" => Scalar::Str,
        "f32" => Scalar::F32,
        "f64" => Scalar::F64,
        _ => INTS
            .iter()
            .find(|k| k.name == name)
            .map_or(Scalar::Other, |k| Scalar::Int(*k)),
    }
}
