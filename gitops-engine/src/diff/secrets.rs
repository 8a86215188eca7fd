//! Masking Secret values (and sensitive annotations) before objects leave
//! the engine, preserving which values are equal.

use serde_json::{Map, Value};

use super::LAST_APPLIED_ANNOTATION;
use super::normalize::{NormalizeOptions, normalize, remarshal, sorted_keys};
use crate::object::Gvk;

/// The mask that replaces a whole value that cannot be masked field by field.
const WHOLE_MASK: &str = "++++++++";

/// Masks the Secrets `target` and `live` (either may be absent; objects of
/// other kinds are returned unchanged): every `data` value, and every
/// annotation named in `hide_annotations`, becomes a run of
/// `+` — per key, the first distinct value seen (in the order target, live,
/// live's last-applied, target's last-applied) gets 8, the next 12, and so
/// on, so equal values get equal masks. Secrets are normalised first
/// (`stringData` folded into `data`). Last-applied annotations are masked
/// the same way and re-serialised with sorted keys; when `hide_annotations`
/// names the last-applied annotation itself, or it does not parse as a JSON
/// object, it becomes `++++++++` as a whole.
pub fn hide_secret_data(
    target: Option<&Value>,
    live: Option<&Value>,
    hide_annotations: &[String],
) -> (Option<Value>, Option<Value>) {
    let is_secret = |o: &&Value| Gvk::named_by(o).is("", "Secret");
    if target.filter(is_secret).is_none() && live.filter(is_secret).is_none() {
        return (target.cloned(), live.cloned());
    }
    let mut target = target.map(prepare);
    let mut live = live.map(prepare);
    let hide_whole = hide_annotations
        .iter()
        .any(|a| a == LAST_APPLIED_ANNOTATION);
    let mut live_applied = live.as_mut().and_then(|l| take_last_applied(l, hide_whole));
    let mut target_applied = target
        .as_mut()
        .and_then(|t| take_last_applied(t, hide_whole));

    let mut objects: Vec<&mut Value> = [
        &mut target,
        &mut live,
        &mut live_applied,
        &mut target_applied,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
    .collect();
    let data: Vec<&mut Map<String, Value>> = objects
        .iter_mut()
        .filter(|o| Gvk::named_by(o).is("", "Secret"))
        .filter_map(|o| o.get_mut("data").and_then(Value::as_object_mut))
        .collect();
    mask_maps(data, |_| true);
    let annotations: Vec<&mut Map<String, Value>> = objects
        .iter_mut()
        .filter_map(|o| {
            o.pointer_mut("/metadata/annotations")
                .and_then(Value::as_object_mut)
        })
        .collect();
    mask_maps(annotations, |k| {
        k != LAST_APPLIED_ANNOTATION && hide_annotations.iter().any(|a| a == k)
    });

    restore_last_applied(live.as_mut(), live_applied);
    restore_last_applied(target.as_mut(), target_applied);
    (target, live)
}

/// A Secret goes through the diff pre-pass so `stringData` is masked too.
fn prepare(obj: &Value) -> Value {
    let mut obj = obj.clone();
    if Gvk::named_by(&obj).is("", "Secret") {
        remarshal(&mut obj);
        normalize(&mut obj, NormalizeOptions::default());
    }
    obj
}

/// Replaces, per key accepted by `hide`, each map's value with its mask.
fn mask_maps(mut maps: Vec<&mut Map<String, Value>>, hide: impl Fn(&str) -> bool) {
    let mut keys: Vec<String> = Vec::new();
    for m in &maps {
        for k in m.keys().filter(|k| hide(k)) {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    for key in keys {
        let mut seen: Vec<Value> = Vec::new();
        for m in maps.iter_mut() {
            let Some(v) = m.get_mut(&key) else { continue };
            let i = seen.iter().position(|s| s == v).unwrap_or_else(|| {
                seen.push(v.clone());
                seen.len() - 1
            });
            *v = Value::String("+".repeat(8 + 4 * i));
        }
    }
}

/// The parsed last-applied configuration of `obj`, to be masked alongside;
/// masks the annotation wholesale instead when asked to or when it does not
/// parse.
fn take_last_applied(obj: &mut Value, hide_whole: bool) -> Option<Value> {
    let annotation = obj
        .pointer_mut("/metadata/annotations")
        .and_then(|a| a.get_mut(LAST_APPLIED_ANNOTATION))?;
    let parsed = annotation
        .as_str()
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .filter(Value::is_object);
    match parsed {
        Some(applied) if !hide_whole => Some(prepare(&applied)),
        _ => {
            *annotation = Value::String(WHOLE_MASK.to_string());
            None
        }
    }
}

fn restore_last_applied(obj: Option<&mut Value>, applied: Option<Value>) {
    let (Some(obj), Some(applied)) = (obj, applied) else {
        return;
    };
    if let Some(annotations) = obj
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        let text = sorted_keys(&applied).to_string();
        annotations.insert(LAST_APPLIED_ANNOTATION.to_string(), Value::String(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_preserve_equality_per_key() {
        let t = json!({"apiVersion": "v1", "kind": "Secret", "data": {"a": "MQ==", "b": "MQ=="}});
        let l = json!({"apiVersion": "v1", "kind": "Secret", "data": {"a": "Mg==", "b": "MQ=="}});
        let (t, l) = hide_secret_data(Some(&t), Some(&l), &[]);
        assert_eq!(
            t.unwrap()["data"],
            json!({"a": "++++++++", "b": "++++++++"})
        );
        assert_eq!(
            l.unwrap()["data"],
            json!({"a": "++++++++++++", "b": "++++++++"})
        );
    }

    #[test]
    fn non_secrets_are_unchanged() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"annotations": {"token": "t"}}, "data": {"a": "x"}});
        let (t, _) = hide_secret_data(Some(&cm), None, &["token".to_string()]);
        assert_eq!(t.unwrap(), cm);
    }

    #[test]
    fn unparseable_last_applied_is_masked_whole() {
        let l = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"annotations": {LAST_APPLIED_ANNOTATION: "{not json"}}});
        let (_, l) = hide_secret_data(None, Some(&l), &[]);
        assert_eq!(
            l.unwrap()["metadata"]["annotations"][LAST_APPLIED_ANNOTATION],
            WHOLE_MASK
        );
    }
}
