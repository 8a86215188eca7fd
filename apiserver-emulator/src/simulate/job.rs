//! The job controller: `parallelism` Pods at a time until `completions`
//! have succeeded, suspension, and status as `pkg/controller/job` writes
//! it (Kubernetes 1.31+: `SuccessCriteriaMet` first, then, in the next
//! sync, `Complete`).

use serde_json::{Map, Value, json};

use super::{
    Pass, PodName, condition, count, counters, create_pod, has_true_condition, meta, pod_ready,
    remove, set_condition, write_status,
};
use crate::store::Store;

const COMPLETIONS_REACHED: &str = "Reached expected number of succeeded pods";

/// Syncs one Job whose live Pods are `pods`.
pub(super) fn sync(store: &mut Store, pass: &mut Pass, job: &Value, pods: Vec<Value>) {
    if super::deleting(job)
        || has_true_condition(job, "Complete")
        || has_true_condition(job, "Failed")
    {
        return;
    }
    let finished =
        |p: &Value| matches!(p["status"]["phase"].as_str(), Some("Succeeded" | "Failed"));
    let (done, mut active): (Vec<Value>, Vec<Value>) = pods.into_iter().partition(finished);
    let counted = done
        .iter()
        .filter(|p| p["status"]["phase"] == "Succeeded")
        .count();
    let succeeded = counted.max(count(&job["status"]["succeeded"]).unwrap_or(0));
    let mut conditions: Vec<Value> = job["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut status = Map::new();
    if job["spec"]["suspend"] == true {
        for pod in active.drain(..) {
            remove(store, &pass.t.pods, &pod);
        }
        set_condition(
            &mut conditions,
            job_condition("Suspended", true, "JobSuspended", "Job suspended", pass.now),
        );
    } else {
        if condition(job, "Suspended").is_some() {
            set_condition(
                &mut conditions,
                job_condition("Suspended", false, "JobResumed", "Job resumed", pass.now),
            );
        }
        let start = job["status"]["startTime"]
            .as_str()
            .map_or_else(|| pass.time(), str::to_owned);
        status.insert("startTime".into(), start.into());
        run(store, pass, job, &mut active, succeeded);
        let completions = count(&job["spec"]["completions"]);
        let complete = active.is_empty() && completions.map_or(succeeded > 0, |c| succeeded >= c);
        if complete {
            if condition(job, "SuccessCriteriaMet").is_none() {
                set_condition(
                    &mut conditions,
                    job_condition(
                        "SuccessCriteriaMet",
                        true,
                        "CompletionsReached",
                        COMPLETIONS_REACHED,
                        pass.now,
                    ),
                );
            } else {
                set_condition(
                    &mut conditions,
                    job_condition(
                        "Complete",
                        true,
                        "CompletionsReached",
                        COMPLETIONS_REACHED,
                        pass.now,
                    ),
                );
                status.insert("completionTime".into(), pass.time().into());
            }
        }
    }
    let ready = active.iter().filter(|p| pod_ready(p)).count();
    status.extend(counters(
        &[("ready", ready), ("terminating", 0)],
        &[("active", active.len()), ("succeeded", succeeded)],
    ));
    status.insert("uncountedTerminatedPods".into(), json!({}));
    if !conditions.is_empty() {
        status.insert("conditions".into(), conditions.into());
    }
    write_status(store, &pass.t.jobs, job, Value::Object(status));
}

/// Creates or deletes Pods so that as many run as `parallelism` allows
/// and the remaining completions need.
fn run(store: &mut Store, pass: &mut Pass, job: &Value, active: &mut Vec<Value>, succeeded: usize) {
    let parallelism = count(&job["spec"]["parallelism"]).unwrap_or(1);
    let want = match count(&job["spec"]["completions"]) {
        Some(c) => parallelism.min(c.saturating_sub(succeeded)),
        // A work queue: no new Pods once one succeeded.
        None if succeeded > 0 => 0,
        None => parallelism,
    };
    let (name, uid) = (meta(job, "name"), meta(job, "uid"));
    let labels = [
        ("batch.kubernetes.io/controller-uid", uid.to_owned()),
        ("batch.kubernetes.io/job-name", name.to_owned()),
        ("controller-uid", uid.to_owned()),
        ("job-name", name.to_owned()),
    ];
    while active.len() < want {
        let generate = PodName::Generate(format!("{name}-"));
        match create_pod(
            store,
            pass,
            job,
            &job["spec"]["template"],
            generate,
            &labels,
            |_| {},
        ) {
            Some(pod) => active.push(pod),
            None => break,
        }
    }
    if active.len() > want {
        active.sort_by_key(pod_ready);
        for pod in active.drain(..active.len() - want) {
            remove(store, &pass.t.pods, &pod);
        }
    }
}

/// A condition as the job controller writes it.
fn job_condition(
    kind: &str,
    status: bool,
    reason: &str,
    message: &str,
    now: jiff::Timestamp,
) -> Value {
    let time = crate::meta::timestamp(now);
    json!({
        "type": kind,
        "status": if status { "True" } else { "False" },
        "lastProbeTime": time,
        "lastTransitionTime": time,
        "reason": reason,
        "message": message,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::testing::Sandbox;

    fn job(completions: usize, parallelism: usize, image: &str) -> Value {
        json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "migrate", "namespace": "default"},
            "spec": {"completions": completions, "parallelism": parallelism,
                "template": {"spec": {"restartPolicy": "Never",
                    "containers": [{"name": "migrate", "image": image}]}}}})
    }

    fn types(job: &Value) -> Vec<String> {
        job["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| c["type"].as_str().unwrap_or("").to_owned())
            .collect()
    }

    #[test]
    fn runs_parallelism_pods_until_completions_succeed() {
        let mut sandbox = Sandbox::new();
        sandbox.create(job(3, 2, "task:1"));
        let rv = sandbox.store.resource_version();
        sandbox.settle(20);
        let written: Vec<Value> = sandbox
            .store
            .events_since(rv)
            .expect("events kept")
            .iter()
            .filter(|e| e.plural == "jobs")
            .map(|e| e.object.clone())
            .collect();
        let most_active = written
            .iter()
            .filter_map(|j| j["status"]["active"].as_u64())
            .max();
        assert_eq!(most_active, Some(2));
        let conditions: Vec<Vec<String>> = written.iter().map(types).collect();
        let met = conditions.iter().position(|c| *c == ["SuccessCriteriaMet"]);
        let complete = conditions
            .iter()
            .position(|c| *c == ["SuccessCriteriaMet", "Complete"]);
        assert!(met.is_some() && met < complete, "{conditions:?}");
        let job = sandbox.get("batch/v1", "Job", "migrate");
        assert_eq!(types(&job), ["SuccessCriteriaMet", "Complete"]);
        assert_eq!(job["status"]["succeeded"], 3);
        assert!(job["status"]["active"].is_null());
        assert!(job["status"]["startTime"].is_string());
        assert!(job["status"]["completionTime"].is_string());
        let complete = &job["status"]["conditions"][1];
        assert_eq!(complete["reason"], "CompletionsReached");
        assert_eq!(
            complete["message"],
            "Reached expected number of succeeded pods"
        );
        let pods = sandbox.pods();
        assert_eq!(pods.len(), 3);
        for pod in &pods {
            assert_eq!(pod["status"]["phase"], "Succeeded");
            assert_eq!(
                pod["metadata"]["labels"]["batch.kubernetes.io/job-name"],
                "migrate"
            );
            assert_eq!(
                pod["status"]["containerStatuses"][0]["state"]["terminated"]["reason"],
                "Completed"
            );
        }
        assert_eq!(sandbox.settle(5), 0, "a finished Job is left alone");
    }

    #[test]
    fn a_pod_that_never_pulls_keeps_the_job_active() {
        let mut sandbox = Sandbox::new();
        sandbox.create(job(1, 1, "task:broken"));
        sandbox.settle(20);
        let job = sandbox.get("batch/v1", "Job", "migrate");
        assert_eq!(job["status"]["active"], 1);
        assert_eq!(job["status"]["ready"], 0);
        assert!(types(&job).is_empty());
    }

    #[test]
    fn a_suspended_job_runs_no_pods() {
        let mut sandbox = Sandbox::new();
        let mut suspended = job(1, 1, "task:1");
        suspended["spec"]["suspend"] = true.into();
        sandbox.create(suspended);
        sandbox.settle(20);
        assert!(sandbox.pods().is_empty());
        let job = sandbox.get("batch/v1", "Job", "migrate");
        assert_eq!(types(&job), ["Suspended"]);
        assert_eq!(job["status"]["conditions"][0]["reason"], "JobSuspended");
        sandbox.edit("batch/v1", "Job", "migrate", |j| {
            j["spec"]["suspend"] = false.into()
        });
        sandbox.settle(20);
        let job = sandbox.get("batch/v1", "Job", "migrate");
        assert_eq!(types(&job), ["Suspended", "SuccessCriteriaMet", "Complete"]);
        assert_eq!(job["status"]["conditions"][0]["status"], "False");
        assert_eq!(job["status"]["conditions"][0]["reason"], "JobResumed");
    }
}
