//! Helm benchmark: `helm template` of a chart of 50 templates (Deployments,
//! Services and ConfigMaps sharing `_helpers.tpl` definitions through
//! `include`, ranging over values, `toYaml` of a values block), built in memory.
use criterion::{Criterion, criterion_group, criterion_main};
use helm_core::chart::{Chart, ChartFile, Metadata};
use helm_core::render::{TemplateOptions, template};
use serde_json::{Map, json};
use std::hint::black_box;

/// Templates in the benchmark chart.
const TEMPLATES: usize = 50;

const HELPERS: &str = r#"{{- define "demo.fullname" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end -}}
{{- define "demo.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ printf "%q" .Chart.AppVersion }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
"#;

fn template_text(i: usize) -> String {
    match i % 3 {
        0 => format!(
            r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{{{ include "demo.fullname" . }}}}-{i}
  labels:
    {{{{- include "demo.labels" . | nindent 4 }}}}
spec:
  replicas: {{{{ .Values.replicas }}}}
  selector:
    matchLabels:
      app: {{{{ include "demo.fullname" . }}}}-{i}
  template:
    spec:
      containers:
        - name: app
          image: "{{{{ .Values.image.repository }}}}:{{{{ .Values.image.tag }}}}"
          env:
{{{{- range $k, $v := .Values.env }}}}
            - name: {{{{ $k }}}}
              value: {{{{ printf "%q" $v }}}}
{{{{- end }}}}
{{{{- if .Values.resources }}}}
          resources:
            limits:
              cpu: {{{{ .Values.resources.cpu }}}}
{{{{- end }}}}
"#
        ),
        1 => format!(
            r#"apiVersion: v1
kind: Service
metadata:
  name: {{{{ include "demo.fullname" . }}}}-{i}
  labels:
    {{{{- include "demo.labels" . | nindent 4 }}}}
spec:
  ports:
{{{{- range .Values.ports }}}}
    - port: {{{{ .port }}}}
      name: {{{{ .name }}}}
{{{{- end }}}}
"#
        ),
        _ => format!(
            r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: {{{{ include "demo.fullname" . }}}}-{i}
data:
  settings.yaml: {{{{ toYaml .Values.settings | printf "%q" }}}}
  settings.json: {{{{ toJson .Values.settings | printf "%q" }}}}
"#
        ),
    }
}

fn chart() -> Chart {
    let mut templates = vec![ChartFile {
        name: "templates/_helpers.tpl".into(),
        data: HELPERS.as_bytes().to_vec(),
    }];
    templates.extend((0..TEMPLATES).map(|i| ChartFile {
        name: format!("templates/t{i:02}.yaml"),
        data: template_text(i).into_bytes(),
    }));
    let values = json!({
        "replicas": 3.0,
        "image": {"repository": "registry.example.com/app", "tag": "1.2.3"},
        "env": {"LOG_LEVEL": "info", "MODE": "production", "REGION": "eu-west-1"},
        "resources": {"cpu": "500m"},
        "ports": [{"name": "http", "port": 80.0}, {"name": "metrics", "port": 9090.0}],
        "settings": {"feature": {"a": true, "b": false}, "limits": [1.0, 2.0, 3.0], "name": "demo"}
    });
    Chart {
        metadata: Metadata {
            api_version: "v2".into(),
            name: "demo".into(),
            version: "1.0.0".into(),
            app_version: "1.2.3".into(),
            ..Metadata::default()
        },
        templates,
        values: values.as_object().cloned().unwrap_or_default(),
        ..Chart::default()
    }
}

fn helm_template(c: &mut Criterion) {
    let chart = chart();
    let options = TemplateOptions::default();
    let user = Map::new();
    let out = template(chart.clone(), &user, &options).expect("the benchmark chart renders");
    assert_eq!(out.matches("# Source: ").count(), TEMPLATES);
    c.bench_function("helm/template/50_templates", |b| {
        b.iter(|| template(black_box(chart.clone()), black_box(&user), &options))
    });
}

criterion_group!(benches, helm_template);
criterion_main!(benches);
