//! The `clusterDecisionResource` generator: clusters chosen by a duck-typed
//! placement resource (its status list names clusters by `matchKey`).

use serde_json::Value;

use super::super::error::AppSetError;
use super::super::model::DecisionResourceGenerator;
use super::super::params::Params;
use super::GenerateContext;
use super::clusters::known_clusters;

/// One parameter set per decision naming a known cluster: `name`, `server`,
/// then the decision's own string fields, then `values`.
pub(super) fn params(
    g: &DecisionResourceGenerator,
    ctx: GenerateContext<'_>,
) -> Result<Vec<Params>, AppSetError> {
    let (match_key, decisions) = ctx
        .sources
        .decisions(g)
        .map_err(AppSetError::DecisionResource)?;
    let clusters = known_clusters(ctx)?;
    let mut out = Vec::new();
    for decision in decisions {
        let Some(wanted) = decision.get(&match_key).and_then(Value::as_str) else {
            continue;
        };
        let Some(cluster) = clusters.iter().find(|c| c.name == wanted) else {
            continue;
        };
        let mut params = Params::new();
        params.insert("name".into(), cluster.name.clone().into());
        params.insert("server".into(), cluster.server.clone().into());
        for (k, v) in &decision {
            if let Value::String(s) = v {
                params.insert(k.clone(), s.clone().into());
            }
        }
        ctx.append_values(&g.values, &mut params)?;
        out.push(params);
    }
    Ok(out)
}
