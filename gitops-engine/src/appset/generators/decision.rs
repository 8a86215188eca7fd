//! The `clusterDecisionResource` generator: clusters chosen by a duck-typed
//! placement resource (its status list names clusters by `matchKey`).

use serde_json::Value;

use super::super::error::AppSetError;
use super::super::model::DecisionResourceGenerator;
use super::super::params::Params;
use super::GenerateContext;
use super::clusters::known_clusters;

/// One parameter set per decision naming a known cluster: `name`, `server`,
/// then each field of the decision as a string (Go's `%v`), then `values`.
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
        let Some(wanted) = decision.get(&match_key).map(go_value) else {
            continue;
        };
        let Some(cluster) = clusters
            .iter()
            .find(|c| !wanted.is_empty() && c.name == wanted)
        else {
            continue;
        };
        let mut params = Params::new();
        params.insert("name".into(), cluster.name.clone().into());
        params.insert("server".into(), cluster.server.clone().into());
        for (k, v) in &decision {
            params.insert(k.clone(), go_value(v).into());
        }
        ctx.append_values(&g.values, &mut params)?;
        out.push(params);
    }
    Ok(out)
}

/// A JSON value as Go's `fmt.Sprintf("%v", v)` prints it after Kubernetes'
/// decoding (maps with sorted keys, `<nil>` for null).
fn go_value(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(go_value).collect();
            format!("[{}]", items.join(" "))
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by_key(|(k, _)| *k);
            let entries: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{k}:{}", go_value(v)))
                .collect();
            format!("map[{}]", entries.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::go_value;
    use serde_json::json;

    #[test]
    fn decision_fields_print_as_go_does() {
        // fmt.Sprintf("%v", v) of the values Kubernetes decodes from JSON.
        assert_eq!(go_value(&json!("c1")), "c1");
        assert_eq!(go_value(&json!(3)), "3");
        assert_eq!(go_value(&json!(true)), "true");
        assert_eq!(go_value(&json!(null)), "<nil>");
        assert_eq!(go_value(&json!(["a", 1])), "[a 1]");
        assert_eq!(go_value(&json!({"b": 2, "a": "x"})), "map[a:x b:2]");
    }
}
