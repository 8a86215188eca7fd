//! Request bodies in `application/vnd.kubernetes.protobuf`, the encoding
//! kubectl's typed clients send for built-in kinds (`kubectl create
//! namespace|secret|configmap|deployment|…`): decoded into the JSON object a
//! JSON client would have sent.
//!
//! A body is the four bytes `k8s\0` followed by a `runtime.Unknown` message
//! whose `typeMeta` names the kind and whose `raw` bytes are the object. The
//! field numbers, JSON names and types of every message come from
//! `schema.txt`, generated from the published Kubernetes protobuf and OpenAPI
//! bindings by `gen/proto_schema.py`.
//!
//! Go's JSON encoding leaves out empty values (`omitempty`) where protobuf
//! writes every non-pointer scalar; decoding therefore drops singular
//! `""`, `false` and `0` except for the fields in `ZERO_MEANINGFUL`, which
//! are pointers in the Go types, where zero differs from unset.

mod wire;

use std::collections::HashMap;
use std::sync::LazyLock;

use base64::Engine;
use serde_json::{Map, Value};

use crate::error::ApiError;
use wire::{Reader, WireValue};

/// The media type of Kubernetes protobuf bodies.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The prefix of every Kubernetes protobuf body.
const MAGIC: &[u8] = b"k8s\0";

/// How deeply messages may nest in a body.
const MAX_DEPTH: usize = 64;

/// Singular fields whose zero value is kept: pointers in the Go types.
const ZERO_MEANINGFUL: &[&str] = &[
    "replicas",
    "automountServiceAccountToken",
    "immutable",
    "suspend",
    "parallelism",
    "completions",
    "backoffLimit",
    "revisionHistoryLimit",
    "progressDeadlineSeconds",
    "terminationGracePeriodSeconds",
    "activeDeadlineSeconds",
    "ttlSecondsAfterFinished",
    "startingDeadlineSeconds",
    "successfulJobsHistoryLimit",
    "failedJobsHistoryLimit",
    "runAsUser",
    "runAsGroup",
    "fsGroup",
    "runAsNonRoot",
    "privileged",
    "allowPrivilegeEscalation",
    "readOnlyRootFilesystem",
    "optional",
    "enableServiceLinks",
    "value",
    "minAvailable",
    "maxUnavailable",
];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| Schema::parse(include_str!("schema.txt")));

/// Whether a `Content-Type` header value is Kubernetes protobuf.
pub fn is_protobuf(content_type: &str) -> bool {
    content_type.split(';').next().map(str::trim) == Some(MEDIA_TYPE)
}

/// Decodes a protobuf request body into the JSON form of the object.
pub fn decode(body: &[u8]) -> Result<Value, ApiError> {
    let envelope = body
        .strip_prefix(MAGIC)
        .ok_or_else(|| bad("the body does not start with the Kubernetes protobuf prefix"))?;
    let schema = &*SCHEMA;
    let unknown = schema.decode_message("apimachinery.pkg.runtime.Unknown", envelope, 0)?;
    let api_version = unknown["typeMeta"]["apiVersion"].as_str().unwrap_or("");
    let kind = unknown["typeMeta"]["kind"].as_str().unwrap_or("");
    let message = schema
        .resources
        .get(&(api_version.to_owned(), kind.to_owned()))
        .ok_or_else(|| {
            bad(format!(
                "no protobuf message is known for {api_version} {kind}"
            ))
        })?;
    let raw = unknown["raw"].as_str().unwrap_or("");
    let raw = base64::engine::general_purpose::STANDARD
        .decode(raw)
        .map_err(|e| bad(e.to_string()))?;
    let mut obj = schema.decode_message(message, &raw, 0)?;
    let map = obj
        .as_object_mut()
        .ok_or_else(|| bad("the object is not a message"))?;
    map.shift_insert(0, "apiVersion".into(), api_version.into());
    map.shift_insert(1, "kind".into(), kind.into());
    Ok(obj)
}

fn bad(detail: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("the request body is not valid protobuf: {detail}"))
}

/// The message that encodes objects of a kind, when it is a built-in kind.
pub(crate) fn message_of(api_version: &str, kind: &str) -> Option<&'static str> {
    SCHEMA
        .resources
        .get(&(api_version.to_owned(), kind.to_owned()))
        .map(String::as_str)
}

/// Fields that Go embeds in the JSON of their parent (`json:",inline"`)
/// while protobuf nests them: a Volume's source fields sit beside its name,
/// a ConfigMap reference's `name` beside `optional`.
const INLINE_FIELDS: [&str; 4] = [
    "volumeSource",
    "persistentVolumeSource",
    "ephemeralContainerCommon",
    "localObjectReference",
];

/// A field of a message by its JSON name, looking into inlined fields.
pub(crate) fn field(message: &str, json_name: &str) -> Option<&'static Field> {
    let fields = SCHEMA.messages.get(message)?;
    fields
        .values()
        .find(|f| f.json_name == json_name)
        .or_else(|| {
            fields
                .values()
                .filter(|f| INLINE_FIELDS.contains(&f.json_name.as_str()))
                .find_map(|f| match &f.ty {
                    FieldType::Message(inner) => field(inner, json_name),
                    _ => None,
                })
        })
}

/// The type of a field's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldType {
    String,
    Int32,
    Int64,
    Bool,
    Bytes,
    Double,
    Message(String),
}

impl FieldType {
    fn parse(s: &str) -> Self {
        match s {
            "string" => FieldType::String,
            "int32" => FieldType::Int32,
            "int64" => FieldType::Int64,
            "bool" => FieldType::Bool,
            "bytes" => FieldType::Bytes,
            "double" => FieldType::Double,
            message => FieldType::Message(message.to_owned()),
        }
    }
}

/// How often a field occurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Label {
    Optional,
    Repeated,
    /// A `map<string, T>`: repeated entries with the key in field 1 and the
    /// value in field 2.
    Map,
}

/// One field of a message.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// The field's name in JSON.
    pub json_name: String,
    /// Singular, repeated or map.
    pub label: Label,
    /// The type of its values.
    pub ty: FieldType,
}

/// The messages and which message encodes each kind.
#[derive(Debug, Default)]
struct Schema {
    messages: HashMap<String, HashMap<u64, Field>>,
    resources: HashMap<(String, String), String>,
}

impl Schema {
    /// Parses `schema.txt` (a file shipped in the crate, so well-formed).
    fn parse(text: &str) -> Self {
        let mut schema = Schema::default();
        let mut current: Option<String> = None;
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let parts: Vec<&str> = line.split_whitespace().collect();
            match parts.as_slice() {
                ["resource", api_version, kind, message] => {
                    schema.resources.insert(
                        ((*api_version).to_owned(), (*kind).to_owned()),
                        (*message).to_owned(),
                    );
                }
                ["message", name] => {
                    current = Some((*name).to_owned());
                    schema.messages.entry((*name).to_owned()).or_default();
                }
                [tag, json_name, label, ty] => {
                    let (Some(message), Ok(tag)) = (&current, tag.parse::<u64>()) else {
                        continue;
                    };
                    let label = match *label {
                        "rep" => Label::Repeated,
                        "map" => Label::Map,
                        _ => Label::Optional,
                    };
                    let field = Field {
                        json_name: (*json_name).to_owned(),
                        label,
                        ty: FieldType::parse(ty),
                    };
                    if let Some(fields) = schema.messages.get_mut(message) {
                        fields.insert(tag, field);
                    }
                }
                _ => {}
            }
        }
        schema
    }

    /// Decodes one message into JSON.
    fn decode_message(&self, name: &str, bytes: &[u8], depth: usize) -> Result<Value, ApiError> {
        if depth > MAX_DEPTH {
            return Err(bad(format!("messages nest deeper than {MAX_DEPTH} levels")));
        }
        let fields = self
            .messages
            .get(name)
            .ok_or_else(|| bad(format!("unknown message {name}")))?;
        let mut out = Map::new();
        let mut reader = Reader::new(bytes);
        while let Some((tag, value)) = reader.next_field().map_err(bad)? {
            let Some(field) = fields.get(&tag) else {
                continue;
            };
            match field.label {
                Label::Optional => {
                    let v = self.decode_value(&field.ty, value, depth)?;
                    out.insert(field.json_name.clone(), v);
                }
                Label::Repeated => {
                    let items = out
                        .entry(field.json_name.clone())
                        .or_insert_with(|| Value::Array(Vec::new()));
                    let Value::Array(items) = items else {
                        continue;
                    };
                    match (value, &field.ty) {
                        (WireValue::Bytes(packed), FieldType::Int32 | FieldType::Int64) => {
                            let mut packed = Reader::new(packed);
                            while let Some(n) = packed.varint_opt().map_err(bad)? {
                                items.push(scalar_int(&field.ty, n));
                            }
                        }
                        (value, ty) => items.push(self.decode_value(ty, value, depth)?),
                    }
                }
                Label::Map => {
                    let WireValue::Bytes(entry) = value else {
                        return Err(bad(format!(
                            "map field {} is not an entry",
                            field.json_name
                        )));
                    };
                    let (key, v) = self.decode_map_entry(&field.ty, entry, depth)?;
                    let map = out
                        .entry(field.json_name.clone())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(map) = map {
                        map.insert(key, v);
                    }
                }
            }
        }
        Ok(special_form(name, out))
    }

    /// One `map<string, T>` entry.
    fn decode_map_entry(
        &self,
        ty: &FieldType,
        entry: &[u8],
        depth: usize,
    ) -> Result<(String, Value), ApiError> {
        let mut reader = Reader::new(entry);
        let (mut key, mut value) = (String::new(), None);
        while let Some((tag, v)) = reader.next_field().map_err(bad)? {
            match tag {
                1 => key = text(v)?,
                2 => value = Some(self.decode_value(ty, v, depth)?),
                _ => {}
            }
        }
        let empty = match ty {
            FieldType::Message(_) => self.decode_value(ty, WireValue::Bytes(&[]), depth)?,
            FieldType::String | FieldType::Bytes => Value::String(String::new()),
            _ => Value::from(0),
        };
        Ok((key, value.unwrap_or(empty)))
    }

    fn decode_value(&self, ty: &FieldType, v: WireValue, depth: usize) -> Result<Value, ApiError> {
        Ok(match (ty, v) {
            (FieldType::String, v) => Value::String(text(v)?),
            (FieldType::Bytes, WireValue::Bytes(b)) => {
                Value::String(base64::engine::general_purpose::STANDARD.encode(b))
            }
            (FieldType::Int32 | FieldType::Int64, WireValue::Varint(n)) => scalar_int(ty, n),
            (FieldType::Bool, WireValue::Varint(n)) => Value::Bool(n != 0),
            (FieldType::Double, WireValue::Fixed64(n)) => {
                serde_json::Number::from_f64(f64::from_bits(n)).map_or(Value::Null, Value::Number)
            }
            (FieldType::Message(name), WireValue::Bytes(b)) => {
                self.decode_message(name, b, depth + 1)?
            }
            (ty, _) => return Err(bad(format!("a {ty:?} field has the wrong wire type"))),
        })
    }
}

fn text(v: WireValue) -> Result<String, ApiError> {
    match v {
        WireValue::Bytes(b) => std::str::from_utf8(b)
            .map(str::to_owned)
            .map_err(|e| bad(format!("a string is not UTF-8: {e}"))),
        _ => Err(bad("a string field has the wrong wire type")),
    }
}

/// An `int32` or `int64` from its varint (negative `int32`s are sign-extended
/// to 64 bits on the wire).
fn scalar_int(ty: &FieldType, n: u64) -> Value {
    if *ty == FieldType::Int32 {
        Value::from(n as i64 as i32)
    } else {
        Value::from(n as i64)
    }
}

/// Seconds between 0001-01-01 (Go's zero time) and the Unix epoch.
const GO_ZERO_TIME: i64 = -62_135_596_800;

/// The JSON form of the messages whose JSON is not an object of their
/// fields (times, quantities, int-or-strings, raw JSON), and Go's
/// `omitempty` for the rest.
fn special_form(name: &str, mut fields: Map<String, Value>) -> Value {
    let short = name.rsplit('.').next().unwrap_or(name);
    match short {
        "Time" | "MicroTime" => {
            let seconds = fields.get("seconds").and_then(Value::as_i64).unwrap_or(0);
            let nanos = fields.get("nanos").and_then(Value::as_i64).unwrap_or(0);
            if seconds == GO_ZERO_TIME && nanos == 0
                || seconds == 0 && nanos == 0 && fields.is_empty()
            {
                return Value::Null;
            }
            let Ok(t) = jiff::Timestamp::new(seconds, nanos as i32) else {
                return Value::Null;
            };
            if short == "Time" {
                Value::String(format!("{}", t.strftime("%Y-%m-%dT%H:%M:%SZ")))
            } else {
                Value::String(format!("{}", t.strftime("%Y-%m-%dT%H:%M:%S.%6fZ")))
            }
        }
        "Quantity" | "QuantityValue" => fields.remove("string").unwrap_or_default(),
        "IntOrString" => match fields.get("type").and_then(Value::as_i64).unwrap_or(0) {
            0 => fields.remove("intVal").unwrap_or_else(|| Value::from(0)),
            _ => fields
                .remove("strVal")
                .unwrap_or_else(|| Value::String(String::new())),
        },
        "RawExtension" | "FieldsV1" => {
            let raw = fields.get("raw").and_then(Value::as_str).unwrap_or("");
            base64::engine::general_purpose::STANDARD
                .decode(raw)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or(Value::Null)
        }
        "Duration" => {
            let ns = fields.get("duration").and_then(Value::as_i64).unwrap_or(0);
            Value::String(go_duration(ns))
        }
        _ => {
            fields.retain(|k, v| !is_empty(v) || ZERO_MEANINGFUL.contains(&k.as_str()));
            Value::Object(fields)
        }
    }
}

/// Whether Go's `omitempty` leaves the value out (nulls included).
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(_) => false,
    }
}

/// A duration as Go's `time.Duration.String` prints it (`1h2m3s`, `1.5s`,
/// `0s`), for the nanosecond counts of `meta/v1.Duration`.
fn go_duration(ns: i64) -> String {
    if ns == 0 {
        return "0s".to_owned();
    }
    let sign = if ns < 0 { "-" } else { "" };
    let ns = ns.unsigned_abs();
    let (h, rest) = (ns / 3_600_000_000_000, ns % 3_600_000_000_000);
    let (m, rest) = (rest / 60_000_000_000, rest % 60_000_000_000);
    let (s, frac) = (rest / 1_000_000_000, rest % 1_000_000_000);
    let mut out = sign.to_owned();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    let frac = format!("{frac:09}");
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        out.push_str(&format!("{s}s"));
    } else {
        out.push_str(&format!("{s}.{frac}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wire::tests::{Writer, message};

    fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
        let type_meta = message(|w| {
            w.bytes(1, api_version.as_bytes());
            w.bytes(2, kind.as_bytes());
        });
        let unknown = message(|w| {
            w.bytes(1, &type_meta);
            w.bytes(2, raw);
        });
        [MAGIC, &unknown].concat()
    }

    fn entry(key: &str, value: &[u8]) -> Vec<u8> {
        message(|w| {
            w.bytes(1, key.as_bytes());
            w.bytes(2, value);
        })
    }

    #[test]
    fn secret_with_bytes_and_zero_time() {
        let zero_time = message(|w| w.varint(1, GO_ZERO_TIME as u64));
        let meta = message(|w| {
            w.bytes(1, b"creds");
            w.bytes(8, &zero_time);
            w.bytes(11, &entry("app", b"web"));
        });
        let secret = message(|w: &mut Writer| {
            w.bytes(1, &meta);
            w.bytes(2, &entry("password", b"s3cr\xff"));
            w.bytes(3, b"Opaque");
            w.varint(5, 0);
        });
        let obj = decode(&envelope("v1", "Secret", &secret)).expect("decodes");
        assert_eq!(
            obj,
            json!({"apiVersion": "v1", "kind": "Secret",
                   "metadata": {"name": "creds", "labels": {"app": "web"}},
                   "data": {"password": "czNjcv8="}, "type": "Opaque", "immutable": false})
        );
    }

    #[test]
    fn deployment_with_int_or_string_and_zero_replicas() {
        let surge = message(|w| {
            w.varint(1, 1);
            w.bytes(3, b"25%");
        });
        let rolling = message(|w| w.bytes(2, &surge));
        let strategy = message(|w| w.bytes(2, &rolling));
        let spec = message(|w| {
            w.varint(1, 0);
            w.bytes(4, &strategy);
            w.varint(7, 0);
        });
        let deploy = message(|w| w.bytes(2, &spec));
        let obj = decode(&envelope("apps/v1", "Deployment", &deploy)).expect("decodes");
        assert_eq!(
            obj["spec"]["replicas"], 0,
            "replicas is a pointer: zero kept"
        );
        assert!(obj["spec"].get("paused").is_none(), "false paused omitted");
        assert_eq!(
            obj["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%",
            "{obj}"
        );
    }

    #[test]
    fn malformed_bodies_are_400() {
        for body in [
            &b"{}"[..],
            b"k8s\0\x0a\x05\x0a",
            &envelope("v1", "NoSuchKind", b""),
        ] {
            let err = decode(body).expect_err("rejected");
            assert_eq!(err.code, 400, "{err}");
        }
        let mut deep = Vec::new();
        for _ in 0..100 {
            deep = message(|w| w.bytes(28, &deep));
        }
        let err = SCHEMA
            .decode_message(
                "apiextensions_apiserver.pkg.apis.apiextensions.v1.JsonSchemaProps",
                &deep,
                0,
            )
            .expect_err("too deep");
        assert!(err.message.contains("nest deeper"), "{err}");
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(1_500_000_000), "1.5s");
        assert_eq!(go_duration(3_723_000_000_000), "1h2m3s");
        assert_eq!(go_duration(-60_000_000_000), "-1m0s");
    }
}
