//! The cargo features of this crate are the spec's action groups.

use std::collections::BTreeSet;

#[test]
fn every_group_of_the_spec_is_a_feature_and_full_has_them_all() {
    let manifest: toml::Table =
        toml::from_str(include_str!("../../Cargo.toml")).expect("the manifest parses");
    let features = manifest["features"].as_table().expect("a [features] table");
    let spec: BTreeSet<&str> = ess_api::service::GROUPS.iter().copied().collect();
    for group in &spec {
        let deps = features
            .get(*group)
            .unwrap_or_else(|| panic!("group `{group}` has no feature in Cargo.toml"));
        assert_eq!(deps.as_array().map(Vec::len), Some(0), "feature `{group}`");
    }
    let full: BTreeSet<&str> = features["full"]
        .as_array()
        .expect("full lists features")
        .iter()
        .map(|v| v.as_str().expect("a feature name"))
        .collect();
    assert_eq!(full, spec, "`full` is exactly the spec's groups");
    let default: Vec<&str> = features["default"]
        .as_array()
        .expect("default lists features")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(default, ["full"]);
}
