//! Sprig's date functions and Go's time formatting.

/// Go's `time.Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`.
pub(crate) fn go_time_string(t: &jiff::Zoned) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S%.f %z %Z").to_string()
}

/// RFC 3339 with nanoseconds as Go's JSON encoding of a time.
pub(crate) fn rfc3339(t: &jiff::Zoned) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.f%:z").to_string()
}
