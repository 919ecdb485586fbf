//! What the fuzz targets share: the list of every action of the spec and a
//! dispatch from an action's position in it to its generated types, plus
//! the checks each target applies.

use std::fmt::Debug;

use ess_api::Action;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub mod decode;
pub mod request;

/// Something done with the generated types of one action.
pub trait ActionVisitor {
    /// What it returns.
    type Output;

    /// Does it with action `A`.
    fn visit<A>(self) -> Self::Output
    where
        A: Action + DeserializeOwned + PartialEq + Debug,
        A::Output: Serialize + PartialEq + Debug,
        ess_api::EssError: From<A::Error>;
}

include!(concat!(env!("OUT_DIR"), "/actions.rs"));

/// The first line of `data` (without its `\n`) and the rest.
pub fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// The position in [`ACTIONS`] of the action named `name`; another name
/// picks an action from its bytes.
pub fn action_index(name: &[u8]) -> usize {
    let name = name.strip_suffix(b"\r").unwrap_or(name);
    ACTIONS
        .iter()
        .position(|a| a.as_bytes() == name)
        .unwrap_or_else(|| name.iter().map(|b| usize::from(*b)).sum())
}
