//! What the fuzz targets share: the list of every action of the spec and a
//! dispatch from an action's position in it to its generated types, plus
//! the checks each target applies.

pub mod decode;
pub mod request;

pub use ess_api::__dispatch::ActionVisitor;

/// Every action of the spec, by wire name.
pub const ACTIONS: &[&str] = ess_api::service::ACTIONS;

/// Calls `visitor` with the input type of the action at `index % ACTIONS.len()`.
pub fn with_action<V: ActionVisitor>(index: usize, visitor: V) -> V::Output {
    let name = ACTIONS[index % ACTIONS.len()];
    ess_api::__dispatch::visit_action(name, visitor)
        .expect("every name of ACTIONS is an action of the dispatch")
}

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
