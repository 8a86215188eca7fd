//! Output helpers shared by the `app` commands: argocd's tab-aligned tables and
//! `%-20s` key/value lines, its time and duration formats, JSON/YAML printing.

use std::io::{self, Write};

use gitops_engine::diff::to_yaml;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use serde_json::Value;
use tabwriter::TabWriter;

/// A table aligned like Go's `tabwriter.NewWriter(out, minwidth, 0, 2, ' ', 0)`: cells
/// end with `\t`, columns are padded to their widest cell plus two spaces.
pub fn table<W: Write>(out: W, minwidth: usize) -> TabWriter<W> {
    TabWriter::new(out).minwidth(minwidth).padding(2)
}

/// Writes one `\t`-separated table row.
pub fn row<W: Write>(out: &mut W, cells: &[&str]) -> io::Result<()> {
    writeln!(out, "{}", cells.join("\t"))
}

/// A key/value line as argocd prints it (`%-20s%s`).
pub fn key_value<W: Write>(out: &mut W, key: &str, value: &str) -> io::Result<()> {
    writeln!(out, "{key:<20}{value}")
}

/// An RFC 3339 time as Go prints a `metav1.Time` (`2006-01-02 15:04:05 -0700 MST`, in
/// the local zone); other text unchanged.
pub fn go_time(rfc3339: &str) -> String {
    match rfc3339.parse::<Timestamp>() {
        Ok(t) => t
            .to_zoned(TimeZone::system())
            .strftime("%Y-%m-%d %H:%M:%S %z %Z")
            .to_string(),
        Err(_) => rfc3339.to_owned(),
    }
}

/// The timestamp column of the sync/wait progress table (`2006-01-02T15:04:05-07:00`, now).
pub fn progress_timestamp() -> String {
    Timestamp::now()
        .to_zoned(TimeZone::system())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Whole seconds in Go's `time.Duration` notation (`0s`, `45s`, `2m5s`, `1h0m3s`).
pub fn go_duration(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{sign}{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{sign}{m}m{s}s")
    } else {
        format!("{sign}{s}s")
    }
}

/// The Argo spelling of a serialisable enum value (`Synced`, `Healthy`, `PreSync`…);
/// empty when it does not serialise to a string.
pub fn enum_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Prints `value` as indented JSON (`-o json`) or YAML (`-o yaml`).
pub fn print_document<W: Write>(out: &mut W, value: &Value, format: &str) -> io::Result<()> {
    match format {
        "json" => {
            let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
            writeln!(out, "{text}")
        }
        _ => write!(out, "{}", to_yaml(value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_go_notation() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(59), "59s");
        assert_eq!(go_duration(125), "2m5s");
        assert_eq!(go_duration(3603), "1h0m3s");
    }

    #[test]
    fn tables_pad_columns_but_not_the_last_cell() {
        let mut t = table(Vec::new(), 0);
        row(&mut t, &["NAME", "STATUS", "MESSAGE"]).unwrap();
        row(&mut t, &["a", "Synced", "x"]).unwrap();
        t.flush().unwrap();
        let text = String::from_utf8(t.into_inner().unwrap()).unwrap();
        assert_eq!(text, "NAME  STATUS  MESSAGE\na     Synced  x\n");
    }
}
