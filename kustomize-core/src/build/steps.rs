//! The build steps that call into the transformer and generator modules.
//! (Wiring in progress: filled in as those modules land.)

use super::target::{Accumulator, Target};
use crate::Error;
use serde_json::Value;

/// Field specs in force for a kustomization.
#[derive(Debug, Default)]
pub(crate) struct Config;

impl Config {
    /// Merges another kustomization's field specs into these.
    pub fn merge(&mut self, _other: Config) {}
}

pub(crate) fn merge_configurations(_t: &Target, _acc: &mut Accumulator) -> Result<(), Error> {
    Ok(())
}

pub(crate) fn run_generators(
    _t: &Target,
    _acc: &mut Accumulator,
    _w: &mut Vec<String>,
) -> Result<(), Error> {
    Ok(())
}

pub(crate) fn run_transformers(
    _t: &Target,
    _acc: &mut Accumulator,
    _w: &mut Vec<String>,
) -> Result<(), Error> {
    Ok(())
}

pub(crate) fn merge_vars(_t: &Target, _acc: &mut Accumulator) -> Result<(), Error> {
    Ok(())
}

pub(crate) fn merge_var_list(into: &mut Vec<Value>, more: Vec<Value>) -> Result<(), String> {
    into.extend(more);
    Ok(())
}

pub(crate) fn finish(_t: &Target, acc: &mut Accumulator) -> Result<(), Error> {
    let kept: Vec<_> = std::mem::take(&mut acc.res)
        .into_resources()
        .into_iter()
        .filter(|r| {
            let a = r.metadata_map("annotations");
            a.get("config.kubernetes.io/local-config")
                .is_none_or(|v| v == "false")
        })
        .collect();
    acc.res.replace_all(kept);
    Ok(())
}
