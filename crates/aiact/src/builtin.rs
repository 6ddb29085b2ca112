//! algoreg's own tree, written from the AI Act itself (so the product works without the government's
//! file), and the dates from which obligations apply (configuration: `builtin/dates.yaml`, or a file
//! of the same shape given at run time).

use crate::tree::{Tree, TreeError};
use std::collections::BTreeMap;

pub const TREE_YAML: &str = include_str!("builtin/tree.yaml");
pub const DATES_YAML: &str = include_str!("builtin/dates.yaml");

/// The built-in tree.
pub fn tree() -> Result<Tree, TreeError> {
    Tree::from_yaml(TREE_YAML)
}

/// Label → date (yyyy-mm-dd) from which the obligations it brings apply.
pub fn dates(yaml: &str) -> Result<BTreeMap<String, String>, TreeError> {
    let map: BTreeMap<String, String> = yaml_serde::from_str(yaml).map_err(|e| TreeError::Format(e.to_string()))?;
    for (label, date) in &map {
        let ok = date.len() == 10
            && date.as_bytes()[4] == b'-'
            && date.as_bytes()[7] == b'-'
            && date.chars().filter(|c| c.is_ascii_digit()).count() == 8;
        if !ok {
            return Err(TreeError::Format(format!("{label}: {date:?} is not a date yyyy-mm-dd")));
        }
    }
    Ok(map)
}

/// The dates that apply to a set of labels, earliest first.
pub fn applicable_dates<'a>(labels: impl IntoIterator<Item = &'a String>, dates: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = labels.into_iter().filter_map(|l| dates.get(l).map(|d| (l.clone(), d.clone()))).collect();
    out.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    out
}
