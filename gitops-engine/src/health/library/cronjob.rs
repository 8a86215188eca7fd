//! `batch` CronJob.

use serde_json::Value;

use crate::health::status::HealthStatus;
use crate::object::path::{array_at, at, bool_at, str_at};

/// Health of a CronJob, judged from its last scheduled and last successful runs.
///
/// Timestamps are RFC 3339 in UTC as the API server writes them
/// (`2025-07-30T13:46:00Z`), so they order correctly as strings.
pub fn cron_job(obj: &Value) -> Option<HealthStatus> {
    if bool_at(obj, &["spec", "suspend"]) {
        return Some(HealthStatus::healthy("CronJob is Suspended"));
    }
    if at(obj, &["status"]).is_none_or(Value::is_null) {
        return Some(HealthStatus::progressing("Waiting for CronJob"));
    }
    let last_schedule = str_at(obj, &["status", "lastScheduleTime"]);
    let last_success = str_at(obj, &["status", "lastSuccessfulTime"]);
    let running = !array_at(obj, &["status", "active"]).is_empty();
    Some(if last_schedule.is_empty() {
        HealthStatus::healthy("CronJob has not been scheduled yet")
    } else if last_success.is_empty() {
        HealthStatus::healthy("The CronJob never completed successfully. It may not be healthy")
    } else if last_schedule > last_success {
        if running {
            HealthStatus::healthy(
                "The job is running. Its last execution may not have been successful",
            )
        } else {
            HealthStatus::degraded("CronJob has not completed its last execution successfully")
        }
    } else {
        HealthStatus::healthy("CronJob has completed its last execution successfully")
    })
}
