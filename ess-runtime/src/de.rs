//! Lenient decoding of response members.
//!
//! The service is not always consistent about JSON types: integers sometimes
//! arrive as strings, strings as numbers, and members as `null`. Generated
//! response types decode through these functions, which accept every form
//! that has one unambiguous meaning and reject the rest with a clear error.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};

/// `null` (and an explicit `Some`) for a visitor whose value is an `Option`:
/// `null` is `None`, anything else is visited again.
macro_rules! null_is_none {
    () => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    };
}

/// A scalar that can be decoded from more than one JSON form.
pub trait Lenient: Sized + Default {
    /// Decodes `Self`, treating `null` as `None`.
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error>;
}

struct NumVisitor<T>(PhantomData<T>);

macro_rules! int_visitor {
    ($t:ty, $name:literal) => {
        impl<'de> Visitor<'de> for NumVisitor<$t> {
            type Value = Option<$t>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!($name, " (as a number or a numeric string)"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                <$t>::try_from(v)
                    .map(Some)
                    .map_err(|_| E::custom(format_args!("{v} is out of range for {}", $name)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                <$t>::try_from(v)
                    .map(Some)
                    .map_err(|_| E::custom(format_args!("{v} is out of range for {}", $name)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                // Only integral values that fit: 3.0 is 3, 3.5 is an error.
                if v.fract() == 0.0 && v >= <$t>::MIN as f64 && v <= <$t>::MAX as f64 {
                    Ok(Some(v as $t))
                } else {
                    Err(E::custom(format_args!("{v} is not an integer {}", $name)))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let t = v.trim();
                if t.is_empty() {
                    return Ok(None);
                }
                t.parse::<$t>()
                    .map(Some)
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }
            null_is_none!();
        }
        impl Lenient for $t {
            fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
                d.deserialize_any(NumVisitor::<$t>(PhantomData))
            }
        }
    };
}
int_visitor!(i64, "a signed 64-bit integer");
int_visitor!(u64, "an unsigned 64-bit integer");

impl<'de> Visitor<'de> for NumVisitor<f64> {
    type Value = Option<f64>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number (or a numeric string)")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<f64>()
            .map(Some)
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
    null_is_none!();
}
impl Lenient for f64 {
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
        d.deserialize_any(NumVisitor::<f64>(PhantomData))
    }
}

struct StrVisitor;
impl<'de> Visitor<'de> for StrVisitor {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string (or a number)")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    null_is_none!();
}
impl Lenient for String {
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
        d.deserialize_any(StrVisitor)
    }
}

struct BoolVisitor;
impl<'de> Visitor<'de> for BoolVisitor {
    type Value = Option<bool>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean (or \"true\"/\"false\", 0/1)")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        match v {
            0 => Ok(Some(false)),
            1 => Ok(Some(true)),
            _ => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
        }
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        match v {
            0 => Ok(Some(false)),
            1 => Ok(Some(true)),
            _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        match v {
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            "" => Ok(None),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
    null_is_none!();
}
impl Lenient for bool {
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
        d.deserialize_any(BoolVisitor)
    }
}

/// A member that is always present: `null` or absence gives the default.
pub fn req<'de, D: Deserializer<'de>, T: Lenient>(d: D) -> Result<T, D::Error> {
    T::decode(d).map(Option::unwrap_or_default)
}

/// A member that may be absent or `null`.
pub fn opt<'de, D: Deserializer<'de>, T: Lenient>(d: D) -> Result<Option<T>, D::Error> {
    T::decode(d)
}

/// One element of a lenient list.
struct Elem<T>(Option<T>);
impl<'de, T: Lenient> Deserialize<'de> for Elem<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::decode(d).map(Elem)
    }
}

struct ListVisitor<T>(PhantomData<T>);
impl<'de, T: Lenient> Visitor<'de> for ListVisitor<T> {
    type Value = Option<Vec<T>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(Elem(v)) = seq.next_element::<Elem<T>>()? {
            out.push(v.unwrap_or_default());
        }
        Ok(Some(out))
    }
    null_is_none!();
}

/// A list that is always present (`null` or absence gives an empty list).
pub fn list<'de, D: Deserializer<'de>, T: Lenient>(d: D) -> Result<Vec<T>, D::Error> {
    d.deserialize_any(ListVisitor::<T>(PhantomData))
        .map(Option::unwrap_or_default)
}

/// A list that may be absent or `null`.
pub fn opt_list<'de, D: Deserializer<'de>, T: Lenient>(d: D) -> Result<Option<Vec<T>>, D::Error> {
    d.deserialize_any(ListVisitor::<T>(PhantomData))
}

/// A structure (or list of structures) that is always present: `null` gives the default.
pub fn null_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> Result<T, D::Error> {
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// The text of a string enumeration value, borrowed when possible.
pub fn string_enum<'de, D: Deserializer<'de>>(d: D) -> Result<Cow<'de, str>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Cow<'de, str>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v))
        }
    }
    d.deserialize_str(V)
}

/// The value of an integer enumeration (a number or a numeric string).
pub fn int_enum<'de, D: Deserializer<'de>, T: Lenient>(d: D) -> Result<T, D::Error> {
    match T::decode(d)? {
        Some(v) => Ok(v),
        None => Err(de::Error::custom(
            "an enumeration value cannot be null or empty",
        )),
    }
}

/// A structure decoded member by member, implemented by the generated
/// response types: [`structure`] walks the JSON object and hands each
/// member to [`field`](Structure::field) by its position in
/// [`FIELDS`](Structure::FIELDS).
///
/// Members that are absent keep their [`Default`]; a member listed twice is
/// an error (as with serde's derive); members not listed are skipped, or
/// kept by [`unknown`](Structure::unknown) for types that keep them.
pub trait Structure: Default {
    /// The wire name of the structure, for error messages.
    const NAME: &'static str;
    /// The wire names of the members, in the order `field` numbers them.
    const FIELDS: &'static [&'static str];
    /// Whether [`unknown`](Structure::unknown) wants the members not listed.
    const KEEPS_UNKNOWN: bool = false;
    /// The members the service always sends, as a bit per position in
    /// `FIELDS` (the first 128): decoding fails with `missing field` when
    /// one of them is absent. (Their `field` refuses `null` itself.)
    const REQUIRED: u128 = 0;

    /// The position of a wire name in `FIELDS`.
    fn index(key: &str) -> Option<usize>;

    /// Decodes the value of member `index` into `self`.
    fn field<'de, A: de::MapAccess<'de>>(
        &mut self,
        index: usize,
        map: &mut A,
    ) -> Result<(), A::Error>;

    /// A member not in `FIELDS`: skipped unless the type keeps them.
    fn unknown<'de, A: de::MapAccess<'de>>(
        &mut self,
        key: String,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let _ = key;
        map.next_value::<de::IgnoredAny>().map(drop)
    }
}

/// Decodes a [`Structure`] from a JSON object.
pub fn structure<'de, D: Deserializer<'de>, T: Structure>(d: D) -> Result<T, D::Error> {
    d.deserialize_struct(T::NAME, T::FIELDS, StructVisitor::<T>(PhantomData))
}

struct StructVisitor<T>(PhantomData<T>);

impl<'de, T: Structure> Visitor<'de> for StructVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object ({})", T::NAME)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut out = T::default();
        // Members seen so far, to refuse duplicates (the first 128 members).
        let mut seen = 0u128;
        while let Some(key) = map.next_key_seed(KeySeed::<T>(PhantomData))? {
            match key {
                Key::Known(i) => {
                    if i < 128 {
                        if seen & (1 << i) != 0 {
                            return Err(de::Error::duplicate_field(T::FIELDS[i]));
                        }
                        seen |= 1 << i;
                    }
                    out.field(i, &mut map)?;
                }
                Key::Unknown(name) => out.unknown(name, &mut map)?,
            }
        }
        let missing = T::REQUIRED & !seen;
        if missing != 0 {
            let first = missing.trailing_zeros() as usize;
            return Err(de::Error::missing_field(T::FIELDS[first]));
        }
        Ok(out)
    }
}

/// A member name: its position, or (for types that keep unknown members)
/// the name itself.
enum Key {
    Known(usize),
    Unknown(String),
}

struct KeySeed<T>(PhantomData<T>);

impl<'de, T: Structure> de::DeserializeSeed<'de> for KeySeed<T> {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de, T: Structure> Visitor<'de> for KeySeed<T> {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(match T::index(v) {
            Some(i) => Key::Known(i),
            None if T::KEEPS_UNKNOWN => Key::Unknown(v.to_owned()),
            None => Key::Unknown(String::new()),
        })
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Key, E> {
        match std::str::from_utf8(v) {
            Ok(s) => self.visit_str(s),
            Err(_) => Ok(Key::Unknown(String::new())),
        }
    }
}

/// The value of a member the service always sends: `null` is refused as
/// `missing field` (a default passed off as data would be worse).
pub fn present<T, E: de::Error>(value: Option<T>, wire: &'static str) -> Result<T, E> {
    value.ok_or_else(|| E::missing_field(wire))
}

/// [`DeserializeSeed`](de::DeserializeSeed)s for the member functions
/// above, so that a [`Structure`] can decode a member in place.
macro_rules! seeds {
    ($($(#[$doc:meta])* $seed:ident => $f:ident: $v:ty where [$($bound:tt)*];)*) => {$(
        $(#[$doc])*
        pub struct $seed<T>(PhantomData<T>);
        impl<T> $seed<T> {
            /// The seed.
            #[inline]
            pub const fn new() -> Self {
                $seed(PhantomData)
            }
        }
        impl<T> Default for $seed<T> {
            fn default() -> Self {
                Self::new()
            }
        }
        impl<'de, T: $($bound)*> de::DeserializeSeed<'de> for $seed<T> {
            type Value = $v;
            #[inline]
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<$v, D::Error> {
                $f(d)
            }
        }
    )*};
}

seeds! {
    /// Decodes as [`req`].
    Req => req: T where [Lenient];
    /// Decodes as [`opt`].
    Opt => opt: Option<T> where [Lenient];
    /// Decodes as [`list`].
    List => list: Vec<T> where [Lenient];
    /// Decodes as [`opt_list`].
    OptList => opt_list: Option<Vec<T>> where [Lenient];
    /// Decodes as [`null_default`].
    NullDefault => null_default: T where [Deserialize<'de> + Default];
}
