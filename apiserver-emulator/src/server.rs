//! HTTP routing: discovery documents and the REST verbs on resource URLs
//! (`/api/v1/...`, `/apis/<group>/<version>/...`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::EmulatorConfig;
use crate::apply::{ApplyOptions, server_side_apply};
use crate::discovery;
use crate::error::ApiError;
use crate::faults::FaultCounter;
use crate::logs;
use crate::openapi;
use crate::patch::{PatchType, apply_patch, parse_json, parse_yaml};
use crate::progress;
use crate::protobuf;
use crate::registry::ResourceType;
use crate::scale;
use crate::selector::{FieldSelector, LabelSelector};
use crate::store::{Filter, Propagation, Store};
use crate::table;
use crate::validate::decode;
use crate::watch::watch_response;

/// State shared by all requests.
#[derive(Debug)]
pub struct Shared {
    /// The objects.
    pub store: Mutex<Store>,
    /// Behaviour switches.
    pub config: EmulatorConfig,
    /// Decides which requests get injected faults.
    pub faults: FaultCounter,
    /// Flips to `true` when the emulator shuts down; ends watches.
    pub shutdown: watch::Receiver<bool>,
}

impl Shared {
    /// The store, even if a panicking request poisoned the lock.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Query parameters.
type Params = HashMap<String, String>;

/// A resource URL taken apart.
#[derive(Debug)]
struct Route {
    rt: ResourceType,
    namespace: Option<String>,
    name: Option<String>,
    subresource: Option<String>,
}

/// Answers every request.
pub async fn dispatch(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    Query(params): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().trim_end_matches('/');
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let result = match (segs.as_slice(), method == Method::GET) {
        (["version"], true) => Ok(Json(discovery::version()).into_response()),
        (["openapi", "v3"], true) => {
            Ok(Json(openapi::v3_root(shared.store().registry())).into_response())
        }
        (["openapi", "v3", "api", "v1"], true) => {
            openapi_document(&shared, "", "v1", &params, path)
        }
        (["openapi", "v3", "apis", group, version], true) => {
            openapi_document(&shared, group, version, &params, path)
        }
        (["api"], true) => Ok(Json(discovery::core_versions()).into_response()),
        (["apis"], true) => {
            Ok(Json(discovery::group_list(shared.store().registry())).into_response())
        }
        (["api", "v1"], true) => resource_list(&shared, "", "v1", path),
        (["apis", group], true) => discovery::api_group(shared.store().registry(), group)
            .map(|d| Json(d).into_response())
            .ok_or_else(|| ApiError::no_route(path)),
        (["apis", group, version], true) => resource_list(&shared, group, version, path),
        (["api", "v1", rest @ ..], _) => {
            resource(&shared, "", "v1", rest, method, &params, &headers, &body).await
        }
        (["apis", group, version, rest @ ..], _) => {
            resource(
                &shared, group, version, rest, method, &params, &headers, &body,
            )
            .await
        }
        _ => Err(ApiError::no_route(path)),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

fn resource_list(
    shared: &Shared,
    group: &str,
    version: &str,
    path: &str,
) -> Result<Response, ApiError> {
    discovery::resource_list(shared.store().registry(), group, version)
        .map(|d| Json(d).into_response())
        .ok_or_else(|| ApiError::no_route(path))
}

/// A group version's OpenAPI v3 document, generated outside the store lock.
/// Asked for with the index's current `hash`, it may be cached for good;
/// with an older one, the answer redirects to the current URL (as real
/// servers do).
fn openapi_document(
    shared: &Shared,
    group: &str,
    version: &str,
    params: &Params,
    path: &str,
) -> Result<Response, ApiError> {
    let registry = shared.store().registry().clone();
    let hash = openapi::v3_hash(&registry);
    let asked = params.get("hash");
    if asked.is_some_and(|a| *a != hash) {
        let location = format!("{path}?hash={hash}");
        return Ok((
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, location)],
        )
            .into_response());
    }
    let doc = openapi::v3_group_version(&registry, group, version)
        .ok_or_else(|| ApiError::no_route(path))?;
    let mut response = Json(doc).into_response();
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{hash}\"")) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    if asked.is_some() {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, immutable"),
        );
        let in_a_year = jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_hours(365 * 24))
            .unwrap_or(jiff::Timestamp::MAX);
        let expires = in_a_year.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string();
        if let Ok(expires) = HeaderValue::from_str(&expires) {
            headers.insert(header::EXPIRES, expires);
        }
    }
    Ok(response)
}

/// Finds the resource type and object a URL names.
fn route(
    store: &Store,
    group: &str,
    version: &str,
    segs: &[&str],
    path: &str,
) -> Result<Route, ApiError> {
    let registry = store.registry();
    let namespaced = match segs {
        ["namespaces", ns, plural, rest @ ..] if rest.len() <= 2 => registry
            .by_plural(group, version, plural)
            .filter(|t| t.namespaced)
            .map(|t| (t.clone(), Some((*ns).to_owned()), rest)),
        _ => None,
    };
    let (rt, namespace, rest) = match namespaced {
        Some(found) => found,
        None => match segs {
            [plural, rest @ ..] if rest.len() <= 2 => registry
                .by_plural(group, version, plural)
                .map(|t| (t.clone(), None, rest))
                .ok_or_else(|| ApiError::no_route(path))?,
            _ => return Err(ApiError::no_route(path)),
        },
    };
    let subresource = rest.get(1).map(|s| (*s).to_owned());
    if subresource
        .as_deref()
        .is_some_and(|s| !rt.has_subresource(s))
    {
        return Err(ApiError::no_route(path));
    }
    if rt.namespaced && namespace.is_none() && !rest.is_empty() {
        return Err(ApiError::no_route(path));
    }
    Ok(Route {
        rt,
        namespace,
        name: rest.first().map(|s| (*s).to_owned()),
        subresource,
    })
}

fn flag(params: &Params, name: &str) -> bool {
    params.get(name).is_some_and(|v| v == "true" || v == "1")
}

/// Whether `fieldValidation=Strict` asks to reject unknown fields.
fn strict(params: &Params) -> bool {
    params.get("fieldValidation").is_some_and(|v| v == "Strict")
}

fn dry_run(params: &Params) -> Result<bool, ApiError> {
    match params.get("dryRun").map(String::as_str) {
        None | Some("") => Ok(false),
        Some("All") => Ok(true),
        Some(other) => Err(ApiError::bad_request(format!(
            "unsupported dryRun value {other:?}: only \"All\""
        ))),
    }
}

fn filter(params: &Params) -> Result<Filter, ApiError> {
    Ok(Filter {
        labels: LabelSelector::parse(params.get("labelSelector").map_or("", String::as_str))?,
        fields: FieldSelector::parse(params.get("fieldSelector").map_or("", String::as_str))?,
    })
}

fn json_with(code: StatusCode, v: Value) -> Response {
    (code, Json(v)).into_response()
}

#[allow(clippy::too_many_arguments)]
async fn resource(
    shared: &Arc<Shared>,
    group: &str,
    version: &str,
    segs: &[&str],
    method: Method,
    params: &Params,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let path = format!("/{}", segs.join("/"));
    let faults = &shared.config.faults;
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let write = method == Method::PUT || method == Method::PATCH;
    if let Some(injected) = shared.faults.next(faults, write) {
        return Err(injected);
    }
    let r = route(&shared.store(), group, version, segs, &path)?;
    let ns = r.namespace.clone().unwrap_or_default();
    match (r.subresource.as_deref(), r.name.as_deref()) {
        (Some("scale"), Some(name)) => {
            return scale(shared, &r.rt, &ns, name, &method, params, headers, body);
        }
        (Some("log"), Some(name)) if method == Method::GET => {
            let pod = shared.store().get(&r.rt, &ns, name)?;
            return Ok(logs::pod_log(&pod, params)?.into_response());
        }
        _ => {}
    }
    let status_only = r.subresource.is_some();
    let table = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(table::wants_table);
    match (method.as_str(), r.name.as_deref()) {
        ("GET", None) if flag(params, "watch") => watch_response(
            shared,
            &r.rt,
            r.namespace.as_deref(),
            params,
            filter(params)?,
        ),
        ("GET", None) => {
            let filter = filter(params)?;
            let store = shared.store();
            let items = store.list(&r.rt, r.namespace.as_deref(), &filter);
            let rv = store.resource_version();
            if table {
                return Ok(Json(as_table(&r.rt, &items, Some(rv), params)).into_response());
            }
            Ok(Json(list(&r.rt, items, rv)).into_response())
        }
        ("GET", Some(name)) => {
            let obj = shared.store().get(&r.rt, &ns, name)?;
            if table {
                return Ok(Json(as_table(&r.rt, &[obj], None, params)).into_response());
            }
            Ok(Json(obj).into_response())
        }
        ("POST", None) => {
            let obj = parse_body(headers, body)?;
            decode::check(&obj, strict(params))?;
            let dry = dry_run(params)?;
            let created = shared.store().create(&r.rt, &ns, obj, dry)?;
            if !dry {
                settle_later(shared, &r.rt, &created);
            }
            Ok(json_with(StatusCode::CREATED, created))
        }
        ("PUT", Some(name)) => {
            let obj = parse_body(headers, body)?;
            decode::check(&obj, strict(params))?;
            let dry = dry_run(params)?;
            let updated = shared
                .store()
                .update(&r.rt, &ns, name, obj, status_only, dry)?;
            if !dry && !status_only {
                settle_later(shared, &r.rt, &updated);
            }
            Ok(Json(updated).into_response())
        }
        ("PATCH", Some(name)) => {
            let content_type = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let kind = PatchType::from_content_type(content_type)?;
            let dry = dry_run(params)?;
            let (code, obj) = patch(
                shared,
                &r.rt,
                &ns,
                name,
                kind,
                params,
                body,
                status_only,
                dry,
            )?;
            if !dry && !status_only {
                settle_later(shared, &r.rt, &obj);
            }
            Ok(json_with(code, obj))
        }
        ("DELETE", Some(name)) => {
            let (policy, dry) = delete_options(params, body)?;
            Ok(Json(shared.store().delete(&r.rt, &ns, name, policy, dry)?).into_response())
        }
        ("DELETE", None) => {
            let (policy, dry) = delete_options(params, body)?;
            let filter = filter(params)?;
            let mut store = shared.store();
            let mut deleted = Vec::new();
            for obj in store.list(&r.rt, r.namespace.as_deref(), &filter) {
                let ns = obj["metadata"]["namespace"].as_str().unwrap_or("");
                let name = obj["metadata"]["name"].as_str().unwrap_or("");
                deleted.push(store.delete(&r.rt, ns, name, policy, dry)?);
            }
            Ok(Json(list(&r.rt, deleted, store.resource_version())).into_response())
        }
        (m, _) => Err(ApiError::method_not_allowed(format!(
            "{m} is not supported on {path}"
        ))),
    }
}

/// Objects as a server-side printed `Table`.
fn as_table(rt: &ResourceType, items: &[Value], rv: Option<u64>, params: &Params) -> Value {
    let include = table::IncludeObject::parse(params.get("includeObject").map(String::as_str));
    table::table(
        rt,
        items,
        rv.map(|rv| rv.to_string()),
        include,
        jiff::Timestamp::now().as_second(),
    )
}

/// The `scale` subresource: reads and writes `spec.replicas` of the parent
/// through an `autoscaling/v1` `Scale`.
#[allow(clippy::too_many_arguments)]
fn scale(
    shared: &Arc<Shared>,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    method: &Method,
    params: &Params,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let dry = dry_run(params)?;
    let mut store = shared.store();
    let parent = store.get(rt, ns, name)?;
    let current = scale::scale_of(&parent);
    let wanted = match method.as_str() {
        "GET" => return Ok(Json(current).into_response()),
        "PUT" => parse_body(headers, body)?,
        "PATCH" => {
            let content_type = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            apply_patch(&current, PatchType::from_content_type(content_type)?, body)?
        }
        m => {
            return Err(ApiError::method_not_allowed(format!(
                "{m} is not supported on the scale subresource"
            )));
        }
    };
    let updated_parent = scale::scaled_parent(parent, &wanted)?;
    let updated = store.update(rt, ns, name, updated_parent, false, dry)?;
    drop(store);
    if !dry {
        settle_later(shared, rt, &updated);
    }
    Ok(Json(scale::scale_of(&updated)).into_response())
}

/// The object of a `POST` or `PUT` body, in JSON or Kubernetes protobuf.
fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if protobuf::is_protobuf(content_type) {
        protobuf::decode(body)
    } else {
        parse_json(body)
    }
}

/// A `<Kind>List` object.
fn list(rt: &ResourceType, items: Vec<Value>, rv: u64) -> Value {
    json!({
        "apiVersion": rt.api_version(),
        "kind": format!("{}List", rt.kind),
        "metadata": {"resourceVersion": rv.to_string()},
        "items": items,
    })
}

/// Applies a patch under the store lock; server-side apply may create.
#[allow(clippy::too_many_arguments)]
fn patch(
    shared: &Shared,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    kind: PatchType,
    params: &Params,
    body: &[u8],
    status_only: bool,
    dry: bool,
) -> Result<(StatusCode, Value), ApiError> {
    let mut store = shared.store();
    let current = store.get(rt, ns, name);
    if kind == PatchType::Apply {
        let manager = params.get("fieldManager").filter(|m| !m.is_empty()).ok_or_else(|| {
            ApiError::bad_request("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")
        })?;
        let opts = ApplyOptions {
            manager: manager.clone(),
            force: flag(params, "force"),
        };
        let mut applied = parse_yaml(body)?;
        decode::check(&applied, strict(params))?;
        if applied["metadata"]["name"]
            .as_str()
            .is_some_and(|n| n != name)
        {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({}) does not match the name on the URL ({name})",
                applied["metadata"]["name"].as_str().unwrap_or("")
            )));
        }
        if !applied["metadata"].is_object() {
            applied["metadata"] = json!({});
        }
        applied["metadata"]["name"] = name.into();
        return match current {
            Ok(live) => {
                let merged = server_side_apply(Some(&live), &applied, &opts)?;
                Ok((
                    StatusCode::OK,
                    store.update(rt, ns, name, merged, status_only, dry)?,
                ))
            }
            Err(e) if e.code == 404 && !status_only => {
                let obj = server_side_apply(None, &applied, &opts)?;
                Ok((StatusCode::CREATED, store.create(rt, ns, obj, dry)?))
            }
            Err(e) => Err(e),
        };
    }
    let patched = apply_patch(&current?, kind, body)?;
    decode::check(&patched, strict(params))?;
    Ok((
        StatusCode::OK,
        store.update(rt, ns, name, patched, status_only, dry)?,
    ))
}

/// `propagationPolicy` and `dryRun` from the query or a `DeleteOptions` body.
fn delete_options(params: &Params, body: &[u8]) -> Result<(Propagation, bool), ApiError> {
    let opts = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        parse_json(body)?
    };
    let policy = match params
        .get("propagationPolicy")
        .map(String::as_str)
        .or(opts["propagationPolicy"].as_str())
    {
        Some(p) => Propagation::parse(p)?,
        None if flag(params, "orphanDependents") || opts["orphanDependents"] == true => {
            Propagation::Orphan
        }
        None => Propagation::Background,
    };
    let body_dry = opts["dryRun"]
        .as_array()
        .is_some_and(|d| d.iter().any(|v| v == "All"));
    Ok((policy, dry_run(params)? || body_dry))
}

/// Schedules the simulated controllers' status write for an object that
/// needs one.
fn settle_later(shared: &Arc<Shared>, rt: &ResourceType, obj: &Value) {
    let simulated =
        shared.config.simulate_workloads && crate::simulate::simulates(&rt.group, &rt.kind);
    if simulated || !shared.config.simulate_status || progress::settled_status(obj).is_none() {
        return;
    }
    let shared = shared.clone();
    let rt = rt.clone();
    let ns = obj["metadata"]["namespace"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let name = obj["metadata"]["name"].as_str().unwrap_or("").to_owned();
    let delay = shared.config.status_delay;
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let mut store = shared.store();
        let Ok(current) = store.get(&rt, &ns, &name) else {
            return;
        };
        if let Some(status) = progress::settled_status(&current) {
            let mut update = current;
            update["status"] = status;
            // The object may have changed since: a conflict means a newer
            // write scheduled its own settling.
            let _ = store.update(&rt, &ns, &name, update, true, false);
        }
    });
}
