//! Sync windows (`spec.syncWindows`): when automated and manual syncs may run.
//!
//! A window starts at every time of its 5-field cron `schedule` (minute, hour, day of
//! month, month, day of week; evaluated in `timeZone`, UTC when empty or unknown) and
//! lasts `duration` (a Go duration such as `1h30m`). Deny beats allow; see
//! [`AppProject::can_sync`]. As in Argo CD's cron library, when both day of month and
//! day of week are restricted (neither is `*` or `?`), a day matching either starts the
//! window.

use std::str::FromStr;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use jiff_cron::Schedule;
use serde::{Deserialize, Serialize};

use super::glob;
use super::model::AppProject;
use crate::app::Application;

/// A window's schedule or duration cannot be read: no sync is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    /// `schedule` is not a 5-field cron expression.
    #[error("cannot parse schedule '{schedule}': {message}")]
    Schedule {
        /// The schedule as written.
        schedule: String,
        /// What is wrong with it.
        message: String,
    },
    /// `duration` is not a Go duration.
    #[error("cannot parse duration '{duration}': {message}")]
    Duration {
        /// The duration as written.
        duration: String,
        /// What is wrong with it.
        message: String,
    },
}

/// One entry of `spec.syncWindows`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SyncWindow {
    /// `kind`: `allow` or `deny`.
    pub kind: String,
    /// `schedule`: 5-field cron expression of the window's starts.
    pub schedule: String,
    /// `duration`: how long the window stays open after each start (`1h30m`).
    pub duration: String,
    /// `applications`: app name globs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub applications: Vec<String>,
    /// `namespaces`: destination namespace globs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// `clusters`: destination cluster name or server globs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<String>,
    /// `manualSync`: manual syncs are allowed while the window blocks.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub manual_sync: bool,
    /// `timeZone`: IANA zone of the schedule (UTC when empty or unknown).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub time_zone: String,
    /// `andOperator`: every non-empty selector list must match (default: any).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub and_operator: bool,
    /// `description`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `syncOverrun`: a sync that started while syncing was allowed may go on
    /// while this window blocks. Kept as written; the controller does not yet
    /// stop running syncs when a window opens, so it behaves as if set.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sync_overrun: bool,
}

impl SyncWindow {
    fn is_deny(&self) -> bool {
        self.kind == "deny"
    }

    /// The window's schedule and duration, parsed.
    fn parsed(&self) -> Result<(Vec<Schedule>, SignedDuration), WindowError> {
        let schedules = parse_schedule(&self.schedule)?;
        let duration =
            parse_go_duration(&self.duration).map_err(|message| WindowError::Duration {
                duration: self.duration.clone(),
                message,
            })?;
        Ok((schedules, duration))
    }

    /// Argo CD's checks of one window (its kind, schedule and duration, and that it
    /// selects something), with its messages.
    pub fn validate(&self) -> Result<(), String> {
        if self.kind != "allow" && self.kind != "deny" {
            return Err(format!(
                "kind '{}' mismatch: can only be allow or deny",
                self.kind
            ));
        }
        self.parsed().map_err(|e| e.to_string())?;
        if self.applications.is_empty() && self.namespaces.is_empty() && self.clusters.is_empty() {
            return Err(format!(
                "window '{}':'{}':'{}' requires one of application, cluster or namespace",
                self.kind, self.schedule, self.duration
            ));
        }
        Ok(())
    }

    /// Whether the window is open at `now`: some start `s` has `now − duration < s < now`.
    pub fn is_active(&self, now: Timestamp) -> Result<bool, WindowError> {
        let (schedules, duration) = self.parsed()?;
        let zone = TimeZone::get(&self.time_zone).unwrap_or(TimeZone::UTC);
        let Ok(from) = now.checked_sub(duration) else {
            return Ok(false);
        };
        let from = from.to_zoned(zone);
        Ok(schedules.iter().any(|schedule| {
            schedule
                .after(from.clone())
                .next()
                .is_some_and(|start| start.timestamp() < now)
        }))
    }

    /// Whether the window concerns `app`: its name against `applications`, its
    /// destination name or server against `clusters`, its destination namespace against
    /// `namespaces`. Any non-empty list matching suffices, or with `andOperator` every
    /// non-empty list must match.
    pub fn applies_to(&self, app: &Application) -> bool {
        let dest = &app.spec.destination;
        let any = |patterns: &[String], values: &[&str]| {
            patterns
                .iter()
                .any(|p| values.iter().any(|v| glob::matches(p, v, false, false)))
        };
        let selectors = [
            (&self.applications, vec![app.metadata.name.as_str()]),
            (
                &self.clusters,
                vec![dest.server.as_str(), dest.name.as_str()],
            ),
            (&self.namespaces, vec![dest.namespace.as_str()]),
        ];
        let mut given = selectors
            .iter()
            .filter(|(patterns, _)| !patterns.is_empty());
        if self.and_operator {
            let mut all = true;
            let mut seen = false;
            for (patterns, values) in given {
                seen = true;
                all &= any(patterns, values);
            }
            seen && all
        } else {
            given.any(|(patterns, values)| any(patterns, values))
        }
    }
}

impl AppProject {
    /// The project's windows that concern `app`.
    pub fn windows_for<'a>(&'a self, app: &'a Application) -> impl Iterator<Item = &'a SyncWindow> {
        self.spec
            .sync_windows
            .iter()
            .filter(move |w| w.applies_to(app))
    }

    /// Whether `app` may sync at `now` (`manual`: a user's sync rather than an
    /// automated one). No window → yes. An active deny window → no, unless manual and
    /// every active deny window has `manualSync`. Else an active allow window → yes.
    /// Else allow windows exist (all closed) → no, unless manual and all have
    /// `manualSync`. An unreadable window allows nothing.
    pub fn can_sync(
        &self,
        app: &Application,
        manual: bool,
        now: Timestamp,
    ) -> Result<bool, WindowError> {
        let windows: Vec<&SyncWindow> = self.windows_for(app).collect();
        let mut active_deny = Vec::new();
        let mut active_allow = false;
        for window in &windows {
            if window.is_active(now)? {
                if window.is_deny() {
                    active_deny.push(*window);
                } else {
                    active_allow = true;
                }
            }
        }
        if !active_deny.is_empty() {
            return Ok(manual && active_deny.iter().all(|w| w.manual_sync));
        }
        if active_allow {
            return Ok(true);
        }
        let mut allows = windows.iter().filter(|w| !w.is_deny()).peekable();
        if allows.peek().is_none() {
            return Ok(true);
        }
        Ok(manual && allows.all(|w| w.manual_sync))
    }
}

/// Parses a 5-field cron schedule (`@` shorthands and seconds are not accepted).
/// Days of week are 0–6 from Sunday, as in standard cron. The window starts at the
/// union of the returned schedules: two when day of month and day of week are both
/// restricted (a day matching either field), else one.
fn parse_schedule(schedule: &str) -> Result<Vec<Schedule>, WindowError> {
    let error = |message: String| WindowError::Schedule {
        schedule: schedule.to_owned(),
        message,
    };
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(error(format!(
            "expected exactly 5 fields, found {}: [{}]",
            fields.len(),
            fields.join(" ")
        )));
    }
    // The cron crate counts days of week 1–7 from Sunday and wants a seconds field.
    let days_of_week = fields[4]
        .split(',')
        .map(sunday_one_based)
        .collect::<Vec<_>>()
        .join(",");
    let (minute, hour, day, month) = (fields[0], fields[1], fields[2], fields[3]);
    let day_pairs = if unrestricted(day) || unrestricted(fields[4]) {
        vec![(day, days_of_week.as_str())]
    } else {
        vec![(day, "*"), ("*", days_of_week.as_str())]
    };
    day_pairs
        .into_iter()
        .map(|(day, weekday)| {
            Schedule::from_str(&format!("0 {minute} {hour} {day} {month} {weekday}"))
                .map_err(|e| error(e.to_string()))
        })
        .collect()
}

/// Whether a cron day field leaves the day free, as robfig/cron decides it: some
/// item is `*` or `?` with no step above 1.
fn unrestricted(field: &str) -> bool {
    field.split(',').any(|item| {
        let (range, step) = item.split_once('/').unwrap_or((item, "1"));
        let low = range.split('-').next().unwrap_or(range);
        (low == "*" || low == "?") && step.parse::<u32>().is_ok_and(|n| n <= 1)
    })
}

/// Shifts the day numbers of one day-of-week list item (`1-5`, `0/2`, `MON`) from
/// Sunday = 0 to Sunday = 1; a step after `/` stays as written.
fn sunday_one_based(item: &str) -> String {
    let (range, step) = match item.split_once('/') {
        Some((range, step)) => (range, Some(step)),
        None => (item, None),
    };
    let shifted: Vec<String> = range
        .split('-')
        .map(|day| match day.parse::<u8>() {
            Ok(n) => (u16::from(n) + 1).to_string(),
            Err(_) => day.to_owned(),
        })
        .collect();
    let mut out = shifted.join("-");
    if let Some(step) = step {
        out.push('/');
        out.push_str(step);
    }
    out
}

/// Parses a Go duration (`1h30m`, `90s`, `1.5h`); a bare `0` is zero.
fn parse_go_duration(text: &str) -> Result<SignedDuration, String> {
    if text == "0" {
        return Ok(SignedDuration::ZERO);
    }
    if text.is_empty() || text.contains(char::is_whitespace) {
        return Err("invalid duration".to_owned());
    }
    text.parse::<SignedDuration>().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_survives_a_round_trip() {
        let written = serde_json::json!({
            "kind": "deny", "schedule": "0 22 * * *", "duration": "8h",
            "applications": ["*-prod"], "namespaces": ["shop"], "clusters": ["in-cluster"],
            "manualSync": true, "timeZone": "Europe/Berlin", "andOperator": true,
            "description": "nightly freeze", "syncOverrun": true,
        });
        let window: SyncWindow = serde_json::from_value(written.clone()).unwrap();
        assert!(window.sync_overrun);
        assert_eq!(serde_json::to_value(&window).unwrap(), written);
    }

    #[test]
    fn go_durations_parse() {
        assert_eq!(
            parse_go_duration("1h30m"),
            Ok(SignedDuration::from_mins(90))
        );
        assert_eq!(parse_go_duration("8h"), Ok(SignedDuration::from_hours(8)));
        assert_eq!(parse_go_duration("90s"), Ok(SignedDuration::from_secs(90)));
        assert!(parse_go_duration("").is_err());
        assert!(parse_go_duration("soon").is_err());
    }

    #[test]
    fn schedules_have_five_fields_and_sunday_zero() {
        assert!(parse_schedule("0 22 * * *").is_ok());
        assert!(parse_schedule("0 0 22 * * *").is_err());
        assert!(parse_schedule("@daily").is_err());
        assert_eq!(sunday_one_based("1-5"), "2-6");
        assert_eq!(sunday_one_based("0/2"), "1/2");
        assert_eq!(sunday_one_based("MON"), "MON");
        assert_eq!(parse_schedule("0 0 1 * 1").map(|s| s.len()), Ok(2));
        assert_eq!(parse_schedule("0 0 */2 * 1").map(|s| s.len()), Ok(2));
        assert_eq!(parse_schedule("0 0 * * 1").map(|s| s.len()), Ok(1));
        let err = parse_schedule("0 25 * * *").unwrap_err().to_string();
        assert!(
            err.starts_with("cannot parse schedule '0 25 * * *': "),
            "{err}"
        );
    }

    /// Argo CD (robfig/cron): with day of month and day of week both restricted, a day
    /// matching either starts the window; with one of them `*`, the other decides.
    #[test]
    fn restricted_day_of_month_or_week_either_starts_the_window() {
        let window = |schedule: &str| SyncWindow {
            kind: "deny".into(),
            schedule: schedule.into(),
            duration: "1h".into(),
            ..SyncWindow::default()
        };
        let at = |text: &str| text.parse::<Timestamp>().expect("timestamp");
        // 2026-12-07 is a Monday, 2026-12-01 a Tuesday, 2026-12-02 a Wednesday.
        let first_or_monday = window("0 0 1 * 1");
        assert_eq!(
            first_or_monday.is_active(at("2026-12-07T00:30:00Z")),
            Ok(true)
        );
        assert_eq!(
            first_or_monday.is_active(at("2026-12-01T00:30:00Z")),
            Ok(true)
        );
        assert_eq!(
            first_or_monday.is_active(at("2026-12-02T00:30:00Z")),
            Ok(false)
        );
        let mondays = window("0 0 * * 1");
        assert_eq!(mondays.is_active(at("2026-12-07T00:30:00Z")), Ok(true));
        assert_eq!(mondays.is_active(at("2026-12-01T00:30:00Z")), Ok(false));
    }
}
