//! Helm v3.21's own `helm template` / `helm install --dry-run` goldens
//! (`render_cases.jsonl` of the shared corpus) rendered by helm-core.
//! Fails when the corpus is absent. The argv of each case is translated
//! here into helm-core calls (the CLI has its own test).

use helm_core::Error;
use helm_core::chart::load;
use helm_core::manifests::template_output;
use helm_core::objects::{Capabilities, KubeVersion, ReleaseOptions};
use helm_core::render::{TemplateOptions, install};
use helm_core::values::ValueOptions;
use kustomize_core::fs::DiskFs;
use serde_json::Value;
use std::path::{Path, PathBuf};

const HELM_CORPUS: &str = "../../shared/corpus/helm/helm-v3";

/// Every golden of the corpus is reproduced.
const MIN_PASSING: usize = 25;

struct Invocation {
    verb: String,
    name: Option<String>,
    chart: Option<String>,
    values: ValueOptions,
    options: TemplateOptions,
    debug: bool,
}

fn parse_argv(argv: &[String]) -> Invocation {
    let mut inv = Invocation {
        verb: argv[0].clone(),
        name: None,
        chart: None,
        values: ValueOptions::default(),
        options: TemplateOptions::default(),
        debug: false,
    };
    let mut positional = Vec::new();
    let mut args = argv[1..].iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| args.next().cloned()).unwrap();
        match flag.as_str() {
            "--set" => inv.values.values.push(value()),
            "--set-string" => inv.values.string_values.push(value()),
            "-f" | "--values" => inv.values.value_files.push(value().into()),
            "--name-template" => inv.options.name_template = Some(value()),
            "--kube-version" => {
                inv.options.capabilities.kube_version = KubeVersion::parse(&value()).unwrap()
            }
            "--api-versions" => inv.options.capabilities.api_versions.push(value()),
            "--include-crds" => inv.options.output.include_crds = true,
            "--skip-tests" => inv.options.output.skip_tests = true,
            "--show-only" | "-s" => inv.options.output.show_only.push(value()),
            "--debug" => inv.debug = true,
            "--hide-secret" => inv.options.output.hide_secret = true,
            "--dry-run" => {}
            other if other.starts_with('-') => panic!("flag {other} not handled"),
            _ => positional.push(arg.clone()),
        }
    }
    match positional.len() {
        0 => {}
        1 => inv.chart = Some(positional[0].clone()),
        _ => {
            inv.name = Some(positional[0].clone());
            inv.chart = Some(positional[1].clone());
        }
    }
    inv
}

/// What the Helm CLI prints (stdout then stderr) for the invocation.
fn run(corpus: &Path, argv: &[String]) -> String {
    let inv = parse_argv(argv);
    let Some(chart_arg) = &inv.chart else {
        return "Error: \"helm template\" requires at least 1 argument\n\nUsage:  helm template [NAME] [CHART] [flags]\n".into();
    };
    let mut options = inv.options;
    options.release = ReleaseOptions {
        name: inv.name.clone().unwrap_or_else(|| "release-name".into()),
        ..ReleaseOptions::default()
    };
    if options.capabilities.api_versions.is_empty() {
        options.capabilities = Capabilities::default();
    }
    let result = (|| -> Result<String, Error> {
        let user = inv.values.merge(&DiskFs, corpus)?;
        let chart = load(&DiskFs, &corpus.join(chart_arg))?;
        let release = install(chart, &user, &options)?;
        if inv.verb == "install" {
            let mut out = format!(
                "NAME: {}\nLAST DEPLOYED: Fri Sep  2 22:04:05 1977\nNAMESPACE: default\nSTATUS: pending-install\nREVISION: 1\nTEST SUITE: None\nHOOKS:\n",
                options.release.name
            );
            for hook in &release.hooks {
                out.push_str(&format!(
                    "---\n# Source: {}\n{}\n",
                    hook.path, hook.manifest
                ));
            }
            out.push_str("MANIFEST:\n");
            out.push_str(&release.manifest);
            out.push('\n');
            return Ok(out);
        }
        template_output(&release, &options.output)
    })();
    match result {
        Ok(out) => out,
        Err(Error::ManifestYaml {
            template,
            source,
            rendered,
        }) => {
            let message = Error::ManifestYaml {
                template,
                source,
                rendered: String::new(),
            };
            if inv.debug {
                format!("{}\nError: {message}\n", rendered.trim())
            } else {
                format!("Error: {message}\n\nUse --debug flag to render out invalid YAML\n")
            }
        }
        Err(e) => format!("Error: {e}\n"),
    }
}

#[test]
fn helm_template_goldens() {
    let corpus: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join(HELM_CORPUS);
    let Ok(text) = std::fs::read_to_string(corpus.join("render_cases.jsonl")) else {
        panic!(
            "{} is absent; the shared corpora must sit beside the repository (../shared), as CI provides them",
            corpus.display()
        )
    };
    let (mut passed, mut failed) = (Vec::new(), Vec::new());
    for line in text.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        let argv: Vec<String> = case["argv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        let name = case["name"].as_str().unwrap().to_string();
        let expected = case["expected"].as_str().unwrap();
        let got =
            std::panic::catch_unwind(|| run(&corpus, &argv)).unwrap_or_else(|_| "<panic>".into());
        if got == expected {
            passed.push(name);
        } else {
            let first_diff = got
                .lines()
                .zip(expected.lines())
                .position(|(a, b)| a != b)
                .map(|i| {
                    format!(
                        "line {}: got {:?} want {:?}",
                        i + 1,
                        got.lines().nth(i).unwrap_or_default(),
                        expected.lines().nth(i).unwrap_or_default()
                    )
                })
                .unwrap_or_else(|| format!("got {} bytes, want {}", got.len(), expected.len()));
            failed.push(format!("{name}: {first_diff}"));
        }
    }
    eprintln!(
        "render corpus: {} passed: {passed:#?}\nfailed: {failed:#?}",
        passed.len()
    );
    assert!(
        passed.len() >= MIN_PASSING,
        "{} of {} goldens reproduced, want at least {MIN_PASSING}",
        passed.len(),
        passed.len() + failed.len()
    );
}
