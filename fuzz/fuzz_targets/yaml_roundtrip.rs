//! Fuzz target `yaml_roundtrip`: see `benches::fuzz::yaml_roundtrip`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| benches::fuzz::yaml_roundtrip(data));
