//! ApplicationSet generation against `shared/corpus/applicationset` (cases from
//! Argo CD's own unit tests). Fails when the corpus is absent; prints the pass
//! count and every failure with its reason; asserts at least 95% pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use std::collections::BTreeSet;

use gitops_engine::appset::{
    AppSetError, AppSetSyncPolicy, ApplicationSet, ApplicationsSyncPolicy,
    DecisionResourceGenerator, FileGlob, FileGlobbing, GenerateContext, Generator,
    GeneratorSources, Params, TemplateMode, append_values, apply_template_patch, apps_to_sync,
    generate_applications, merge_template, params_by_merge_key, plan_changes, plan_steps,
    render_application, rollout_status, transform,
};
use serde_json::{Map, Value, json};

fn corpus_dir() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        manifest.join("../../shared/corpus/applicationset"),
        manifest.join("../shared/corpus/applicationset"),
        PathBuf::from("/work/shared/corpus/applicationset"),
    ]
    .into_iter()
    .find(|dir| dir.join("cases").is_dir())
}

fn case_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for family in std::fs::read_dir(dir.join("cases")).expect("read cases") {
        let family = family.expect("entry").path();
        for case in std::fs::read_dir(&family).expect("read family") {
            files.push(case.expect("entry").path());
        }
    }
    files.sort();
    files
}

/// The repository, cluster and error mocks a case describes.
struct Mock<'a> {
    inputs: &'a Value,
}

impl Mock<'_> {
    fn error(&self, key: &str) -> Option<String> {
        self.inputs
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
    }
}

impl GeneratorSources for Mock<'_> {
    fn directories(&self, _repo: &str, _rev: &str) -> Result<Vec<String>, String> {
        if let Some(e) = self.error("repoError") {
            return Err(e);
        }
        Ok(strings(&self.inputs["repoDirectories"]))
    }

    fn files(
        &self,
        _repo: &str,
        _rev: &str,
        pattern: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, String> {
        if let Some(e) = self.error("repoError") {
            return Err(e);
        }
        let files = self.inputs["files"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let to_bytes =
            |(k, v): (&String, &Value)| (k.clone(), v.as_str().unwrap_or("").as_bytes().to_vec());
        // With a globbing mode, our own matcher picks the files; else the recorded answer.
        let mode = match self.inputs.get("globbing").and_then(Value::as_str) {
            Some("new") => Some(FileGlobbing::New),
            Some("old") => Some(FileGlobbing::Old),
            _ => None,
        };
        if let (Some(mode), false) = (mode, files.is_empty()) {
            let glob = FileGlob::new(pattern, mode).map_err(|e| e.to_string())?;
            return Ok(files
                .iter()
                .filter(|(k, _)| glob.matches(k))
                .map(to_bytes)
                .collect());
        }
        let answer = self.inputs["getFilesResponses"].get(pattern);
        Ok(answer
            .and_then(Value::as_object)
            .map(|m| m.iter().map(to_bytes).collect())
            .unwrap_or_default())
    }

    fn cluster_secrets(&self) -> Result<Vec<Value>, String> {
        if let Some(e) = self.error("clientError") {
            return Err(e);
        }
        Ok(self.inputs["clusterSecrets"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    fn decisions(
        &self,
        _g: &DecisionResourceGenerator,
    ) -> Result<(String, Vec<Map<String, Value>>), String> {
        Err("no decision resources in this corpus".into())
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn options(case: &Value) -> Vec<String> {
    strings(&case["goTemplateOptions"])
}

fn go(case: &Value) -> bool {
    case["goTemplate"].as_bool().unwrap_or(false)
}

/// Drops Go zero values (null, "", false, 0, empty list/object) everywhere.
fn strip_zero(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), strip_zero(v)))
                .filter(|(_, v)| !is_zero(v))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_zero).collect()),
        other => other.clone(),
    }
}

fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// A comparable form: zero values dropped; with `any` order, lists sorted by text.
fn canonical(v: &Value, any_order: bool) -> Value {
    let v = strip_zero(v);
    if !any_order {
        return v;
    }
    fn sort(v: &Value) -> Value {
        match v {
            Value::Array(a) => {
                let mut items: Vec<Value> = a.iter().map(sort).collect();
                items.sort_by_key(|i| i.to_string());
                Value::Array(items)
            }
            Value::Object(m) => {
                let mut entries: Vec<(&String, &Value)> = m.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.clone(), sort(v)))
                        .collect(),
                )
            }
            other => other.clone(),
        }
    }
    sort(&v)
}

fn check_error(expected: &Value, got: Result<Value, AppSetError>) -> Result<(), String> {
    let got = match got {
        Ok(v) => return Err(format!("expected an error, got {}", short(&v))),
        Err(e) => e.to_string(),
    };
    let want = expected["error"].as_str().unwrap_or("");
    let ok = match expected["errorMatch"].as_str().unwrap_or("exact") {
        "any" => true,
        "contains" => {
            got.contains(want)
                && strings(&expected["errorAlsoContains"])
                    .iter()
                    .all(|s| got.contains(s.as_str()))
        }
        _ => match expected["errorContains"].as_str() {
            Some(portable) => got.contains(portable),
            None => got == want,
        },
    };
    if ok {
        Ok(())
    } else {
        Err(format!("error {got:?}, want {want:?}"))
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 4000 {
        format!("{}...", &s[..4000])
    } else {
        s
    }
}

fn compare(want: &Value, got: &Value, any_order: bool) -> Result<(), String> {
    let (w, g) = (canonical(want, any_order), canonical(got, any_order));
    if w == g {
        Ok(())
    } else {
        Err(format!("got {}, want {}", short(&g), short(&w)))
    }
}

/// The generator with every child named in `mockGeneratorParams` replaced by a
/// list generator returning those parameter sets.
const GENERATOR_KEYS: [&str; 9] = [
    "list",
    "clusters",
    "git",
    "matrix",
    "merge",
    "clusterDecisionResource",
    "pullRequest",
    "scmProvider",
    "plugin",
];

fn with_mocks(generator: &Value, mocks: Option<&Value>) -> Value {
    let Some(mocks) = mocks.and_then(Value::as_object) else {
        return generator.clone();
    };
    let mut generator = generator.clone();
    for combining in ["matrix", "merge"] {
        if let Some(children) = generator
            .pointer_mut(&format!("/{combining}/generators"))
            .and_then(Value::as_array_mut)
        {
            for child in children {
                // A child setting several generators stays as written: it is an error anyway.
                let set = GENERATOR_KEYS
                    .iter()
                    .filter(|k| child.get(**k).is_some())
                    .count();
                if set > 1 {
                    continue;
                }
                if let Some((kind, params)) =
                    mocks.iter().find(|(k, _)| child.get(k.as_str()).is_some())
                {
                    let mut replaced = json!({"list": {"elements": params}});
                    if let Some(sel) = child.get("selector") {
                        replaced["selector"] = sel.clone();
                    }
                    let _ = kind;
                    *child = replaced;
                }
            }
        }
    }
    generator
}

fn run_generator(case: &Value) -> Result<Value, AppSetError> {
    let inputs = &case["inputs"];
    let generator = with_mocks(&case["generator"], inputs.get("mockGeneratorParams"));
    let generator: Generator =
        serde_json::from_value(generator).map_err(|e| AppSetError::Template(e.to_string()))?;
    let opts = options(case);
    let mock = Mock { inputs };
    let ctx = GenerateContext {
        sources: &mock,
        mode: TemplateMode {
            go_template: go(case),
            options: &opts,
        },
        apply_nested_selectors: false,
        inherited: None,
    };
    let results = transform(&generator, &Value::Null, ctx, None, 0)?;
    let params: Vec<Value> = results
        .into_iter()
        .flat_map(|r| r.params)
        .map(Value::Object)
        .collect();
    Ok(Value::Array(params))
}

fn params_of(v: &Value) -> Params {
    v.as_object().cloned().unwrap_or_default()
}

fn run_case(case: &Value) -> Result<(), String> {
    let expected = &case["expected"];
    let kind = case["kind"].as_str().unwrap_or("");
    let opts = options(case);
    let mode = TemplateMode {
        go_template: go(case),
        options: &opts,
    };
    let any = expected["order"].as_str() == Some("any");
    if expected.get("error").is_some() {
        let got = match kind {
            "generator" => run_generator(case),
            "merge-keys" => merge_keys(case),
            "template" => render(case, mode),
            "replace" => mode
                .render_str(
                    case["template"].as_str().unwrap_or(""),
                    &params_of(&case["params"]),
                )
                .map(Value::String),
            "template-patch" => apply_template_patch(
                &case["inputs"]["application"],
                case["inputs"]["templatePatch"].as_str().unwrap_or(""),
            ),
            other => return Err(format!("kind {other} not exercised")),
        };
        return check_error(expected, got);
    }
    match kind {
        "generator" => {
            let got = run_generator(case).map_err(|e| e.to_string())?;
            if let Some(count) = expected.get("count") {
                let n = got.as_array().map_or(0, Vec::len);
                if Some(n as u64) != count.as_u64() {
                    return Err(format!("{n} parameter sets, want {count}"));
                }
                let partials = expected["paramsPartial"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                for (want, got) in partials.iter().zip(got.as_array().into_iter().flatten()) {
                    for (k, v) in want.as_object().into_iter().flatten() {
                        compare(v, &got[k.as_str()], false).map_err(|e| format!("{k}: {e}"))?;
                    }
                }
                return Ok(());
            }
            compare(&expected["params"], &got, any)
        }
        "merge-keys" => compare(
            &expected["byMergeKey"],
            &merge_keys(case).map_err(|e| e.to_string())?,
            false,
        ),
        "values" => {
            let mut params = params_of(&case["inputs"]["params"]);
            let values: BTreeMap<String, String> =
                serde_json::from_value(case["inputs"]["values"].clone())
                    .map_err(|e| e.to_string())?;
            let visible = params.clone();
            append_values(&values, &mut params, &visible, mode).map_err(|e| e.to_string())?;
            compare(&expected["params"], &Value::Object(params), false)
        }
        "template" => {
            let app = render(case, mode).map_err(|e| e.to_string())?;
            if let Some(fields) = expected.get("fields").and_then(Value::as_object) {
                for (path, want) in fields {
                    let got = lookup(&app, path).cloned().unwrap_or(Value::Null);
                    if strip_zero(&got) != strip_zero(want) {
                        return Err(format!("{path}: got {got}, want {want}"));
                    }
                }
                return Ok(());
            }
            compare(
                &expected["finalizers"],
                app.pointer("/metadata/finalizers").unwrap_or(&Value::Null),
                true,
            )
        }
        "template-merge" => {
            let got = merge_template(
                Some(&case["inputs"]["generatorTemplate"]),
                &case["inputs"]["appsetTemplate"],
            );
            compare(&expected["mergedTemplate"], &got, false)
        }
        "template-patch" => {
            let got = apply_template_patch(
                &case["inputs"]["application"],
                case["inputs"]["templatePatch"].as_str().unwrap_or(""),
            )
            .map_err(|e| e.to_string())?;
            compare(&expected["applications"][0], &got, false)
        }
        "create-or-update" | "delete-in-cluster" => create_or_update(case),
        "policy" => policy(case),
        "rolling-sync-steps" => {
            let inputs = &case["inputs"];
            let appset = appset_of(&inputs["applicationSet"])?;
            let apps = inputs["applications"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let plan = plan_steps(&appset, &apps);
            let got = json!({"steps": plan.steps, "stepOf": plan.step_of, "validationIssues": plan.issues});
            compare(expected, &got, false)
        }
        "rolling-sync-apps-to-sync" => {
            let inputs = &case["inputs"];
            let steps: Vec<Vec<String>> =
                serde_json::from_value(inputs["appDependencyList"].clone())
                    .map_err(|e| e.to_string())?;
            let current: BTreeSet<String> = inputs["currentApplications"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| {
                    a.pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .collect();
            let status = rollout_status(&inputs["applicationSet"]["status"]);
            let got: Map<String, Value> = apps_to_sync(&steps, &current, &status)
                .into_iter()
                .map(|a| (a, Value::Bool(true)))
                .collect();
            compare(&expected["appsToSync"], &Value::Object(got), false)
        }
        other => Err(format!("kind {other} not exercised")),
    }
}

fn appset_of(v: &Value) -> Result<ApplicationSet, String> {
    ApplicationSet::from_value(v).map_err(|e| e.to_string())
}

fn name(app: &Value) -> String {
    app.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// The controller's create/update/delete against a fake store whose resourceVersion
/// starts at "1" and goes up by one per write, as controller-runtime's fake client does.
fn create_or_update(case: &Value) -> Result<(), String> {
    let inputs = &case["inputs"];
    let appset = appset_of(&inputs["applicationSet"])?;
    let live = inputs["existingApplications"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let desired = inputs["desiredApplications"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let plan = plan_changes(&appset, &desired, &live, ApplicationsSyncPolicy::Sync)
        .map_err(|e| e.to_string())?;
    let bump = |app: &Value| -> Value {
        let mut app = app.clone();
        let rv: u64 = app
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        app["metadata"]["resourceVersion"] = Value::String((rv + 1).to_string());
        app
    };
    let mut store: Vec<Value> = live
        .iter()
        .filter(|a| !plan.delete.contains(&name(a)))
        .cloned()
        .collect();
    for updated in &plan.update {
        if let Some(slot) = store.iter_mut().find(|a| name(a) == name(updated)) {
            *slot = bump(updated);
        }
    }
    store.extend(plan.create.iter().map(bump));
    for gone in strings(&case["expected"]["notExist"]) {
        if store.iter().any(|a| name(a) == gone) {
            return Err(format!("{gone} still exists"));
        }
    }
    for want in case["expected"]["applications"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let got = store
            .iter()
            .find(|a| name(a) == name(want))
            .ok_or(format!("{} missing", name(want)))?;
        compare(want, got, false)?;
    }
    Ok(())
}

/// Policy cases: whether an edited or removed Application is put back or deleted.
fn policy(case: &Value) -> Result<(), String> {
    let inputs = &case["inputs"];
    let controller =
        ApplicationsSyncPolicy::parse(inputs["controllerPolicy"].as_str().unwrap_or(""))
            .map_err(|e| e.to_string())?;
    let enable_override = inputs["enablePolicyOverride"].as_bool().unwrap_or(false);
    let mut appset_value = inputs.get("applicationSet").cloned().unwrap_or_else(|| {
        json!({"metadata": {"name": "name", "namespace": "argocd"}, "spec": {
            "generators": [{"list": {"elements": [{"cluster": "good-cluster"}]}}],
            "template": {"metadata": {"name": "{{cluster}}"}, "spec": {"project": "default"}}}})
    });
    if let Some(sync) = inputs.get("appsetApplicationsSync") {
        appset_value["spec"]["syncPolicy"] = json!({"applicationsSync": sync});
    }
    let appset = appset_of(&appset_value)?;
    let policy = ApplicationsSyncPolicy::effective(controller, &appset, enable_override)
        .map_err(|e| e.to_string())?;
    let generated = generate_applications(&appset, &Mock { inputs }).map_err(|e| e.to_string())?;
    let first = plan_changes(&appset, &generated, &[], policy).map_err(|e| e.to_string())?;
    let live: Vec<Value> = first.create;
    // Edit the live Application (or the template), then reconcile again.
    let mut edited = live.clone();
    for app in &mut edited {
        app["metadata"]["annotations"]["key"] = json!("edited");
    }
    let changed_template: Vec<Value> = generated
        .iter()
        .map(|a| {
            let mut a = a.clone();
            a["metadata"]["labels"] = json!({"label-key": "label-value"});
            a
        })
        .collect();
    let expected = &case["expected"];
    if let Some(updated) = expected.get("updated") {
        let plan =
            plan_changes(&appset, &changed_template, &live, policy).map_err(|e| e.to_string())?;
        let got = !plan.update.is_empty();
        return if Some(got) == updated.as_bool() {
            Ok(())
        } else {
            Err(format!("updated {got}, want {updated}"))
        };
    }
    let deleted = || plan_changes(&appset, &[], &live, policy).map(|p| !p.delete.is_empty());
    if let Some(want) = expected.get("deletionTimestampSet") {
        let got = deleted().map_err(|e| e.to_string())?;
        return if Some(got) == want.as_bool() {
            Ok(())
        } else {
            Err(format!("deleted {got}, want {want}"))
        };
    }
    // Step 0 creates, step 1 edits the live Application and reconciles, step 2 removes it
    // from the generators and reconciles.
    for (i, step) in case["steps"].as_array().into_iter().flatten().enumerate() {
        let expect = &step["expect"];
        if let Some(want) = expect.get("annotations.key").and_then(Value::as_str) {
            let after = if i == 0 {
                live.first().cloned()
            } else {
                let plan = plan_changes(&appset, &generated, &edited, policy)
                    .map_err(|e| e.to_string())?;
                plan.update.first().or(edited.first()).cloned()
            };
            let after = after.unwrap_or(Value::Null);
            let got = after
                .pointer("/metadata/annotations/key")
                .and_then(Value::as_str)
                .unwrap_or("");
            if got != want {
                return Err(format!("step {i}: annotation key {got:?}, want {want:?}"));
            }
        }
        if let Some(want) = expect.get("deletionTimestampSet") {
            let got = deleted().map_err(|e| e.to_string())?;
            if Some(got) != want.as_bool() {
                return Err(format!("step {i}: deleted {got}, want {want}"));
            }
        }
    }
    Ok(())
}

/// A dotted field path, where object keys may themselves contain dots (longest key first).
fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(v);
    }
    let map = v.as_object()?;
    let mut best: Option<&'a Value> = None;
    for (k, child) in map {
        if path == k {
            return Some(child);
        }
        let rest = path
            .strip_prefix(k.as_str())
            .and_then(|r| r.strip_prefix('.'));
        if let Some(found) = rest.and_then(|rest| lookup(child, rest)) {
            best = Some(found);
        }
    }
    best
}

fn render(case: &Value, mode: TemplateMode<'_>) -> Result<Value, AppSetError> {
    let policy: Option<AppSetSyncPolicy> = case
        .get("syncPolicy")
        .and_then(|p| serde_json::from_value(p.clone()).ok());
    render_application(
        &case["template"],
        None,
        policy.as_ref(),
        &params_of(&case["params"]),
        mode,
    )
}

fn merge_keys(case: &Value) -> Result<Value, AppSetError> {
    let keys = strings(&case["inputs"]["mergeKeys"]);
    let sets: Vec<Params> = case["inputs"]["paramSets"]
        .as_array()
        .map(|a| a.iter().map(params_of).collect())
        .unwrap_or_default();
    let by_key = params_by_merge_key(&keys, &sets)?;
    Ok(Value::Object(
        by_key
            .into_iter()
            .map(|(k, v)| (k, Value::Object(v)))
            .collect(),
    ))
}

#[test]
fn applicationset_corpus() {
    let Some(dir) = corpus_dir() else {
        panic!(
            "shared/corpus/applicationset not found; the shared corpora must sit beside the repository (../shared), as CI provides them"
        )
    };
    let files = case_files(&dir);
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read case");
        let case: Value = serde_json::from_str(&text).expect("parse case");
        if let Err(reason) = run_case(&case) {
            let name = file
                .strip_prefix(dir.join("cases"))
                .unwrap_or(file)
                .display()
                .to_string();
            failures.push(format!("{name}: {reason}"));
        }
    }
    let passed = files.len() - failures.len();
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    eprintln!("applicationset corpus: {passed}/{} passed", files.len());
    assert_eq!(files.len(), 233, "the corpus holds 233 cases");
    assert!(
        passed * 100 >= files.len() * 95,
        "{passed}/{} passed (< 95%)",
        files.len()
    );
}
