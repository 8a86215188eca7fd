//! From parameter sets to Applications: template (with `templatePatch`),
//! finalizer, namespace, and validation of the generated names.

use std::collections::HashSet;

use serde_json::Value;

use super::error::AppSetError;
use super::generators::{GenerateContext, GeneratedParams, GeneratorSources, transform};
use super::model::{AppSetSyncPolicy, ApplicationSet};
use super::params::Params;
use super::template::TemplateMode;

pub use crate::app::RESOURCES_FINALIZER;

/// Every parameter set of every generator of `appset`, with the template each renders into.
pub fn generate_params(
    appset: &ApplicationSet,
    sources: &dyn GeneratorSources,
) -> Result<Vec<GeneratedParams>, AppSetError> {
    let ctx = GenerateContext {
        sources,
        mode: mode_of(appset),
        apply_nested_selectors: appset.spec.apply_nested_selectors,
        inherited: None,
    };
    let mut out = Vec::new();
    for (index, entry) in appset.spec.generators.iter().enumerate() {
        let kinds = entry.kinds();
        let Some(first) = kinds.first() else {
            return Err(AppSetError::UnrecognizedGenerator { index });
        };
        let kind = first.name();
        let generated = transform(entry, &appset.spec.template, ctx, None, 0).map_err(|e| {
            AppSetError::Generator {
                index,
                kind,
                source: Box::new(e),
            }
        })?;
        out.extend(generated);
    }
    Ok(out)
}

/// The Applications `appset` generates, in generator then parameter order,
/// validated: no empty and no duplicate names. Any error means nothing is generated.
pub fn generate_applications(
    appset: &ApplicationSet,
    sources: &dyn GeneratorSources,
) -> Result<Vec<Value>, AppSetError> {
    let mode = mode_of(appset);
    let mut apps = Vec::new();
    for generated in generate_params(appset, sources)? {
        for params in &generated.params {
            let mut app = render_application(
                &generated.template,
                appset.spec.template_patch.as_deref(),
                appset.spec.sync_policy.as_ref(),
                params,
                mode,
            )?;
            if let Value::Object(map) = &mut app {
                map.insert("apiVersion".into(), crate::app::API_VERSION.into());
                map.insert("kind".into(), crate::app::KIND.into());
            }
            set_namespace(&mut app, &appset.metadata.namespace);
            apps.push(app);
        }
    }
    validate_names(&appset.metadata.name, &apps)?;
    Ok(apps)
}

/// `spec.goTemplate` and its options as a [`TemplateMode`].
pub fn mode_of(appset: &ApplicationSet) -> TemplateMode<'_> {
    TemplateMode {
        go_template: appset.spec.go_template,
        options: &appset.spec.go_template_options,
    }
}

/// Renders one Application: `templatePatch` (rendered with `params`) is merged into
/// the template, then every string is rendered, then the resources finalizer is
/// added when the template has no finalizers and resources are not preserved.
/// With no parameters at all the template is returned as written.
pub fn render_application(
    template: &Value,
    template_patch: Option<&str>,
    sync_policy: Option<&AppSetSyncPolicy>,
    params: &Params,
    mode: TemplateMode<'_>,
) -> Result<Value, AppSetError> {
    let mut app = template.clone();
    if let Some(patch) = template_patch {
        let rendered = mode.render_str(patch, params)?;
        app = apply_template_patch(&app, &rendered)?;
    }
    if params.is_empty() {
        return Ok(app);
    }
    parse_values_objects(&mut app)?;
    let mut app = mode.render_value(&app, params)?;
    let preserve = sync_policy.is_some_and(|p| p.preserve_resources_on_deletion);
    if !preserve {
        let meta = ensure_object(&mut app, "metadata")?;
        let has_finalizers = meta
            .get("finalizers")
            .and_then(Value::as_array)
            .is_some_and(|f| !f.is_empty());
        if !has_finalizers {
            meta.insert(
                "finalizers".into(),
                serde_json::json!([RESOURCES_FINALIZER]),
            );
        }
    }
    Ok(app)
}

/// Helm `valuesObject`s written as YAML text become objects (Argo CD converts
/// these raw fields from YAML before rendering them string by string).
fn parse_values_objects(app: &mut Value) -> Result<(), AppSetError> {
    if let Some(source) = app.pointer_mut("/spec/source") {
        parse_values_object(source)?;
    }
    if let Some(Value::Array(sources)) = app.pointer_mut("/spec/sources") {
        for source in sources {
            parse_values_object(source)?;
        }
    }
    Ok(())
}

fn parse_values_object(source: &mut Value) -> Result<(), AppSetError> {
    if let Some(values) = source.pointer_mut("/helm/valuesObject")
        && let Value::String(text) = values
    {
        *values = kustomize_core::yaml::parse_document(text)
            .map_err(|e| AppSetError::Template(format!("helm.valuesObject: {e}")))?;
    }
    Ok(())
}

/// Merges a YAML/JSON patch into an Application as a strategic merge patch;
/// `spec.project` keeps the Application's value whatever the patch says.
pub fn apply_template_patch(app: &Value, patch_text: &str) -> Result<Value, AppSetError> {
    let patch = kustomize_core::yaml::parse_document(patch_text)
        .map_err(|e| AppSetError::TemplatePatch(e.to_string()))?;
    if !patch.is_object() {
        return Err(AppSetError::TemplatePatch(
            "the patch is not an object".into(),
        ));
    }
    let schema = kustomize_core::smp::Schema::builtin();
    let merged = kustomize_core::smp::merge(app, &patch, schema)
        .map_err(|e| AppSetError::TemplatePatch(e.to_string()))?
        .unwrap_or(Value::Null);
    let mut merged = match merged {
        Value::Object(map) => Value::Object(map),
        _ => {
            return Err(AppSetError::TemplatePatch(
                "the patch deletes the Application".into(),
            ));
        }
    };
    let project = app.pointer("/spec/project").cloned();
    let spec = ensure_object(&mut merged, "spec")?;
    match project {
        Some(p) => {
            spec.insert("project".into(), p);
        }
        None => {
            spec.remove("project");
        }
    }
    Ok(merged)
}

fn ensure_object<'a>(
    value: &'a mut Value,
    key: &str,
) -> Result<&'a mut serde_json::Map<String, Value>, AppSetError> {
    let Value::Object(map) = value else {
        return Err(AppSetError::Template(
            "the template is not an object".into(),
        ));
    };
    let entry = map
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Default::default()));
    if entry.is_null() {
        *entry = Value::Object(Default::default());
    }
    entry
        .as_object_mut()
        .ok_or_else(|| AppSetError::Template(format!("{key} is not an object")))
}

fn set_namespace(app: &mut Value, namespace: &str) {
    if namespace.is_empty() {
        return;
    }
    if let Ok(meta) = ensure_object(app, "metadata") {
        meta.insert("namespace".into(), namespace.into());
    }
}

/// Every Application needs a name, and no two may share one.
pub fn validate_names(appset: &str, apps: &[Value]) -> Result<(), AppSetError> {
    let mut seen = HashSet::with_capacity(apps.len());
    for (index, app) in apps.iter().enumerate() {
        let name = app
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        if name.is_empty() {
            return Err(AppSetError::EmptyName { index });
        }
        if !seen.insert(name) {
            return Err(AppSetError::DuplicateName {
                appset: appset.to_string(),
                name: name.to_string(),
            });
        }
    }
    Ok(())
}
